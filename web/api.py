"""The JSON API, for institutions that push events from their own systems.

    GET    /api/v1/events              upcoming events; category, city, from, to, limit, cursor
    POST   /api/v1/events              create (as an actor the token's account may publish for)
    GET    /api/v1/events/{uuid}       one event
    PATCH  /api/v1/events/{uuid}       change some fields (and ``status``)
    DELETE /api/v1/events/{uuid}       delete (followers receive a Delete)
    POST /api/v1/posts                      publish an article, resource, offer or call (web.api_posts)
    GET|PATCH|DELETE /api/v1/posts/{uuid}   a publication (see web.api_posts)
    GET    /api/v1/actors/{username}   a local actor
    GET    /api/v1/openapi.json        this API described in OpenAPI 3.1 (no token needed)

Every other call needs ``Authorization: Bearer <token>`` (tokens are created on /compte).
Event bodies use the same fields as ``echofed event create --json``. Errors are JSON:
``{"error": message}``, plus ``"field"`` on 422 (invalid input): 401 without or with a bad
token, 403 for an actor or event the account may not publish for, 404 unknown, 410 deleted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from echofed.errors import Conflict, Forbidden, Invalid, NotFound
from echofed.services.outbox import schedule_recorded
from echofed.services.publishing import (
    AUDIENCES,
    CATEGORIES,
    EventInput,
    PlaceInput,
    create_event,
    delete_event,
    local_event,
    publishing_actor,
    set_event_status,
    update_event,
)
from echofed.services.tokens import account_for_api_token, account_people
from storage.columns import utcnow
from storage.queries.actors import local_actor
from storage.queries.feeds import EventFilter, EventRow, event_row, feed_events
from storage.tables import Account, Actor, EventStatus, Place, Visibility
from web.state import region_of, runtime_of, sessions_of

MAX_BODY = 256 * 1024
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
EVENT_FIELDS = {
    "title", "start", "end", "timezone", "all_day", "description", "place", "online_url",
    "category", "tags", "audience", "price", "accessibility", "image_url", "image_alt",
    "capacity", "join_mode", "registration_url", "actor",
}
PATCH_ONLY = {"status"}
PLACE_FIELDS = {
    "name", "street", "address", "postcode", "city", "region", "country", "lat", "lon",
    "latitude", "longitude",
}


class ApiError(Exception):
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


# ---------------------------------------------------------------------------------------------
# Representations


def _iso(value: datetime | None, zone: str) -> str | None:
    if value is None:
        return None
    try:
        return value.astimezone(ZoneInfo(zone)).isoformat()
    except (ZoneInfoNotFoundError, ValueError):
        return value.astimezone(UTC).isoformat()


def _place_json(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {
        "name": place.name, "street": place.street, "postcode": place.postcode,
        "city": place.city, "region": place.region, "country": place.country,
        "lat": place.latitude, "lon": place.longitude,
    }


def event_uuid(request: Request, uri: str) -> str | None:
    prefix = runtime_of(request).urls.event("")
    return uri[len(prefix):] if uri.startswith(prefix) else None


def event_json(request: Request, row: EventRow) -> dict[str, Any]:
    event, actor = row.event, row.actor
    zone = event.timezone
    return {
        "id": event_uuid(request, event.uri) if event.local else None,
        "uri": event.uri,
        "url": event.url or event.uri,
        "local": event.local,
        "status": event.status,
        "title": event.title,
        "start": _iso(event.starts_at, zone),
        "end": _iso(event.ends_at, zone),
        "timezone": zone,
        "all_day": event.all_day,
        "description": event.source_md or "",
        "content_html": event.content_html,
        "place": _place_json(row.place),
        "online_url": event.online_url,
        "category": event.category,
        "tags": list(event.tags),
        "audience": list(event.audience),
        "price": event.price,
        "is_free": event.is_free,
        "accessibility": event.accessibility,
        "image_url": event.image_url,
        "image_alt": event.image_alt,
        "capacity": event.capacity,
        "join_mode": event.join_mode,
        "registration_url": event.registration_url,
        "actor": actor.username if actor.local else None,
        "organizer": {
            "username": actor.username, "domain": actor.domain, "name": actor.name,
            "uri": actor.uri, "url": actor.url or actor.uri, "handle": actor.handle,
        },
        "published_at": _iso(event.published_at, "UTC"),
        "updated_at": _iso(event.updated_at, "UTC"),
    }


def _event_body(row: EventRow) -> dict[str, Any]:
    """An existing event in the input format, for PATCH to merge changes into."""
    event = row.event
    place = _place_json(row.place)
    if place is not None:
        place = {k: v for k, v in place.items() if v not in (None, "")}
    return {
        "title": event.title, "start": _iso(event.starts_at, event.timezone),
        "end": _iso(event.ends_at, event.timezone), "timezone": event.timezone,
        "all_day": event.all_day, "description": event.source_md or "", "place": place,
        "online_url": event.online_url, "category": event.category, "tags": list(event.tags),
        "audience": list(event.audience), "price": event.price,
        "accessibility": event.accessibility, "image_url": event.image_url,
        "image_alt": event.image_alt, "capacity": event.capacity,
        "join_mode": event.join_mode, "registration_url": event.registration_url,
    }


# ---------------------------------------------------------------------------------------------
# Reading bodies


async def _json_body(request: Request) -> dict[str, Any]:
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


def _string(data: dict[str, Any], name: str, *, required: bool = False, field: str | None = None) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise Invalid(field or name, "champ obligatoire")
        return None
    if not isinstance(value, str):
        raise Invalid(field or name, "chaîne de caractères attendue")
    return value


def _strings(data: dict[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(name, "liste de chaînes attendue")
    return tuple(value)


def _number(data: dict[str, Any], name: str, field: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(field, "nombre attendu")
    return float(value)


def _place_input(value: Any) -> PlaceInput | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid("place", "objet attendu")
    unknown = sorted(set(value) - PLACE_FIELDS)
    if unknown:
        raise Invalid(f"place.{unknown[0]}", "champ inconnu")
    lat = _number(value, "lat", "place.lat") if "lat" in value else _number(value, "latitude", "place.lat")
    lon = _number(value, "lon", "place.lon") if "lon" in value else _number(value, "longitude", "place.lon")
    postcode = value.get("postcode")
    return PlaceInput(
        name=_string(value, "name", field="place.name") or "",
        street=_string(value, "street", field="place.street") or _string(value, "address", field="place.address") or "",
        postcode=str(postcode) if isinstance(postcode, (str, int)) and not isinstance(postcode, bool) else "",
        city=_string(value, "city", field="place.city") or "",
        region=_string(value, "region", field="place.region") or "",
        country=_string(value, "country", field="place.country") or "FR",
        latitude=lat,
        longitude=lon,
    )


def event_input(data: dict[str, Any]) -> EventInput:
    """The CLI's ``--json`` event format → EventInput; ``Invalid`` names the faulty field."""
    unknown = sorted(set(data) - EVENT_FIELDS - PATCH_ONLY)
    if unknown:
        raise Invalid(unknown[0], "champ inconnu")
    all_day = data.get("all_day", False)
    if not isinstance(all_day, bool):
        raise Invalid("all_day", "booléen attendu")
    capacity = data.get("capacity")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)):
        raise Invalid("capacity", "nombre entier attendu")
    return EventInput(
        title=_string(data, "title", required=True) or "",
        start=_string(data, "start", required=True) or "",
        end=_string(data, "end"),
        timezone=_string(data, "timezone"),
        all_day=all_day,
        description_md=_string(data, "description") or "",
        place=_place_input(data.get("place")),
        online_url=_string(data, "online_url"),
        category=_string(data, "category"),
        tags=_strings(data, "tags"),
        audience=_strings(data, "audience"),
        price=_string(data, "price"),
        accessibility=_string(data, "accessibility") or "",
        image_url=_string(data, "image_url"),
        image_alt=_string(data, "image_alt") or "",
        capacity=capacity,
        join_mode=_string(data, "join_mode") or "free",
        registration_url=_string(data, "registration_url"),
    )


