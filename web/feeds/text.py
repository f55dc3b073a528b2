"""Text in feeds: HTML made plain (or cleaned once more), the characters iCalendar and XML
refuse taken out, and an event's when and where in words (French), with its links.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from babel.dates import format_date, format_time

from storage.queries.feeds import EventRow
from storage.tables import Actor

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in iCalendar TEXT
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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


def xml_text(text: str | None) -> str:
    """Text ElementTree can serialise into well-formed XML (no control characters)."""
    return _NOT_XML.sub("", text or "")


def ics_text(text: str) -> str:
    """Text iCalendar accepts (no control characters but tab and line breaks)."""
    return _CONTROL.sub("", text)


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The named zone, or UTC when the name is missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def event_link(row: EventRow) -> str:
    """The event's page (its id when it has no separate page)."""
    return row.event.url or row.event.uri


def actor_link(actor: Actor) -> str:
    """The actor's profile page (its id when it has none)."""
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


def event_span(row: EventRow) -> tuple[date | datetime, date | datetime | None]:
    """DTSTART/DTEND values: aware datetimes in the event's zone, or dates for all-day events
    (the end date exclusive, as RFC 5545 wants)."""
    event = row.event
    zone = zone_or_utc(event.timezone)
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
    first, last = event_span(row)
    if isinstance(first, datetime):
        text = f"{_day(first)}, {_clock(first)}"
        if isinstance(last, datetime):
            text += f" – {_clock(last)}" if last.date() == first.date() else (
                f" – {_day(last)}, {_clock(last)}"
            )
        zone = zone_or_utc(row.event.timezone).key
        return text if zone == region_zone else f"{text} ({zone})"
    assert last is not None
    last = last - timedelta(days=1)  # DTEND of a day is exclusive
    return _day(first) if last == first else f"du {_day(first)} au {_day(last)}"


def _day(value: date) -> str:
    return format_date(value, format="full", locale="fr")


def _clock(value: datetime) -> str:
    return format_time(value, format="short", locale="fr")
