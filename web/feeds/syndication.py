"""News feeds, RSS 2.0 and Atom 1.0: the region's coming events (``/agenda.rss``,
``/agenda.atom``), its publications (``/articles.rss``, ``/articles.atom``) and an actor's
publications and events (``/@{username}/feed.atom``).

Both formats are built from the same ``Item`` values with ElementTree, so every text and
attribute is escaped and HTML content travels as escaped text (type="html").
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from starlette.requests import Request
from starlette.responses import Response

from storage.columns import utcnow
from storage.queries.feeds import EventRow, PostRow, feed_posts, recently_published_events
from storage.tables import EventStatus, Region
from web.feeds.filters import POST_KINDS, load_agenda, post_kinds
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
    clean_html,
    event_link,
    location_text,
    plain_text,
    when_text,
    xml_text,
)
from web.state import region_of, sessions_of

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
NEWS_LIMIT = 50  # entries per RSS/Atom feed
KIND_LABELS = {
    "article": "Article",
    "resource": "Ressource",
    "job_offer": "Offre d'emploi",
    "call": "Appel",
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
        link=event_link(row),
        title=status + event.title,
        published=event.published_at,
        updated=event.updated_at,
        author=row.actor.name or row.actor.username,
        author_uri=actor_link(row.actor),
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
        author_uri=actor_link(row.actor),
        categories=(KIND_LABELS.get(post.kind, post.kind), *post.tags),
        summary=post.summary or plain_text(post.content_html)[:280],
        content_html=clean_html(post.content_html),
    )


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
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
    return cached_response(request, build(info, items, utcnow()), media_type)


def _region_info(request: Request, region: Region, title: str, page: str) -> FeedInfo:
    return FeedInfo(
        title=title, subtitle=region.description, page=page, self_url=self_url(request),
        author=region.name, author_uri=base_url(request) + "/",
    )


async def _agenda_news(request: Request, kind: str) -> Response:
    region, query, rows = await load_agenda(request, utcnow(), NEWS_LIMIT)
    info = _region_info(request, region, feed_title(region, "agenda", query.labels),
                        base_url(request) + "/")
    return _news(request, info, [event_item(r, region.timezone) for r in rows], kind)


async def agenda_rss(request: Request) -> Response:
    """``/agenda.rss``: coming events, soonest first, with the agenda filters."""
    return await _agenda_news(request, "rss")


async def agenda_atom(request: Request) -> Response:
    """``/agenda.atom``: coming events, soonest first, with the agenda filters."""
    return await _agenda_news(request, "atom")


async def _articles(request: Request, kind: str) -> Response:
    kinds = post_kinds(request)
    async with sessions_of(request)() as session:
        region = await region_of(session)
        rows = await feed_posts(session, kinds=kinds, limit=NEWS_LIMIT)
    labels = [KIND_LABELS[k] for k in kinds] if len(kinds) < len(POST_KINDS) else []
    info = _region_info(request, region, feed_title(region, "publications", labels),
                        base_url(request) + "/")
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
        actor = await feed_actor(session, request.path_params["username"])
        assert actor.id is not None
        region = await region_of(session)
        posts = await feed_posts(session, kinds=POST_KINDS, actor_id=actor.id, limit=NEWS_LIMIT)
        events = await recently_published_events(session, actor_id=actor.id, limit=NEWS_LIMIT)
    items = [post_item(p) for p in posts] + [event_item(e, region.timezone) for e in events]
    items.sort(key=lambda i: (i.published, i.id), reverse=True)
    name = actor.name or actor.username
    info = FeedInfo(
        title=f"{name} — {region.name}", subtitle=plain_text(actor.summary)[:280],
        page=base_url(request) + f"/@{actor.username}", self_url=self_url(request),
        author=name, author_uri=actor_link(actor),
    )
    return _news(request, info, items[:NEWS_LIMIT], "atom")
