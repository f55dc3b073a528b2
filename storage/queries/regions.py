"""The region row."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Region


async def get_region(session: AsyncSession) -> Region | None:
    return (await session.exec(select(Region).where(Region.id == 1))).first()
