"""Publishing events: times in the event's zone, places, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Forbidden, Invalid, NotFound
from echofed.services.accounts import ActorInput, create_account, create_actor
from echofed.services.publishing import (
    EventInput,
    PlaceInput,
    PostInput,
    create_event,
    create_post,
    publishing_actor,
)
from storage.columns import utcnow
from storage.queries.content import count_events, place_by_id, upcoming_events
from storage.tables import Actor
from tests.conftest import Db

VAISSEAU = PlaceInput(
    name="Le Vaisseau",
    street="1 bis rue Philippe Dollinger",
    postcode="67100",
    city="Strasbourg",
    latitude=48.5764,
    longitude=7.7651,
)


async def _org(db: Db, session: AsyncSession) -> Actor:
    return await create_actor(
        session, db.urls, ActorInput(username="vaisseau", kind="Organization", name="Le Vaisseau")
    )


async def test_naive_times_are_read_in_the_event_zone(db: Db, session: AsyncSession) -> None:
    actor = await _org(db, session)
    event = await create_event(
        session,
        db.urls,
        actor,
        EventInput(
            title="Nuit des étoiles",
            start="2031-08-09T21:00",
            end="2031-08-10T01:00",
            timezone="Europe/Paris",
            place=VAISSEAU,
            category="sortie_nature",
            tags=["#Astronomie", "astronomie", "Nuit"],
            audience=["familles"],
            description_md="Observation **guidée** <script>alert(1)</script>",
        ),
    )
    await session.commit()
    await session.refresh(event)
    assert event.starts_at == datetime(2031, 8, 9, 19, 0, tzinfo=UTC)  # CEST = UTC+2
    assert event.ends_at == datetime(2031, 8, 9, 23, 0, tzinfo=UTC)
    assert event.timezone == "Europe/Paris"
    assert event.tags == ["astronomie", "nuit"]
    assert "<strong>guidée</strong>" in event.content_html
    assert "<script>" not in event.content_html
    assert (event.latitude, event.longitude, event.city) == (48.5764, 7.7651, "Strasbourg")
    assert event.place_id is not None
    place = await place_by_id(session, event.place_id)
    assert place is not None and place.postcode == "67100"
    listed = await upcoming_events(session, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert [e.uri for e, _ in listed] == [event.uri]


async def test_offsets_are_kept_and_online_events_need_no_place(
    db: Db, session: AsyncSession
) -> None:
    actor = await _org(db, session)
    event = await create_event(
        session,
        db.urls,
        actor,
        EventInput(
            title="Webinaire",
            start="2031-01-15T18:00:00-05:00",
            online_url="https://visio.example.org/room",
            timezone="America/Montreal",
        ),
    )
    assert event.starts_at == datetime(2031, 1, 15, 23, 0, tzinfo=UTC)
    assert event.ends_at == event.starts_at + timedelta(hours=2)
    assert event.place_id is None and event.latitude is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"start": "demain"}, "start"),
        ({"end": "2031-01-01T00:00"}, "end"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"category": "rave"}, "category"),
        ({"audience": ["martiens"]}, "audience"),
        ({"place": None}, "place-name"),
        ({"place": PlaceInput(name="X", latitude=95.0, longitude=1.0)}, "lat"),
        ({"place": PlaceInput(name="X", latitude=45.0)}, "lat"),
        ({"online_url": "javascript:alert(1)"}, "online-url"),
        ({"join_mode": "external"}, "registration-url"),
        ({"capacity": 0}, "capacity"),
    ],
)
async def test_bad_event_input_is_refused_and_nothing_is_stored(
    db: Db, session: AsyncSession, changes: dict[str, object], field: str
) -> None:
    actor = await _org(db, session)
    await session.commit()
    values: dict[str, object] = {
        "title": "Atelier",
        "start": "2031-03-01T10:00",
        "end": "2031-03-01T12:00",
        "place": VAISSEAU,
    }
    values.update(changes)
    with pytest.raises(Invalid) as caught:
        await create_event(session, db.urls, actor, EventInput(**values))  # type: ignore[arg-type]
    assert caught.value.field == field
    await session.rollback()
    assert await count_events(session) == 0


async def test_only_owners_and_members_publish_as_an_actor(db: Db, session: AsyncSession) -> None:
    await create_account(session, email="a@example.org", password="12345678")
    stranger = await create_account(session, email="b@example.org", password="12345678")
    await create_actor(
        session,
        db.urls,
        ActorInput(username="labo", kind="Organization", owner_email="a@example.org"),
    )
    with pytest.raises(Forbidden):
        await publishing_actor(session, "labo", stranger)
    with pytest.raises(NotFound):
        await publishing_actor(session, "nobody", None)


async def test_posts_of_each_kind(db: Db, session: AsyncSession) -> None:
    actor = await _org(db, session)
    deadline = utcnow() + timedelta(days=30)
    offer = await create_post(
        session,
        db.urls,
        actor,
        PostInput(
            kind="job_offer",
            title="Médiateur·rice scientifique",
            body_md="CDD de 12 mois.",
            contract="CDD",
            deadline=deadline,
            link_url="https://example.org/postuler",
        ),
    )
    assert offer.uri.startswith("https://grandest.test/posts/")
    assert offer.summary == "CDD de 12 mois."
    with pytest.raises(Invalid):
        await create_post(session, db.urls, actor, PostInput(kind="tweet", title="x"))
