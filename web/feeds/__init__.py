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

This package is the public entry point (the route table uses its handlers); its modules are
``ics`` (calendars), ``syndication`` (RSS and Atom), ``filters`` (the query string),
``text`` (HTML to text, safe characters, an event's when and where) and ``responses``
(ETag, caching, absolute URLs).
"""

from __future__ import annotations

from web.feeds.filters import POST_KINDS, AgendaQuery, agenda_query
from web.feeds.ics import (
    CALENDAR_LIMIT,
    CALENDAR_PAST,
    ICS_STATUS,
    ICS_TYPE,
    PRODID,
    actor_ics,
    agenda_ics,
    calendar,
    event_ics,
    vevent,
)
from web.feeds.responses import MAX_AGE, REFRESH
from web.feeds.syndication import (
    ATOM_NS,
    ATOM_TYPE,
    DC_NS,
    FORMATS,
    GEORSS_NS,
    KIND_LABELS,
    NEWS_LIMIT,
    RSS_TYPE,
    TITLE_PREFIX,
    XML_NS,
    FeedInfo,
    Item,
    actor_atom,
    agenda_atom,
    agenda_rss,
    articles_atom,
    articles_rss,
    atom,
    event_item,
    post_item,
    rss,
)
from web.feeds.text import clean_html, location_text, plain_text, when_text

__all__ = [
    "ATOM_NS",
    "ATOM_TYPE",
    "CALENDAR_LIMIT",
    "CALENDAR_PAST",
    "DC_NS",
    "FORMATS",
    "GEORSS_NS",
    "ICS_STATUS",
    "ICS_TYPE",
    "KIND_LABELS",
    "MAX_AGE",
    "NEWS_LIMIT",
    "POST_KINDS",
    "PRODID",
    "REFRESH",
    "RSS_TYPE",
    "TITLE_PREFIX",
    "XML_NS",
    "AgendaQuery",
    "FeedInfo",
    "Item",
    "actor_atom",
    "actor_ics",
    "agenda_atom",
    "agenda_ics",
    "agenda_query",
    "agenda_rss",
    "articles_atom",
    "articles_rss",
    "atom",
    "calendar",
    "clean_html",
    "event_ics",
    "event_item",
    "location_text",
    "plain_text",
    "post_item",
    "rss",
    "vevent",
    "when_text",
]
