"""Calendar and news feeds: iCalendar (RFC 5545) for events, RSS 2.0 and Atom 1.0 for events
and publications.

    /events/{uuid}.ics                     one event, as a download
    /@{username}/events.ics                an actor's events (also /actors/{username}/events.ics)
    /agenda.ics  /agenda.rss  /agenda.atom the region's agenda; filters in the query string:
        category=atelier (repeatable)  audience=familles (repeatable)  city=Metz  tag=astronomie (repeatable)
        online=1|0  from=2031-08-01  to=2031-08-31   (dates in the region's zone, `to` inclusive)
    /articles.rss  /articles.atom          publications; kind=article|resource|job_offer|call
    /@{username}/feed.atom                 an actor's publications and events

Times in calendars stay in each event's own zone (TZID plus a generated VTIMEZONE); links are
absolute, built from the instance's public base URL; XML is built with ElementTree, so every
text and attribute is escaped, and HTML content travels as escaped text (type="html").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from html import escape
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import nh3
from babel.dates import format_date, format_time
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from echofed.services.publishing import AUDIENCES, CATEGORIES
from storage.columns import utcnow
from storage.queries.actors import local_actor
from storage.queries.feeds import (
    EventFilter,
    EventRow,
    PostRow,
    event_row,
    feed_events,
    feed_posts,
    recently_published_events,
)
from storage.tables import Actor, ActorKind, EventStatus, PostKind, Region, Visibility
from web.state import region_of, runtime_of, sessions_of

ICS_TYPE = "text/calendar; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"

CALENDAR_LIMIT = 500  # events per calendar
CALENDAR_PAST = timedelta(days=30)  # a calendar keeps events that ended this recently
NEWS_LIMIT = 50  # entries per RSS/Atom feed
REFRESH = timedelta(hours=1)  # suggested polling interval
MAX_AGE = 300  # HTTP cache lifetime, seconds
PRODID = "-//echofed//echofed//FR"

POST_KINDS = tuple(k.value for k in PostKind if k != PostKind.NOTE)
KIND_LABELS = {
    "article": "Article",
    "resource": "Ressource",
    "job_offer": "Offre d'emploi",
    "call": "Appel",
}
ICS_STATUS: dict[str, str] = {  # StrEnum keys: plain column strings look them up
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.TENTATIVE: "TENTATIVE",
    EventStatus.POSTPONED: "TENTATIVE",
}
TITLE_PREFIX: dict[str, str] = {
    EventStatus.CANCELLED: "Annulé : ",
    EventStatus.POSTPONED: "Reporté : ",
}

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
GEORSS_NS = "http://www.georss.org/georss"
XML_NS = "http://www.w3.org/XML/1998/namespace"
for _prefix, _uri in (("atom", ATOM_NS), ("dc", DC_NS), ("georss", GEORSS_NS)):
    ET.register_namespace(_prefix, _uri)

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in iCalendar TEXT
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ---------------------------------------------------------------------------------------------
# Query-string filters


def _bad(message: str) -> HTTPException:
    return HTTPException(400, message)


def _values(request: Request, name: str) -> list[str]:
    """A repeatable parameter; each occurrence may also hold comma-separated values."""
    found: list[str] = []
    for raw in request.query_params.getlist(name):
        for part in raw.split(","):
            if part.strip() and part.strip() not in found:
                found.append(part.strip())
    return found


def _one(request: Request, name: str, *, max_length: int = 120) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    if len(value) > max_length:
        raise _bad(f"paramètre « {name} » trop long ({max_length} caractères au plus)")
    return value or None


def _moment(request: Request, name: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime | None:
    """``YYYY-MM-DD`` (a day in the region's zone) or an ISO 8601 date-time."""
    value = _one(request, name, max_length=40)
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(0), tzinfo=zone)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(
            f"paramètre « {name} » : date AAAA-MM-JJ ou date-heure ISO 8601 attendue, "
            f"reçu « {value} »"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@dataclass(frozen=True)
class AgendaQuery:
    where: EventFilter
    since: datetime | None  # the `from` parameter
    labels: tuple[str, ...]  # what the filters say, for the feed's title


def agenda_query(request: Request, zone: ZoneInfo) -> AgendaQuery:
    """The agenda filters of a request; 400 on any value that cannot be honoured."""
    labels: list[str] = []
    categories = [c.lower() for c in _values(request, "category")]
    for category in categories:
        if category not in CATEGORIES:
            raise _bad(
                f"catégorie inconnue « {category} » ; valeurs possibles : " + ", ".join(CATEGORIES)
            )
        labels.append(category)
    audiences = [a.lower() for a in _values(request, "audience")]
    for audience in audiences:
        if audience not in AUDIENCES:
            raise _bad(
                f"public inconnu « {audience} » ; valeurs possibles : " + ", ".join(AUDIENCES)
            )
    labels.extend(audiences)
    tags = [t.lstrip("#").strip().lower() for t in _values(request, "tag")]
    tags = [t for t in tags if t]
    if any(len(t) > 60 for t in tags):
        raise _bad("paramètre « tag » trop long (60 caractères au plus)")
    labels.extend(f"#{t}" for t in tags)
    city = _one(request, "city")
    if city is not None:
        labels.append(city)
    online_raw = _one(request, "online", max_length=10)
    online: bool | None = None
    if online_raw is not None:
        if online_raw.lower() in ("1", "true", "oui", "yes"):
            online, label = True, "en ligne"
        elif online_raw.lower() in ("0", "false", "non", "no"):
            online, label = False, "sur place"
        else:
            raise _bad(f"paramètre « online » : 1 ou 0 attendu, reçu « {online_raw} »")
        labels.append(label)
    since = _moment(request, "from", zone, end_of_day=False)
    until = _moment(request, "to", zone, end_of_day=True)
    if since is not None and until is not None and until <= since:
        raise _bad("la date « to » précède la date « from »")
    where = EventFilter(
        categories=tuple(categories),
        audiences=tuple(audiences),
        tags=tuple(tags),
        city=city,
        online=online,
        starts_before=until,
    )
    return AgendaQuery(where, since, tuple(labels))


def _post_kinds(request: Request) -> list[str]:
    kinds = _values(request, "kind")
    for kind in kinds:
        if kind not in POST_KINDS:
            raise _bad(f"type inconnu « {kind} » ; valeurs possibles : " + ", ".join(POST_KINDS))
    return kinds or list(POST_KINDS)


# ---------------------------------------------------------------------------------------------
# Text helpers


class _TextExtractor(HTMLParser):
    """Plain text of sanitised HTML: paragraphs and line breaks kept, links spelled out."""

    BLOCKS = frozenset(
        {"p", "div", "ul", "ol", "blockquote", "pre", "table", "tr", "figure", "hr",
         "h1", "h2", "h3", "h4", "h5", "h6"}
    )
    SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:]).strip()
            if href.startswith(("http://", "https://", "mailto:")) and href != label:
                self.parts.append(f" ({href.removeprefix('mailto:')})")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_text(fragment: str) -> str:
    parser = _TextExtractor()
    parser.feed(fragment or "")
    parser.close()
    return parser.text()


