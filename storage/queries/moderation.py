"""Blocks and reports."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Block


async def instance_blocks(session: AsyncSession, *, actor_uris: list[str], domains: list[str]) -> Block | None:
    """An instance-wide block of any of these actors or domains (or their parent domains)."""
    candidates: set[str] = set()
    for domain in domains:
        parts = domain.lower().split(".")
        candidates.update(".".join(parts[i:]) for i in range(len(parts) - 1))
        candidates.add(domain.lower())
    query = select(Block).where(
        col(Block.actor_id).is_(None),
        or_(col(Block.target_uri).in_(actor_uris), col(Block.target_domain).in_(sorted(candidates))),
    )
    return (await session.exec(query.limit(1))).first()
