"""Accounts and memberships."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Account, Membership


async def account_by_email(session: AsyncSession, email: str) -> Account | None:
    query = select(Account).where(func.lower(Account.email) == email.strip().lower())
    return (await session.exec(query)).first()


async def membership(session: AsyncSession, account_id: int, actor_id: int) -> Membership | None:
    query = select(Membership).where(
        Membership.account_id == account_id, Membership.actor_id == actor_id
    )
    return (await session.exec(query)).first()


async def count_accounts(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(Account))).one())