def clean_html(fragment: str) -> str:
    """HTML is sanitised when stored; feeds clean it once more (defence in depth)."""
    return nh3.clean(fragment or "")


def _xml(text: str | None) -> str:
    """Text ElementTree can serialise into well-formed XML (no control characters)."""
    return _NOT_XML.sub("", text or "")


def _ics(text: str) -> str:
    """Text iCalendar accepts (no control characters but tab and line breaks)."""
    return _CONTROL.sub("", text)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-").lower()[:60].strip("-")
    return slug or "evenement"


def _link(row: EventRow) -> str:
    return row.event.url or row.event.uri


def _actor_link(actor: Actor) -> str:
    return actor.url or actor.uri


def location_text(row: EventRow, *, online_fallback: bool = True) -> str:
    """« Le Vaisseau, 1 bis rue Philippe Dollinger, 67100 Strasbourg » (or the online link)."""
    place = row.place
    parts: list[str] = []
    if place is not None:
        town = " ".join(p for p in (place.postcode.strip(), place.city.strip()) if p)
        for part in (place.name.strip(), place.street.strip(), town):
            if part and part not in parts:
                parts.append(part)
    elif row.event.city:
        parts.append(row.event.city)
    if not parts and online_fallback and row.event.online_url:
        parts.append(row.event.online_url)
    return ", ".join(parts)


