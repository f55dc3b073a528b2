"""The demo region seeds into an empty database only, with everything linked up."""

from __future__ import annotations

from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.demo import data
from echofed.services import publishing
from echofed.services.demo import seed_demo, seed_if_empty
from storage.columns import utcnow
from storage.queries.actors import local_actor, members_of
from storage.queries.content import count_events, count_posts, upcoming_events
from storage.queries.regions import get_region
from storage.tables import Post
from tests.conftest import Db


def test_demo_vocabulary_is_the_services_vocabulary() -> None:
    assert set(data.CATEGORIES) == set(publishing.CATEGORIES)
    assert set(data.AUDIENCES) == set(publishing.AUDIENCES)


async def test_seed_fills_an_empty_database_once(db: Db, session: AsyncSession) -> None:
    assert await seed_if_empty(session, db.urls) == "Grand Est — démo"
    await session.commit()
    assert await seed_if_empty(session, db.urls) is None
    assert await count_events(session) == len(data.EVENTS)
    assert await count_posts(session) == len(data.ARTICLES) + len(data.JOB_OFFERS) + len(data.CALLS)
    region = await get_region(session)
    assert region is not None and region.name == "Grand Est — démo"
    assert region.instance_actor_id is not None
    upcoming = await upcoming_events(session, now=utcnow(), limit=500)
    assert len(upcoming) == len(data.EVENTS)
    assert {e.city for e, _ in upcoming if e.city} >= {"Strasbourg", "Nancy", "Metz", "Reims"}
    kinds = set((await session.exec(select(Post.kind))).all())
    assert kinds == {"article", "resource", "job_offer", "call"}
    org = next(a for a in data.ACTORS if a.kind == "Organization" and a.members)
    stored = await local_actor(session, org.username)
    assert stored is not None and stored.id is not None
    assert len(await members_of(session, stored.id)) == len(org.members)


async def test_seeded_times_are_local_wall_clock_times(db: Db, session: AsyncSession) -> None:
    await seed_demo(session, db.urls, today=date(2031, 7, 1))
    first = min(data.EVENTS, key=lambda e: e.day_offset)
    events = await upcoming_events(session, now=utcnow(), limit=500)
    stored = next(e for e, _ in events if e.title == first.title)
    local = stored.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    if not first.all_day:
        assert local.strftime("%H:%M") == first.start
    assert (local.date() - date(2031, 7, 1)).days == first.day_offset
