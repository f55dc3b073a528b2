"""Events ↔ JSON: what Mastodon, Mobilizon, Gancio, Friendica and other echofed regions read
and send.

Out: an AS2 ``Event`` with Mobilizon's extensions (see docs/federation.md for every term).
Times carry the offset of the event's zone; ``summary`` is a short French sentence
(:func:`event_summary`) because Mastodon shows an Event as its name, its summary and a link.

In: :func:`parse_event` accepts structured and string addresses, a ``location`` list mixing
Places and VirtualLocations (Gancio), a missing ``endTime``, and times without offset (read in
``timezone`` when it names an IANA zone, else in UTC). It raises
:class:`~federation.vocab.objects.InvalidObject` for a document without an http(s) id, an author,
a ``name`` or a readable ``startTime``; see :mod:`federation.vocab.objects` for the shared rules.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_time

from federation.html import sanitize, to_text
from federation.vocab.jsonld import CONTEXT, as_list, type_of
from federation.vocab.objects import (
    MAX_TITLE,
    WEBSITE_LINK_NAME,
    InvalidObject,
    PlaceData,
    hashtags_to_json,
    http_url,
    image_media_type,
    language_of,
    link_href,
    long_date,
    optional_instant,
    origin_of,
    parse_hashtags,
    parse_instant,
    parse_place,
    physical_place,
    place_to_json,
    read_attachments,
    reference,
    references,
    text_field,
    utc_iso,
    virtual_location_url,
)

__all__ = [
    "CATEGORY_LABELS",
    "MOBILIZON_CATEGORIES",
    "EventData",
    "InvalidObject",
    "PlaceData",
    "event_summary",
    "event_to_json",
    "parse_event",
    "parse_place",
    "place_to_json",
]

JoinMode = Literal["free", "restricted", "external", "invite"]
EventStatus = Literal["scheduled", "cancelled", "postponed", "tentative"]
JOIN_MODES: Final[dict[str, JoinMode]] = {mode: mode for mode in get_args(JoinMode)}

# Our science-culture categories (echofed.services.publishing.CATEGORIES) with their French
# label for the summary sentence and the Mobilizon category id sent in ``category``. Mobilizon
# has no category per format of science outreach, so talks, visits and cafés go to SCIENCE_TECH,
# and formats it does know keep their own (LEARNING, ARTS, OUTDOORS_ADVENTURE…).
CATEGORY_LABELS: Final[dict[str, str]] = {
    "conference": "Conférence",
    "atelier": "Atelier",
    "exposition": "Exposition",
    "visite": "Visite",
    "sortie_nature": "Sortie nature",
    "festival": "Festival",
    "cafe_sciences": "Café des sciences",
    "science_participative": "Science participative",
    "projection": "Projection",
    "spectacle": "Spectacle",
    "formation": "Formation",
    "autre": "",
}
MOBILIZON_CATEGORIES: Final[dict[str, str]] = {
    "conference": "SCIENCE_TECH",
    "atelier": "LEARNING",
    "exposition": "ARTS",
    "visite": "SCIENCE_TECH",
    "sortie_nature": "OUTDOORS_ADVENTURE",
    "festival": "COMMUNITY",
    "cafe_sciences": "SCIENCE_TECH",
    "science_participative": "CAUSES",
    "projection": "FILM_MEDIA",
    "spectacle": "PERFORMING_VISUAL_ARTS",
    "formation": "LEARNING",
    "autre": "SCIENCE_TECH",
}
# Reading a Mobilizon category when the sender did not give ours (``scienceCategory``).
# MEETING is Mobilizon's default for "not chosen", so it says nothing; other known Mobilizon
# ids become "autre", unknown strings None.
_FROM_MOBILIZON: Final[dict[str, str | None]] = {
    "SCIENCE_TECH": "conference",
    "LEARNING": "atelier",
    "FAMILY_EDUCATION": "atelier",
    "ARTS": "exposition",
    "PHOTOGRAPHY": "exposition",
    "OUTDOORS_ADVENTURE": "sortie_nature",
    "COMMUNITY": "festival",
    "PARTY": "festival",
    "CAUSES": "science_participative",
    "FILM_MEDIA": "projection",
    "PERFORMING_VISUAL_ARTS": "spectacle",
    "THEATRE": "spectacle",
    "COMEDY": "spectacle",
    "MUSIC": "spectacle",
    "MEETING": None,
    **dict.fromkeys(
        [
            "AUTO_BOAT_AIR",
            "BOOK_CLUBS",
            "BUSINESS",
            "CRAFTS",
            "FASHION_BEAUTY",
            "FOOD_DRINK",
            "GAMES",
            "HEALTH",
            "LANGUAGE_CULTURE",
            "LGBTQ",
            "MOVEMENTS_POLITICS",
            "NETWORKING",
            "PETS",
            "SPIRITUALITY_RELIGION_BELIEFS",
            "SPORTS",
        ],
        "autre",
    ),
}

# iCalendar's VEVENT STATUS has no "postponed": a postponed event is TENTATIVE (its date is no
# longer firm) and schema.org's eventStatus says EventPostponed exactly.
_ICAL_STATUS: Final[dict[str, str]] = {
    "scheduled": "CONFIRMED",
    "tentative": "TENTATIVE",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}
_SCHEMA_STATUS: Final[dict[str, str]] = {
    "scheduled": "https://schema.org/EventScheduled",
    "postponed": "https://schema.org/EventPostponed",
    "cancelled": "https://schema.org/EventCancelled",
}
_STATUS_PREFIX: Final[dict[str, str]] = {
    "cancelled": "Annulé",
    "postponed": "Reporté",
    "tentative": "À confirmer",
}
ONLINE_PLACE_NAME: Final = "En ligne"


@dataclass(frozen=True, slots=True, kw_only=True)
class EventData:
    """An event as federation carries it. Instants are aware; ``timezone`` is an IANA name.

    ``actor`` is the organiser when it differs from ``attributed_to`` (a Mobilizon member
    publishing for a group). ``summary`` is the plain-text summary that was received; on the
    way out it is always regenerated by :func:`event_summary`.
    """

    id: str
    attributed_to: str
    title: str
    starts_at: datetime
    url: str | None = None
    actor: str | None = None
    summary: str = ""
    content_html: str = ""
    language: str | None = None
    ends_at: datetime | None = None
    timezone: str | None = None
    all_day: bool = False
    place: PlaceData | None = None
    online_url: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    image_alt: str = ""
    capacity: int | None = None
    participant_count: int = 0
    join_mode: JoinMode = "free"
    registration_url: str | None = None
    status: EventStatus = "scheduled"
    comments_enabled: bool = True
    published: datetime | None = None
    updated: datetime | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None


def _zone(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _event_zone(event: EventData) -> tzinfo:
    return _zone(event.timezone) or UTC


def _local(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("event times must be timezone-aware")
    return moment.astimezone(zone)


# --- the sentence Mastodon users read ------------------------------------------------------


def _time(moment: datetime, locale: str) -> str:
    if locale.startswith("fr"):
        return f"{moment.hour} h {moment.minute:02d}"
    return format_time(moment.time(), "short", locale=locale)


def _when(event: EventData, locale: str) -> str:
    zone = _event_zone(event)
    start = _local(event.starts_at, zone)
    end = _local(event.ends_at, zone) if event.ends_at is not None else None
    first_day = long_date(start, locale)
    if event.all_day:
        last = end - timedelta(microseconds=1) if end is not None and end > start else start
        if last.date() == start.date():
            return f"{first_day}, toute la journée"
        return f"{first_day} – {long_date(last, locale)}"
    when = f"{first_day}, {_time(start, locale)}"
    if end is not None and end > start:
        if end.date() == start.date():
            when += f" – {_time(end, locale)}"
        else:
            when += f" – {long_date(end, locale)}, {_time(end, locale)}"
    if _zone(event.timezone) is None:
        when += " (UTC)"
    return when


def _where(event: EventData) -> str:
    place = event.place
    if place is None:
        return "en ligne" if event.online_url else ""
    names = [part for part in (place.name, place.city) if part] or [place.street]
    where = ", ".join(dict.fromkeys(part for part in names if part))
    if event.online_url:
        where = f"{where} et en ligne" if where else "en ligne"
    return where


def event_summary(event: EventData, locale: str = "fr") -> str:
    """One line for Mastodon: date and time in the event's zone, place or "en ligne", category.

    E.g. ``Samedi 12 avril 2025, 14 h 00 – 17 h 00 · Planétarium de Strasbourg, Strasbourg ·
    Conférence``; prefixed ``Annulé ·``, ``Reporté ·`` or ``À confirmer ·`` by status. Day and
    month names come from babel for ``locale``; the other words are French. Without a time zone
    the times are UTC and say so.
    """
    parts = [_when(event, locale)]
    where = _where(event)
    if where:
        parts.append(where)
    label = CATEGORY_LABELS.get(event.category or "", "")
    if label:
        parts.append(label)
    sentence = " · ".join(parts)
    sentence = sentence[:1].upper() + sentence[1:]
    prefix = _STATUS_PREFIX.get(event.status)
    return f"{prefix} · {sentence}" if prefix else sentence


# --- out -----------------------------------------------------------------------------------


def _location(event: EventData) -> dict[str, Any] | None:
    if event.place is not None:
        return place_to_json(event.place, with_context=False)
    if event.online_url:
        # Gancio reads an online location as a Place whose address is a VirtualLocation, and
        # Mobilizon breaks on a list: one Place, virtual, for online-only events.
        return {
            "type": "Place",
            "name": ONLINE_PLACE_NAME,
            "address": {"type": "VirtualLocation", "url": event.online_url},
        }
    return None


def _attachments(event: EventData) -> list[dict[str, Any]]:
    attachments: list[dict[str, Any]] = []
    if event.image_url:
        attachments.append(
            {
                "type": "Document",
                "mediaType": image_media_type(event.image_url),
                "url": event.image_url,
                "name": "Banner",
            }
        )
    if event.online_url:
        attachments.append(
            {
                "type": "Link",
                "mediaType": "text/html",
                "name": WEBSITE_LINK_NAME,
                "href": event.online_url,
            }
        )
    return attachments


def event_to_json(
    event: EventData, *, tag_base_url: str | None = None, with_context: bool = True
) -> dict[str, Any]:
    """An AS2 ``Event`` readable by Mastodon and complete for Mobilizon and Gancio.

    Tags link to ``{tag_base_url}/tags/{name}`` (default: the origin of the event's id).
    Raises ``ValueError`` for naive datetimes, which are a bug on our side.
    """
    zone = _event_zone(event)
    summary = html.escape(event_summary(event), quote=False)
    document: dict[str, Any] = {}
    if with_context:
        document["@context"] = CONTEXT
    document.update({"id": event.id, "type": "Event", "name": event.title})
    if event.url:
        document["url"] = event.url
    document["attributedTo"] = event.attributed_to
    if event.actor:
        document["actor"] = event.actor
    document["summary"] = summary
    document["content"] = event.content_html
    document["mediaType"] = "text/html"
    if event.language:
        document["inLanguage"] = event.language
        document["contentMap"] = {event.language: event.content_html}
        document["summaryMap"] = {event.language: summary}
    document["startTime"] = _local(event.starts_at, zone).isoformat()
    if event.ends_at is not None:
        document["endTime"] = _local(event.ends_at, zone).isoformat()
    if event.timezone:
        document["timezone"] = event.timezone
    if event.all_day:
        document["allDay"] = True
    location = _location(event)
    if location is not None:
        document["location"] = location
    document["isOnline"] = event.place is None and event.online_url is not None
    if event.category:
        document["category"] = MOBILIZON_CATEGORIES.get(event.category, "SCIENCE_TECH")
        document["scienceCategory"] = event.category
    document["joinMode"] = event.join_mode
    if event.registration_url:
        document["externalParticipationUrl"] = event.registration_url
    document["maximumAttendeeCapacity"] = event.capacity or 0
    if event.capacity:
        document["remainingAttendeeCapacity"] = max(event.capacity - event.participant_count, 0)
    document["participantCount"] = event.participant_count
    document["commentsEnabled"] = event.comments_enabled
    document["ical:status"] = _ICAL_STATUS[event.status]
    document["status"] = _ICAL_STATUS[event.status]
    if event.status in _SCHEMA_STATUS:
        document["eventStatus"] = _SCHEMA_STATUS[event.status]
    if event.tags:
        document["tag"] = hashtags_to_json(event.tags, tag_base_url or origin_of(event.id))
    attachments = _attachments(event)
    if attachments:
        document["attachment"] = attachments
    if event.image_url:
        image: dict[str, Any] = {
            "type": "Image",
            "mediaType": image_media_type(event.image_url),
            "url": event.image_url,
        }
        if event.image_alt:
            image["name"] = event.image_alt
        document["image"] = image
    if event.in_reply_to:
        document["inReplyTo"] = event.in_reply_to
    if event.published is not None:
        document["published"] = utc_iso(event.published)
    if event.updated is not None:
        document["updated"] = utc_iso(event.updated)
    document["to"] = list(event.to)
    document["cc"] = list(event.cc)
    return document


# --- in ------------------------------------------------------------------------------------


def _status(document: dict[str, Any]) -> EventStatus:
    schema_status = document.get("eventStatus")
    if isinstance(schema_status, str):
        name = schema_status.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].rsplit("#", 1)[-1]
        if name == "EventPostponed":
            return "postponed"
        if name == "EventCancelled":
            return "cancelled"
    # Mobilizon 5 sends "status"; older versions only "ical:status".
    for key in ("status", "ical:status"):
        value = document.get(key)
        if isinstance(value, str):
            upper = value.strip().upper()
            if upper == "CANCELLED":
                return "cancelled"
            if upper == "TENTATIVE":
                return "tentative"
            if upper == "CONFIRMED":
                return "scheduled"
    return "scheduled"


def _category(document: dict[str, Any]) -> str | None:
    ours = document.get("scienceCategory")
    if isinstance(ours, str) and ours in CATEGORY_LABELS:
        return ours
    theirs = document.get("category")
    if isinstance(theirs, str):
        return _FROM_MOBILIZON.get(theirs.strip().upper())
    return None


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _online_url(document: dict[str, Any], website: str | None) -> str | None:
    if website is not None:
        return website
    for item in as_list(document.get("location")):
        if isinstance(item, dict):
            url = virtual_location_url(item)
            if url is not None:
                return url
    return None


def parse_event(document: Any) -> EventData:
    """Validate an ``Event`` from Mobilizon, Gancio, Friendica or another echofed region.

    Required: an http(s) ``id``, an author (``attributedTo``, else ``actor``), a ``name`` and a
    ``startTime``. A malformed ``endTime`` is refused too; one before the start is dropped.
    The category is ours (``scienceCategory``) when given, else mapped back from Mobilizon's;
    ``maximumAttendeeCapacity`` 0 means unlimited (None).
    """
    if not isinstance(document, dict):
        raise InvalidObject("an event must be a JSON object")
    if type_of(document) != "Event":
        raise InvalidObject(f"not an event: {type_of(document)}")
    event_id = http_url(document.get("id"))
    if event_id is None:
        raise InvalidObject("event without an http(s) id")
    attributed_to = reference(document.get("attributedTo"))
    actor = reference(document.get("actor"))
    if attributed_to is None:
        attributed_to, actor = actor, None
    if attributed_to is None:
        raise InvalidObject("event without an author")
    title = (text_field(document, "name") or "").strip()[:MAX_TITLE]
    if not title:
        raise InvalidObject("event without a name")
    zone_name = document.get("timezone")
    zone = _zone(zone_name)
    starts_at = parse_instant(document.get("startTime"), "startTime", zone or UTC)
    ends_at = None
    if document.get("endTime") is not None:
        ends_at = parse_instant(document.get("endTime"), "endTime", zone or UTC)
        if ends_at < starts_at:
            ends_at = None
    content = text_field(document, "content")
    summary = text_field(document, "summary")
    found = read_attachments(document)
    location = document.get("location")
    capacity = _count(document.get("maximumAttendeeCapacity"))
    join_mode = document.get("joinMode")
    return EventData(
        id=event_id,
        url=link_href(document.get("url")),
        attributed_to=attributed_to,
        actor=actor if actor != attributed_to else None,
        title=title,
        summary=to_text(summary) if summary else "",
        content_html=sanitize(content) if content else "",
        language=language_of(document),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name.strip() if zone is not None and isinstance(zone_name, str) else None,
        all_day=document.get("allDay") is True,
        place=physical_place(location) if location is not None else None,
        online_url=_online_url(document, found.website),
        category=_category(document),
        tags=parse_hashtags(document.get("tag")),
        image_url=found.image_url,
        image_alt=found.image_alt,
        capacity=capacity or None,
        participant_count=_count(document.get("participantCount")) or 0,
        join_mode=(JOIN_MODES.get(join_mode) if isinstance(join_mode, str) else None) or "free",
        registration_url=http_url(document.get("externalParticipationUrl")),
        status=_status(document),
        comments_enabled=_comments_enabled(document),
        published=optional_instant(document.get("published")),
        updated=optional_instant(document.get("updated")),
        to=references(document.get("to")),
        cc=references(document.get("cc")),
        in_reply_to=reference(document.get("inReplyTo")),
    )


def _comments_enabled(document: dict[str, Any]) -> bool:
    enabled = document.get("commentsEnabled")
    if isinstance(enabled, bool):
        return enabled
    return document.get("repliesModerationOption") != "closed"