def _span(row: EventRow) -> tuple[date | datetime, date | datetime | None]:
    """DTSTART/DTEND values: aware datetimes in the event's zone, or dates for all-day events
    (the end date exclusive, as RFC 5545 wants)."""
    event = row.event
    zone = _zone(event.timezone)
    start = event.starts_at.astimezone(zone)
    end = event.ends_at.astimezone(zone) if event.ends_at is not None else None
    if end is not None and end < start:
        end = None
    if not event.all_day:
        return start, end
    first = start.date()
    if end is None:
        return first, first + timedelta(days=1)
    last = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
    return first, max(last, first + timedelta(days=1))


def when_text(row: EventRow, region_zone: str) -> str:
    """« samedi 9 août 2031, 21:00 – 23:00 », in the event's zone (named when not the region's)."""
    first, last = _span(row)
    if isinstance(first, datetime):
        text = f"{_day(first)}, {_clock(first)}"
        if isinstance(last, datetime):
            text += f" – {_clock(last)}" if last.date() == first.date() else (
                f" – {_day(last)}, {_clock(last)}"
            )
        zone = _zone(row.event.timezone).key
        return text if zone == region_zone else f"{text} ({zone})"
    assert last is not None
    last = last - timedelta(days=1)  # DTEND of a day is exclusive
    return _day(first) if last == first else f"du {_day(first)} au {_day(last)}"


def _day(value: date) -> str:
    return format_date(value, format="full", locale="fr")


def _clock(value: datetime) -> str:
    return format_time(value, format="short", locale="fr")


# ---------------------------------------------------------------------------------------------
# Responses


