"""The real app behind Starlette's TestClient, on the test database, plus row helpers shared by
the inbox and actor-document tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.services.accounts import ActorInput, create_actor
from echofed.settings import Settings
from storage.tables import Actor, ActorKind
from tests.conftest import TEST_BASE_URL, Db

HOST = "grandest.test"


def make_client(db: Db, **settings: Any) -> TestClient:
    """A TestClient on the app; enter it (``with``) to run the lifespan and embedded worker."""
    values: dict[str, Any] = {"allow_private_addresses": True} | settings
    config = Settings(database_url=db.url, base_url=TEST_BASE_URL, demo=False, **values)
    return TestClient(create_app(config), base_url=TEST_BASE_URL)


async def add_actor(
    db: Db, username: str, kind: str = ActorKind.ORGANIZATION, **extra: Any
) -> Actor:
    async with db.sessions() as session:
        actor = await create_actor(
            session, db.urls, ActorInput(username=username, kind=kind, name=username.title(), **extra)
        )
        await session.commit()
        return actor


async def count(db: Db, table: Any, *where: Any) -> int:
    async with db.sessions() as session:
        query = select(func.count()).select_from(table)
        for condition in where:
            query = query.where(condition)
        return int((await session.exec(query)).one())


async def rows(db: Db, table: Any, *where: Any) -> list[Any]:
    async with db.sessions() as session:
        query = select(table)
        for condition in where:
            query = query.where(condition)
        return list((await session.exec(query)).all())


async def remote_actor_row(db: Db, uri: str) -> Actor | None:
    found = await rows(db, Actor, Actor.uri == uri)
    return found[0] if found else None


async def wait_until(check: Callable[[], Awaitable[bool]], *, what: str, timeout: float = 10.0) -> None:
    """Poll until the embedded worker (running in the TestClient's thread) has done something."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def age_cached_actor(db: Db, uri: str) -> None:
    """Make a cached remote actor five minutes old: past the spacing between key refetches."""
    async with db.sessions() as session, session.begin():
        actor = (await session.exec(select(Actor).where(Actor.uri == uri))).one()
        assert actor.fetched_at is not None
        actor.fetched_at -= timedelta(minutes=5)
        session.add(actor)
