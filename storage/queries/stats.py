"""Counts about the instance as a whole, for NodeInfo and the admin pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Actor, Event, Post


async def count_active_publishers(
    session: AsyncSession, *, kinds: Sequence[str], since: datetime
) -> int:
    """Local actors of ``kinds`` that published an event or a post (not deleted) since ``since``."""
    events = select(Event.actor_id).where(
        Event.local == True,
        col(Event.deleted_at).is_(None),
        col(Event.published_at) >= since,
    )
    posts = select(Post.actor_id).where(
        Post.local == True,
        col(Post.deleted_at).is_(None),
        col(Post.published_at) >= since,
    )
    query = select(func.count()).select_from(Actor).where(
        Actor.local == True,
        col(Actor.deleted_at).is_(None),
        col(Actor.kind).in_(list(kinds)),
        or_(col(Actor.id).in_(events), col(Actor.id).in_(posts)),
    )
    return int((await session.exec(query)).one())
