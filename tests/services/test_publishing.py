"""Publishing events and publications: times in the event's zone, places, validation,
updates recorded in the outbox, and who may publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
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
    update_post,
)
from echofed.services.region import ensure_instance_actor
from storage.columns import utcnow
from storage.queries.content import count_events, place_by_id, post_by_uri, upcoming_events
from storage.tables import Actor, OutboxActivity
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


async def _activities(session: AsyncSession) -> list[OutboxActivity]:
    query = select(OutboxActivity).order_by(col(OutboxActivity.id))
    return list((await session.exec(query)).all())


async def test_updating_a_post_records_its_update_for_followers_and_the_regions(
    db: Db, session: AsyncSession
) -> None:
    instance = await ensure_instance_actor(session, db.urls)
    author = await create_account(session, email="a@example.org", password="12345678")
    await create_actor(
        session, db.urls, ActorInput(username="labo", kind="Organization", owner_email="a@example.org")
    )
    actor = await publishing_actor(session, "labo", author)
    post = await create_post(session, db.urls, actor, PostInput(
        kind="article", title="Les comètes", body_md="Premier jet.", tags=["comètes"],
    ))
    await session.commit()
    uri, published, actor_id, instance_id = post.uri, post.published_at, actor.id, instance.id

    async with session.begin():
        await update_post(session, db.urls, uri, PostInput(
            kind="resource", title="Dossier : les comètes", body_md="Un **dossier** complet.",
            tags=["Comètes", "astronomie"], place=PlaceInput(city="Strasbourg"),
        ), account=author)
    session.expire_all()
    stored = await post_by_uri(session, uri)
    assert stored is not None
    assert (stored.kind, stored.title, stored.tags) == ("resource", "Dossier : les comètes", ["comètes", "astronomie"])
    assert stored.summary == "Un dossier complet." and stored.published_at == published
    assert stored.updated_at > published and stored.place_id is not None

    # The Update is in the outbox, written with the change: to the author's followers, and
    # announced by the instance actor to the regions that follow it.
    update, announce = (await _activities(session))[-2:]
    assert (update.type, update.actor_id, update.object_uri) == ("Update", actor_id, uri)
    sent = update.payload["object"]
    assert sent["id"] == uri and sent["name"] == "Dossier : les comètes"
    assert "<strong>dossier</strong>" in sent["content"]
    assert (announce.type, announce.actor_id) == ("Announce", instance_id)
    assert announce.payload["object"]["id"] == update.uri


async def test_only_members_update_a_post_and_nothing_is_recorded_otherwise(
    db: Db, session: AsyncSession
) -> None:
    await create_account(session, email="a@example.org", password="12345678")
    stranger = await create_account(session, email="b@example.org", password="12345678")
    actor = await create_actor(
        session, db.urls, ActorInput(username="labo", kind="Organization", owner_email="a@example.org")
    )
    offer = await create_post(session, db.urls, actor, PostInput(kind="job_offer", title="Médiateur·rice"))
    await session.commit()
    uri = offer.uri
    before = len(await _activities(session))
    with pytest.raises(Forbidden):
        await update_post(session, db.urls, uri, PostInput(kind="job_offer", title="Pirate"),
                          account=stranger)
    await session.rollback()
    with pytest.raises(Invalid) as caught:  # an offer stays an offer
        await update_post(session, db.urls, uri, PostInput(kind="article", title="x"))
    assert caught.value.field == "kind"
    await session.rollback()
    with pytest.raises(Invalid) as caught:
        await update_post(session, db.urls, uri, PostInput(kind="job_offer", title=" "))
    assert caught.value.field == "title"
    await session.rollback()
    with pytest.raises(NotFound):
        await update_post(session, db.urls, uri + "x", PostInput(kind="job_offer", title="x"))
    await session.rollback()
    assert len(await _activities(session)) == before
    stored = await post_by_uri(session, uri)
    assert stored is not None and stored.title == "Médiateur·rice"
