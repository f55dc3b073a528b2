"""Events and places ↔ JSON (federation.vocab.events), against real Mobilizon and Gancio JSON.

JSON-LD checks use pyld (test-only) with a loader that serves local context documents and
refuses every other URL, so nothing goes online. The ActivityStreams context is rebuilt here
from the term list of w3c/activitystreams ``ns/activitystreams.jsonld``, without its
``"@vocab": "_:"`` fallback: a term our context does not define is then dropped, and pyld's
``on_property_dropped`` reports it.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from echofed.services.publishing import CATEGORIES
from federation.html import markdown_to_html, sanitize, to_text
from federation.vocab.events import (
    CATEGORY_LABELS,
    MOBILIZON_CATEGORIES,
    EventData,
    InvalidObject,
    PlaceData,
    event_summary,
    event_to_json,
    parse_event,
    parse_place,
    place_to_json,
)
from federation.vocab.jsonld import AS, PUBLIC, SECURITY
from federation.vocab.objects import PostData, post_to_json, tombstone_to_json

FIXTURES = Path(__file__).parent.parent / "fixtures"
BASE = "https://grandest.test"
PLANETARIUM = f"{BASE}/actors/planetarium"
FOLLOWERS = f"{PLANETARIUM}/followers"

# Mobilizon's category ids, from lib/mobilizon/events/categories.ex (framasoft/mobilizon
# c64a0ea, 2025-04-10). Anything else falls back to MEETING on a Mobilizon server.
MOBILIZON_CATEGORY_IDS = frozenset(
    {
        "ARTS",
        "BOOK_CLUBS",
        "BUSINESS",
        "CAUSES",
        "COMEDY",
        "CRAFTS",
        "FOOD_DRINK",
        "HEALTH",
        "MUSIC",
        "AUTO_BOAT_AIR",
        "COMMUNITY",
        "FAMILY_EDUCATION",
        "FASHION_BEAUTY",
        "FILM_MEDIA",
        "GAMES",
        "LANGUAGE_CULTURE",
        "LEARNING",
        "LGBTQ",
        "MOVEMENTS_POLITICS",
        "NETWORKING",
        "PARTY",
        "PERFORMING_VISUAL_ARTS",
        "PETS",
        "PHOTOGRAPHY",
        "OUTDOORS_ADVENTURE",
        "SPIRITUALITY_RELIGION_BELIEFS",
        "SCIENCE_TECH",
        "SPORTS",
        "THEATRE",
        "MEETING",
    }
)


def fixture(path: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / path).read_text(encoding="utf-8"))
    return document


def fixture_object(path: str) -> dict[str, Any]:
    inner: dict[str, Any] = fixture(path)["object"]
    return inner


STRASBOURG = PlaceData(
    id=f"{BASE}/places/planetarium",
    name="Planétarium de Strasbourg",
    street="13 rue de l'Université",
    postcode="67000",
    city="Strasbourg",
    region="Grand Est",
    country="FR",
    latitude=48.5809,
    longitude=7.7676,
    url="https://planetarium.unistra.fr/",
    opening_hours="Mo-Fr 09:00-17:00",
)


def saturn_event(**changes: Any) -> EventData:
    """A local event on Saturday 12 April 2025, 14:00–17:00 Paris summer time (UTC+2)."""
    event = EventData(
        id=f"{BASE}/events/7c1d",
        url=f"{BASE}/events/7c1d",
        attributed_to=PLANETARIUM,
        title="Les anneaux de Saturne",
        content_html=markdown_to_html("Une **conférence** sur [Saturne](https://nasa.gov/saturn)."),
        language="fr",
        starts_at=datetime(2025, 4, 12, 12, 0, tzinfo=UTC),
        ends_at=datetime(2025, 4, 12, 15, 0, tzinfo=UTC),
        timezone="Europe/Paris",
        place=STRASBOURG,
        category="conference",
        tags=("astronomie", "saturne"),
        image_url=f"{BASE}/media/saturne.png",
        image_alt="Saturne et ses anneaux",
        capacity=80,
        participant_count=12,
        published=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        updated=datetime(2025, 3, 2, 10, 0, tzinfo=UTC),
        to=(PUBLIC,),
        cc=(FOLLOWERS,),
    )
    event = replace(event, **changes)
    return replace(event, summary=event_summary(event))


# --- real-world events ---------------------------------------------------------------------


def test_mobilizon_event_2022() -> None:
    event = parse_event(fixture("mobilizon/mobilizon-event-2022.json"))
    assert event.id == "https://rendezvous.nomagic.uk/events/b81c0531-a57c-497d-93ba-af0f8b255498"
    assert event.title == "Caledonian scottish dance class"
    assert event.starts_at == datetime(2022, 12, 11, 19, 0, tzinfo=UTC)
    assert event.starts_at.utcoffset() == timedelta(0)
    assert event.ends_at == datetime(2022, 12, 11, 21, 0, tzinfo=UTC)
    assert event.timezone == "Europe/London"
    assert event.attributed_to == "https://rendezvous.nomagic.uk/@devon_caledonian_society"
    assert event.actor == "https://rendezvous.nomagic.uk/@emorrp1"
    assert event.place == PlaceData(
        id="https://rendezvous.nomagic.uk/address/e4c95383-15ac-4cc7-adf6-723d74ee2ccc",
        name="The Kenn Centre",
        street="Devon Expressway",
        postcode="EX6 7TW",
        city="Teignbridge",
        region="England",
        country="United Kingdom",
        latitude=50.66881615,
        longitude=-3.537739788359949,
    )
    assert event.online_url is None
    assert event.join_mode == "free"
    assert event.category == "autre"  # SPORTS is a Mobilizon category outside our list
    assert event.tags == ("dance", "caledonian", "lesson")
    assert event.capacity is None  # maximumAttendeeCapacity 0 = unlimited
    assert event.participant_count == 0
    assert event.status == "scheduled"
    assert event.comments_enabled is True
    assert event.language == "en"
    assert event.image_url is not None and event.image_url.startswith(
        "https://rendezvous.nomagic.uk/media/cd75bf2f61b66004"
    )
    assert event.image_alt == ""  # "Banner" is Mobilizon's marker, not a description
    assert event.published == datetime(2022, 9, 27, 14, 33, 14, tzinfo=UTC)
    assert event.to == (PUBLIC,)
    assert event.cc == ("https://rendezvous.nomagic.uk/@emorrp1/followers",)
    assert 'href="https://www.exeterceilidhs.net/"' in event.content_html
    assert "target=" not in event.content_html


def test_old_mobilizon_event_with_website_link_and_bogus_category() -> None:
    event = parse_event(fixture_object("mobilizon/mobilizon-post-activity.json"))
    assert event.title == "My first event"
    assert event.starts_at == datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC)
    assert event.ends_at is None
    assert event.timezone is None
    assert event.online_url == "https://google.com"  # the Link named "Website", not "Another link"
    assert event.category is None  # "TODO remove me"
    assert event.tags == ()  # a Mention is not a tag
    assert event.place is not None
    assert (event.place.name, event.place.street, event.place.postcode, event.place.city) == (
        "Locaux de Framasoft",
        "10 Rue Jangot",
        "69007",
        "Lyon",
    )
    assert event.place.region == "Auvergne Rhône Alpes" and event.place.country == "France"
    assert event.place.latitude is None and event.place.longitude is None


def test_mobilizon_group_event_keeps_organiser_and_group() -> None:
    event = parse_event(fixture_object("mobilizon/mobilizon-post-activity-group.json"))
    assert event.attributed_to == "http://mobilizon1.com/@group"
    assert event.actor == "http://mobilizon1.com/@user"
    assert event.to == ("http://mobilizon1.com/@group",)
    assert event.place is None and event.online_url is None


def test_gancio_event_with_a_bare_named_location() -> None:
    event = parse_event(fixture_object("gancio/gancio-event-activity.json"))
    assert event.title == "Demo event"
    assert event.starts_at == datetime(2021, 7, 14, 15, 30, 57, tzinfo=UTC)  # 17:30:57+02:00
    assert event.ends_at == datetime(2021, 7, 14, 16, 30, 57, tzinfo=UTC)
    assert event.timezone is None
    assert event.place == PlaceData(name="Colosseo")
    assert event.tags == ("test",)  # relative href, name with '#'
    assert event.url == "https://demo.gancio.org/event/demo-event"
    assert event.summary == "📍 Colosseo 📅 Wednesday, 14 July (17:30)"
    assert "Colosseo" in event.content_html


def test_gancio_mixed_location_list() -> None:
    document = fixture_object("gancio/gancio-event-activity.json")
    document["location"] = fixture("gancio/gancio-locations-mixed.json")
    event = parse_event(document)
    assert event.place == PlaceData(
        id="http://localhost:13120/federation/p/4", name="Location with a name"
    )
    assert event.online_url == "https://virtual.location.org"


def test_gancio_emitted_shape_virtual_location_then_place() -> None:
    # What Gancio 1.x sends (server/api/models/event.js): bare VirtualLocations, then its Place
    # with a string address and numeric coordinates.
    document = fixture_object("gancio/gancio-event-activity.json")
    document["location"] = [
        {"type": "VirtualLocation", "url": "https://meet.example/salle"},
        {
            "id": "https://demo.gancio.org/federation/p/7",
            "type": "Place",
            "name": "Museo",
            "address": "Via dei Fori Imperiali, Roma",
            "latitude": "41.8925",
            "longitude": 12.4853,
        },
    ]
    event = parse_event(document)
    assert event.online_url == "https://meet.example/salle"
    assert event.place == PlaceData(
        id="https://demo.gancio.org/federation/p/7",
        name="Museo",
        street="Via dei Fori Imperiali, Roma",
        latitude=41.8925,
        longitude=12.4853,
    )


def test_friendica_style_event() -> None:
    # No Friendica capture exists (tests/fixtures/README.md); this is the shape its
    # Transmitter::createEvent emits: UTC times with "+00:00", no endTime, "dfrn:adjust".
    document = {
        "id": "https://friendica.example/objects/4a6c1e2f-1b62-8e5f-3d8f-d8e221473185",
        "type": "Event",
        "attributedTo": "https://friendica.example/profile/verein",
        "name": "Sternwarte offen",
        "content": "Beobachtung mit dem Teleskop",
        "startTime": "2024-08-10T18:00:00+00:00",
        "dfrn:adjust": True,
        "location": {"type": "Place", "name": "Volkssternwarte"},
        "to": [PUBLIC],
    }
    event = parse_event(document)
    assert event.starts_at == datetime(2024, 8, 10, 18, 0, tzinfo=UTC)
    assert event.ends_at is None
    assert event.place == PlaceData(name="Volkssternwarte")
    assert event.content_html == "Beobachtung mit dem Teleskop"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "gancio/gancio-place-postal-address.json",
            PlaceData(
                id="http://localhost:13120/federation/p/2",
                name="Location with a postal address",
                street="15 Fediverse Street",
                postcode="8010",
                city="Fediverse Town",
                region="Steiermark",
                country="Austria",
            ),
        ),
        (
            "gancio/gancio-place-string-address.json",
            PlaceData(
                id="http://localhost:13120/federation/p/3",
                name="Location with a simple string address",
                street="Simple string address",
            ),
        ),
        (
            "gancio/gancio-place-virtual-location.json",
            PlaceData(
                id="https://virtual.location.org",
                name="A Virtual location",
                url="https://virtual.location.org",
            ),
        ),
    ],
)
def test_gancio_places(path: str, expected: PlaceData) -> None:
    assert parse_place(fixture(path)) == expected


def test_mobilizon_group_locations() -> None:
    place = parse_place(fixture("mobilizon/mobilizon-group-actor.json")["location"])
    assert (place.name, place.street, place.postcode, place.city) == (
        "Lyon",
        "10 bis rue Jangot",
        "69007",
        "Lyon",
    )
    empty = fixture("mobilizon/mobilizon-group-actor-2022.json")["location"]  # all fields null
    with pytest.raises(InvalidObject):
        parse_place(empty)
    assert parse_event(minimal(location=empty)).place is None


# --- lenient and strict reading ------------------------------------------------------------


def minimal(**fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": "https://remote.example/events/1",
        "type": "Event",
        "attributedTo": "https://remote.example/@club",
        "name": "Soirée",
        "startTime": "2025-06-21T20:00:00+02:00",
    }
    document.update(fields)
    return document


def test_naive_times_are_read_in_the_event_zone_else_utc() -> None:
    zoned = parse_event(
        minimal(
            startTime="2025-06-21T20:00:00", endTime="2025-06-21T22:00", timezone="Europe/Paris"
        )
    )
    assert zoned.starts_at == datetime(2025, 6, 21, 18, 0, tzinfo=UTC)
    assert zoned.ends_at == datetime(2025, 6, 21, 20, 0, tzinfo=UTC)
    assert zoned.timezone == "Europe/Paris"
    unzoned = parse_event(minimal(startTime="2025-06-21T20:00:00", timezone="Mars/Olympus"))
    assert unzoned.starts_at == datetime(2025, 6, 21, 20, 0, tzinfo=UTC)
    assert unzoned.timezone is None


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (48.58, 7.75, (48.58, 7.75)),
        ("48.58", "7.75", (48.58, 7.75)),
        (48, 7, (48.0, 7.0)),
        ("nord", 7.75, (None, None)),
        (95.0, 7.75, (None, None)),
        (True, 7.75, (None, None)),
        (48.58, None, (None, None)),
    ],
)
def test_coordinates(latitude: Any, longitude: Any, expected: tuple[Any, Any]) -> None:
    location = {"type": "Place", "name": "Ici", "latitude": latitude, "longitude": longitude}
    event = parse_event(minimal(location=location))
    assert event.place is not None
    assert (event.place.latitude, event.place.longitude) == expected
    assert all(isinstance(v, float) for v in (event.place.latitude, event.place.longitude) if v)


def test_mobilizon_values_map_back() -> None:
    full = parse_event(
        minimal(
            category="SCIENCE_TECH",
            maximumAttendeeCapacity=30,
            participantCount=4,
            joinMode="restricted",
            externalParticipationUrl="https://billets.example/1",
            commentsEnabled=False,
            **{"ical:status": "CANCELLED"},
        )
    )
    assert full.category == "conference"
    assert (full.capacity, full.participant_count) == (30, 4)
    assert full.join_mode == "restricted"
    assert full.registration_url == "https://billets.example/1"
    assert full.comments_enabled is False
    assert full.status == "cancelled"
    assert parse_event(minimal(status="TENTATIVE")).status == "tentative"
    assert parse_event(minimal(category="MEETING")).category is None
    assert parse_event(minimal(category="OUTDOORS_ADVENTURE")).category == "sortie_nature"
    assert (
        parse_event(minimal(category="SCIENCE_TECH", scienceCategory="visite")).category == "visite"
    )
    assert parse_event(minimal(joinMode="everyone")).join_mode == "free"
    assert parse_event(minimal(repliesModerationOption="closed")).comments_enabled is False
    postponed = minimal(eventStatus="https://schema.org/EventPostponed", status="TENTATIVE")
    assert parse_event(postponed).status == "postponed"


def test_content_is_sanitised_and_bad_links_dropped() -> None:
    event = parse_event(
        minimal(
            content='<p onclick="steal()">Hi<script>alert(1)</script><style>p{}</style>'
            '<a href="javascript:alert(1)">x</a></p>',
            url="javascript:alert(1)",
            attachment=[
                {
                    "type": "Link",
                    "name": "Website",
                    "mediaType": "text/html",
                    "href": "javascript:x",
                }
            ],
        )
    )
    assert "script" not in event.content_html and "alert" not in event.content_html
    assert "onclick" not in event.content_html and "style" not in event.content_html
    assert "Hi" in event.content_html
    assert event.url is None and event.online_url is None


def test_content_map_when_content_is_missing() -> None:
    event = parse_event(
        minimal(contentMap={"de": "<p>Hallo</p>"}, nameMap={"de": "Fest"}, name=None)
    )
    assert (event.title, event.content_html, event.language) == ("Fest", "<p>Hallo</p>", "de")


def test_image_from_the_image_property() -> None:
    event = parse_event(
        minimal(image={"type": "Image", "url": "https://r.example/a.jpg", "name": "Ciel"})
    )
    assert (event.image_url, event.image_alt) == ("https://r.example/a.jpg", "Ciel")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "an event must be a JSON object"),
        (minimal(type="Note"), "not an event: Note"),
        (minimal(id="ftp://remote.example/1"), "event without an http(s) id"),
        (minimal(attributedTo=None), "event without an author"),
        (minimal(name="  "), "event without a name"),
        (minimal(startTime=None), "startTime is missing"),
        (minimal(startTime="demain"), "startTime is not an ISO 8601 date-time"),
        (minimal(endTime="2025-13-40"), "endTime is not an ISO 8601 date-time"),
    ],
)
def test_unusable_events_are_refused(document: Any, message: str) -> None:
    with pytest.raises(InvalidObject) as caught:
        parse_event(document)
    assert caught.value.public_message == message


def test_end_before_start_is_dropped() -> None:
    assert parse_event(minimal(endTime="2025-06-21T10:00:00+02:00")).ends_at is None


def test_author_falls_back_to_actor() -> None:
    event = parse_event(minimal(attributedTo=None, actor="https://remote.example/@me"))
    assert (event.attributed_to, event.actor) == ("https://remote.example/@me", None)


# --- what we send --------------------------------------------------------------------------


def test_event_json_for_mobilizon_and_mastodon() -> None:
    document = event_to_json(saturn_event())
    assert document["type"] == "Event"
    assert document["startTime"] == "2025-04-12T14:00:00+02:00"
    assert document["endTime"] == "2025-04-12T17:00:00+02:00"
    assert document["timezone"] == "Europe/Paris"
    location = document["location"]
    assert location["type"] == "Place" and location["name"] == "Planétarium de Strasbourg"
    assert location["address"] == {
        "type": "PostalAddress",
        "streetAddress": "13 rue de l'Université",
        "postalCode": "67000",
        "addressLocality": "Strasbourg",
        "addressRegion": "Grand Est",
        "addressCountry": "FR",
    }
    assert type(location["latitude"]) is float and type(location["longitude"]) is float
    assert document["isOnline"] is False
    assert (document["category"], document["scienceCategory"]) == ("SCIENCE_TECH", "conference")
    assert document["joinMode"] == "free"
    assert (document["maximumAttendeeCapacity"], document["remainingAttendeeCapacity"]) == (80, 68)
    assert document["participantCount"] == 12
    assert document["commentsEnabled"] is True
    assert document["ical:status"] == document["status"] == "CONFIRMED"
    assert document["eventStatus"] == "https://schema.org/EventScheduled"
    assert document["tag"] == [
        {"type": "Hashtag", "name": "#astronomie", "href": f"{BASE}/tags/astronomie"},
        {"type": "Hashtag", "name": "#saturne", "href": f"{BASE}/tags/saturne"},
    ]
    assert document["attachment"][0] == {
        "type": "Document",
        "mediaType": "image/png",
        "url": f"{BASE}/media/saturne.png",
        "name": "Banner",
    }
    assert document["image"]["name"] == "Saturne et ses anneaux"
    assert document["attributedTo"] == PLANETARIUM and "actor" not in document
    assert (document["to"], document["cc"]) == ([PUBLIC], [FOLLOWERS])
    assert document["contentMap"] == {"fr": document["content"]}
    assert document["summaryMap"] == {"fr": document["summary"]}
    assert document["inLanguage"] == "fr"
    assert document["published"] == "2025-03-01T09:30:00Z"
    assert document["@context"][:2] == [AS, SECURITY]


def test_online_only_event() -> None:
    event = saturn_event(place=None, online_url="https://visio.example/saturne", capacity=None)
    document = event_to_json(event, tag_base_url="https://other.test/")
    assert document["isOnline"] is True
    assert document["location"]["address"] == {
        "type": "VirtualLocation",
        "url": "https://visio.example/saturne",
    }
    assert {
        "type": "Link",
        "mediaType": "text/html",
        "name": "Website",
        "href": "https://visio.example/saturne",
    } in document["attachment"]
    assert document["maximumAttendeeCapacity"] == 0 and "remainingAttendeeCapacity" not in document
    assert document["tag"][0]["href"] == "https://other.test/tags/astronomie"
    assert event.summary == "Samedi 12 avril 2025, 14 h 00 – 17 h 00 · en ligne · Conférence"


@pytest.mark.parametrize(
    ("status", "ical", "schema"),
    [
        ("cancelled", "CANCELLED", "https://schema.org/EventCancelled"),
        ("postponed", "TENTATIVE", "https://schema.org/EventPostponed"),
        ("tentative", "TENTATIVE", None),
    ],
)
def test_status_on_the_wire(status: Any, ical: str, schema: str | None) -> None:
    document = event_to_json(saturn_event(status=status))
    assert document["ical:status"] == ical
    assert document.get("eventStatus") == schema


def test_naive_times_are_refused_on_the_way_out() -> None:
    with pytest.raises(ValueError):
        event_to_json(saturn_event(starts_at=datetime(2025, 4, 12, 14, 0)))


# --- the summary sentence ------------------------------------------------------------------


def test_summary_sentence_in_paris_summer_time() -> None:
    assert event_summary(saturn_event()) == (
        "Samedi 12 avril 2025, 14 h 00 – 17 h 00 · Planétarium de Strasbourg, Strasbourg · "
        "Conférence"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"status": "cancelled"},
            (
                "Annulé · Samedi 12 avril 2025, 14 h 00 – 17 h 00 · Planétarium de Strasbourg, "
                "Strasbourg · Conférence"
            ),
        ),
        (
            {
                "starts_at": datetime(2025, 1, 31, 23, 30, tzinfo=UTC),
                "ends_at": None,
                "category": None,
            },
            "Samedi 1er février 2025, 0 h 30 · Planétarium de Strasbourg, Strasbourg",
        ),
        (
            {"ends_at": datetime(2025, 4, 13, 16, 0, tzinfo=UTC), "category": "autre"},
            (
                "Samedi 12 avril 2025, 14 h 00 – dimanche 13 avril 2025, 18 h 00 · "
                "Planétarium de Strasbourg, Strasbourg"
            ),
        ),
        (
            {
                "all_day": True,
                "starts_at": datetime(2025, 4, 11, 22, 0, tzinfo=UTC),
                "ends_at": datetime(2025, 4, 12, 22, 0, tzinfo=UTC),
                "category": "sortie_nature",
                "online_url": "https://visio.example/x",
            },
            (
                "Samedi 12 avril 2025, toute la journée · Planétarium de Strasbourg, Strasbourg "
                "et en ligne · Sortie nature"
            ),
        ),
        (
            {"timezone": None, "place": PlaceData(city="Metz"), "category": "cafe_sciences"},
            "Samedi 12 avril 2025, 12 h 00 – 15 h 00 (UTC) · Metz · Café des sciences",
        ),
        (
            {"timezone": "America/Cayenne", "status": "postponed", "category": None},
            (
                "Reporté · Samedi 12 avril 2025, 9 h 00 – 12 h 00 · Planétarium de Strasbourg, "
                "Strasbourg"
            ),
        ),
    ],
)
def test_summary_variants(changes: dict[str, Any], expected: str) -> None:
    assert event_summary(saturn_event(**changes)) == expected


def test_summary_is_escaped_html() -> None:
    place = replace(STRASBOURG, name="Sciences & <Vie>")
    document = event_to_json(saturn_event(place=place))
    assert "Sciences &amp; &lt;Vie&gt;, Strasbourg" in document["summary"]
    assert to_text(document["summary"]).startswith("Samedi 12 avril 2025")


def mastodon_status_html(document: dict[str, Any]) -> str:
    """The text Mastodon stores for a converted object (Event, Article, Page…).

    Mirrors ``ActivityPub::Parser::StatusParser#processed_text`` (mastodon/mastodon
    app/lib/activitypub/parser/status_parser.rb): ``<h2>name</h2>``, the summary, and the
    linkified ``url`` (or ``id``), joined by blank lines; ``content`` is ignored. Mastodon then
    sanitises the result, as :func:`sanitize` does here.
    """

    def first(key: str) -> str | None:
        value = document.get(key)
        if isinstance(value, str) and value:
            return value
        mapped = document.get(f"{key}Map")
        return next(iter(mapped.values()), None) if isinstance(mapped, dict) else None

    title, spoiler = first("name"), first("summary")
    link = document.get("url") or document["id"]
    parts = [
        f"<h2>{title}</h2>" if title else None,
        spoiler,
        f'<a href="{html.escape(link)}">{html.escape(link)}</a>',
    ]
    return sanitize("\n\n".join(part for part in parts if part))


def test_what_a_mastodon_user_sees() -> None:
    seen = mastodon_status_html(event_to_json(saturn_event()))
    assert seen.startswith("<h2>Les anneaux de Saturne</h2>")
    text = to_text(seen)
    for expected in (
        "Samedi 12 avril 2025",
        "14 h 00",
        "17 h 00",
        "Planétarium de Strasbourg",
        "Conférence",
        f"{BASE}/events/7c1d",
    ):
        assert expected in text
    assert "conférence</strong>" not in seen  # content is not shown for converted types


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"place": None, "online_url": "https://visio.example/s", "capacity": None},
        {
            "online_url": "https://visio.example/s",
            "registration_url": "https://billets.example/s",
            "join_mode": "external",
        },
        {"status": "cancelled", "join_mode": "restricted", "comments_enabled": False},
        {"status": "postponed", "join_mode": "invite"},
        {"status": "tentative", "category": None, "tags": (), "image_url": None, "image_alt": ""},
        {
            "all_day": True,
            "starts_at": datetime(2025, 4, 11, 22, 0, tzinfo=UTC),
            "ends_at": datetime(2025, 4, 13, 22, 0, tzinfo=UTC),
        },
        {"ends_at": None, "timezone": None, "language": None, "published": None, "updated": None},
        {"actor": f"{BASE}/actors/alice", "in_reply_to": f"{BASE}/events/0"},
        {"place": PlaceData(name="Jardin botanique"), "url": None},
    ],
)
def test_event_round_trip(changes: dict[str, Any]) -> None:
    event = saturn_event(**changes)
    assert parse_event(json.loads(json.dumps(event_to_json(event)))) == event


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_round_trips(category: str) -> None:
    event = saturn_event(category=category)
    assert parse_event(event_to_json(event)).category == category


def test_category_mapping_covers_our_list_with_real_mobilizon_ids() -> None:
    assert set(MOBILIZON_CATEGORIES) == set(CATEGORIES) == set(CATEGORY_LABELS)
    assert set(MOBILIZON_CATEGORIES.values()) <= MOBILIZON_CATEGORY_IDS


@pytest.mark.parametrize(
    "place",
    [
        STRASBOURG,
        PlaceData(name="Quelque part"),
        PlaceData(latitude=0.0, longitude=0.0),
        PlaceData(id=f"{BASE}/places/virtuel", name="Visio", url="https://visio.example/v"),
    ],
)
def test_place_round_trip(place: PlaceData) -> None:
    document = place_to_json(place)
    assert document["@context"][0] == AS
    assert parse_place(json.loads(json.dumps(document))) == place


def test_places_without_anything_are_refused() -> None:
    with pytest.raises(InvalidObject):
        parse_place({"type": "Place"})
    with pytest.raises(InvalidObject):
        parse_place({"type": "Person", "name": "Alice"})


# --- JSON-LD expansion ---------------------------------------------------------------------

_AS_CLASSES = [
    "Accept",
    "Activity",
    "IntransitiveActivity",
    "Add",
    "Announce",
    "Application",
    "Arrive",
    "Article",
    "Audio",
    "Block",
    "Collection",
    "CollectionPage",
    "Relationship",
    "Create",
    "Delete",
    "Dislike",
    "Document",
    "Event",
    "Follow",
    "Flag",
    "Group",
    "Ignore",
    "Image",
    "Invite",
    "Join",
    "Leave",
    "Like",
    "Link",
    "Mention",
    "Note",
    "Object",
    "Offer",
    "OrderedCollection",
    "OrderedCollectionPage",
    "Organization",
    "Page",
    "Person",
    "Place",
    "Profile",
    "Question",
    "Reject",
    "Remove",
    "Service",
    "TentativeAccept",
    "TentativeReject",
    "Tombstone",
    "Undo",
    "Update",
    "Video",
    "View",
    "Listen",
    "Read",
    "Move",
    "Travel",
]
_AS_REFERENCES = [
    "subject",
    "relationship",
    "actor",
    "attributedTo",
    "attachment",
    "bcc",
    "bto",
    "cc",
    "context",
    "current",
    "first",
    "generator",
    "icon",
    "image",
    "inReplyTo",
    "items",
    "instrument",
    "last",
    "location",
    "next",
    "object",
    "oneOf",
    "anyOf",
    "origin",
    "prev",
    "preview",
    "replies",
    "result",
    "audience",
    "partOf",
    "tag",
    "target",
    "to",
    "url",
    "describes",
    "formerType",
    "outbox",
    "following",
    "followers",
    "streams",
    "endpoints",
]
_AS_TYPED = {
    "xsd:dateTime": ["closed", "endTime", "published", "startTime", "updated", "deleted"],
    "xsd:float": ["accuracy", "altitude", "latitude", "longitude", "radius"],
    "xsd:nonNegativeInteger": ["height", "startIndex", "totalItems", "width"],
    "xsd:duration": ["duration"],
}
_AS_PLAIN = [
    "content",
    "name",
    "hreflang",
    "mediaType",
    "rel",
    "summary",
    "units",
    "preferredUsername",
    "source",
]


def activitystreams_context() -> dict[str, Any]:
    """The ActivityStreams 2.0 context's terms, minus its ``_:`` vocabulary fallback."""
    terms: dict[str, Any] = {
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "as": "https://www.w3.org/ns/activitystreams#",
        "ldp": "http://www.w3.org/ns/ldp#",
        "id": "@id",
        "type": "@type",
        "inbox": {"@id": "ldp:inbox", "@type": "@id"},
        "href": {"@id": "as:href", "@type": "@id"},
        "orderedItems": {"@id": "as:items", "@type": "@id", "@container": "@list"},
    }
    terms.update({name: f"as:{name}" for name in _AS_CLASSES + _AS_PLAIN})
    terms.update({name: {"@id": f"as:{name}", "@type": "@id"} for name in _AS_REFERENCES})
    for kind, names in _AS_TYPED.items():
        terms.update({name: {"@id": f"as:{name}", "@type": kind} for name in names})
    for name in ("content", "name", "summary"):
        terms[f"{name}Map"] = {"@id": f"as:{name}", "@container": "@language"}
    return {"@context": terms}


