"""Replies, likes, boosts and participations on objects."""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Actor, Interaction


async def interaction_by_uri(session: AsyncSession, uri: str) -> Interaction | None:
    return (await session.exec(select(Interaction).where(Interaction.uri == uri))).first()


async def interaction_of(
    session: AsyncSession, *, kind: str, actor_id: int, object_uri: str
) -> Interaction | None:
    query = select(Interaction).where(
        Interaction.kind == kind, Interaction.actor_id == actor_id, Interaction.object_uri == object_uri
    )
    return (await session.exec(query)).first()


async def remove_interaction(session: AsyncSession, interaction_id: int) -> None:
    await session.exec(delete(Interaction).where(col(Interaction.id) == interaction_id))  # type: ignore[call-overload]


async def counts_for(session: AsyncSession, object_uri: str) -> dict[str, int]:
    """Visible interactions by kind (replies hidden by moderators and pending joins excluded)."""
    query = (
        select(Interaction.kind, func.count())
        .where(Interaction.object_uri == object_uri, Interaction.state == "accepted")
        .group_by(Interaction.kind)
    )
    return {str(k): int(n) for k, n in (await session.exec(query)).all()}


async def participant_count(session: AsyncSession, object_uri: str) -> int:
    query = select(func.count()).select_from(Interaction).where(
        Interaction.object_uri == object_uri, Interaction.kind == "join", Interaction.state == "accepted"
    )
    return int((await session.exec(query)).one())


async def interactions_on(
    session: AsyncSession, object_uri: str, *, kind: str, states: tuple[str, ...] = ("accepted",)
) -> list[tuple[Interaction, Actor]]:
    query = (
        select(Interaction, Actor)
        .join(Actor, col(Actor.id) == Interaction.actor_id)
        .where(Interaction.object_uri == object_uri, Interaction.kind == kind, col(Interaction.state).in_(states))
        .order_by(col(Interaction.id))
    )
    return [(i, a) for i, a in (await session.exec(query)).all()]


async def remove_interactions_of(session: AsyncSession, actor_id: int) -> None:
    """An actor's likes, boosts, replies and participations (its account was deleted)."""
    await session.exec(delete(Interaction).where(col(Interaction.actor_id) == actor_id))  # type: ignore[call-overload]
