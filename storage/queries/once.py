"""Rows that must exist once however many processes create them at the same moment: the
region, the instance actor, a remote actor fetched by two requests at once.

``INSERT … ON CONFLICT DO NOTHING`` on the row's unique key: on PostgreSQL the statement waits
for a concurrent transaction inserting the same key and then does nothing; SQLite serialises
writers. The caller reads the row afterwards, whoever inserted it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_once(session: AsyncSession, row: SQLModel, unique: Sequence[str]) -> bool:
    """Insert ``row`` unless one with the same ``unique`` columns exists; True when ours went in."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values: dict[str, Any] = row.model_dump()
    if values.get("id") is None:
        values.pop("id", None)
    table: Any = type(row).__table__  # type: ignore[attr-defined]
    result = await session.exec(  # type: ignore[call-overload]
        insert(table).values(**values).on_conflict_do_nothing(index_elements=list(unique))
    )
    return bool(result.rowcount)
