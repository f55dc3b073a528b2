"""What the public pages read: the home page's sections and figures, an actor's events and
publications, the article and offer lists, and reply moderation on event pages.

Every list is bounded by a limit; the lists that page use an offset (they are short, browsed
by people, and ordered by a stable key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.content import outside_origins
from storage.queries.feeds import json_array_has_any
from storage.tables import (
    Account,
    Actor,
    Event,
    EventStatus,
    Follow,
    FollowState,
    Interaction,
    Post,
    PostKind,
    Visibility,
)

PUBLICATION_KINDS = (PostKind.ARTICLE.value, PostKind.RESOURCE.value)
OFFER_KINDS = (PostKind.JOB_OFFER.value, PostKind.CALL.value)
PUBLISHING_ACTOR_KINDS = ("Person", "Organization", "Group")
MAX_LIMIT = 200


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _public_events() -> Any:
    return (
        select(Event, Actor)
        .join(Actor, col(Actor.id) == Event.actor_id)
        .where(col(Event.deleted_at).is_(None), Event.visibility == Visibility.PUBLIC)
    )


async def events_between(
    session: AsyncSession, *, start: datetime, end: datetime, limit: int = 12,
    hidden_origins: Sequence[str] = (),
) -> list[tuple[Event, Actor]]:
    """Public events taking place (at least partly) between ``start`` and ``end``, soonest
    first; none from ``hidden_origins`` (remote domains kept off the home page)."""
    query = _public_events().where(
        col(Event.starts_at) < end,
        or_(col(Event.ends_at) >= start, col(Event.starts_at) >= start),
        outside_origins(hidden_origins),
    ).order_by(col(Event.starts_at), col(Event.id)).limit(_limit(limit))
    return [(e, a) for e, a in (await session.exec(query)).all()]


async def highlighted_events(
    session: AsyncSession, *, now: datetime, limit: int = 3, hidden_origins: Sequence[str] = ()
) -> list[tuple[Event, Actor]]:
    """Coming events worth showing off: those with an image (soonest first), then those people
    joined (most joined first); events with neither are not highlighted, nor events from
    ``hidden_origins``."""
    joins = (
        select(Interaction.object_uri, func.count().label("joined"))
        .where(Interaction.kind == "join", Interaction.state == "accepted")
        .group_by(col(Interaction.object_uri))
        .subquery()
    )
    query = (
        _public_events()
        .outerjoin(joins, joins.c.object_uri == Event.uri)
        .where(
            col(Event.starts_at) >= now,
            Event.status != EventStatus.CANCELLED,
            or_(col(Event.image_url).is_not(None), func.coalesce(joins.c.joined, 0) > 0),
            outside_origins(hidden_origins),
        )
        .order_by(
            case((col(Event.image_url).is_(None), 1), else_=0),
            func.coalesce(joins.c.joined, 0).desc(),
            col(Event.starts_at),
            col(Event.id),
        )
        .limit(_limit(limit))
    )
    return [(e, a) for e, a in (await session.exec(query)).all()]


async def actor_events(
    session: AsyncSession, actor_id: int, *, now: datetime, past: bool, limit: int = 20
) -> list[Event]:
    """An actor's public events: coming ones soonest first, or past ones latest first."""
    query = select(Event).where(
        Event.actor_id == actor_id,
        col(Event.deleted_at).is_(None),
        Event.visibility == Visibility.PUBLIC,
    )
    ended = func.coalesce(Event.ends_at, Event.starts_at)
    if past:
        query = query.where(ended < now).order_by(col(Event.starts_at).desc(), col(Event.id).desc())
    else:
        query = query.where(ended >= now).order_by(col(Event.starts_at), col(Event.id))
    return list((await session.exec(query.limit(_limit(limit)))).all())


def _publications(kinds: Sequence[str]) -> Any:
    return (
        select(Post, Actor)
        .join(Actor, col(Actor.id) == Post.actor_id)
        .where(col(Post.kind).in_(list(kinds)), col(Post.deleted_at).is_(None))
    )


