"""Looking up actors, local and remote."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Account, Actor, Membership


async def local_actor(session: AsyncSession, username: str) -> Actor | None:
    query = select(Actor).where(
        Actor.local == True,
        func.lower(Actor.username) == username.lower(),
        col(Actor.deleted_at).is_(None),
    )
    return (await session.exec(query)).first()


async def actor_by_uri(session: AsyncSession, uri: str) -> Actor | None:
    return (await session.exec(select(Actor).where(Actor.uri == uri))).first()


async def actor_by_key_id(session: AsyncSession, key_id: str) -> Actor | None:
    return (await session.exec(select(Actor).where(Actor.public_key_id == key_id))).first()


async def local_actors(session: AsyncSession, *, kinds: Sequence[str] | None = None) -> list[Actor]:
    query = select(Actor).where(Actor.local == True, col(Actor.deleted_at).is_(None))
    if kinds:
        query = query.where(col(Actor.kind).in_(list(kinds)))
    return list((await session.exec(query.order_by(col(Actor.name)))).all())


async def count_local_actors(session: AsyncSession, *, kinds: Sequence[str]) -> int:
    query = select(func.count()).select_from(Actor).where(
        Actor.local == True,
        col(Actor.kind).in_(list(kinds)),
        col(Actor.deleted_at).is_(None),
    )
    return int((await session.exec(query)).one())


async def members_of(session: AsyncSession, actor_id: int) -> list[tuple[Membership, Account]]:
    query = (
        select(Membership, Account)
        .join(Account, col(Account.id) == Membership.account_id)
        .where(Membership.actor_id == actor_id)
        .order_by(col(Membership.id))
    )
    return [(m, a) for m, a in (await session.exec(query)).all()]


async def person_of_account(session: AsyncSession, account_id: int) -> Actor | None:
    query = select(Actor).where(
        Actor.account_id == account_id, Actor.kind == "Person", Actor.local == True
    )
    return (await session.exec(query.order_by(col(Actor.id)))).first()
