"""Async engine and sessions for SQLite (aiosqlite, WAL) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def make_engine(database_url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """Create the engine; for SQLite, make sure the file's folder exists and enable WAL."""
    url = make_url(database_url)
    kwargs: dict[str, Any] = {"echo": echo}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 15}
    else:
        # No pool_pre_ping: with asyncpg it costs three round trips per checkout. A connection
        # that died (database restart) raises once, SQLAlchemy then invalidates the whole pool,
        # and the request or job is retried by its caller; old connections are recycled.
        # A small overflow: connections beyond the pool are opened and closed per checkout, so
        # under a sustained burst it is cheaper to wait for a pooled one (size the pool instead).
        kwargs.update(pool_size=pool_size, max_overflow=max(2, pool_size // 2), pool_recycle=1800)
        if url.get_driver_name() == "asyncpg":
            # asyncpg prepares every statement; after five runs PostgreSQL may switch to a
            # generic plan that ignores the values (the map of a large box went from 0.2 s to
            # 1 s per call at a million events). Planning each time costs well under a ms.
            # JIT compiles any plan whose estimated cost is high, which an overestimated row
            # count is enough for: 480 of the map's 500 ms at a million events. Web queries are
            # short; they never gain from it.
            kwargs["connect_args"] = {
                "server_settings": {"plan_cache_mode": "force_custom_plan", "jit": "off"}
            }
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed on success and rolled back on error."""
    async with sessions() as session, session.begin():
        yield session
