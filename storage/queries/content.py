"""Events, places and publications: the queries the agenda, the map and feeds use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.agenda import LIGHT, Part, in_part, read_in_order
from storage.tables import Actor, Event, Place, Post


async def event_by_uri(session: AsyncSession, uri: str) -> Event | None:
    return (await session.exec(select(Event).where(Event.uri == uri))).first()


async def place_by_id(session: AsyncSession, place_id: int) -> Place | None:
    return await session.get(Place, place_id)


def outside_origins(hidden_origins: Sequence[str]) -> Any:
    """A condition keeping local events and remote ones whose origin domain is not hidden."""
    if not hidden_origins:
        return true()
    return or_(col(Event.local).is_(True), col(Event.origin_domain).not_in(list(hidden_origins)))


async def upcoming_events(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int = 50,
    actor_id: int | None = None,
    hidden_origins: Sequence[str] = (),
) -> list[tuple[Event, Actor]]:
    """Events not yet over, soonest first, with their organiser; none from ``hidden_origins``.
    Read as the agenda reads them: those under way, then those to come (two index ranges)."""
    queries = []
    for part in Part:
        query = (
            select(Event, Actor)
            .join(Actor, col(Actor.id) == Event.actor_id)
            .where(
                col(Event.deleted_at).is_(None),
                Event.visibility == "public",
                in_part(part, now),
                outside_origins(hidden_origins),
            )
            .options(*LIGHT)
        )
        if actor_id is not None:
            query = query.where(Event.actor_id == actor_id)
        queries.append(query.order_by(col(Event.starts_at), col(Event.id)))
    return [(e, a) for e, a in await read_in_order(session, queries, limit)]


async def count_events(session: AsyncSession, *, local: bool | None = None) -> int:
    query = select(func.count()).select_from(Event).where(col(Event.deleted_at).is_(None))
    if local is not None:
        query = query.where(Event.local == local)
    return int((await session.exec(query)).one())


async def count_posts(session: AsyncSession, *, local: bool | None = None) -> int:
    query = select(func.count()).select_from(Post).where(col(Post.deleted_at).is_(None))
    if local is not None:
        query = query.where(Post.local == local)
    return int((await session.exec(query)).one())


async def latest_posts(
    session: AsyncSession, *, kinds: list[str], limit: int = 10
) -> list[tuple[Post, Actor]]:
    query = (
        select(Post, Actor)
        .join(Actor, col(Actor.id) == Post.actor_id)
        .where(col(Post.kind).in_(kinds), col(Post.deleted_at).is_(None))
        .order_by(col(Post.published_at).desc())
        .limit(limit)
    )
    return [(p, a) for p, a in (await session.exec(query)).all()]


async def delete_content_of(session: AsyncSession, actor_id: int, now: datetime) -> None:
    """Mark everything an actor published as deleted (its account was deleted)."""
    from sqlalchemy import update

    for table in (Event, Post):
        await session.exec(  # type: ignore[call-overload]
            
            update(table)
            .where(table.actor_id == actor_id, col(table.deleted_at).is_(None))  # type: ignore[attr-defined]
            .values(deleted_at=now)
        )


async def post_by_uri(session: AsyncSession, uri: str) -> Post | None:
    return (await session.exec(select(Post).where(Post.uri == uri))).first()


async def place_by_uri(session: AsyncSession, uri: str) -> Place | None:
    return (await session.exec(select(Place).where(Place.uri == uri))).first()


async def venues(session: AsyncSession, *, limit: int = 200) -> list[Place]:
    query = select(Place).where(Place.is_venue == True).order_by(col(Place.name)).limit(limit)
    return list((await session.exec(query)).all())
