"""The in-process rig for handler tests: real JSON from tests/fixtures/ recorded as inbox items
and run through ``federation.inbox.dispatch.process_inbox_item``, on the test database, with a
scheduler that records what would be queued instead of running it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from echofed.services.accounts import ActorInput, create_actor
from echofed.services.region import ensure_instance_actor
from federation.actors import store_actor
from federation.client import ClientPolicy, RemoteClient
from federation.context import Federation, FederationConfig
from federation.inbox.dispatch import process_inbox_item
from storage.columns import utcnow
from storage.queries.federation import insert_inbox_item
from storage.tables import Actor, ActorKind
from tests.conftest import Db

FIXTURES = Path(__file__).parent.parent / "fixtures"


def fixture(name: str, replacements: dict[str, str] | None = None) -> Any:
    """A fixture, with ids adapted (plain text replacement) to point at our test actors."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for old, new in (replacements or {}).items():
        text = text.replace(old, new)
    return json.loads(text)


@dataclass
class RecordingScheduler:
    jobs: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    async def enqueue(self, job: str, *args: Any, key: str | None = None,
                      defer_until: datetime | None = None) -> None:
        self.jobs.append((job, args))


@dataclass
class Rig:
    fed: Federation
    scheduler: RecordingScheduler
    db: Db
    now: datetime

    async def local(self, username: str, **extra: Any) -> Actor:
        async with self.db.sessions() as session, session.begin():
            return await create_actor(session, self.db.urls, ActorInput(
                username=username, kind=ActorKind.ORGANIZATION, **extra))

    async def remote(self, document: dict[str, Any]) -> Actor:
        async with self.db.sessions() as session, session.begin():
            return await store_actor(session, document, self.now)

    async def process(self, activity: dict[str, Any]) -> str:
        """Record ``activity`` as the inbox would, then run its handler."""
        async with self.db.sessions() as session, session.begin():
            item_id = await insert_inbox_item(session, {
                "activity_id": activity["id"], "type": activity["type"], "actor_uri": activity["actor"],
                "key_id": f"{activity['actor']}#main-key", "recipient_id": None, "body": activity,
                "state": "received", "attempts": 0, "received_at": self.now,
            })
        assert item_id is not None
        return await process_inbox_item(self.fed, item_id)

    async def all(self, table: Any, *where: Any) -> list[Any]:
        async with self.db.sessions() as session:
            query = select(table)
            for condition in where:
                query = query.where(condition)
            return list((await session.exec(query)).all())

    async def actor(self, uri: str) -> Actor:
        [actor] = await self.all(Actor, Actor.uri == uri)
        return actor


@pytest.fixture
async def rig(db: Db) -> AsyncIterator[Rig]:
    now = utcnow()
    scheduler = RecordingScheduler()
    client = RemoteClient(ClientPolicy(allow_private=False, timeout=1.0, user_agent="echofed-test"))
    fed = Federation(config=FederationConfig(), urls=db.urls, sessions=db.sessions, client=client,
                     scheduler=scheduler, clock=lambda: now)
    async with db.sessions() as session, session.begin():
        await ensure_instance_actor(session, db.urls)
    try:
        yield Rig(fed, scheduler, db, now)
    finally:
        await client.aclose()
