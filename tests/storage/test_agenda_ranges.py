"""The agenda, the home page and search read "not yet ended" as two index ranges (events under
way, then events to come) and search adds a third (past events, latest first). Against a
varied set of events, every page, cursor and filter must give exactly what a plain reading
of the rules gives: the order, the boundaries at ``now``, deleted and non-public events left out.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.services.accounts import ActorInput, create_actor
from storage.columns import utcnow
from storage.queries import search as search_queries
from storage.queries.agenda import AgendaFilter, BBox, Cursor, agenda_page, map_events
from storage.queries.content import upcoming_events
from storage.queries.search import search_events, words_of
from storage.tables import Event, Visibility
from tests.conftest import Db

NOW = utcnow().replace(microsecond=0)


def _not_ended(event: Event, floor: datetime) -> bool:
    return event.starts_at >= floor or (event.ends_at is not None and event.ends_at >= floor)


def _listed(event: Event) -> bool:
    return event.deleted_at is None and event.visibility == Visibility.PUBLIC


async def _seed(db: Db, session: AsyncSession, count: int = 160) -> list[Event]:
    """Events around ``NOW``: past, under way (some for months), to come, several starting at
    the same instant, a few exactly at ``NOW``, some deleted or not public."""
    organiser = await create_actor(session, db.urls, ActorInput(username="planetarium", kind="Organization"))
    assert organiser.id is not None
    pick = random.Random(7)
    shared_start = NOW + timedelta(days=2)
    events = []
    for n in range(count):
        roll = pick.random()
        if roll < 0.1:
            starts = shared_start
        elif roll < 0.13:
            starts = NOW
        else:
            starts = NOW + timedelta(hours=pick.randint(-24 * 90, 24 * 60))
        length = pick.choice([None, timedelta(hours=2), timedelta(days=3), timedelta(days=120)])
        ends = None if length is None else starts + length
        event = Event(
            uri=f"https://grandest.test/events/{n}", actor_id=organiser.id, origin_domain="grandest.test",
            title=f"{'Nocturne' if n % 3 == 0 else 'Atelier'} étoiles {n}", starts_at=starts, ends_at=ends,
            latitude=48.0 + pick.random(), longitude=7.0 + pick.random(),
            deleted_at=NOW - timedelta(days=1) if pick.random() < 0.05 else None,
            visibility=Visibility.PUBLIC if pick.random() > 0.05 else "unlisted",
        )
        session.add(event)
        events.append(event)
    await session.commit()
    return events


def _agenda_order(events: list[Event], floor: datetime, starts_before: datetime | None = None) -> list[int]:
    kept = [
        e for e in events
        if _listed(e) and _not_ended(e, floor) and (starts_before is None or e.starts_at < starts_before)
    ]
    return [e.id for e in sorted(kept, key=lambda e: (e.starts_at, e.id))]  # type: ignore[misc]


async def _all_pages(session: AsyncSession, where: AgendaFilter, limit: int) -> list[int]:
    ids: list[int] = []
    after: Cursor | None = None
    for _ in range(100):
        page = await agenda_page(session, where, now=NOW, after=after, limit=limit)
        ids.extend(item.event.id for item in page.items)  # type: ignore[misc]
        if page.next is None:
            return ids
        after = page.next
    raise AssertionError("the agenda never ended")


@pytest.mark.parametrize("limit", [1, 7, 30])
async def test_agenda_pages_follow_the_rules_across_running_and_upcoming(
    db: Db, session: AsyncSession, limit: int
) -> None:
    events = await _seed(db, session)
    expected = _agenda_order(events, NOW)
    running = [e for e in events if _listed(e) and e.starts_at < NOW and _not_ended(e, NOW)]
    assert len(running) >= 10 and len(expected) - len(running) >= 40  # both parts are exercised
    assert await _all_pages(session, AgendaFilter(), limit) == expected


async def test_agenda_window_and_map_follow_the_rules(db: Db, session: AsyncSession) -> None:
    events = await _seed(db, session)
    later = NOW + timedelta(days=10)
    window = AgendaFilter(running_from=later, starts_before=later + timedelta(days=7))
    assert await _all_pages(session, window, 5) == _agenda_order(events, later, later + timedelta(days=7))
    items, truncated = await map_events(session, AgendaFilter(bbox=BBox(7.0, 48.0, 7.5, 48.5)), now=NOW, limit=15)
    inside = [
        e for e in events
        if e.latitude is not None and e.latitude <= 48.5 and e.longitude is not None and e.longitude <= 7.5
    ]
    expected = _agenda_order(inside, NOW)
    assert [item.event.id for item in items] == expected[:15] and truncated == (len(expected) > 15)
    home = await upcoming_events(session, now=NOW, limit=25)
    assert [e.id for e, _ in home] == _agenda_order(events, NOW)[:25]


async def test_list_queries_leave_the_stored_documents_unloaded(db: Db, session: AsyncSession) -> None:
    await _seed(db, session, count=20)
    session.expunge_all()
    page = await agenda_page(session, AgendaFilter(), now=NOW)
    unloaded = page.items[0].event.__dict__.keys()
    assert "title" in unloaded and "raw" not in unloaded and "source_md" not in unloaded
    assert "private_key_pem" not in page.items[0].organiser.__dict__


@pytest.mark.parametrize("few_matches", [0, 10_000])
async def test_search_reads_running_upcoming_then_past(
    db: Db, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, few_matches: int
) -> None:
    """Coming events soonest first, then past ones latest first; the same whichever way SQLite
    reads them (one sorted query for few matches, three ranges for many)."""
    monkeypatch.setattr(search_queries, "FEW_MATCHES", few_matches)
    events = await _seed(db, session)
    listed = [e for e in events if _listed(e) and e.title.startswith("Nocturne")]
    coming = sorted((e for e in listed if _not_ended(e, NOW)), key=lambda e: (e.starts_at, e.id))
    past = sorted((e for e in listed if not _not_ended(e, NOW)), key=lambda e: (e.starts_at, e.id), reverse=True)
    expected = [e.id for e in coming + past]
    found = await search_events(session, words_of("nocturne"), now=NOW, limit=40)
    assert [e.id for e, _ in found] == expected[:40]
    assert len(coming) < 40 < len(listed)  # the answer spans coming and past events
    assert [e.id for e, _ in await search_events(session, words_of("étoiles 17"), now=NOW)] == [events[17].id] * (
        _listed(events[17])
    )
