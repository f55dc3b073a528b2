"""What the calendar (ICS) and news (RSS/Atom) feeds read: public events with their organiser
and place, and publications with their author.

Every query is bounded by a limit and accepts a keyset cursor, so a feed never loads an
unbounded table and a caller can page without OFFSET.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, and_, bindparam, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Actor, Event, Place, Post, Visibility

MAX_LIMIT = 500


class json_array_has_any(FunctionElement[bool]):
    """``json_array_has_any(column, v1, v2…)``: the JSON array of strings in ``column`` holds at
    least one of the values. JSONB ``?|`` on PostgreSQL, ``json_each`` on SQLite."""

    type = Boolean()
    inherit_cache = True
    name = "json_array_has_any"


@compiles(json_array_has_any)
def _has_any_sqlite(element: json_array_has_any, compiler: SQLCompiler, **kw: Any) -> str:
    column, *values = list(element.clauses)
    listed = ", ".join(compiler.process(value, **kw) for value in values)
    return (
        f"EXISTS (SELECT 1 FROM json_each({compiler.process(column, **kw)}) "
        f"WHERE json_each.value IN ({listed}))"
    )


@compiles(json_array_has_any, "postgresql")
def _has_any_postgresql(element: json_array_has_any, compiler: SQLCompiler, **kw: Any) -> str:
    column, *values = list(element.clauses)
    listed = ", ".join(compiler.process(value, **kw) for value in values)
    return f"({compiler.process(column, **kw)} ?| CAST(ARRAY[{listed}] AS TEXT[]))"


def _has_any(column: Any, values: Sequence[str]) -> json_array_has_any:
    return json_array_has_any(column, *(bindparam(None, v, type_=String) for v in values))


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Narrowing of the agenda. Empty tuples and ``None`` mean "no condition"."""

    categories: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()  # any of
    tags: tuple[str, ...] = ()  # any of (stored lower-case)
    city: str | None = None  # case-insensitive
    online: bool | None = None  # True: has an online link; False: has none
    ends_after: datetime | None = None  # still running or starting at/after this instant
    starts_before: datetime | None = None  # starting strictly before this instant
    actor_id: int | None = None


@dataclass(frozen=True, slots=True)
class EventRow:
    event: Event
    actor: Actor
    place: Place | None


@dataclass(frozen=True, slots=True)
class PostRow:
    post: Post
    actor: Actor


def _clamp(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _event_rows(rows: Sequence[Any]) -> list[EventRow]:
    return [EventRow(event, actor, place) for event, actor, place in rows]


def _events_base() -> Any:
    return (
        select(Event, Actor, Place)
        .join(Actor, col(Actor.id) == Event.actor_id)
        .outerjoin(Place, col(Place.id) == Event.place_id)
        .where(col(Event.deleted_at).is_(None), col(Actor.deleted_at).is_(None))
    )


async def feed_events(
    session: AsyncSession,
    where: EventFilter,
    *,
    limit: int = MAX_LIMIT,
    after: tuple[datetime, int] | None = None,
) -> list[EventRow]:
    """Public, non-deleted events (cancelled ones included) matching ``where``, soonest first.

    ``after`` is the (starts_at, id) of the last row of the previous page.
    """
    query = _events_base().where(Event.visibility == Visibility.PUBLIC)
    if where.categories:
        query = query.where(col(Event.category).in_(list(where.categories)))
    if where.audiences:
        query = query.where(_has_any(col(Event.audience), where.audiences))
    if where.tags:
        query = query.where(_has_any(col(Event.tags), where.tags))
    if where.city:
        city = where.city.strip()
        query = query.where(or_(Event.city == city, func.lower(Event.city) == city.lower()))
    if where.online is True:
        query = query.where(col(Event.online_url).is_not(None))
    elif where.online is False:
        query = query.where(col(Event.online_url).is_(None))
    if where.ends_after is not None:
        query = query.where(
            or_(col(Event.ends_at) >= where.ends_after, col(Event.starts_at) >= where.ends_after)
        )
    if where.starts_before is not None:
        query = query.where(col(Event.starts_at) < where.starts_before)
    if where.actor_id is not None:
        query = query.where(Event.actor_id == where.actor_id)
    if after is not None:
        starts, event_id = after
        query = query.where(
            or_(
                col(Event.starts_at) > starts,
                and_(col(Event.starts_at) == starts, col(Event.id) > event_id),
            )
        )
    query = query.order_by(col(Event.starts_at), col(Event.id)).limit(_clamp(limit))
    return _event_rows((await session.exec(query)).all())


async def event_row(session: AsyncSession, uri: str) -> EventRow | None:
    """One event (deleted or not, any visibility) with its organiser and place."""
    query = (
        select(Event, Actor, Place)
        .join(Actor, col(Actor.id) == Event.actor_id)
        .outerjoin(Place, col(Place.id) == Event.place_id)
        .where(Event.uri == uri)
    )
    rows = _event_rows((await session.exec(query)).all())
    return rows[0] if rows else None


async def recently_published_events(
    session: AsyncSession,
    *,
    actor_id: int,
    limit: int = 50,
    before: tuple[datetime, int] | None = None,
) -> list[EventRow]:
    """An actor's public events, newest publication first (for its news feed)."""
    query = _events_base().where(
        Event.visibility == Visibility.PUBLIC, Event.actor_id == actor_id
    )
    if before is not None:
        published, event_id = before
        query = query.where(
            or_(
                col(Event.published_at) < published,
                and_(col(Event.published_at) == published, col(Event.id) < event_id),
            )
        )
    query = query.order_by(col(Event.published_at).desc(), col(Event.id).desc())
    return _event_rows((await session.exec(query.limit(_clamp(limit)))).all())


async def feed_posts(
    session: AsyncSession,
    *,
    kinds: Sequence[str],
    actor_id: int | None = None,
    limit: int = 50,
    before: tuple[datetime, int] | None = None,
) -> list[PostRow]:
    """Non-deleted publications of the given kinds (not replies), newest first.

    ``before`` is the (published_at, id) of the last row of the previous page.
    """
    query = (
        select(Post, Actor)
        .join(Actor, col(Actor.id) == Post.actor_id)
        .where(
            col(Post.kind).in_(list(kinds)),
            col(Post.deleted_at).is_(None),
            col(Post.in_reply_to).is_(None),
            col(Actor.deleted_at).is_(None),
        )
    )
    if actor_id is not None:
        query = query.where(Post.actor_id == actor_id)
    if before is not None:
        published, post_id = before
        query = query.where(
            or_(
                col(Post.published_at) < published,
                and_(col(Post.published_at) == published, col(Post.id) < post_id),
            )
        )
    query = query.order_by(col(Post.published_at).desc(), col(Post.id).desc())
    rows = (await session.exec(query.limit(_clamp(limit)))).all()
    return [PostRow(post, actor) for post, actor in rows]
