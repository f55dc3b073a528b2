"""Recurring events, venues with their own ids, and thematic communities relaying members."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Invalid
from echofed.services.accounts import ActorInput, create_actor
from echofed.services.publishing import EventInput, PlaceInput, create_event
from echofed.services.region import ensure_instance_actor
from echofed.services.venues import VenueInput, create_venue
from federation.documents import event_document
from storage.tables import Event, OutboxActivity, Place
from tests.conftest import Db

PARIS = ZoneInfo("Europe/Paris")


async def test_weekly_series_keeps_wall_clock_time_across_dst(db: Db, session: AsyncSession) -> None:
    club = await create_actor(session, db.urls, ActorInput(username="club", kind="Organization"))
    first = await create_event(session, db.urls, club, EventInput(
        title="Club d'astronomie", start="2031-03-13T18:00", end="2031-03-13T20:00",
        timezone="Europe/Paris", online_url="https://visio.example.org/club",
        recurrence="FREQ=WEEKLY;COUNT=4"))
    series = list((await session.exec(select(Event).where(Event.series_uri == first.uri)
                                      .order_by(Event.starts_at))).all())
    assert len(series) == 4 and len({e.uri for e in series}) == 4
    assert [e.starts_at.astimezone(PARIS).strftime("%d %H:%M") for e in series] == [
        "13 18:00", "20 18:00", "27 18:00", "03 18:00"]  # DST starts on 30 March 2031
    creates = (await session.exec(select(OutboxActivity).where(OutboxActivity.type == "Create"))).all()
    assert len(creates) == 4  # each occurrence federates as a single Event


@pytest.mark.parametrize("rule", ["FREQ=SOMETIMES", "FREQ=DAILY"])
async def test_bad_or_unbounded_rules_are_refused(db: Db, session: AsyncSession, rule: str) -> None:
    club = await create_actor(session, db.urls, ActorInput(username="club", kind="Organization"))
    with pytest.raises(Invalid) as caught:
        await create_event(session, db.urls, club, EventInput(
            title="X", start="2031-03-13T18:00", online_url="https://example.org", recurrence=rule))
    assert caught.value.field == "repeat"


async def test_venue_is_a_place_with_its_own_id(db: Db, session: AsyncSession) -> None:
    garden = await create_actor(session, db.urls, ActorInput(username="jardin", kind="Organization"))
    venue = await create_venue(session, db.urls, garden, VenueInput(
        place=PlaceInput(name="Jardin botanique Jean-Marie Pelt", street="100 rue du Jardin Botanique",
                         postcode="54600", city="Villers-lès-Nancy", latitude=48.6606, longitude=6.1539),
        opening_hours="Tous les jours, 10 h – 18 h"))
    assert venue.uri and venue.uri.startswith("https://grandest.test/places/")
    event = await create_event(session, db.urls, garden, EventInput(
        title="Visite des serres", start="2031-05-01T14:00", venue_uri=venue.uri))
    assert event.place_id == venue.id and event.city == "Villers-lès-Nancy"
    document = event_document(event, garden, venue, db.urls)
    assert document["location"]["id"] == venue.uri
    assert document["location"]["type"] == "Place"
    assert (await session.exec(select(Place).where(Place.is_venue == True))).one().id == venue.id


async def test_community_announces_members_activity(db: Db, session: AsyncSession) -> None:
    await ensure_instance_actor(session, db.urls)
    astro = await create_actor(session, db.urls, ActorInput(username="astronomie", kind="Group"))
    planetarium = await create_actor(session, db.urls, ActorInput(username="planetarium", kind="Organization"))
    event = await create_event(session, db.urls, planetarium, EventInput(
        title="Éclipse", start="2031-05-21T09:00", online_url="https://example.org/live",
        community="astronomie"))
    announces = (await session.exec(select(OutboxActivity).where(
        OutboxActivity.type == "Announce", OutboxActivity.actor_id == astro.id))).all()
    assert len(announces) == 1
    payload = announces[0].payload
    assert payload["object"]["type"] == "Create" and payload["object"]["object"]["id"] == event.uri
    assert payload["cc"] == [astro.followers_url]
    with pytest.raises(Invalid):
        await create_event(session, db.urls, planetarium, EventInput(
            title="X", start="2031-05-21T09:00", online_url="https://example.org", community="planetarium"))