SECURITY_CONTEXT: dict[str, Any] = {
    "@context": {
        "id": "@id",
        "type": "@type",
        "sec": "https://w3id.org/security#",
        "owner": {"@id": "sec:owner", "@type": "@id"},
        "publicKey": {"@id": "sec:publicKey", "@type": "@id"},
        "publicKeyPem": "sec:publicKeyPem",
        "signature": "sec:signature",
    }
}


def expand_offline(document: dict[str, Any]) -> tuple[dict[str, Any], list[str | None]]:
    """Expand with pyld from local contexts only; returns the node and every dropped property."""
    jsonld = pytest.importorskip("pyld.jsonld")
    contexts = {AS: activitystreams_context(), SECURITY: SECURITY_CONTEXT}

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url not in contexts:
            raise AssertionError(f"pyld tried to fetch {url}")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": contexts[url],
        }

    dropped: list[str | None] = []
    expanded = jsonld.expand(
        document, {"documentLoader": loader}, on_property_dropped=dropped.append
    )
    assert len(expanded) == 1
    node: dict[str, Any] = expanded[0]
    return node, dropped


ASNS = "https://www.w3.org/ns/activitystreams#"
SCHEMA = "http://schema.org#"
MZ = "https://joinmobilizon.org/ns#"


def test_event_json_ld_keeps_every_term() -> None:
    event = saturn_event(
        online_url="https://visio.example/s", registration_url="https://b.example/s"
    )
    node, dropped = expand_offline(event_to_json(event))
    assert dropped == []
    assert node["@type"] == [f"{ASNS}Event"]
    expected = {
        "startTime": f"{ASNS}startTime",
        "endTime": f"{ASNS}endTime",
        "location": f"{SCHEMA}location",
        "timezone": f"{MZ}timezone",
        "joinMode": f"{MZ}joinMode",
        "category": f"{MZ}category",
        "isOnline": f"{MZ}isOnline",
        "participantCount": f"{MZ}participantCount",
        "maximumAttendeeCapacity": f"{SCHEMA}maximumAttendeeCapacity",
        "remainingAttendeeCapacity": f"{SCHEMA}remainingAttendeeCapacity",
        "commentsEnabled": "https://joinpeertube.org/ns#commentsEnabled",
        "externalParticipationUrl": f"{MZ}externalParticipationUrl",
        "ical:status": "http://www.w3.org/2002/12/cal/ical#status",
        "eventStatus": f"{SCHEMA}eventStatus",
        "scienceCategory": "https://echofed.org/ns#scienceCategory",
        "inLanguage": f"{SCHEMA}inLanguage",
        "tag": f"{ASNS}tag",
        "attachment": f"{ASNS}attachment",
        "image": f"{ASNS}image",
        "attributedTo": f"{ASNS}attributedTo",
        "to": f"{ASNS}to",
        "cc": f"{ASNS}cc",
    }
    for term, iri in expected.items():
        assert iri in node, term
    assert node[f"{ASNS}startTime"][0]["@value"] == "2025-04-12T14:00:00+02:00"
    place = node[f"{SCHEMA}location"][0]
    assert place[f"{ASNS}latitude"][0]["@value"] == pytest.approx(48.5809)
    assert place[f"{ASNS}longitude"][0]["@value"] == pytest.approx(7.7676)
    address = place[f"{SCHEMA}address"][0]
    assert address["@type"] == [f"{SCHEMA}PostalAddress"]
    for key in (
        "streetAddress",
        "postalCode",
        "addressLocality",
        "addressRegion",
        "addressCountry",
    ):
        assert f"{SCHEMA}{key}" in address
    assert node[f"{ASNS}tag"][0]["@type"] == [f"{ASNS}Hashtag"]
    assert {f"{ASNS}content", f"{ASNS}summary"} <= set(node)


