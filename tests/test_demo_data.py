"""Integrity of the demo region data (echofed.demo.data)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from echofed.demo import data
from echofed.demo.data import (
    ACTORS,
    ARTICLES,
    AUDIENCES,
    CALLS,
    CATEGORIES,
    EVENTS,
    JOB_OFFERS,
    MAP_BOUNDS,
    MAP_CENTER,
    PLACES,
)

ALLOWED_CATEGORIES = {
    "conference",
    "atelier",
    "exposition",
    "visite",
    "sortie_nature",
    "festival",
    "cafe_sciences",
    "science_participative",
    "projection",
    "spectacle",
    "formation",
    "autre",
}
ALLOWED_AUDIENCES = {"enfants", "ados", "adultes", "familles", "scolaires", "professionnels"}
# Départements of Grand Est: Ardennes, Aube, Marne, Haute-Marne, Meurthe-et-Moselle, Meuse,
# Moselle, Bas-Rhin, Haut-Rhin, Vosges.
GRAND_EST_DEPARTMENTS = {"08", "10", "51", "52", "54", "55", "57", "67", "68", "88"}
USERNAME = re.compile(r"^[a-z0-9_]{3,30}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DAY = 24 * 60

ACTORS_BY_NAME = {a.username: a for a in ACTORS}
PLACES_BY_KEY = {p.key: p for p in PLACES}


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _assert_unique(values, what):
    duplicates = [v for v, n in Counter(values).items() if n > 1]
    assert not duplicates, f"duplicate {what}: {duplicates}"


# ---- module constants --------------------------------------------------------------------


def test_region_constants():
    assert data.REGION_NAME == "Grand Est — démo"
    assert data.REGION_DESCRIPTION.strip()
    assert data.REGION_DESCRIPTION.count(". ") >= 1
    assert data.TIMEZONE == "Europe/Paris"
    ZoneInfo(data.TIMEZONE)
    assert set(CATEGORIES) == ALLOWED_CATEGORIES
    assert set(AUDIENCES) == ALLOWED_AUDIENCES


def test_map_bounds_and_center():
    south, west, north, east = MAP_BOUNDS
    assert south < north and west < east
    # Grand Est spans roughly 47.4–50.2 N and 3.3–8.3 E.
    assert 47.0 < south < 47.5 and 50.1 < north < 50.5
    assert 3.0 < west < 3.5 and 8.2 < east < 8.5
    lat, lon = MAP_CENTER
    assert south < lat < north and west < lon < east


@pytest.mark.parametrize(
    "cls", [data.DemoActor, data.DemoPlace, data.DemoEvent, data.DemoArticle, data.DemoJobOffer,
            data.DemoCall],
)
def test_dataclasses_are_frozen(cls):
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen


def test_collections_are_tuples_of_the_right_type():
    for collection, cls in [
        (ACTORS, data.DemoActor),
        (PLACES, data.DemoPlace),
        (EVENTS, data.DemoEvent),
        (ARTICLES, data.DemoArticle),
        (JOB_OFFERS, data.DemoJobOffer),
        (CALLS, data.DemoCall),
    ]:
        assert isinstance(collection, tuple)
        assert all(isinstance(item, cls) for item in collection)


# ---- actors --------------------------------------------------------------------------------


def test_actor_usernames_are_unique_and_valid():
    _assert_unique([a.username for a in ACTORS], "usernames")
    for actor in ACTORS:
        assert USERNAME.match(actor.username), actor.username
        assert actor.kind in {"Person", "Organization", "Group"}
        assert actor.name.strip() and actor.summary.strip() and actor.city.strip()
        assert actor.url is None or actor.url.startswith("https://")


def test_actor_mix():
    assert 10 <= len(ACTORS) <= 16
    kinds = Counter(a.kind for a in ACTORS)
    assert kinds["Organization"] >= 6
    assert kinds["Person"] >= 2
    assert kinds["Group"] >= 1
    assert "astronomie_grandest" in ACTORS_BY_NAME
    assert ACTORS_BY_NAME["astronomie_grandest"].kind == "Group"


def test_members_exist_and_are_persons():
    for actor in ACTORS:
        if actor.kind == "Person":
            assert actor.members == (), f"{actor.username}: a Person has no members"
        _assert_unique(actor.members, f"members of {actor.username}")
        for member in actor.members:
            assert member in ACTORS_BY_NAME, f"{actor.username}: unknown member {member}"
            assert ACTORS_BY_NAME[member].kind == "Person", f"{member} is not a Person"
    assert any(a.members for a in ACTORS if a.kind == "Organization")


def test_every_actor_publishes_something():
    authors = (
        {e.actor for e in EVENTS}
        | {a.actor for a in ARTICLES}
        | {j.actor for j in JOB_OFFERS}
        | {c.actor for c in CALLS}
    )
    assert authors == set(ACTORS_BY_NAME)


# ---- places --------------------------------------------------------------------------------


def test_place_keys_unique_and_fields_valid():
    _assert_unique([p.key for p in PLACES], "place keys")
    assert 15 <= len(PLACES) <= 30
    for place in PLACES:
        assert re.match(r"^[a-z0-9_]+$", place.key), place.key
        assert place.name.strip() and place.street.strip() and place.city.strip()
        assert re.match(r"^\d{5}$", place.postcode), place.postcode
        assert place.postcode[:2] in GRAND_EST_DEPARTMENTS, (place.key, place.postcode)


def test_place_coordinates_inside_bounds_with_five_decimals():
    south, west, north, east = MAP_BOUNDS
    for place in PLACES:
        assert south <= place.latitude <= north, place.key
        assert west <= place.longitude <= east, place.key
        assert round(place.latitude, 5) == place.latitude, place.key
        assert round(place.longitude, 5) == place.longitude, place.key


def test_places_have_distinct_coordinates():
    _assert_unique([(p.latitude, p.longitude) for p in PLACES], "coordinates")


def test_every_place_is_used():
    used = (
        {e.place for e in EVENTS}
        | {j.place for j in JOB_OFFERS}
        | {c.place for c in CALLS}
    )
    assert set(PLACES_BY_KEY) <= used


# ---- events ---------------------------------------------------------------------------------


def test_about_fifty_events_with_unique_titles():
    assert 45 <= len(EVENTS) <= 60
    _assert_unique([e.title for e in EVENTS], "event titles")


def test_event_actor_and_place_exist():
    for event in EVENTS:
        assert event.actor in ACTORS_BY_NAME, event.title
        assert event.place is None or event.place in PLACES_BY_KEY, event.title
        assert event.place is not None or event.online_url is not None, (
            f"{event.title}: neither a place nor an online link"
        )
        assert event.online_url is None or event.online_url.startswith("https://")


def test_event_categories_and_audiences_allowed():
    for event in EVENTS:
        assert event.category in ALLOWED_CATEGORIES, (event.title, event.category)
        assert event.audience, event.title
        assert set(event.audience) <= ALLOWED_AUDIENCES, (event.title, event.audience)
        _assert_unique(event.audience, f"audience of {event.title}")
    # The demo shows off most of the vocabulary.
    assert len({e.category for e in EVENTS}) >= 10
    assert {a for e in EVENTS for a in e.audience} == ALLOWED_AUDIENCES


def test_event_dates_are_relative_and_in_range():
    for event in EVENTS:
        assert isinstance(event.day_offset, int)
        assert 3 <= event.day_offset <= 180, event.title
        assert HHMM.match(event.start), (event.title, event.start)
        assert event.duration_minutes > 0, event.title
        if event.all_day:
            assert event.start == "00:00", event.title
            assert event.duration_minutes % DAY == 0, event.title
        else:
            # Timed events end on the day they start.
            assert _minutes(event.start) + event.duration_minutes <= DAY, event.title
    offsets = [e.day_offset for e in EVENTS]
    assert max(offsets) - min(offsets) >= 120, "events should spread over the coming months"
    assert 1 <= sum(e.all_day for e in EVENTS) <= 10


def test_event_texts():
    for event in EVENTS:
        assert event.title.strip() == event.title and event.title
        sentences = re.findall(r"[.!?](?:\s|$)", event.description_md)
        assert 2 <= len(sentences) <= 8, event.title
        lowered = event.description_md.lower() + " " + event.title.lower()
        # Dates are relative: no weekday or calendar month named in the text.
        for word in ("ce samedi", "ce dimanche", "janvier", "février", "mars ", "avril", "mai ",
                     "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"):
            assert word not in lowered, (event.title, word)
    assert any("**" in e.description_md for e in EVENTS)
    assert any("\n- " in e.description_md or "\n1. " in e.description_md for e in EVENTS)


def test_event_tags():
    for event in EVENTS:
        assert event.tags, event.title
        _assert_unique(event.tags, f"tags of {event.title}")
        for tag in event.tags:
            assert tag == tag.lower(), tag
            assert not tag.startswith("#") and " " not in tag, tag


def test_event_registration_and_price():
    for event in EVENTS:
        assert event.join_mode in {"free", "restricted", "external"}, event.title
        if event.join_mode == "external":
            assert event.registration_url and event.registration_url.startswith("https://"), (
                event.title
            )
        else:
            assert event.registration_url is None, event.title
        assert event.capacity is None or event.capacity > 0, event.title
        assert event.price is None or event.price.strip(), event.title
    assert any(e.price is None for e in EVENTS)
    assert any(e.price and "€" in e.price for e in EVENTS)
    assert {e.join_mode for e in EVENTS} == {"free", "restricted", "external"}


def test_online_and_hybrid_events():
    online_only = [e for e in EVENTS if e.place is None and e.online_url]
    hybrid = [e for e in EVENTS if e.place is not None and e.online_url]
    assert len(online_only) + len(hybrid) >= 3
    assert online_only and hybrid


def test_events_cover_at_least_five_cities():
    cities = {PLACES_BY_KEY[e.place].city for e in EVENTS if e.place}
    assert len(cities) >= 5, cities
    # And the main cities of the region are all on the agenda.
    assert {"Strasbourg", "Nancy", "Metz", "Reims", "Mulhouse", "Troyes"} <= cities


# ---- articles, job offers, calls ------------------------------------------------------------


def test_articles():
    assert 4 <= len(ARTICLES) <= 6
    _assert_unique([a.title for a in ARTICLES], "article titles")
    assert {a.kind for a in ARTICLES} == {"article", "resource"}
    for article in ARTICLES:
        assert article.actor in ACTORS_BY_NAME, article.title
        assert -60 <= article.day_offset <= -1, article.title
        assert article.summary.strip() and len(article.body_md) > 200, article.title
        assert article.tags and all(t == t.lower() and " " not in t for t in article.tags)
    assert any("Ensisheim" in a.title and "1492" in a.body_md for a in ARTICLES)


def test_job_offers():
    assert 1 <= len(JOB_OFFERS) <= 2
    _assert_unique([j.title for j in JOB_OFFERS], "job titles")
    for job in JOB_OFFERS:
        assert job.actor in ACTORS_BY_NAME, job.title
        assert job.place is None or job.place in PLACES_BY_KEY, job.title
        assert job.deadline_offset > 0, job.title
        assert job.contract.strip() and job.body_md.strip() and job.summary.strip()
        assert job.apply_url.startswith("https://"), job.title


def test_calls():
    assert 1 <= len(CALLS) <= 2
    _assert_unique([c.title for c in CALLS], "call titles")
    assert {c.kind for c in CALLS} <= {"volunteers", "projects"}
    for call in CALLS:
        assert call.actor in ACTORS_BY_NAME, call.title
        assert call.place is None or call.place in PLACES_BY_KEY, call.title
        assert call.deadline_offset > 0, call.title
        assert call.url is None or call.url.startswith("https://"), call.title
        assert call.summary.strip() and call.body_md.strip()
