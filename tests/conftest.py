"""One test rig for SQLite and PostgreSQL, real Redis, and the real app.

Every test that asks for ``db`` runs twice: on a fresh SQLite file and on a fresh PostgreSQL
database (tables emptied between tests). When ``CI`` is set, an unreachable PostgreSQL or Redis
fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from federation.urls import Urls
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade

# Shared rigs other test modules use as fixtures (kept out of any one test module).
pytest_plugins = ["tests.federation.handler_rig"]

PG_ADMIN_URL = os.environ.get(
    "ECHOFED_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ECHOFED_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_BASE_URL = "https://grandest.test"
IN_CI = bool(os.environ.get("CI"))


def unavailable(what: str, error: BaseException) -> None:
    message = f"{what} unreachable: {error!r}"
    if IN_CI:
        pytest.fail(message + " (CI is set: services must run)")
    pytest.skip(message)


async def _pg_admin(statement: str) -> None:
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def create_pg_database() -> str:
    """A new empty PostgreSQL database; returns its URL."""
    name = f"echofed_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    try:
        url = create_pg_database()
    except Exception as exc:  # connection refused, auth…
        unavailable("PostgreSQL", exc)
        raise
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def fresh_sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "echofed.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        yield request.getfixturevalue("fresh_sqlite_url")
        return
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(_truncate(url))
    yield url


async def _truncate(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@dataclass
class Db:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    urls: Urls

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Db]:
    engine = make_engine(database_url)
    try:
        yield Db(database_url, engine, make_sessionmaker(engine), Urls(TEST_BASE_URL))
    finally:
        await engine.dispose()


@pytest.fixture
async def session(db: Db) -> AsyncIterator[AsyncSession]:
    async with db.sessions() as session:
        yield session
