"""The live map: ``/carte`` (Leaflet, with a plain list for readers without JavaScript),
``/carte/evenements.geojson`` (the agenda's filters plus ``bbox=west,south,east,north``), and
``/carte/flux``, a Server-Sent Events stream of changes.

The stream polls the database rather than listening to this process, so it sees what other web
processes, workers, the CLI and the federation write. Each poll asks for events whose
``published_at``, ``updated_at`` or ``deleted_at`` is recent (with an overlap for transactions
that commit late) or whose id is new (a remote event keeps its origin's timestamps), then sends
what changed since the last message: ``upsert``, ``cancel`` or ``delete``, each carrying a
GeoJSON feature. Message ids are stream positions (``<instant>_<event id>``) so that a browser
reconnecting with ``Last-Event-ID`` resumes where it stopped; a position too old gets a
``reload`` message instead. A stream lives for ``STREAM_LIFETIME`` and then ends: the browser
reconnects by itself. A client that goes away cancels it (Starlette listens for the
disconnect). At shutdown, :func:`stop_live_streams` ends every stream at its next poll; a
server that gives the app no warning (uvicorn waits for open responses before the lifespan
shutdown) cancels them after its graceful-shutdown delay instead. Between polls a stream holds
no database connection.

Leaflet and Leaflet.markercluster come from the XStatic-Leaflet and
XStatic-Leaflet-MarkerCluster packages, served by :func:`vendor_mounts`.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import anyio
import xstatic.pkg.leaflet as xstatic_leaflet
import xstatic.pkg.leaflet_markercluster as xstatic_markercluster
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from storage.columns import utcnow
from storage.queries.agenda import (
    MAP_LIMIT,
    AgendaItem,
    AgendaPage,
    BBox,
    agenda_page,
    changed_events,
    events_among,
    latest_event_id,
    map_events,
    parse_position,
    position_token,
)
from storage.tables import Event, EventStatus
from web.i18n import _
from web.pages.agenda import (
    Filters,
    category_labels,
    finite_number,
    form_context,
    read_filters,
    status_labels,
    zone_of,
)
from web.state import page_context, region_of, sessions_of, templates_of
from web.templating import event_when

log = logging.getLogger(__name__)

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors"
GEOJSON_TYPE = "application/geo+json"
VENDOR_PREFIX = "/static/vendor"

POLL_SECONDS = 2.0
KEEPALIVE_SECONDS = 15.0
STREAM_LIFETIME = 600.0  # seconds; the browser reconnects afterwards
RETRY_MILLISECONDS = 3000
LATE_COMMIT = timedelta(seconds=10)  # how late a transaction may commit and still be seen
MAX_RESUME = timedelta(hours=1)  # older positions get a "reload" message
MAX_CHANGES = 1000  # per poll; more means a bulk import: the client reloads


def stop_live_streams(app: Any) -> None:
    """Ask every open ``/carte/flux`` stream of ``app`` to end at its next poll (the browsers
    reconnect, to another process or after the restart)."""
    app.state.map_streams_closing = True


def _closing(request: Request) -> bool:
    return bool(getattr(request.app.state, "map_streams_closing", False))


def vendor_mounts() -> list[Mount]:
    """``/static/vendor/leaflet/…`` and ``/static/vendor/leaflet.markercluster/…``, served from
    the installed packages (place them before the ``/static`` mount)."""
    return [
        Mount(
            f"{VENDOR_PREFIX}/leaflet",
            StaticFiles(directory=xstatic_leaflet.BASE_DIR),
            name="vendor_leaflet",
        ),
        Mount(
            f"{VENDOR_PREFIX}/leaflet.markercluster",
            StaticFiles(directory=xstatic_markercluster.BASE_DIR),
            name="vendor_markercluster",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# GeoJSON


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _point(event: Event) -> dict[str, Any] | None:
    if event.latitude is None or event.longitude is None:
        return None
    return {"type": "Point", "coordinates": [event.longitude, event.latitude]}


def feature(item: AgendaItem, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """An event as a GeoJSON feature; times carry the offset of the event's own zone."""
    event = item.event
    zone = _zone(event.timezone)
    return {
        "type": "Feature",
        "id": event.uri,
        "geometry": _point(event),
        "properties": {
            "uri": event.uri,
            "url": event.url or event.uri,
            "title": event.title,
            "starts_at": event.starts_at.astimezone(zone).isoformat(),
            "ends_at": event.ends_at.astimezone(zone).isoformat() if event.ends_at else None,
            "timezone": event.timezone,
            "when": event_when(event.starts_at, event.ends_at, zone.key),
            "city": event.city,
            "online": bool(event.online_url),
            "category": event.category,
            "category_label": labels["categories"].get(event.category or "", event.category),
            "status": event.status,
            "status_label": labels["statuses"].get(event.status),
            "organiser": item.organiser.name or item.organiser.username,
            "local": event.local,
            "origin": event.origin_domain,
        },
    }


