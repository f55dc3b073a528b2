"""Processes starting together on a fresh database (``serve --workers 4``, CLI commands run in
parallel) create the region and the instance actor once, without failing on each other."""

from __future__ import annotations

import asyncio

from sqlalchemy import func
from sqlmodel import select

from echofed.services.region import ensure_instance_actor
from storage.tables import Actor, Region
from tests.conftest import Db


async def test_concurrent_starts_create_one_region_and_one_instance_actor(db: Db) -> None:
    async def start() -> Actor:
        async with db.sessions() as session, session.begin():
            actor = await ensure_instance_actor(session, db.urls)
            await asyncio.sleep(0.05)  # hold the transaction while the others try
            return actor

    actors = await asyncio.gather(*(start() for _ in range(4)))
    assert {a.uri for a in actors} == {db.urls.instance_actor}
    assert len({a.public_key_pem for a in actors}) == 1  # everybody signs with the same key
    async with db.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Region))).one() == 1
        assert (await session.exec(select(func.count()).select_from(Actor))).one() == 1
        region = (await session.exec(select(Region))).one()
        assert region.instance_actor_id == actors[0].id
