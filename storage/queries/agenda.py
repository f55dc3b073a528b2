"""What the agenda and the map read: public, not yet ended events narrowed by a visitor's
filters, paged by keyset (``starts_at``, ``id``), and the changes a live map must hear about.

Distances: a latitude/longitude box narrows the rows in SQL (the ``ix_event_lat_lon`` index),
then the exact great-circle distance is computed in Python, so SQLite and PostgreSQL behave
alike without a spatial extension.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, bindparam, func, or_
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.feeds import json_array_has_any
from storage.tables import Actor, Event, Visibility

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LATITUDE = 111.32
PAGE_SIZE = 30
MAP_LIMIT = 2000


class Origin(StrEnum):
    LOCAL = "local"  # published on this instance
    REMOTE = "remote"  # received from followed regions and actors
    ALL = "all"


class Period(StrEnum):
    TODAY = "today"
    WEEKEND = "weekend"  # Saturday and Sunday
    WEEK = "week"  # until Sunday night (weeks start on Monday)
    MONTH = "month"  # until the end of the calendar month


@dataclass(frozen=True, slots=True)
class Circle:
    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class BBox:
    """West, south, east, north in degrees; ``west > east`` crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True, slots=True)
class AgendaFilter:
    """A visitor's narrowing of the agenda. Empty tuples, ``None`` and ``False`` mean "any"."""

    running_from: datetime | None = None  # still running at or after this instant
    starts_before: datetime | None = None  # starting strictly before this instant
    categories: tuple[str, ...] = ()  # any of
    audiences: tuple[str, ...] = ()  # any of
    free_only: bool = False
    online_only: bool = False
    city: str | None = None  # case-insensitive
    near: Circle | None = None
    origin: Origin = Origin.ALL
    bbox: BBox | None = None
    located_only: bool = False  # has coordinates (the map)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: the (starts_at, id) of its last event."""

    starts_at: datetime
    event_id: int

    def token(self) -> str:
        return position_token(self.starts_at, self.event_id)

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """Read ``2031-08-09T19:00:00Z_42``; ``ValueError`` if malformed."""
        instant, event_id = parse_position(token)
        return cls(instant, event_id)


@dataclass(frozen=True, slots=True)
class AgendaItem:
    event: Event
    organiser: Actor
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class AgendaPage:
    items: list[AgendaItem]
    next: Cursor | None  # None on the last page


@dataclass(frozen=True, slots=True)
class Change:
    """An event row that was created, edited or deleted after some instant."""

    event: Event
    stamp: datetime  # the latest of its published, updated and deleted instants

    @property
    def version(self) -> tuple[Any, ...]:
        e = self.event
        return (e.updated_at, e.published_at, e.deleted_at, e.status, e.visibility)


# ---------------------------------------------------------------------------------------------
# Pure helpers


def iso_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def position_token(instant: datetime, event_id: int) -> str:
    """``<UTC instant>_<event id>``: a page cursor, or how far a live stream has read."""
    return f"{iso_utc(instant)}_{event_id}"


def parse_position(token: str) -> tuple[datetime, int]:
    """The inverse of :func:`position_token`; ``ValueError`` if malformed."""
    instant_text, sep, id_text = token.strip().rpartition("_")
    if not sep or not id_text.isdigit() or len(token) > 80:
        raise ValueError(f"malformed position {token!r}")
    instant = datetime.fromisoformat(instant_text)
    if instant.tzinfo is None:
        raise ValueError(f"position without a time zone {token!r}")
    return instant.astimezone(UTC), int(id_text)


