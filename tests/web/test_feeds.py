"""Calendar (ICS) and news (RSS/Atom) feeds, through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.services.accounts import ActorInput, create_actor
from echofed.services.publishing import (
    EventInput,
    PlaceInput,
    PostInput,
    create_event,
    create_post,
)
from echofed.settings import Settings
from federation.urls import Urls
from storage.columns import utcnow
from storage.engine import make_engine, make_sessionmaker
from storage.queries.feeds import EventFilter, feed_events
from storage.tables import Event, EventStatus
from tests.conftest import TEST_BASE_URL

ATOM = "{http://www.w3.org/2005/Atom}"
YEAR = utcnow().year + 1  # always ahead, so "coming events" holds them all
VAISSEAU = PlaceInput(
    name="Le Vaisseau",
    street="1 bis rue Philippe Dollinger",
    postcode="67100",
    city="Strasbourg",
    latitude=48.5764,
    longitude=7.7651,
)
BLIIIDA = PlaceInput(name="BLIIIDA", street="7 avenue de Blida", postcode="57000", city="Metz",
                     latitude=49.1287, longitude=6.1824)


@dataclass
class Seeded:
    """The URIs and stored instants the tests compare against."""

    stars: str  # Europe/Paris, Strasbourg, familles, #astronomie, <script> in content
    stars_start: datetime
    stars_end: datetime
    festival: str  # all-day, Metz, enfants
    webinar: str  # online, America/Montreal, adultes
    webinar_start: datetime
    cancelled: str  # STATUS:CANCELLED
    deleted: str  # must never appear
    recent_past: str  # ended 10 days ago: in calendars, not in RSS/Atom
    old_past: str  # ended 60 days ago: in no feed
    other: str  # another actor's event
    article: str
    job: str


async def _seed(database_url: str) -> Seeded:
    engine = make_engine(database_url)
    urls = Urls(TEST_BASE_URL)
    try:
        async with make_sessionmaker(engine)() as session:
            org = await create_actor(
                session, urls,
                ActorInput(username="vaisseau", kind="Organization", name="Le Vaisseau"),
            )
            museum = await create_actor(
                session, urls, ActorInput(username="musee", kind="Organization", name="Musée")
            )

            async def event(title: str, start: str, **fields: object) -> Event:
                fields.setdefault("place", VAISSEAU)
                return await create_event(
                    session, urls, fields.pop("actor", org),  # type: ignore[arg-type]
                    EventInput(title=title, start=start, **fields),  # type: ignore[arg-type]
                )

            stars = await event(
                "Nuit des étoiles", f"{YEAR}-08-09T21:00", end=f"{YEAR}-08-10T01:00",
                timezone="Europe/Paris", category="sortie_nature", audience=["familles"],
                tags=["astronomie"], description_md="Observation **guidée** du ciel.",
            )
            festival = await event(
                "Fête de la science", f"{YEAR}-10-04", all_day=True, timezone="Europe/Paris",
                place=BLIIIDA, category="festival", audience=["enfants"],
            )
            webinar = await event(
                "Webinaire climat", f"{YEAR}-09-15T19:00", timezone="America/Montreal",
                place=None, online_url="https://visio.example/climat", category="conference",
                audience=["adultes"],
            )
            cancelled = await event("Atelier robots", f"{YEAR}-09-01T14:00", category="atelier")
            deleted = await event("Supprimé", f"{YEAR}-09-02T14:00", category="atelier")
            now = utcnow()
            recent = await event(
                "Conférence passée", (now - timedelta(days=10, hours=2)).isoformat(),
                end=(now - timedelta(days=10)).isoformat(), category="conference",
            )
            old = await event(
                "Très ancienne", (now - timedelta(days=60, hours=2)).isoformat(),
                end=(now - timedelta(days=60)).isoformat(), category="conference",
            )
            other = await event("Au\x0bmusée", f"{YEAR}-11-01T10:00", actor=museum)  # control
            article = await create_post(
                session, urls, org,
                PostInput(kind="article", title="Les comètes", body_md="Une *belle* histoire."),
            )
            job = await create_post(
                session, urls, org, PostInput(kind="job_offer", title="Médiateur·rice")
            )
            # What arrives through other paths (status change, deletion, hostile remote HTML):
            cancelled.status = EventStatus.CANCELLED
            deleted.deleted_at = utcnow()
            stars.content_html = "<p>Observation <script>alert('x')</script><b>guidée</b></p>"
            stars.title = "Nuit des étoiles <script>alert(1)</script> & co"
            article.content_html = "<p>Comètes <script>alert(2)</script></p>"
            for row in (cancelled, deleted, stars, article):
                session.add(row)
            await session.commit()
            assert stars.ends_at is not None
            return Seeded(
                stars=stars.uri, stars_start=stars.starts_at, stars_end=stars.ends_at,
                festival=festival.uri, webinar=webinar.uri, webinar_start=webinar.starts_at,
                cancelled=cancelled.uri, deleted=deleted.uri, recent_past=recent.uri,
                old_past=old.uri, other=other.uri, article=article.uri, job=job.uri,
            )
    finally:
        await engine.dispose()


@pytest.fixture
def seeded(database_url: str) -> Seeded:
    return asyncio.run(_seed(database_url))


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    # One worker, so fan-outs of seeded content never contend for SQLite's lock at shutdown.
    settings = Settings(
        database_url=database_url, base_url=TEST_BASE_URL, demo=False, worker_concurrency=1
    )
    with TestClient(create_app(settings), base_url=TEST_BASE_URL) as client:
        yield client


def _calendar(client: TestClient, path: str) -> icalendar.Calendar:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    lines = response.content.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)  # CRLF, folded
    return icalendar.Calendar.from_ical(response.content)


def _events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _uuid(uri: str) -> str:
    return uri.rsplit("/", 1)[1]


def test_agenda_ics_keeps_each_event_in_its_own_zone(client: TestClient, seeded: Seeded) -> None:
    cal = _calendar(client, "/agenda.ics")
    assert str(cal["VERSION"]) == "2.0" and "echofed" in str(cal["PRODID"])
    assert "agenda" in str(cal["X-WR-CALNAME"])
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    events = _events(cal)

    stars = events[seeded.stars]
    assert stars["DTSTART"].params["TZID"] == "Europe/Paris"
    assert stars["DTSTART"].to_ical() == f"{YEAR}0809T210000".encode()
    assert stars.decoded("DTSTART").astimezone(UTC) == seeded.stars_start
    assert stars.decoded("DTEND").astimezone(UTC) == seeded.stars_end
    webinar = events[seeded.webinar]
    assert webinar["DTSTART"].params["TZID"] == "America/Montreal"
    assert webinar["DTSTART"].to_ical() == f"{YEAR}0915T190000".encode()
    assert webinar.decoded("DTSTART").astimezone(UTC) == seeded.webinar_start
    zones = sorted(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE"))
    assert zones == ["America/Montreal", "Europe/Paris"]
    assert cal.get_missing_tzids() == set()


def test_ics_event_properties(client: TestClient, seeded: Seeded) -> None:
    events = _events(_calendar(client, "/agenda.ics"))
    stars = events[seeded.stars]
    assert str(stars["LOCATION"]) == "Le Vaisseau, 1 bis rue Philippe Dollinger, 67100 Strasbourg"
    geo = stars["GEO"]
    assert (geo.latitude, geo.longitude) == (48.5764, 7.7651)
    assert str(stars["URL"]) == seeded.stars
    assert str(stars["STATUS"]) == "CONFIRMED"
    assert str(stars["SUMMARY"]).startswith("Nuit des étoiles")
    description = str(stars["DESCRIPTION"])
    assert "Observation guidée" in description and seeded.stars in description
    assert "alert" not in description and "<" not in description
    assert [str(c) for c in stars["CATEGORIES"].cats] == ["sortie_nature", "astronomie"]
    assert str(stars["ORGANIZER"]) == f"{TEST_BASE_URL}/actors/vaisseau"
    assert stars["ORGANIZER"].params["CN"] == "Le Vaisseau"
    assert isinstance(stars.decoded("DTSTAMP"), datetime)
    assert isinstance(stars.decoded("LAST-MODIFIED"), datetime)

    festival = events[seeded.festival]
    assert festival["DTSTART"].params.get("VALUE") == "DATE"
    assert festival.decoded("DTSTART") == date(YEAR, 10, 4)
    assert festival.decoded("DTEND") == date(YEAR, 10, 5)  # exclusive: one day
    assert not isinstance(festival.decoded("DTSTART"), datetime)

    webinar = events[seeded.webinar]
    assert "GEO" not in webinar
    assert str(webinar["LOCATION"]) == "https://visio.example/climat"
    assert str(events[seeded.cancelled]["STATUS"]) == "CANCELLED"


def test_agenda_ics_window_and_exclusions(client: TestClient, seeded: Seeded) -> None:
    uids = set(_events(_calendar(client, "/agenda.ics")))
    assert {seeded.stars, seeded.festival, seeded.webinar, seeded.cancelled, seeded.other,
            seeded.recent_past} == uids  # deleted and long-past events left out


def test_uids_are_stable_and_responses_cacheable(client: TestClient, seeded: Seeded) -> None:
    first = client.get("/agenda.ics")
    second = client.get("/agenda.ics")
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(first.content).walk("VEVENT")]
    again = [str(e["UID"]) for e in icalendar.Calendar.from_ical(second.content).walk("VEVENT")]
    assert uids == again and seeded.stars in uids
    assert first.headers["etag"] == second.headers["etag"]
    cached = client.get("/agenda.ics", headers={"If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""


def test_one_event_ics_is_a_download(client: TestClient, seeded: Seeded) -> None:
    response = client.get(f"/events/{_uuid(seeded.festival)}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="fete-de-la-science.ics"'
    cal = icalendar.Calendar.from_ical(response.content)
    assert list(_events(cal)) == [seeded.festival]
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == []  # dates need no zone
    paris = icalendar.Calendar.from_ical(client.get(f"/events/{_uuid(seeded.stars)}.ics").content)
    assert [str(tz["TZID"]) for tz in paris.walk("VTIMEZONE")] == ["Europe/Paris"]
    # The event page is still served at the URL without the extension.
    assert client.get(f"/events/{_uuid(seeded.festival)}").status_code == 200


def test_unknown_things_are_404_and_deleted_event_410(client: TestClient, seeded: Seeded) -> None:
    assert client.get("/events/00000000-0000-0000-0000-000000000000.ics").status_code == 404
    assert client.get(f"/events/{_uuid(seeded.deleted)}.ics").status_code == 410
    assert client.get("/@personne/events.ics").status_code == 404
    assert client.get("/actors/personne/events.ics").status_code == 404
    assert client.get("/@personne/feed.atom").status_code == 404


def test_actor_calendar(client: TestClient, seeded: Seeded) -> None:
    for path in ("/@vaisseau/events.ics", "/actors/vaisseau/events.ics"):
        cal = _calendar(client, path)
        uids = set(_events(cal))
        assert seeded.stars in uids and seeded.cancelled in uids
        assert seeded.other not in uids and seeded.deleted not in uids
        assert str(cal["X-WR-CALNAME"]).startswith("Le Vaisseau")
    musee = _events(_calendar(client, "/@musee/events.ics"))
    assert set(musee) == {seeded.other}
    assert str(musee[seeded.other]["SUMMARY"]) == "Aumusée"  # control character dropped


AGENDA_FILTERS = [
    ("category=festival", {"festival"}),
    ("audience=familles&audience=enfants", {"stars", "festival"}),
    ("audience=familles,enfants", {"stars", "festival"}),
    ("audience=adultes", {"webinar"}),
    ("city=metz", {"festival"}),
    ("city=Strasbourg&category=atelier", {"cancelled"}),
    ("online=1", {"webinar"}),
    ("tag=%23Astronomie", {"stars"}),
    (f"from={YEAR}-09-01&to={YEAR}-09-30", {"webinar", "cancelled"}),
    (f"from={YEAR}-10-04&to={YEAR}-10-04", {"festival"}),
    ("category=festival&audience=adultes", set()),
]


def test_agenda_filters(client: TestClient, seeded: Seeded) -> None:
    for query, expected in AGENDA_FILTERS:
        uids = set(_events(_calendar(client, f"/agenda.ics?{query}")))
        assert uids == {getattr(seeded, name) for name in expected}, query


def test_offline_filter_excludes_online_events(client: TestClient, seeded: Seeded) -> None:
    uids = set(_events(_calendar(client, "/agenda.ics?online=0")))
    assert seeded.webinar not in uids and seeded.stars in uids


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/agenda.ics?category=inconnue", "catégorie inconnue"),
        ("/agenda.rss?audience=martiens", "public inconnu"),
        ("/agenda.ics?from=2031-13-45", "from"),
        ("/agenda.atom?to=demain", "to"),
        ("/agenda.ics?from=2031-05-02&to=2031-05-01", "précède"),
        ("/agenda.ics?online=peut-etre", "online"),
        ("/articles.rss?kind=blog", "type inconnu"),
    ],
)
def test_bad_filters_are_400_with_a_reason(client: TestClient, path: str, words: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert words in response.text


def test_agenda_rss(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/agenda.rss")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert b"<script" not in response.content
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None and self_link.get("href") == f"{TEST_BASE_URL}/agenda.rss"
    items = {i.findtext("guid"): i for i in channel.findall("item")}
    # Coming events only: not the one that ended ten days ago.
    assert set(items) == {seeded.stars, seeded.festival, seeded.webinar, seeded.cancelled,
                          seeded.other}
    stars = items[seeded.stars]
    assert stars.findtext("title") == "Nuit des étoiles <script>alert(1)</script> & co"
    assert stars.findtext("link") == seeded.stars
    assert all((i.findtext("link") or "").startswith(f"{TEST_BASE_URL}/") for i in items.values())
    description = stars.findtext("description") or ""
    assert "<b>guidée</b>" in description and "<script" not in description
    assert "Le Vaisseau" in description and "21:00" in description
    assert items[seeded.cancelled].findtext("title", "").startswith("Annulé")
    assert stars.findtext("{http://www.georss.org/georss}point") == "48.5764 7.7651"
    webinar = items[seeded.webinar].findtext("description") or ""
    assert "19:00 – 21:00 (America/Montreal)" in webinar
    assert webinar.count("https://visio.example/climat") == 2  # the link and its text
    assert items[seeded.other].findtext("title") == "Aumusée"  # control character dropped


def test_agenda_atom_with_filter(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/agenda.atom?category=festival")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [seeded.festival]
    link = entries[0].find(f"{ATOM}link")
    assert link is not None and link.get("href") == seeded.festival
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == f"{TEST_BASE_URL}/agenda.atom?category=festival"
    assert f"4 octobre {YEAR}" in (entries[0].findtext(f"{ATOM}summary") or "")


def test_articles_feeds(client: TestClient, seeded: Seeded) -> None:
    rss = client.get("/articles.rss")
    assert rss.status_code == 200 and b"<script" not in rss.content
    items = ET.fromstring(rss.content).findall("channel/item")
    assert {i.findtext("guid") for i in items} == {seeded.article, seeded.job}
    assert all((i.findtext("link") or "").startswith(f"{TEST_BASE_URL}/posts/") for i in items)

    atom = client.get("/articles.atom?kind=job_offer")
    assert atom.status_code == 200 and b"<script" not in atom.content
    entries = ET.fromstring(atom.content).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [seeded.job]
    author = entries[0].find(f"{ATOM}author")
    assert author is not None and author.findtext(f"{ATOM}name") == "Le Vaisseau"

    article = ET.fromstring(client.get("/articles.atom?kind=article").content)
    content = article.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert "Comètes" in (content.text or "") and "script" not in (content.text or "")


def test_actor_atom_has_its_posts_and_events(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/@vaisseau/feed.atom")
    assert response.status_code == 200 and b"<script" not in response.content
    feed = ET.fromstring(response.content)
    ids = {e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")}
    assert {seeded.article, seeded.job, seeded.stars, seeded.cancelled} <= ids
    assert seeded.other not in ids and seeded.deleted not in ids
    alternate = feed.find(f"{ATOM}link[@rel='alternate']")
    assert alternate is not None and alternate.get("href") == f"{TEST_BASE_URL}/@vaisseau"


async def test_feed_events_pages_by_keyset(database_url: str) -> None:
    seeded = await _seed(database_url)
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            where = EventFilter(ends_after=utcnow())
            every = [r.event.uri for r in await feed_events(session, where)]
            first = await feed_events(session, where, limit=2)
            last = first[-1].event
            assert last.id is not None
            rest = await feed_events(session, where, after=(last.starts_at, last.id))
            assert [r.event.uri for r in first + rest] == every
            assert seeded.stars in every and seeded.deleted not in every
            assert all(isinstance(r.event, Event) and r.actor.id == r.event.actor_id for r in first)
    finally:
        await engine.dispose()
