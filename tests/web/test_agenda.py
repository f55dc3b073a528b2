"""The agenda: each filter, periods in the region's zone, keyset pages, distances and origins
(on SQLite and PostgreSQL), and the page itself: a plain form, subscription links, English."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import QueryParams
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.settings import Settings
from storage.columns import utcnow
from storage.queries.agenda import (
    Circle,
    Cursor,
    Period,
    agenda_page,
    bounding_box,
    haversine_km,
    period_bounds,
)
from storage.tables import Actor, ActorKind, Event, EventStatus, Visibility
from tests.conftest import TEST_BASE_URL
from web.pages.agenda import read_filters

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2031, 6, 11, 10, 0, tzinfo=UTC)  # Wednesday, noon in Paris
METZ = (49.1193, 6.1757)
NANCY = (48.6921, 6.1844)  # about 47 km south of Metz
TOULOUSE = (43.6047, 1.4442)
ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------------------------
# Rows (written directly, as the CLI or the federation would)


async def make_actor(session: AsyncSession, username: str, domain: str = "grandest.test") -> Actor:
    local = domain == "grandest.test"
    actor = Actor(
        uri=f"https://{domain}/actors/{username}",
        kind=ActorKind.ORGANIZATION,
        username=username,
        domain=domain,
        local=local,
        name=username.title(),
        inbox=f"https://{domain}/inbox",
        url=f"https://{domain}/@{username}",
    )
    session.add(actor)
    await session.flush()
    return actor


async def add_event(
    session: AsyncSession, actor: Actor, title: str, starts_at: datetime, **fields: Any
) -> Event:
    where = fields.pop("at", None)
    if where is not None:
        fields["latitude"], fields["longitude"] = where
    uid = uuid.uuid4().hex
    assert actor.id is not None
    event = Event(
        uri=f"https://{actor.domain}/events/{uid}",
        url=f"https://{actor.domain}/events/{uid}",
        actor_id=actor.id,
        local=actor.local,
        origin_domain=actor.domain,
        title=title,
        starts_at=starts_at,
        **fields,
    )
    session.add(event)
    await session.flush()
    return event


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def where(query: str, *, now: datetime = NOW, zone: ZoneInfo = PARIS) -> Any:
    filters = read_filters(QueryParams(query), zone=zone, now=now)
    assert not filters.errors, filters.errors
    return filters.where


async def titles(session: AsyncSession, query: str, *, now: datetime = NOW) -> list[str]:
    page = await agenda_page(session, where(query, now=now), now=now, limit=200)
    return [item.event.title for item in page.items]


# ---------------------------------------------------------------------------------------------
# Periods, distances (pure)


def test_periods_are_calendar_days_of_the_region() -> None:
    def bounds(period: Period, now: datetime, zone: ZoneInfo = PARIS) -> tuple[str, str]:
        start, end = period_bounds(period, now, zone)
        return start.isoformat(), end.isoformat()

    assert bounds(Period.TODAY, NOW) == ("2031-06-11T00:00:00+02:00", "2031-06-12T00:00:00+02:00")
    assert bounds(Period.WEEKEND, NOW) == ("2031-06-14T00:00:00+02:00", "2031-06-16T00:00:00+02:00")
    assert bounds(Period.WEEK, NOW) == ("2031-06-11T00:00:00+02:00", "2031-06-16T00:00:00+02:00")
    assert bounds(Period.MONTH, NOW) == ("2031-06-11T00:00:00+02:00", "2031-07-01T00:00:00+02:00")
    # Saturday 22:30 UTC is already Sunday in Paris: "today" is Sunday, the weekend is under way
    sunday = datetime(2031, 6, 14, 22, 30, tzinfo=UTC)
    assert bounds(Period.TODAY, sunday)[0] == "2031-06-15T00:00:00+02:00"
    assert bounds(Period.WEEKEND, sunday) == (
        "2031-06-14T00:00:00+02:00",
        "2031-06-16T00:00:00+02:00",
    )
    assert bounds(Period.WEEK, sunday) == ("2031-06-15T00:00:00+02:00", "2031-06-16T00:00:00+02:00")
    # …while in Montréal it is still Saturday
    montreal = ZoneInfo("America/Montreal")
    assert bounds(Period.TODAY, sunday, montreal)[0] == "2031-06-14T00:00:00-04:00"
    # The day clocks go forward lasts 23 hours; December's month ends with the year
    start, end = period_bounds(Period.TODAY, datetime(2031, 3, 30, 12, tzinfo=UTC), PARIS)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    assert (
        bounds(Period.MONTH, datetime(2031, 12, 20, tzinfo=UTC))[1] == "2032-01-01T00:00:00+01:00"
    )


def test_distances_and_their_bounding_box() -> None:
    assert haversine_km(*METZ, *NANCY) == pytest.approx(47.4, abs=0.5)
    assert haversine_km(*METZ, *METZ) == 0
    box = bounding_box(Circle(*METZ, 50))
    assert box.south < NANCY[0] < box.north and box.west < NANCY[1] < box.east
    crossing = bounding_box(Circle(-17.7, 179.5, 200))  # Fiji: the box wraps around
    assert crossing.west > crossing.east
    assert bounding_box(Circle(89.5, 0, 200)).west == -180


def test_cursor_tokens_round_trip_and_reject_garbage() -> None:
    cursor = Cursor(datetime(2031, 6, 11, 19, 0, tzinfo=UTC), 42)
    assert cursor.token() == "2031-06-11T19:00:00Z_42"
    assert Cursor.parse(cursor.token()) == cursor
    for bad in ("", "42", "2031-06-11_x", "2031-06-11T19:00:00_4", "nonsense_3"):
        with pytest.raises(ValueError):
            Cursor.parse(bad)


# ---------------------------------------------------------------------------------------------
# Queries, both databases


async def seed_filters(session: AsyncSession) -> None:
    org = await make_actor(session, "vaisseau")
    remote = await make_actor(session, "museum", "occitanie.test")
    base = datetime(2031, 7, 1, 8, tzinfo=UTC)
    await add_event(
        session,
        org,
        "Atelier robots",
        base,
        category="atelier",
        audience=["enfants", "familles"],
        is_free=True,
        city="Metz",
        at=METZ,
    )
    await add_event(
        session,
        org,
        "Conférence climat",
        base + timedelta(hours=1),
        category="conference",
        audience=["adultes"],
        is_free=False,
        city="Nancy",
        at=NANCY,
    )
    await add_event(
        session,
        org,
        "Webinaire",
        base + timedelta(hours=2),
        category="conference",
        audience=["adultes"],
        is_free=True,
        online_url="https://visio.example/w",
    )
    await add_event(
        session,
        remote,
        "Expo Toulouse",
        base + timedelta(hours=3),
        category="exposition",
        audience=["familles"],
        is_free=True,
        city="Toulouse",
        at=TOULOUSE,
    )
    await add_event(
        session,
        org,
        "Atelier annulé",
        base + timedelta(hours=4),
        category="atelier",
        status=EventStatus.CANCELLED,
        city="metz",
        at=METZ,
    )
    # never listed: ended, deleted, not public
    await add_event(
        session, org, "Passé", NOW - timedelta(hours=3), ends_at=NOW - timedelta(hours=1)
    )
    await add_event(session, org, "Supprimé", base, deleted_at=NOW)
    await add_event(session, org, "Abonnés", base, visibility=Visibility.FOLLOWERS)
    await session.commit()


ALL = ["Atelier robots", "Conférence climat", "Webinaire", "Expo Toulouse", "Atelier annulé"]


FILTER_CASES = [
    ("", ALL),
    ("categorie=atelier", ["Atelier robots", "Atelier annulé"]),
    (
        "categorie=atelier&categorie=exposition",
        ["Atelier robots", "Expo Toulouse", "Atelier annulé"],
    ),
    ("public=familles", ["Atelier robots", "Expo Toulouse"]),
    ("public=enfants&public=adultes", ["Atelier robots", "Conférence climat", "Webinaire"]),
    ("gratuit=1", ["Atelier robots", "Webinaire", "Expo Toulouse", "Atelier annulé"]),
    ("en-ligne=1", ["Webinaire"]),
    ("ville=METZ", ["Atelier robots", "Atelier annulé"]),
    ("origine=region", ["Atelier robots", "Conférence climat", "Webinaire", "Atelier annulé"]),
    ("origine=suivies", ["Expo Toulouse"]),
    ("origine=tout", ALL),
    ("lat=49.1193&lon=6.1757&rayon=20", ["Atelier robots", "Atelier annulé"]),
    ("lat=49,1193&lon=6,1757&rayon=60", ["Atelier robots", "Conférence climat", "Atelier annulé"]),
    ("categorie=conference&en-ligne=1", ["Webinaire"]),
    ("du=2031-07-02", []),
    ("au=2031-06-30", []),
    ("du=2031-07-01&au=2031-07-01", ALL),
]


async def test_each_filter(session: AsyncSession) -> None:
    await seed_filters(session)
    for query, expected in FILTER_CASES:
        assert await titles(session, query) == expected, query


async def test_distances_are_reported(session: AsyncSession) -> None:
    await seed_filters(session)
    page = await agenda_page(session, where("lat=49.1193&lon=6.1757&rayon=60"), now=NOW)
    distances = {item.event.title: item.distance_km for item in page.items}
    assert distances["Atelier robots"] == pytest.approx(0, abs=0.01)
    assert distances["Conférence climat"] == pytest.approx(47.4, abs=0.5)


async def test_periods_select_by_the_region_calendar(session: AsyncSession) -> None:
    org = await make_actor(session, "vaisseau")
    await add_event(session, org, "Ce soir", paris("2031-06-11T20:00"))
    await add_event(
        session, org, "Après minuit", paris("2031-06-12T00:30")
    )  # still the 11th in UTC
    await add_event(session, org, "Samedi", paris("2031-06-14T15:00"))
    await add_event(session, org, "Lundi", paris("2031-06-16T09:00"))
    await add_event(session, org, "Fin juin", paris("2031-06-30T18:00"))
    await add_event(session, org, "Juillet", paris("2031-07-02T18:00"))
    await add_event(
        session,
        org,
        "Exposition longue",
        paris("2031-06-10T09:00"),
        ends_at=paris("2031-06-20T18:00"),
    )
    await add_event(
        session, org, "Ce matin", paris("2031-06-11T08:00"), ends_at=paris("2031-06-11T09:00")
    )
    await session.commit()

    assert await titles(session, "quand=aujourdhui") == ["Exposition longue", "Ce soir"]
    assert await titles(session, "quand=ce-week-end") == ["Exposition longue", "Samedi"]
    assert await titles(session, "quand=cette-semaine") == [
        "Exposition longue",
        "Ce soir",
        "Après minuit",
        "Samedi",
    ]
    assert await titles(session, "quand=ce-mois") == [
        "Exposition longue",
        "Ce soir",
        "Après minuit",
        "Samedi",
        "Lundi",
        "Fin juin",
    ]
    assert await titles(session, "du=2031-06-14&au=2031-06-16") == [
        "Exposition longue",
        "Samedi",
        "Lundi",
    ]
    # Late on Saturday (UTC), Paris is on Sunday: the weekend still shows, Saturday is over
    late = datetime(2031, 6, 14, 22, 30, tzinfo=UTC)
    assert await titles(session, "quand=aujourdhui", now=late) == ["Exposition longue"]


async def _all_pages(session: AsyncSession, query: str, limit: int) -> list[list[int]]:
    pages: list[list[int]] = []
    after: Cursor | None = None
    while True:
        page = await agenda_page(session, where(query), now=NOW, after=after, limit=limit)
        pages.append([item.event.id or 0 for item in page.items])
        if page.next is None:
            return pages
        after = Cursor.parse(page.next.token())  # through its URL form


async def test_keyset_pages_have_no_gaps_or_duplicates(session: AsyncSession) -> None:
    org = await make_actor(session, "vaisseau")
    expected: list[tuple[datetime, int]] = []
    for n in range(70):  # ten start times shared by seven events each: ties broken by id
        start = datetime(2031, 7, 1, tzinfo=UTC) + timedelta(hours=(n * 3) % 10)
        event = await add_event(session, org, f"E{n}", start, at=METZ if n % 2 else TOULOUSE)
        expected.append((start, event.id or 0))
    await session.commit()
    pages = await _all_pages(session, "", 30)
    assert [len(p) for p in pages] == [30, 30, 10]
    assert [i for p in pages for i in p] == [i for _s, i in sorted(expected)]
    # With a distance filter the rows are scanned in batches; pages stay exact
    near = await _all_pages(session, "lat=49.1193&lon=6.1757&rayon=10", 7)
    assert [len(p) for p in near] == [7, 7, 7, 7, 7]
    odd = {i for n, (_s, i) in enumerate(expected) if n % 2}
    assert [i for p in near for i in p] == [i for s, i in sorted(expected) if i in odd]


# ---------------------------------------------------------------------------------------------
# The page


YEAR = utcnow().year + 1


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, base_url=TEST_BASE_URL, demo=False)
    with TestClient(create_app(settings), base_url=TEST_BASE_URL) as client:
        yield client


async def seed_page(database_url: str, count: int = 0) -> None:
    from storage.engine import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            org = await make_actor(session, "vaisseau")
            remote = await make_actor(session, "museum", "occitanie.test")
            start = datetime(YEAR, 6, 13, 12, tzinfo=UTC)
            await add_event(
                session,
                org,
                "Nuit des étoiles",
                start,
                category="sortie_nature",
                audience=["familles"],
                city="Metz",
                at=METZ,
                timezone="Europe/Paris",
            )
            await add_event(
                session,
                remote,
                "Fête de la science",
                start + timedelta(days=1),
                category="festival",
                city="Toulouse",
                at=TOULOUSE,
            )
            await add_event(
                session,
                org,
                "Webinaire climat",
                start + timedelta(days=2),
                category="conference",
                online_url="https://visio.example/c",
            )
            await add_event(
                session,
                org,
                "Atelier robots",
                start + timedelta(days=3),
                category="atelier",
                status=EventStatus.CANCELLED,
                city="Metz",
                at=METZ,
            )
            for n in range(count):
                await add_event(
                    session,
                    org,
                    f"Série {n:02d}",
                    start + timedelta(days=10, hours=n),
                    category="visite",
                    city="Nancy",
                    at=NANCY,
                )
            await session.commit()
    finally:
        await engine.dispose()


async def test_agenda_page_lists_events_without_javascript(
    client: TestClient, database_url: str
) -> None:
    await seed_page(database_url)
    response = client.get("/agenda")
    assert response.status_code == 200
    html = response.text
    assert "<script" not in html
    assert '<form class="agenda-filters" method="get" action="/agenda"' in html
    for title in ("Nuit des étoiles", "Fête de la science", "Webinaire climat", "Atelier robots"):
        assert title in html
    assert "depuis occitanie.test" in html  # the remote event's home
    assert "En ligne" in html and "Sortie nature" in html and "Organisé par" in html
    assert re.search(r"is-cancelled.*?<strong>Annulé</strong>", html, re.DOTALL)
    assert 'href="/agenda.ics"' in html and 'href="/agenda.rss"' in html


def _link(html: str, prefix: str) -> tuple[str, list[tuple[str, str]]]:
    found = re.search(r'href="(' + re.escape(prefix) + r'[^"]*)"', html)
    assert found, prefix
    target = found.group(1).replace("&amp;", "&")
    return target, parse_qsl(urlsplit(target).query)


async def test_filters_are_reflected_in_the_form_and_the_subscriptions(
    client: TestClient, database_url: str
) -> None:
    await seed_page(database_url)
    query = (
        f"categorie=sortie_nature&categorie=atelier&public=familles&ville=Metz&gratuit=1"
        f"&du={YEAR}-06-01&au={YEAR}-06-30&origine=region"
    )
    html = client.get(f"/agenda?{query}").text
    assert "Nuit des étoiles" in html and "Fête de la science" not in html
    assert 'value="sortie_nature" checked' in html and 'value="atelier" checked' in html
    assert 'value="familles" checked' in html and 'name="gratuit" value="1" checked' in html
    assert f'name="du" type="date" value="{YEAR}-06-01"' in html and 'value="Metz"' in html
    assert 'value="region" checked' in html
    _target, ics = _link(html, "/agenda.ics?")
    assert sorted(ics) == sorted(
        [
            ("category", "sortie_nature"),
            ("category", "atelier"),
            ("audience", "familles"),
            ("city", "Metz"),
            ("from", f"{YEAR}-06-01"),
            ("to", f"{YEAR}-06-30"),
        ]
    )
    assert _link(html, "/agenda.rss?")[1] == ics
    assert "ne retiennent pas" in html  # free and origin have no feed equivalent
    # A period becomes dates for the feeds; online maps to online=1
    html = client.get("/agenda?quand=ce-mois&en-ligne=1").text
    _target, ics = _link(html, "/agenda.ics?")
    assert dict(ics)["online"] == "1" and "from" in dict(ics) and "to" in dict(ics)
    assert '<option value="ce-mois" selected>' in html


async def test_next_page_link_continues_the_list(client: TestClient, database_url: str) -> None:
    await seed_page(database_url, count=40)
    first = client.get("/agenda?ville=Nancy")
    titles = re.findall(r"Série \d\d", first.text)
    assert len(titles) == 30
    target, _params = _link(first.text, "/agenda?")
    assert target.startswith("/agenda?ville=Nancy&apres=") and "Suivants" in first.text
    second = client.get(target).text
    more = re.findall(r"Série \d\d", second)
    assert len(more) == 10 and not set(titles) & set(more)
    assert "Suivants" not in second and "Revenir au début" in second


async def test_bad_filters_are_explained(client: TestClient) -> None:
    response = client.get("/agenda?du=demain&categorie=cuisine&lat=123&lon=6&apres=x")
    assert response.status_code == 400
    html = response.text
    assert "Date attendue au format AAAA-MM-JJ." in html
    assert "Catégorie inconnue : cuisine" in html
    assert "La latitude est comprise entre -90 et 90." in html
    assert "Position de page invalide." in html
    assert 'id="f-du" name="du" type="date" value="demain" aria-invalid="true"' in html


async def test_agenda_in_english(client: TestClient, database_url: str) -> None:
    await seed_page(database_url)
    html = client.get("/agenda?categorie=sortie_nature", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in html
    assert "Nature outing" in html and "Subscribe to this selection" in html
    assert "Organised by" in html and "Filter the events" in html
    assert re.search(rf"(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, June 13, {YEAR}", html)
    html = client.get("/agenda?du=x", headers={"Accept-Language": "en"}).text
    assert "Expected a date as YYYY-MM-DD." in html


def test_every_message_of_the_agenda_and_map_is_translated() -> None:
    sources = [
        "web/pages/agenda.py",
        "web/pages/map.py",
        "web/templates/agenda.html",
        "web/templates/map.html",
        *(str(p.relative_to(ROOT)) for p in (ROOT / "web/templates/agenda").glob("*.html")),
    ]
    pattern = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    catalog: dict[str, str] = {}
    for path in sorted((ROOT / "web/locale/en").glob("*.po")):
        with path.open("rb") as source:
            catalog.update({str(m.id): str(m.string) for m in read_po(source) if m.id})
    missing = []
    for name in sources:
        for match in pattern.finditer((ROOT / name).read_text(encoding="utf-8")):
            message = match.group(1) if match.group(1) is not None else match.group(2)
            if not catalog.get(message):
                missing.append(f"{name}: {message}")
    assert not missing