def test_online_event_json_ld_keeps_the_virtual_location() -> None:
    node, dropped = expand_offline(
        event_to_json(saturn_event(place=None, online_url="https://visio.example/s", all_day=True))
    )
    assert dropped == []
    address = node[f"{SCHEMA}location"][0][f"{SCHEMA}address"][0]
    assert address["@type"] == [f"{SCHEMA}VirtualLocation"]
    assert "https://echofed.org/ns#allDay" in node


def test_post_place_and_tombstone_json_ld_keep_every_term() -> None:
    offer = PostData(
        id=f"{BASE}/posts/1",
        attributed_to=PLANETARIUM,
        kind="job_offer",
        title="Médiateur·rice scientifique",
        summary="Animer le planétarium.",
        content_html="<p>Poste</p>",
        language="fr",
        contract="CDD 12 mois",
        deadline=datetime(2025, 4, 30, 23, 59, tzinfo=UTC),
        link_url="https://emplois.example/1",
        place=STRASBOURG,
        image_url=f"{BASE}/media/poste.jpg",
        attachments=(f"{BASE}/media/fiche.pdf",),
        published=datetime(2025, 3, 1, tzinfo=UTC),
        to=(PUBLIC,),
        cc=(FOLLOWERS,),
    )
    node, dropped = expand_offline(post_to_json(offer, tag_base_url=BASE))
    assert dropped == []
    for iri in (
        f"{SCHEMA}employmentType",
        f"{SCHEMA}validThrough",
        f"{SCHEMA}location",
        "https://echofed.org/ns#postKind",
        f"{ASNS}tag",
        f"{ASNS}attachment",
    ):
        assert iri in node, iri
    place_node, dropped = expand_offline(place_to_json(STRASBOURG))
    assert dropped == [] and f"{SCHEMA}openingHours" in place_node
    tomb, dropped = expand_offline(
        tombstone_to_json(f"{BASE}/events/7c1d", "Event", datetime(2025, 5, 1, tzinfo=UTC))
    )
    assert dropped == [] and tomb["@type"] == [f"{ASNS}Tombstone"]