def removal(event: Event) -> dict[str, Any]:
    """What a client needs to drop a marker, and nothing more (the event may be private)."""
    return {"type": "Feature", "id": event.uri, "geometry": None, "properties": {"uri": event.uri}}


def _labels() -> dict[str, dict[str, str]]:
    return {"categories": category_labels(), "statuses": status_labels()}


def parse_bbox(raw: str) -> BBox:
    """``west,south,east,north`` in degrees; ``ValueError`` with a message for the visitor."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValueError(_("bbox attend quatre nombres : ouest,sud,est,nord."))
    try:
        west, south, east, north = (finite_number(p) for p in parts)
    except ValueError:
        raise ValueError(_("bbox attend quatre nombres : ouest,sud,est,nord.")) from None
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValueError(_("bbox : les longitudes sont comprises entre -180 et 180."))
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ValueError(_("bbox : les latitudes sont comprises entre -90 et 90."))
    if south > north:
        raise ValueError(_("bbox : le sud doit être au plus égal au nord."))
    return BBox(west, south, east, north)


def _bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def _first_error(filters: Filters) -> str:
    name, message = next(iter(filters.errors.items()))
    return f"{name} : {message}"


async def events_geojson(request: Request) -> Response:
    """``GET /carte/evenements.geojson``: at most ``MAP_LIMIT`` located events, soonest first."""
    now = utcnow()
    bbox: BBox | None = None
    if "bbox" in request.query_params:
        try:
            bbox = parse_bbox(request.query_params["bbox"])
        except ValueError as error:
            return _bad_request(str(error))
    async with sessions_of(request)() as session:
        region = await region_of(session)
        filters = read_filters(request.query_params, zone=zone_of(region), now=now)
        if filters.errors:
            return _bad_request(_first_error(filters))
        stream_from = position_token(now, await latest_event_id(session))
        items, truncated = await map_events(
            session, replace(filters.where, bbox=bbox), now=now, limit=MAP_LIMIT
        )
    labels = _labels()
    body = {
        "type": "FeatureCollection",
        "features": [feature(item, labels) for item in items],
        "limit": MAP_LIMIT,
        "truncated": truncated,
        "stream_from": stream_from,
    }
    return JSONResponse(body, media_type=GEOJSON_TYPE, headers={"Cache-Control": "no-cache"})


# ---------------------------------------------------------------------------------------------
# The page


def _map_settings(request: Request) -> tuple[str, str]:
    settings = request.app.state.settings
    tiles = getattr(settings, "map_tiles_url", None) or DEFAULT_TILES_URL
    attribution = getattr(settings, "map_attribution", None) or DEFAULT_ATTRIBUTION
    return str(tiles), str(attribution)


async def map_page(request: Request) -> Response:
    """``GET /carte``: the map, and below it the same events as a list (paged)."""
    now = utcnow()
    async with sessions_of(request)() as session:
        context = await page_context(request, session)
        filters = read_filters(request.query_params, zone=zone_of(context["region"]), now=now)
        page = AgendaPage([], None)
        if not filters.errors:
            located = replace(filters.where, located_only=True)
            page = await agenda_page(session, located, now=now, after=filters.after)
    tiles, attribution = _map_settings(request)
    region = context["region"]
    config = {
        "tiles": tiles,
        "attribution": attribution,
        "center": [region.center_lat, region.center_lon],
        "zoom": region.zoom,
        "bounds": [
            [region.bounds_south, region.bounds_west], [region.bounds_north, region.bounds_east],
        ],
        "geojson": "/carte/evenements.geojson" + filters.query(),
        "stream": "/carte/flux" + filters.query(),
        "vendor": f"{VENDOR_PREFIX}/leaflet/",
        "labels": {
            "by": _("Organisé par"),
            "from": _("depuis %(domain)s"),
            "online": _("En ligne"),
            "added": _("Carte mise à jour : %(title)s"),
            "removed": _("Retiré de la carte : %(title)s"),
            "cancelled": _("Annulé : %(title)s"),
            "truncated": _(
                "Seuls les %(count)s premiers événements sont affichés : zoomez ou filtrez."
            ),
            "show": _("Voir sur la carte"),
            "show_named": _("Voir sur la carte : %(title)s"),
            "live": _("Mises à jour en direct actives."),
            "offline": _("Mises à jour en direct interrompues, nouvelle tentative…"),
        },
    }
    context.update(form_context(filters), page=page, map_config=config, attribution=attribution)
    return templates_of(request).TemplateResponse(
        request, "map.html", context, status_code=400 if filters.errors else 200
    )


# ---------------------------------------------------------------------------------------------
# Live updates


@dataclass
class Watch:
    """How far one stream has read, and what it already sent (to send each change once)."""

    since: datetime  # changes stamped after this instant (less LATE_COMMIT) are looked at
    id_floor: int  # rows with a larger id are looked at, whatever their stamps
    sent: dict[int, tuple[tuple[Any, ...], datetime]] = field(default_factory=dict)
    recent_ids: deque[tuple[datetime, int]] = field(default_factory=deque)

    def position(self) -> str:
        return position_token(self.since, self.id_floor)

    def advance(self, now: datetime, largest_id: int) -> None:
        """After a poll at ``now``: keep looking ``LATE_COMMIT`` back, in time and in ids."""
        self.since = now
        self.recent_ids.append((now, largest_id))
        while self.recent_ids and self.recent_ids[0][0] <= now - LATE_COMMIT:
            _when, old_largest = self.recent_ids.popleft()
            self.id_floor = max(self.id_floor, old_largest)
        horizon = now - LATE_COMMIT
        settled = [
            i for i, (_v, stamp) in self.sent.items() if i <= self.id_floor and stamp <= horizon
        ]
        for event_id in settled:
            del self.sent[event_id]


def sse(
    kind: str | None,
    data: Any = None,
    *,
    event_id: str | None = None,
    comment: str | None = None,
) -> str:
    """One Server-Sent Events block (``None`` fields are left out)."""
    lines = []
    if comment is not None:
        lines.append(f": {comment}")
    if kind is not None:
        lines.append(f"event: {kind}")
    if data is not None:
        lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    if event_id is not None:
        lines.append(f"id: {event_id}")
    return "\n".join(lines) + "\n\n"


async def poll(
    session: AsyncSession, watch: Watch, where: Any, *, now: datetime
) -> list[tuple[str, dict[str, Any]]] | None:
    """The messages for what changed since the last poll; ``None`` if too much changed."""
    changes = await changed_events(
        session, since=watch.since - LATE_COMMIT, above_id=watch.id_floor, limit=MAX_CHANGES
    )
    if len(changes) >= MAX_CHANGES:
        return None
    fresh = [c for c in changes if watch.sent.get(c.event.id or 0, (None,))[0] != c.version]
    ids = [c.event.id for c in fresh if c.event.id is not None]
    matching = {item.event.id: item for item in await events_among(session, where, ids, now=now)}
    labels = _labels()
    messages: list[tuple[str, dict[str, Any]]] = []
    for change in fresh:
        event_id = change.event.id
        assert event_id is not None
        item = matching.get(event_id)
        if item is None:
            messages.append(("delete", removal(change.event)))
        elif item.event.status == EventStatus.CANCELLED:
            messages.append(("cancel", feature(item, labels)))
        else:
            messages.append(("upsert", feature(item, labels)))
        watch.sent[event_id] = (change.version, change.stamp)
    largest = max((c.event.id or 0 for c in changes), default=watch.id_floor)
    watch.advance(now, max(largest, watch.id_floor))
    return messages


async def _start(
    sessions: async_sessionmaker[AsyncSession], resume: str | None, now: datetime
) -> tuple[Watch, bool]:
    """Where a stream starts, and whether the client must reload everything first."""
    async with sessions() as session:
        latest = await latest_event_id(session)
    if resume:
        try:
            instant, event_id = parse_position(resume)
        except ValueError:
            return Watch(now, latest), True
        if now - MAX_RESUME <= instant <= now + LATE_COMMIT and event_id <= latest:
            return Watch(instant, event_id), False
        return Watch(now, latest), True
    return Watch(now, latest), False


async def _messages(
    request: Request, where: Any, resume: str | None
) -> AsyncIterator[str]:
    sessions = sessions_of(request)
    watch, reload = await _start(sessions, resume, utcnow())
    started = last_write = time.monotonic()
    yield f"retry: {RETRY_MILLISECONDS}\n" + sse(
        "reload" if reload else "hello", {}, event_id=watch.position()
    )
    while time.monotonic() - started < STREAM_LIFETIME:
        await anyio.sleep(POLL_SECONDS)
        if _closing(request):
            return
        now = utcnow()
        try:
            async with sessions() as session:
                messages = await poll(session, watch, where, now=now)
        except (SQLAlchemyError, OSError) as error:
            log.warning("map stream: database unavailable, closing", extra={"error": repr(error)})
            return
        if messages is None:
            async with sessions() as session:
                watch = Watch(now, await latest_event_id(session))
            yield sse("reload", {}, event_id=watch.position())
            last_write = time.monotonic()
        elif messages:
            for index, (kind, data) in enumerate(messages):
                last = index == len(messages) - 1
                yield sse(kind, data, event_id=watch.position() if last else None)
            last_write = time.monotonic()
        elif time.monotonic() - last_write >= KEEPALIVE_SECONDS:
            yield sse(None, event_id=watch.position(), comment="keep-alive")
            last_write = time.monotonic()


async def live_updates(request: Request) -> Response:
    """``GET /carte/flux``: Server-Sent Events for the map, with the agenda's filters."""
    now = utcnow()
    async with sessions_of(request)() as session:
        region = await region_of(session)
    filters = read_filters(request.query_params, zone=zone_of(region), now=now)
    if filters.errors:
        return _bad_request(_first_error(filters))
    where = replace(filters.where, located_only=True)
    resume = request.headers.get("last-event-id") or request.query_params.get("depuis")
    return StreamingResponse(
        _messages(request, where, resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
