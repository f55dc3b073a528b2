"""What every JSON API endpoint shares, for the events of :mod:`web.api` and the publications
of :mod:`web.api_posts`.

``endpoint`` wraps a handler: it checks the ``Authorization: Bearer <token>`` header, opens a
session, and turns errors into JSON answers ``{"error": message}`` (plus ``"field"`` on 422):
``ApiError`` carries its own status; ``Invalid`` is 422, ``Forbidden`` 403, ``NotFound`` 404,
``Conflict`` 409. ``read_json_body`` reads a request body (an object, at most ``MAX_BODY``
bytes), ``string_field`` and ``strings_field`` read its fields, ``iso_datetime`` writes
times, and ``publishing_username`` picks the actor a new event or publication is published as.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from echofed.errors import Conflict, Forbidden, Invalid, NotFound
from echofed.services.tokens import account_for_api_token, account_people
from storage.tables import Account
from web.state import sessions_of

MAX_BODY = 256 * 1024


class ApiError(Exception):
    """An answer with its own status (400, 401, 404, 410, 413, 415, 422…) and message."""
    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    headers = {"WWW-Authenticate": 'Bearer realm="echofed"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


async def _account(request: Request, session: AsyncSession) -> Account:
    header = request.headers.get("authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if not header:
        raise ApiError(401, "jeton d'accès manquant (Authorization: Bearer …)")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "en-tête Authorization invalide : Bearer <jeton> attendu")
    account = await account_for_api_token(session, secret.strip())
    if account is None:
        raise ApiError(401, "jeton d'accès invalide ou révoqué")
    return account


def endpoint(handler: Callable[[Request, AsyncSession, Account], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate, open a session, and turn domain errors into JSON answers."""

    async def run(request: Request) -> Response:
        try:
            async with sessions_of(request)() as session:
                account = await _account(request, session)
                await session.commit()  # the token's last-use time; ends the read
                return await handler(request, session, account)
        except ApiError as exc:
            return _error(exc.status, exc.message, exc.field)
        except Invalid as exc:
            return _error(422, exc.reason, exc.field)
        except Forbidden as exc:
            return _error(403, exc.public_message)
        except NotFound as exc:
            return _error(404, exc.public_message)
        except Conflict as exc:
            return _error(409, exc.public_message)

    return run


def iso_datetime(value: datetime | None, zone: str) -> str | None:
    """``value`` in ISO 8601, in ``zone`` (UTC if the zone is unknown); ``None`` stays ``None``."""
    if value is None:
        return None
    try:
        return value.astimezone(ZoneInfo(zone)).isoformat()
    except (ZoneInfoNotFoundError, ValueError):
        return value.astimezone(UTC).isoformat()


async def read_json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object: 415 if not JSON, 413 above ``MAX_BODY``, 400 unreadable."""
    if "json" not in request.headers.get("content-type", ""):
        raise ApiError(415, "corps JSON attendu (Content-Type: application/json)")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise ApiError(413, f"corps trop volumineux ({MAX_BODY // 1024} Kio au plus)")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise ApiError(413, f"corps trop volumineux ({MAX_BODY // 1024} Kio au plus)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"JSON invalide : {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(422, "un objet JSON est attendu", field="body")
    return data


def string_field(data: dict[str, Any], name: str, *, required: bool = False, field: str | None = None) -> str | None:
    """A string field; ``Invalid`` (naming ``field``, else ``name``) if it is not a string, or
    if it is missing and ``required``."""
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid(field or name, "champ obligatoire")
        return None
    if not isinstance(value, str):
        raise Invalid(field or name, "chaîne de caractères attendue")
    return value


def strings_field(data: dict[str, Any], name: str) -> tuple[str, ...]:
    """A list of strings (absent or null: empty)."""
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(name, "liste de chaînes attendue")
    return tuple(value)


async def publishing_username(session: AsyncSession, account: Account, data: dict[str, Any]) -> str:
    """The ``actor`` field of a new event or publication, by default the account's own person
    (whether the account may publish as it is checked by ``publishing_actor``)."""
    username = string_field(data, "actor")
    if username is None:
        assert account.id is not None
        people = await account_people(session, account.id)
        if not people:
            raise Invalid("actor", "précisez l'acteur au nom duquel publier")
        username = people[0].username
    return username