# ---------------------------------------------------------------------------------------------
# Events


def _moment(value: str | None, name: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time(0), tzinfo=zone)
            return moment + timedelta(days=1) if end_of_day else moment
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(name, "date AAAA-MM-JJ ou date-heure ISO 8601 attendue") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _cursor(row: EventRow) -> str:
    raw = f"{row.event.starts_at.isoformat()}|{row.event.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _sep, event_id = raw.partition("|")
        return datetime.fromisoformat(moment), int(event_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor", "curseur invalide") from None


async def _list_events(request: Request, session: AsyncSession, account: Account) -> Response:
    params = request.query_params
    zone = ZoneInfo((await region_of(session)).timezone)
    category = params.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise Invalid("category", "une de : " + ", ".join(CATEGORIES))
    since = _moment(params.get("from"), "from", zone, end_of_day=False)
    until = _moment(params.get("to"), "to", zone, end_of_day=True)
    if since is not None and until is not None and until <= since:
        raise Invalid("to", "« to » précède « from »")
    try:
        limit = int(params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise Invalid("limit", "nombre entier attendu") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("limit", f"entre 1 et {MAX_LIMIT}")
    where = EventFilter(
        categories=(category,) if category else (), city=(params.get("city") or "").strip() or None,
        ends_after=since or utcnow(), starts_before=until,
    )
    rows = await feed_events(session, where, limit=limit + 1, after=_after(params.get("cursor")))
    page, more = rows[:limit], len(rows) > limit
    next_url = None
    if more:
        query = dict(params)
        query["cursor"] = _cursor(page[-1])
        next_url = str(request.url.replace_query_params(**query))
    return JSONResponse({"items": [event_json(request, row) for row in page], "next": next_url})


async def publishing_username(session: AsyncSession, account: Account, data: dict[str, Any]) -> str:
    """The ``actor`` field of a new event or publication, by default the account's own person
    (whether the account may publish as it is checked by ``publishing_actor``)."""
    username = _string(data, "actor")
    if username is None:
        assert account.id is not None
        people = await account_people(session, account.id)
        if not people:
            raise Invalid("actor", "précisez l'acteur au nom duquel publier")
        username = people[0].username
    return username


async def _create_event(request: Request, session: AsyncSession, account: Account) -> Response:
    data = await _json_body(request)
    if "status" in data:
        raise Invalid("status", "à changer ensuite par PATCH")
    username = await publishing_username(session, account, data)
    event_data = event_input(data)
    urls = runtime_of(request).urls
    region_zone = (await region_of(session)).timezone
    await session.commit()
    async with session.begin():
        try:
            actor = await publishing_actor(session, username, account)
        except NotFound as exc:
            raise Invalid("actor", exc.public_message) from None
        event = await create_event(session, urls, actor, event_data, default_timezone=region_zone)
        uri = event.uri
    await schedule_recorded(session, request.app.state.fed.scheduler)
    row = await event_row(session, uri)
    assert row is not None
    return JSONResponse(
        event_json(request, row), status_code=201, headers={"Location": row.event.url or uri}
    )


async def _row_for(request: Request, session: AsyncSession) -> EventRow:
    row = await event_row(session, runtime_of(request).urls.event(request.path_params["uuid"]))
    if row is None:
        raise ApiError(404, "événement introuvable")
    if row.event.deleted_at is not None:
        raise ApiError(410, "cet événement a été supprimé")
    return row


async def _get_event(request: Request, session: AsyncSession, account: Account) -> Response:
    row = await _row_for(request, session)
    if row.event.visibility != Visibility.PUBLIC:
        await publishing_actor(session, row.actor.username, account)
    return JSONResponse(event_json(request, row))


async def _patch_event(request: Request, session: AsyncSession, account: Account) -> Response:
    changes = await _json_body(request)
    row = await _row_for(request, session)
    uri = row.event.uri
    if "actor" in changes:
        raise Invalid("actor", "l'organisateur d'un événement ne change pas")
    status = _string(changes, "status")
    if status is not None and status not in {s.value for s in EventStatus}:
        raise Invalid("status", "scheduled, cancelled, postponed ou tentative")
    merged = {**_event_body(row), **{k: v for k, v in changes.items() if k != "status"}}
    data = event_input(merged)
    urls = runtime_of(request).urls
    region_zone = (await region_of(session)).timezone
    await session.commit()
    async with session.begin():
        await local_event(session, uri)
        if set(changes) - {"status"}:
            await update_event(session, urls, uri, data, account=account, default_timezone=region_zone)
        if status is not None:
            await set_event_status(session, urls, uri, status, account=account)
        elif not set(changes) - {"status"}:
            await publishing_actor(session, row.actor.username, account)
    await schedule_recorded(session, request.app.state.fed.scheduler)
    session.expire_all()
    updated = await event_row(session, uri)
    assert updated is not None
    return JSONResponse(event_json(request, updated))


async def _delete_event(request: Request, session: AsyncSession, account: Account) -> Response:
    row = await _row_for(request, session)
    uri = row.event.uri
    await session.commit()
    async with session.begin():
        await delete_event(session, runtime_of(request).urls, uri, account=account)
    await schedule_recorded(session, request.app.state.fed.scheduler)
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------------
# Actors


async def _get_actor(request: Request, session: AsyncSession, account: Account) -> Response:
    actor = await local_actor(session, request.path_params["username"])
    if actor is None or actor.kind == "Application":
        raise ApiError(404, "acteur introuvable")
    try:
        await publishing_actor(session, actor.username, account)
        may_publish = True
    except Forbidden:
        may_publish = False
    return JSONResponse(actor_json(actor, may_publish=may_publish))


def actor_json(actor: Actor, *, may_publish: bool) -> dict[str, Any]:
    return {
        "username": actor.username, "handle": actor.handle, "kind": actor.kind,
        "name": actor.name, "summary_html": actor.summary, "uri": actor.uri,
        "url": actor.url or actor.uri, "city": actor.city, "website": actor.website,
        "icon_url": actor.icon_url, "followers_url": actor.followers_url,
        "may_publish": may_publish,
    }


# ---------------------------------------------------------------------------------------------
# Routing


async def events(request: Request) -> Response:
    handler = _create_event if request.method == "POST" else _list_events
    return await endpoint(handler)(request)


async def event(request: Request) -> Response:
    handler = {"GET": _get_event, "PATCH": _patch_event, "DELETE": _delete_event}[request.method]
    return await endpoint(handler)(request)


async def actor(request: Request) -> Response:
    return await endpoint(_get_actor)(request)


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(runtime_of(request).urls.base))


# ---------------------------------------------------------------------------------------------
# The OpenAPI 3.1 description (written by hand; tests validate it and compare it to the routes)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": _ref(schema)}}
    return answer


_ERRORS = {
    "401": _answer("Jeton manquant, invalide ou révoqué", "Error"),
    "403": _answer("Le compte ne peut pas publier pour cet acteur", "Error"),
}
_NULLABLE_STRING = {"type": ["string", "null"]}
_PLACE_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string"}, "street": {"type": "string"}, "postcode": {"type": "string"},
    "city": {"type": "string"}, "region": {"type": "string"},
    "country": {"type": "string", "description": "Code pays, FR par défaut"},
    "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
    "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
}
_INPUT_PROPERTIES: dict[str, Any] = {
    "actor": {"type": "string", "description": "Identifiant de l'acteur local (personne ou organisation) ; par défaut, le profil du compte"},
    "title": {"type": "string", "maxLength": 300},
    "start": {"type": "string", "description": "ISO 8601 ; sans décalage, heure du fuseau de l'événement", "examples": ["2031-08-09T21:00"]},
    "end": _NULLABLE_STRING,
    "timezone": {"type": ["string", "null"], "description": "Nom IANA ; celui de la région par défaut", "examples": ["Europe/Paris"]},
    "all_day": {"type": "boolean"},
    "description": {"type": "string", "description": "Markdown"},
    "place": {"oneOf": [_ref("PlaceInput"), {"type": "null"}]},
    "online_url": {"type": ["string", "null"], "format": "uri"},
    "category": {"type": ["string", "null"], "enum": [*CATEGORIES, None]},
    "tags": {"type": "array", "items": {"type": "string"}},
    "audience": {"type": "array", "items": {"type": "string", "enum": list(AUDIENCES)}},
    "price": _NULLABLE_STRING,
    "accessibility": {"type": "string"},
    "image_url": {"type": ["string", "null"], "format": "uri"},
    "image_alt": {"type": "string"},
    "capacity": {"type": ["integer", "null"], "minimum": 1},
    "join_mode": {"type": "string", "enum": ["free", "restricted", "external"]},
    "registration_url": {"type": ["string", "null"], "format": "uri"},
}
_STATUS = {"type": "string", "enum": [s.value for s in EventStatus]}


