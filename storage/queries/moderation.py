"""Blocks and reports."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries.inbox import domain_candidates
from storage.tables import Block


async def instance_blocks(session: AsyncSession, *, actor_uris: list[str], domains: list[str]) -> Block | None:
    """An instance-wide block of any of these actors or domains (or their parent domains)."""
    query = select(Block).where(
        col(Block.actor_id).is_(None),
        or_(col(Block.target_uri).in_(actor_uris), col(Block.target_domain).in_(domain_candidates(domains))),
    )
    return (await session.exec(query.limit(1))).first()
