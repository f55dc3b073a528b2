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

What every endpoint shares (the token, JSON bodies, errors) is in :mod:`web.api_endpoint`;
the OpenAPI document, in :mod:`web.openapi`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from echofed.errors import Forbidden, Invalid, NotFound
from echofed.services.outbox import schedule_recorded
from echofed.services.publishing import (
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
from storage.columns import utcnow
from storage.queries.actors import local_actor
from storage.queries.feeds import EventFilter, EventRow, event_row, feed_events
from storage.tables import Account, Actor, EventStatus, Place, Visibility
from web.api_endpoint import (
    ApiError,
    endpoint,
    iso_datetime,
    publishing_username,
    read_json_body,
    string_field,
    strings_field,
)
from web.state import region_of, runtime_of

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


# ---------------------------------------------------------------------------------------------
# Representations


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
        "start": iso_datetime(event.starts_at, zone),
        "end": iso_datetime(event.ends_at, zone),
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
        "published_at": iso_datetime(event.published_at, "UTC"),
        "updated_at": iso_datetime(event.updated_at, "UTC"),
    }


def _event_body(row: EventRow) -> dict[str, Any]:
    """An existing event in the input format, for PATCH to merge changes into."""
    event = row.event
    place = _place_json(row.place)
    if place is not None:
        place = {k: v for k, v in place.items() if v not in (None, "")}
    return {
        "title": event.title, "start": iso_datetime(event.starts_at, event.timezone),
        "end": iso_datetime(event.ends_at, event.timezone), "timezone": event.timezone,
        "all_day": event.all_day, "description": event.source_md or "", "place": place,
        "online_url": event.online_url, "category": event.category, "tags": list(event.tags),
        "audience": list(event.audience), "price": event.price,
        "accessibility": event.accessibility, "image_url": event.image_url,
        "image_alt": event.image_alt, "capacity": event.capacity,
        "join_mode": event.join_mode, "registration_url": event.registration_url,
    }


# ---------------------------------------------------------------------------------------------
# Reading bodies


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
        name=string_field(value, "name", field="place.name") or "",
        street=string_field(value, "street", field="place.street") or string_field(value, "address", field="place.address") or "",
        postcode=str(postcode) if isinstance(postcode, (str, int)) and not isinstance(postcode, bool) else "",
        city=string_field(value, "city", field="place.city") or "",
        region=string_field(value, "region", field="place.region") or "",
        country=string_field(value, "country", field="place.country") or "FR",
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
        title=string_field(data, "title", required=True) or "",
        start=string_field(data, "start", required=True) or "",
        end=string_field(data, "end"),
        timezone=string_field(data, "timezone"),
        all_day=all_day,
        description_md=string_field(data, "description") or "",
        place=_place_input(data.get("place")),
        online_url=string_field(data, "online_url"),
        category=string_field(data, "category"),
        tags=strings_field(data, "tags"),
        audience=strings_field(data, "audience"),
        price=string_field(data, "price"),
        accessibility=string_field(data, "accessibility") or "",
        image_url=string_field(data, "image_url"),
        image_alt=string_field(data, "image_alt") or "",
        capacity=capacity,
        join_mode=string_field(data, "join_mode") or "free",
        registration_url=string_field(data, "registration_url"),
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


async def _create_event(request: Request, session: AsyncSession, account: Account) -> Response:
    data = await read_json_body(request)
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
    changes = await read_json_body(request)
    row = await _row_for(request, session)
    uri = row.event.uri
    if "actor" in changes:
        raise Invalid("actor", "l'organisateur d'un événement ne change pas")
    status = string_field(changes, "status")
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