def openapi_document(base_url: str) -> dict[str, Any]:
    from web import api_posts  # it builds on this module, hence imported here

    uuid_parameter = {
        "name": "uuid", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "L'identifiant de l'événement (fin de son URL /events/{uuid})",
    }
    json_body = lambda schema: {
        "required": True, "content": {"application/json": {"schema": _ref(schema)}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "echofed API",
            "version": "1.0.0",
            "summary": "Publier et lire les événements d'une instance régionale echofed",
            "description": (
                "Les jetons se créent sur la page /compte et s'envoient dans l'en-tête "
                "`Authorization: Bearer …`. Les erreurs sont des objets `Error` ; une entrée "
                "invalide (422) nomme le champ fautif dans `field`."
            ),
        },
        "servers": [{"url": base_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Événements à venir (ou en cours), les plus proches d'abord",
                    "parameters": [
                        {"name": "category", "in": "query", "schema": {"type": "string", "enum": list(CATEGORIES)}},
                        {"name": "city", "in": "query", "schema": {"type": "string"}},
                        {"name": "from", "in": "query", "description": "AAAA-MM-JJ ou date-heure ISO 8601 (par défaut : maintenant)", "schema": {"type": "string"}},
                        {"name": "to", "in": "query", "description": "AAAA-MM-JJ (inclus) ou date-heure ISO 8601", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
                        {"name": "cursor", "in": "query", "description": "Reprise après la page précédente (voir `next`)", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": _answer("Une page d'événements", "EventPage"),
                        "401": _ERRORS["401"],
                        "422": _answer("Filtre invalide", "Error"),
                    },
                },
                "post": {
                    "operationId": "createEvent",
                    "summary": "Publier un événement (fédéré aux abonné·es)",
                    "requestBody": json_body("EventInput"),
                    "responses": {
                        "201": {**_answer("Créé", "Event"), "headers": {"Location": {"schema": {"type": "string"}}}},
                        "400": _answer("JSON illisible", "Error"),
                        **_ERRORS,
                        "413": _answer("Corps trop volumineux", "Error"),
                        "415": _answer("Corps non JSON", "Error"),
                        "422": _answer("Champ invalide", "Error"),
                    },
                },
            },
            "/api/v1/events/{uuid}": {
                "parameters": [uuid_parameter],
                "get": {
                    "operationId": "getEvent",
                    "summary": "Un événement",
                    "responses": {
                        "200": _answer("L'événement", "Event"),
                        "401": _ERRORS["401"],
                        "404": _answer("Inconnu", "Error"),
                        "410": _answer("Supprimé", "Error"),
                    },
                },
                "patch": {
                    "operationId": "updateEvent",
                    "summary": "Modifier certains champs (les autres restent), ou l'état",
                    "requestBody": json_body("EventPatch"),
                    "responses": {
                        "200": _answer("L'événement modifié", "Event"),
                        **_ERRORS,
                        "404": _answer("Inconnu ou pas d'ici", "Error"),
                        "410": _answer("Supprimé", "Error"),
                        "422": _answer("Champ invalide", "Error"),
                    },
                },
                "delete": {
                    "operationId": "deleteEvent",
                    "summary": "Supprimer (les abonné·es reçoivent une suppression)",
                    "responses": {
                        "204": {"description": "Supprimé"},
                        **_ERRORS,
                        "404": _answer("Inconnu", "Error"),
                        "410": _answer("Déjà supprimé", "Error"),
                    },
                },
            },
            **api_posts.openapi_paths(_ERRORS),
            "/api/v1/actors/{username}": {
                "get": {
                    "operationId": "getActor",
                    "summary": "Un acteur local (personne, organisation, groupe)",
                    "parameters": [{"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": _answer("L'acteur", "Actor"),
                        "401": _ERRORS["401"],
                        "404": _answer("Inconnu", "Error"),
                    },
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "Ce document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Jeton créé sur /compte"},
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {
                        "error": {"type": "string", "description": "Message lisible"},
                        "field": {"type": "string", "description": "Le champ fautif (422)"},
                    },
                },
                "PlaceInput": {"type": "object", "additionalProperties": False, "properties": {
                    **_PLACE_PROPERTIES,
                    "address": {"type": "string", "description": "Synonyme de street"},
                    "latitude": {"type": "number"}, "longitude": {"type": "number"},
                }},
                "Place": {"type": "object", "properties": _PLACE_PROPERTIES},
                "EventInput": {
                    "type": "object", "additionalProperties": False, "required": ["title", "start"],
                    "properties": _INPUT_PROPERTIES,
                },
                "EventPatch": {
                    "type": "object", "additionalProperties": False,
                    "properties": {
                        **{k: v for k, v in _INPUT_PROPERTIES.items() if k != "actor"},
                        "status": _STATUS,
                    },
                },
                "Organizer": {"type": "object", "properties": {
                    "username": {"type": "string"}, "domain": {"type": "string"},
                    "name": {"type": "string"}, "uri": {"type": "string"},
                    "url": {"type": "string"}, "handle": {"type": "string"},
                }},
                "Event": {
                    "type": "object",
                    "required": ["uri", "title", "start", "timezone", "status", "organizer"],
                    "properties": {
                        "id": {"type": ["string", "null"], "description": "Pour /api/v1/events/{uuid} (événements locaux)"},
                        "uri": {"type": "string"}, "url": {"type": "string"},
                        "local": {"type": "boolean"}, "status": _STATUS,
                        **{k: v for k, v in _INPUT_PROPERTIES.items() if k not in ("actor", "place")},
                        "actor": _NULLABLE_STRING,
                        "place": {"oneOf": [_ref("Place"), {"type": "null"}]},
                        "content_html": {"type": "string"},
                        "is_free": {"type": "boolean"},
                        "organizer": _ref("Organizer"),
                        "published_at": {"type": "string", "format": "date-time"},
                        "updated_at": {"type": "string", "format": "date-time"},
                    },
                },
                "EventPage": {
                    "type": "object", "required": ["items", "next"],
                    "properties": {
                        "items": {"type": "array", "items": _ref("Event")},
                        "next": {"type": ["string", "null"], "description": "URL de la page suivante"},
                    },
                },
                **api_posts.openapi_schemas(),
                "Actor": {
                    "type": "object",
                    "properties": {
                        "username": {"type": "string"}, "handle": {"type": "string"},
                        "kind": {"type": "string", "enum": ["Person", "Organization", "Group"]},
                        "name": {"type": "string"}, "summary_html": {"type": "string"},
                        "uri": {"type": "string"}, "url": {"type": "string"},
                        "city": _NULLABLE_STRING, "website": _NULLABLE_STRING,
                        "icon_url": _NULLABLE_STRING, "followers_url": _NULLABLE_STRING,
                        "may_publish": {"type": "boolean", "description": "Ce jeton peut publier pour cet acteur"},
                    },
                },
            },
        },
    }