def _respond(
    request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """The body with a validator: a matching If-None-Match gets a 304."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    all_headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}", **(headers or {})}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=all_headers)
    return Response(body, media_type=media_type, headers=all_headers)


def _self_url(request: Request) -> str:
    base: str = runtime_of(request).urls.base
    query = request.url.query
    return base + request.url.path + (f"?{query}" if query else "")


def _base(request: Request) -> str:
    base: str = runtime_of(request).urls.base
    return base


async def _feed_actor(session: Any, username: str) -> Actor:
    actor = await local_actor(session, username)
    if actor is None or actor.kind == ActorKind.APPLICATION:
        raise HTTPException(404, "Acteur introuvable")
    assert actor.id is not None
    return actor


# ---------------------------------------------------------------------------------------------
# iCalendar


def vevent(row: EventRow) -> icalendar.Event:
    """One VEVENT, its times in the event's own zone."""
    event, actor = row.event, row.actor
    component = icalendar.Event()
    component.add("uid", event.uri)
    component.add("dtstamp", event.updated_at)
    start, end = _span(row)
    component.add("dtstart", start)
    if end is not None:
        component.add("dtend", end)
    component.add("summary", _ics(event.title))
    description = plain_text(event.content_html) or event.summary
    extras = []
    if event.online_url:
        extras.append(f"En ligne : {event.online_url}")
    if event.registration_url:
        extras.append(f"Inscription : {event.registration_url}")
    extras.append(_link(row))
    component.add(
        "description", _ics("\n\n".join(p for p in (description, "\n".join(extras)) if p))
    )
    component.add("url", _link(row))
    location = location_text(row)
    if location:
        component.add("location", _ics(location))
    if event.latitude is not None and event.longitude is not None:
        component.add("geo", (event.latitude, event.longitude))
    component.add("status", ICS_STATUS.get(event.status, "CONFIRMED"))
    categories = [c for c in (event.category, *event.tags) if c]
    if categories:
        component.add("categories", [_ics(c) for c in categories])
    component.add("created", event.published_at)
    component.add("last-modified", event.updated_at)
    organizer = icalendar.vCalAddress(actor.uri)
    organizer.params["CN"] = icalendar.vText(_ics(actor.name or actor.username))
    component.add("organizer", organizer)
    if event.visibility == Visibility.PUBLIC:
        component.add("class", "PUBLIC")
    if event.all_day:
        component.add("transp", "TRANSPARENT")
    return component


def calendar(
    rows: Sequence[EventRow],
    *,
    name: str,
    description: str,
    timezone: str,
    url: str,
    source: str,
) -> bytes:
    """A VCALENDAR with one VEVENT per row and one VTIMEZONE per zone the events use."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", _ics(name))
    cal.add("x-wr-calname", _ics(name))
    if description:
        cal.add("description", _ics(description))
        cal.add("x-wr-caldesc", _ics(description))
    cal.add("x-wr-timezone", timezone)
    cal.add("url", url)
    cal.add("source", source)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for row in rows:
        cal.add_component(vevent(row))
    if rows:
        years = [r.event.starts_at.year for r in rows] + [
            r.event.ends_at.year for r in rows if r.event.ends_at is not None
        ]
        cal.add_missing_timezones(
            first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 2, 1, 1)
        )
    body: bytes = cal.to_ical()
    return body


def _calendar_response(
    request: Request, rows: Sequence[EventRow], region: Region, *, name: str, page: str,
    description: str = "", download: str | None = None,
) -> Response:
    body = calendar(
        rows, name=name, description=description, timezone=region.timezone, url=page,
        source=_self_url(request),
    )
    headers = {}
    if download is not None:
        headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return _respond(request, body, ICS_TYPE, headers)


def _title(region: Region, what: str, labels: Sequence[str] = ()) -> str:
    title = f"{region.name} — {what}"
    return f"{title} ({', '.join(labels)})" if labels else title


async def event_ics(request: Request) -> Response:
    """``/events/{uuid}.ics``: one event, as a file to add to a calendar."""
    uri = runtime_of(request).urls.event(request.path_params["uuid"])
    async with sessions_of(request)() as session:
        row = await event_row(session, uri)
        if row is None or row.event.visibility == Visibility.FOLLOWERS:
            raise HTTPException(404, "Événement introuvable")
        if row.event.deleted_at is not None:
            raise HTTPException(410, "Cet événement a été supprimé")
        region = await region_of(session)
    return _calendar_response(
        request, [row], region, name=row.event.title, page=_link(row),
        download=f"{_slug(row.event.title)}.ics",
    )


async def actor_ics(request: Request) -> Response:
    """``/@{username}/events.ics``: an actor's recent and coming events."""
    async with sessions_of(request)() as session:
        actor = await _feed_actor(session, request.path_params["username"])
        region = await region_of(session)
        where = EventFilter(ends_after=utcnow() - CALENDAR_PAST, actor_id=actor.id)
        rows = await feed_events(session, where, limit=CALENDAR_LIMIT)
    name = f"{actor.name or actor.username} — {region.name}"
    return _calendar_response(
        request, rows, region, name=name, page=_actor_link(actor),
        description=f"Les événements de {actor.name or actor.username}",
    )


async def _agenda(request: Request, default_since: datetime, limit: int) -> tuple[
    Region, AgendaQuery, list[EventRow]
]:
    async with sessions_of(request)() as session:
        region = await region_of(session)
        query = agenda_query(request, _zone(region.timezone))
        where = replace(query.where, ends_after=query.since or default_since)
        rows = await feed_events(session, where, limit=limit)
    return region, query, rows


async def agenda_ics(request: Request) -> Response:
    """``/agenda.ics``: the region's agenda, filtered by the query string."""
    region, query, rows = await _agenda(request, utcnow() - CALENDAR_PAST, CALENDAR_LIMIT)
    return _calendar_response(
        request, rows, region, name=_title(region, "agenda", query.labels),
        page=_base(request) + "/", description=region.description,
    )


# ---------------------------------------------------------------------------------------------
# RSS 2.0 and Atom 1.0


@dataclass(frozen=True)
class Item:
    """What RSS items and Atom entries are made of."""

    id: str
    link: str
    title: str
    published: datetime
    updated: datetime
    author: str
    author_uri: str
    categories: tuple[str, ...]
    summary: str  # plain text
    content_html: str  # sanitised HTML
    point: tuple[float, float] | None = None


def event_item(row: EventRow, region_zone: str) -> Item:
    event = row.event
    when = when_text(row, region_zone)
    where = location_text(row, online_fallback=False)
    head = f"<p><strong>{escape(when)}</strong>"
    if where:
        head += f"<br>{escape(where)}"
    if event.online_url:
        online = escape(event.online_url)
        head += f'<br>En ligne : <a href="{online}">{online}</a>'
    head += "</p>"
    status = TITLE_PREFIX.get(event.status, "")
    point = (
        (event.latitude, event.longitude)
        if event.latitude is not None and event.longitude is not None
        else None
    )
    return Item(
        id=event.uri,
        link=_link(row),
        title=status + event.title,
        published=event.published_at,
        updated=event.updated_at,
        author=row.actor.name or row.actor.username,
        author_uri=_actor_link(row.actor),
        categories=tuple(c for c in (event.category, *event.tags) if c),
        summary=" — ".join(p for p in (when, where) if p),
        content_html=head + clean_html(event.content_html),
        point=point,
    )


def post_item(row: PostRow) -> Item:
    post = row.post
    return Item(
        id=post.uri,
        link=post.url or post.uri,
        title=post.title or KIND_LABELS.get(post.kind, post.kind),
        published=post.published_at,
        updated=post.updated_at,
        author=row.actor.name or row.actor.username,
        author_uri=_actor_link(row.actor),
        categories=(KIND_LABELS.get(post.kind, post.kind), *post.tags),
        summary=post.summary or plain_text(post.content_html)[:280],
        content_html=clean_html(post.content_html),
    )


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _xml(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _xml(text)
    return element


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class FeedInfo:
    title: str
    subtitle: str
    page: str  # the HTML page the feed mirrors
    self_url: str
    author: str
    author_uri: str


def rss(info: FeedInfo, items: Sequence[Item], now: datetime) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", info.title)
    _sub(channel, "link", info.page)
    _sub(channel, "description", info.subtitle or info.title)
    _sub(channel, f"{{{ATOM_NS}}}link", href=info.self_url, rel="self", type=RSS_TYPE.split(";")[0])
    _sub(channel, "language", "fr")
    _sub(channel, "lastBuildDate", format_datetime(now.astimezone(UTC), usegmt=True))
    _sub(channel, "generator", "echofed")
    _sub(channel, "ttl", str(int(REFRESH.total_seconds() // 60)))
    for item in items:
        element = _sub(channel, "item")
        _sub(element, "title", item.title)
        _sub(element, "link", item.link)
        _sub(element, "guid", item.id, isPermaLink="true" if item.id == item.link else "false")
        _sub(element, "pubDate", format_datetime(item.published.astimezone(UTC), usegmt=True))
        _sub(element, f"{{{DC_NS}}}creator", item.author)
        for category in item.categories:
            _sub(element, "category", category)
        _sub(element, "description", item.content_html or escape(item.summary))
        if item.point is not None:
            _sub(element, f"{{{GEORSS_NS}}}point", f"{item.point[0]} {item.point[1]}")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def atom(info: FeedInfo, items: Sequence[Item], now: datetime) -> bytes:
    # Atom is the default namespace (readers expect <feed>, not <atom:feed>); ElementTree's
    # default_namespace option rejects unprefixed attributes, so the declarations are written
    # as attributes of the root and the tags unqualified: the parsed result is the same.
    a = ""
    root = ET.Element(
        "feed", {"xmlns": ATOM_NS, "xmlns:georss": GEORSS_NS, f"{{{XML_NS}}}lang": "fr"}
    )
    _sub(root, f"{a}id", info.self_url)
    _sub(root, f"{a}title", info.title, type="text")
    if info.subtitle:
        _sub(root, f"{a}subtitle", info.subtitle, type="text")
    _sub(root, f"{a}updated", _rfc3339(max((i.updated for i in items), default=now)))
    _sub(root, f"{a}link", rel="self", type=ATOM_TYPE.split(";")[0], href=info.self_url)
    _sub(root, f"{a}link", rel="alternate", type="text/html", href=info.page)
    author = _sub(root, f"{a}author")
    _sub(author, f"{a}name", info.author)
    _sub(author, f"{a}uri", info.author_uri)
    _sub(root, f"{a}generator", "echofed")
    for item in items:
        entry = _sub(root, f"{a}entry")
        _sub(entry, f"{a}id", item.id)
        _sub(entry, f"{a}title", item.title, type="text")
        _sub(entry, f"{a}published", _rfc3339(item.published))
        _sub(entry, f"{a}updated", _rfc3339(max(item.updated, item.published)))
        _sub(entry, f"{a}link", rel="alternate", type="text/html", href=item.link)
        entry_author = _sub(entry, f"{a}author")
        _sub(entry_author, f"{a}name", item.author)
        _sub(entry_author, f"{a}uri", item.author_uri)
        for category in item.categories:
            _sub(entry, f"{a}category", term=category)
        if item.summary:
            _sub(entry, f"{a}summary", item.summary, type="text")
        if item.content_html:
            _sub(entry, f"{a}content", item.content_html, type="html")
        if item.point is not None:
            _sub(entry, "georss:point", f"{item.point[0]} {item.point[1]}")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


FORMATS: dict[str, tuple[Callable[[FeedInfo, Sequence[Item], datetime], bytes], str]] = {
    "rss": (rss, RSS_TYPE),
    "atom": (atom, ATOM_TYPE),
}


def _news(request: Request, info: FeedInfo, items: Sequence[Item], kind: str) -> Response:
    build, media_type = FORMATS[kind]
    return _respond(request, build(info, items, utcnow()), media_type)


def _region_info(request: Request, region: Region, title: str, page: str) -> FeedInfo:
    return FeedInfo(
        title=title, subtitle=region.description, page=page, self_url=_self_url(request),
        author=region.name, author_uri=_base(request) + "/",
    )


async def _agenda_news(request: Request, kind: str) -> Response:
    region, query, rows = await _agenda(request, utcnow(), NEWS_LIMIT)
    info = _region_info(request, region, _title(region, "agenda", query.labels),
                        _base(request) + "/")
    return _news(request, info, [event_item(r, region.timezone) for r in rows], kind)


async def agenda_rss(request: Request) -> Response:
    """``/agenda.rss``: coming events, soonest first, with the agenda filters."""
    return await _agenda_news(request, "rss")


async def agenda_atom(request: Request) -> Response:
    """``/agenda.atom``: coming events, soonest first, with the agenda filters."""
    return await _agenda_news(request, "atom")


async def _articles(request: Request, kind: str) -> Response:
    kinds = _post_kinds(request)
    async with sessions_of(request)() as session:
        region = await region_of(session)
        rows = await feed_posts(session, kinds=kinds, limit=NEWS_LIMIT)
    labels = [KIND_LABELS[k] for k in kinds] if len(kinds) < len(POST_KINDS) else []
    info = _region_info(request, region, _title(region, "publications", labels),
                        _base(request) + "/")
    return _news(request, info, [post_item(r) for r in rows], kind)


async def articles_rss(request: Request) -> Response:
    """``/articles.rss``: articles, resources, job offers and calls, newest first."""
    return await _articles(request, "rss")


async def articles_atom(request: Request) -> Response:
    """``/articles.atom``: articles, resources, job offers and calls, newest first."""
    return await _articles(request, "atom")


async def actor_atom(request: Request) -> Response:
    """``/@{username}/feed.atom``: an actor's publications and events, newest first."""
    async with sessions_of(request)() as session:
        actor = await _feed_actor(session, request.path_params["username"])
        assert actor.id is not None
        region = await region_of(session)
        posts = await feed_posts(session, kinds=POST_KINDS, actor_id=actor.id, limit=NEWS_LIMIT)
        events = await recently_published_events(session, actor_id=actor.id, limit=NEWS_LIMIT)
    items = [post_item(p) for p in posts] + [event_item(e, region.timezone) for e in events]
    items.sort(key=lambda i: (i.published, i.id), reverse=True)
    name = actor.name or actor.username
    info = FeedInfo(
        title=f"{name} — {region.name}", subtitle=plain_text(actor.summary)[:280],
        page=_base(request) + f"/@{actor.username}", self_url=_self_url(request),
        author=name, author_uri=_actor_link(actor),
    )
    return _news(request, info, items[:NEWS_LIMIT], "atom")
