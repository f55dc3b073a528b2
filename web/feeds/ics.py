"""iCalendar (RFC 5545) feeds: one event (``/events/{uuid}.ics``), an actor's events
(``/@{username}/events.ics``) and the region's agenda (``/agenda.ics``).

Times stay in each event's own zone (TZID plus a generated VTIMEZONE); a calendar keeps
events that ended up to ``CALENDAR_PAST`` ago and holds at most ``CALENDAR_LIMIT`` of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta

import icalendar
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from storage.columns import utcnow
from storage.queries.feeds import EventFilter, EventRow, event_row, feed_events
from storage.tables import EventStatus, Region, Visibility
from web.feeds.filters import load_agenda
from web.feeds.responses import (
    REFRESH,
    base_url,
    cached_response,
    feed_actor,
    feed_title,
    self_url,
)
from web.feeds.text import (
    actor_link,
    event_link,
    event_span,
    ics_text,
    location_text,
    plain_text,
)
from web.state import region_of, runtime_of, sessions_of

ICS_TYPE = "text/calendar; charset=utf-8"
CALENDAR_LIMIT = 500  # events per calendar
CALENDAR_PAST = timedelta(days=30)  # a calendar keeps events that ended this recently
PRODID = "-//echofed//echofed//FR"
ICS_STATUS: dict[str, str] = {  # StrEnum keys: plain column strings look them up
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.TENTATIVE: "TENTATIVE",
    EventStatus.POSTPONED: "TENTATIVE",
}


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_title).strip("-").lower()[:60].strip("-")
    return slug or "evenement"


def vevent(row: EventRow) -> icalendar.Event:
    """One VEVENT, its times in the event's own zone."""
    event, actor = row.event, row.actor
    component = icalendar.Event()
    component.add("uid", event.uri)
    component.add("dtstamp", event.updated_at)
    start, end = event_span(row)
    component.add("dtstart", start)
    if end is not None:
        component.add("dtend", end)
    component.add("summary", ics_text(event.title))
    description = plain_text(event.content_html) or event.summary
    extras = []
    if event.online_url:
        extras.append(f"En ligne : {event.online_url}")
    if event.registration_url:
        extras.append(f"Inscription : {event.registration_url}")
    extras.append(event_link(row))
    component.add(
        "description", ics_text("\n\n".join(p for p in (description, "\n".join(extras)) if p))
    )
    component.add("url", event_link(row))
    location = location_text(row)
    if location:
        component.add("location", ics_text(location))
    if event.latitude is not None and event.longitude is not None:
        component.add("geo", (event.latitude, event.longitude))
    component.add("status", ICS_STATUS.get(event.status, "CONFIRMED"))
    categories = [c for c in (event.category, *event.tags) if c]
    if categories:
        component.add("categories", [ics_text(c) for c in categories])
    component.add("created", event.published_at)
    component.add("last-modified", event.updated_at)
    organizer = icalendar.vCalAddress(actor.uri)
    organizer.params["CN"] = icalendar.vText(ics_text(actor.name or actor.username))
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
    cal.add("name", ics_text(name))
    cal.add("x-wr-calname", ics_text(name))
    if description:
        cal.add("description", ics_text(description))
        cal.add("x-wr-caldesc", ics_text(description))
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
        source=self_url(request),
    )
    headers = {}
    if download is not None:
        headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return cached_response(request, body, ICS_TYPE, headers)


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
        request, [row], region, name=row.event.title, page=event_link(row),
        download=f"{_slug(row.event.title)}.ics",
    )


async def actor_ics(request: Request) -> Response:
    """``/@{username}/events.ics``: an actor's recent and coming events."""
    async with sessions_of(request)() as session:
        actor = await feed_actor(session, request.path_params["username"])
        region = await region_of(session)
        where = EventFilter(ends_after=utcnow() - CALENDAR_PAST, actor_id=actor.id)
        rows = await feed_events(session, where, limit=CALENDAR_LIMIT)
    name = f"{actor.name or actor.username} — {region.name}"
    return _calendar_response(
        request, rows, region, name=name, page=actor_link(actor),
        description=f"Les événements de {actor.name or actor.username}",
    )


async def agenda_ics(request: Request) -> Response:
    """``/agenda.ics``: the region's agenda, filtered by the query string."""
    region, query, rows = await load_agenda(request, utcnow() - CALENDAR_PAST, CALENDAR_LIMIT)
    return _calendar_response(
        request, rows, region, name=feed_title(region, "agenda", query.labels),
        page=base_url(request) + "/", description=region.description,
    )