async def actor_posts(session: AsyncSession, actor_id: int, *, limit: int = 20) -> list[Post]:
    query = (
        select(Post)
        .where(
            Post.actor_id == actor_id,
            col(Post.kind).in_([*PUBLICATION_KINDS, *OFFER_KINDS]),
            col(Post.deleted_at).is_(None),
        )
        .order_by(col(Post.published_at).desc(), col(Post.id).desc())
        .limit(_limit(limit))
    )
    return list((await session.exec(query)).all())


async def publications(
    session: AsyncSession,
    *,
    kinds: Sequence[str] = PUBLICATION_KINDS,
    tag: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[tuple[Post, Actor]]:
    """Articles and resources (or the given kinds), latest first, optionally with one tag."""
    query = _publications(kinds)
    if tag:
        query = query.where(json_array_has_any(Post.tags, tag))
    query = query.order_by(
        col(Post.published_at).desc(), col(Post.id).desc()
    ).offset(max(0, offset)).limit(_limit(limit))
    return [(p, a) for p, a in (await session.exec(query)).all()]


async def offers(
    session: AsyncSession,
    *,
    now: datetime,
    kinds: Sequence[str] = OFFER_KINDS,
    include_closed: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> list[tuple[Post, Actor]]:
    """Job offers and calls: open ones (deadline not passed, or none) closing soonest first."""
    query = _publications(kinds)
    open_now = or_(col(Post.deadline).is_(None), col(Post.deadline) >= now)
    if not include_closed:
        query = query.where(open_now)
    query = query.order_by(
        case((open_now, 0), else_=1),
        case((col(Post.deadline).is_(None), 1), else_=0),
        col(Post.deadline),
        col(Post.published_at).desc(),
        col(Post.id).desc(),
    ).offset(max(0, offset)).limit(_limit(limit))
    return [(p, a) for p, a in (await session.exec(query)).all()]


@dataclass(frozen=True, slots=True)
class Figures:
    """The home page's "en chiffres"."""

    actors: int
    events: int
    articles: int
    members: int
    followed_regions: int


async def _count(session: AsyncSession, query: Any) -> int:
    return int((await session.exec(query)).one())


async def figures(session: AsyncSession, *, instance_actor_id: int | None) -> Figures:
    actors = select(func.count()).select_from(Actor).where(
        Actor.local == True,
        col(Actor.kind).in_(PUBLISHING_ACTOR_KINDS),
        col(Actor.deleted_at).is_(None),
    )
    events = select(func.count()).select_from(Event).where(
        Event.local == True, col(Event.deleted_at).is_(None)
    )
    articles = select(func.count()).select_from(Post).where(
        Post.local == True,
        col(Post.kind).in_(PUBLICATION_KINDS),
        col(Post.deleted_at).is_(None),
    )
    members = select(func.count()).select_from(Account).where(Account.is_approved == True)
    followed = 0
    if instance_actor_id is not None:
        followed = await _count(
            session,
            select(func.count()).select_from(Follow).where(
                Follow.follower_id == instance_actor_id,
                Follow.state == FollowState.ACCEPTED,
                Follow.relay == False,
            ),
        )
    return Figures(
        actors=await _count(session, actors),
        events=await _count(session, events),
        articles=await _count(session, articles),
        members=await _count(session, members),
        followed_regions=followed,
    )


async def reply_on(session: AsyncSession, object_uri: str, interaction_id: int) -> Interaction | None:
    """A reply to the given object, whatever its state."""
    query = select(Interaction).where(
        col(Interaction.id) == interaction_id,
        Interaction.object_uri == object_uri,
        Interaction.kind == "reply",
    )
    return (await session.exec(query)).first()


async def set_interaction_state(session: AsyncSession, interaction: Interaction, state: str) -> None:
    interaction.state = state
    session.add(interaction)
    await session.flush()