def period_bounds(period: Period, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The [start, end) instants of a named period, in calendar days of ``zone``."""
    today = now.astimezone(zone).date()

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone)

    if period is Period.TODAY:
        return midnight(today), midnight(today + timedelta(days=1))
    if period is Period.WEEKEND:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:  # Sunday: the weekend under way
            saturday = today - timedelta(days=1)
        return midnight(saturday), midnight(saturday + timedelta(days=2))
    if period is Period.WEEK:
        return midnight(today), midnight(today + timedelta(days=7 - today.weekday()))
    first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return midnight(today), midnight(first_next)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(circle: Circle) -> BBox:
    """A box that contains the circle (longitudes span everything near the poles)."""
    d_lat = circle.radius_km / KM_PER_DEGREE_LATITUDE
    south = max(-90.0, circle.latitude - d_lat)
    north = min(90.0, circle.latitude + d_lat)
    widest = max(abs(south), abs(north))
    cos_lat = math.cos(math.radians(widest))
    if widest >= 89.0 or cos_lat <= 0:
        return BBox(-180.0, south, 180.0, north)
    d_lon = circle.radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat)
    if d_lon >= 180.0:
        return BBox(-180.0, south, 180.0, north)
    west = circle.longitude - d_lon
    east = circle.longitude + d_lon
    if west < -180.0:
        west += 360.0
    if east > 180.0:
        east -= 360.0
    return BBox(west, south, east, north)


# ---------------------------------------------------------------------------------------------
# SQL


def _in_box(box: BBox) -> Any:
    latitude = col(Event.latitude)
    longitude = col(Event.longitude)
    conditions = [latitude >= box.south, latitude <= box.north]
    if box.west <= box.east:
        if (box.west, box.east) != (-180.0, 180.0):
            conditions += [longitude >= box.west, longitude <= box.east]
        else:
            conditions.append(longitude.is_not(None))
    else:
        conditions.append(or_(longitude >= box.west, longitude <= box.east))
    return and_(*conditions)


class Part(StrEnum):
    """The two index ranges that make up "not yet ended" at some floor instant. Every running
    event starts before the floor and every upcoming one at or after it, so reading the running
    part then the upcoming part, each in (starts_at, id) order, is the agenda's order."""

    RUNNING = "running"  # started before the floor, not ended: ix_event_running
    UPCOMING = "upcoming"  # starting at or after the floor: ix_event_agenda


# Agenda, map and search pages never read the stored ActivityStreams documents, the Markdown
# source or the keys: leaving them out halves what a 2,000-feature map loads.
LIGHT = (
    defer(Event.raw),  # type: ignore[arg-type]
    defer(Event.source_md),  # type: ignore[arg-type]
    defer(Actor.raw),  # type: ignore[arg-type]
    defer(Actor.public_key_pem),  # type: ignore[arg-type]
    defer(Actor.private_key_pem),  # type: ignore[arg-type]
)


def running_ids(floor: datetime, starts_before: datetime | None = None) -> Any:
    """Ids of events under way at ``floor``, as a materialized CTE. The fence matters: left
    inline, both databases take the two ranges as independent, expect a large share of the
    table and walk the agenda index from the oldest event instead (seconds at a million)."""
    ids = select(Event.id).where(
        col(Event.deleted_at).is_(None),
        col(Event.ends_at) >= floor,
        col(Event.starts_at) < floor,
    )
    if starts_before is not None:
        ids = ids.where(col(Event.starts_at) < starts_before)
    return select(ids.cte("running").prefix_with("MATERIALIZED").c.id)


def in_part(part: Part | None, floor: datetime, starts_before: datetime | None = None) -> Any:
    """The condition for one part, or for both (``None``: not yet ended, one OR)."""
    if part is Part.RUNNING:
        return col(Event.id).in_(running_ids(floor, starts_before))
    if part is Part.UPCOMING:
        return col(Event.starts_at) >= floor
    return or_(col(Event.ends_at) >= floor, col(Event.starts_at) >= floor)


async def read_in_order(session: AsyncSession, queries: Sequence[Any], limit: int) -> list[Any]:
    """Rows of each query in turn, each asked only for what is still missing, until ``limit``:
    for queries over consecutive ranges of one order (running, upcoming, past…)."""
    found: list[Any] = []
    for query in queries:
        found.extend((await session.exec(query.limit(limit - len(found)))).all())
        if len(found) >= limit:
            break
    return found


def _floor(where: AgendaFilter, now: datetime) -> datetime:
    return max(now, where.running_from) if where.running_from is not None else now


def _filtered(where: AgendaFilter, now: datetime, part: Part | None = None) -> Any:
    floor = _floor(where, now)
    query = (
        select(Event, Actor)
        .join(Actor, col(Actor.id) == Event.actor_id)
        .where(
            col(Event.deleted_at).is_(None),
            col(Actor.deleted_at).is_(None),
            Event.visibility == Visibility.PUBLIC,
            in_part(part, floor, where.starts_before),
        )
        .options(*LIGHT)
    )
    if where.starts_before is not None:
        query = query.where(col(Event.starts_at) < where.starts_before)
    if where.categories:
        query = query.where(col(Event.category).in_(list(where.categories)))
    if where.audiences:
        values = [bindparam(None, v, type_=String) for v in where.audiences]
        query = query.where(json_array_has_any(col(Event.audience), *values))
    if where.free_only:
        query = query.where(col(Event.is_free).is_(True))
    if where.online_only:
        query = query.where(col(Event.online_url).is_not(None), col(Event.online_url) != "")
    if where.city:
        query = query.where(func.lower(col(Event.city)) == where.city.strip().lower())
    if where.origin is Origin.LOCAL:
        query = query.where(col(Event.local).is_(True))
    elif where.origin is Origin.REMOTE:
        query = query.where(col(Event.local).is_(False))
    if where.located_only:
        query = query.where(col(Event.latitude).is_not(None), col(Event.longitude).is_not(None))
    if where.bbox is not None:
        query = query.where(_in_box(where.bbox))
    if where.near is not None:
        query = query.where(_in_box(bounding_box(where.near)))
    return query


def _after(cursor: Cursor) -> Any:
    return or_(
        col(Event.starts_at) > cursor.starts_at,
        and_(col(Event.starts_at) == cursor.starts_at, col(Event.id) > cursor.event_id),
    )


def _kept(event: Event, organiser: Actor, near: Circle | None) -> AgendaItem | None:
    if near is None:
        return AgendaItem(event, organiser)
    if event.latitude is None or event.longitude is None:
        return None
    distance = haversine_km(near.latitude, near.longitude, event.latitude, event.longitude)
    return AgendaItem(event, organiser, distance) if distance <= near.radius_km else None


async def _scan(
    session: AsyncSession,
    where: AgendaFilter,
    *,
    now: datetime,
    wanted: int,
    after: Cursor | None = None,
) -> list[AgendaItem]:
    """Up to ``wanted`` matching events in agenda order; with a distance filter the rows are
    read in batches until enough of them fall inside the circle."""
    found: list[AgendaItem] = []
    batch = wanted if where.near is None else max(wanted * 2, 100)
    floor = _floor(where, now)
    for part in Part:
        position = after
        if part is Part.RUNNING and position is not None and position.starts_at >= floor:
            continue  # the cursor is already among upcoming events
        while len(found) < wanted:
            query = _filtered(where, now, part)
            if position is not None:
                query = query.where(_after(position))
            query = query.order_by(col(Event.starts_at), col(Event.id)).limit(batch)
            rows = (await session.exec(query)).all()
            for event, organiser in rows:
                item = _kept(event, organiser, where.near)
                if item is not None:
                    found.append(item)
                    if len(found) == wanted:
                        break
            if len(rows) < batch:
                break
            last_event = rows[-1][0]
            assert last_event.id is not None
            position = Cursor(last_event.starts_at, last_event.id)
    return found


async def agenda_page(
    session: AsyncSession,
    where: AgendaFilter,
    *,
    now: datetime,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> AgendaPage:
    """One page of the agenda, soonest first, and the cursor of the next page if any."""
    limit = max(1, min(limit, 200))
    items = await _scan(session, where, now=now, wanted=limit + 1, after=after)
    if len(items) <= limit:
        return AgendaPage(items, None)
    last = items[limit - 1].event
    assert last.id is not None
    return AgendaPage(items[:limit], Cursor(last.starts_at, last.id))


async def map_events(
    session: AsyncSession, where: AgendaFilter, *, now: datetime, limit: int = MAP_LIMIT
) -> tuple[list[AgendaItem], bool]:
    """Events with coordinates for the map, soonest first; ``True`` when ``limit`` cut some."""
    items = await _scan(session, replace(where, located_only=True), now=now, wanted=limit + 1)
    return items[:limit], len(items) > limit


async def events_among(
    session: AsyncSession, where: AgendaFilter, ids: Sequence[int], *, now: datetime
) -> list[AgendaItem]:
    """Which of these events match ``where`` at ``now``."""
    if not ids:
        return []
    query = _filtered(where, now).where(col(Event.id).in_(list(ids)))
    rows = (await session.exec(query.order_by(col(Event.starts_at), col(Event.id)))).all()
    return [item for e, a in rows if (item := _kept(e, a, where.near)) is not None]


async def changed_events(
    session: AsyncSession, *, since: datetime, above_id: int, limit: int = 1000
) -> list[Change]:
    """Events published, updated or deleted after ``since``, or stored with an id above
    ``above_id`` (a remote event keeps its origin's timestamps, which may be old)."""
    query = (
        select(Event)
        .where(
            or_(
                col(Event.updated_at) > since,
                col(Event.published_at) > since,
                col(Event.deleted_at) > since,
                col(Event.id) > above_id,
            )
        )
        .order_by(col(Event.id))
        .limit(limit)
    )
    changes = []
    for event in (await session.exec(query)).all():
        stamps = [event.updated_at, event.published_at]
        if event.deleted_at is not None:
            stamps.append(event.deleted_at)
        changes.append(Change(event, max(stamps)))
    return changes


async def latest_event_id(session: AsyncSession) -> int:
    latest = (await session.exec(select(func.max(Event.id)))).one()
    return int(latest or 0)

