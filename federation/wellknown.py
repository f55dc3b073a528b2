"""Discovery documents: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.0/2.1.

These are how other servers find us before they know anything else, so they are always public,
even in authorized-fetch mode, and carry ``Access-Control-Allow-Origin: *`` for browser clients.

- ``/.well-known/webfinger`` answers for ``acct:user@host`` (also ``user@host``, ``@user@host``),
  for an actor's id (``/actors/user``) and its profile page (``/@user``). The instance actor
  answers for ``acct:<host>@<host>`` (FEP-d556), for ``acct:relay@<host>`` (what Mobilizon asks
  when it looks for a relay) and for its id (``/actor``).
- ``/.well-known/nodeinfo`` links the 2.0 and 2.1 documents and, per FEP-2677, the instance
  actor (rel ``https://www.w3.org/ns/activitystreams#Application``).

The documents are built by pure functions (``jrd``, ``nodeinfo_document``…); the endpoints only
look things up and wrap the result in a response.
"""

from __future__ import annotations

import importlib.metadata
import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import quoteattr

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from federation.cache import RecentDocuments, Rendered
from federation.urls import Urls
from storage.queries.actors import actor_by_uri, count_local_actors, local_actor
from storage.queries.content import count_events, count_posts
from storage.queries.regions import get_region
from storage.queries.stats import count_active_publishers

if TYPE_CHECKING:
    from storage.tables import Actor, Region

JRD_CONTENT_TYPE = "application/jrd+json; charset=utf-8"
XRD_CONTENT_TYPE = "application/xrd+xml; charset=utf-8"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"
NODEINFO_VERSIONS = ("2.0", "2.1")
APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"  # FEP-2677
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
AVATAR_REL = "http://webfinger.net/rel/avatar"
RELAY_USERNAME = "relay"
SOFTWARE_NAME = "echofed"
# The kinds NodeInfo counts as users: publishing identities, not the instance actor.
USER_KINDS = ("Person", "Organization", "Group")
# NodeInfo "services" name third-party sites we bridge to; feeds count as outbound services.
# Add "atom1.0"/"rss2.0" here once web/ serves those feeds.
OUTBOUND_SERVICES: tuple[str, ...] = ()
CORS = {"Access-Control-Allow-Origin": "*"}
NODEINFO_CACHE = {"Cache-Control": "public, max-age=1800"}
NODEINFO_TTL = 60.0


class _Runtime(Protocol):
    """What these endpoints use of ``request.app.state.runtime``."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def urls(self) -> Urls: ...


def _runtime(request: Request) -> _Runtime:
    runtime: _Runtime = request.app.state.runtime
    return runtime


def _documents(request: Request) -> RecentDocuments:
    documents: RecentDocuments = request.app.state.fed.documents
    return documents


# --- WebFinger ------------------------------------------------------------------------------


class BadResource(ValueError):
    """The ``resource`` parameter is not something WebFinger can look up (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """Who a WebFinger resource names on this server: a username, or the instance actor."""

    username: str | None = None
    instance: bool = False


def parse_resource(resource: str, urls: Urls) -> Wanted | None:
    """What ``resource`` asks for, or None when it names something not on this host.

    Raises :class:`BadResource` when it is neither an account nor a URL.
    """
    value = resource.strip()
    host = urls.host.lower()
    if value.lower().startswith(("https://", "http://")):
        parts = urlsplit(value)
        if parts.netloc.lower() != host:
            return None
        return _wanted_by_path(unquote(parts.path).rstrip("/"), urls)
    if value[:5].lower() == "acct:":
        value = value[5:]
    value = value.removeprefix("@")
    username, at, domain = value.rpartition("@")
    if not at or not username or not domain or "@" in username or "/" in value:
        raise BadResource("resource attendu : acct:utilisateur@domaine ou l'URL d'un acteur")
    if domain.lower() != host:
        return None
    return _wanted_by_username(username, urls)


def _wanted_by_username(username: str, urls: Urls) -> Wanted:
    if username.lower() in (urls.host.lower(), RELAY_USERNAME):
        return Wanted(instance=True)
    return Wanted(username=username)


def _wanted_by_path(path: str, urls: Urls) -> Wanted | None:
    if path == urlsplit(urls.instance_actor).path:
        return Wanted(instance=True)
    actor_prefix = urlsplit(urls.actor("")).path  # "/actors/"
    profile_prefix = urlsplit(urls.profile("")).path  # "/@"
    for prefix in (actor_prefix, profile_prefix):
        if path.startswith(prefix):
            name = path[len(prefix):]
            if name and "/" not in name:
                return _wanted_by_username(name, urls)
    return None


async def find_actor(session: AsyncSession, wanted: Wanted, urls: Urls) -> Actor | None:
    """The local, not deleted actor a parsed resource names."""
    if wanted.instance:
        actor = await actor_by_uri(session, urls.instance_actor)
        if actor is None or not actor.local or actor.deleted_at is not None:
            return None
        return actor
    assert wanted.username is not None
    return await local_actor(session, wanted.username)


def is_instance_actor(actor: Actor, urls: Urls) -> bool:
    return actor.uri == urls.instance_actor


def jrd(actor: Actor, urls: Urls) -> dict[str, Any]:
    """The JSON Resource Descriptor of a local actor (the shape Mastodon serves)."""
    profile = actor.url or actor.uri
    links: list[dict[str, str]] = [
        {"rel": "self", "type": "application/activity+json", "href": actor.uri},
        {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile},
    ]
    if not is_instance_actor(actor, urls):
        template = f"{urls.base}/authorize_interaction?uri={{uri}}"
        links.append({"rel": SUBSCRIBE_REL, "template": template})
    if actor.icon_url:
        avatar = {"rel": AVATAR_REL, "href": actor.icon_url}
        media_type = mimetypes.guess_type(urlsplit(actor.icon_url).path)[0]
        if media_type and media_type.startswith("image/"):
            avatar["type"] = media_type
        links.append(avatar)
    return {
        "subject": f"acct:{actor.username}@{urls.host}",
        "aliases": list(dict.fromkeys([actor.uri, profile])),
        "links": links,
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=CORS)


async def webfinger(request: Request) -> Response:
    """``GET /.well-known/webfinger?resource=…[&rel=…]``."""
    runtime = _runtime(request)
    resource = request.query_params.get("resource", "").strip()
    if not resource:
        return _error(400, "paramètre resource manquant")
    try:
        wanted = parse_resource(resource, runtime.urls)
    except BadResource as exc:
        return _error(400, str(exc))
    if wanted is None:
        return _error(404, "ce domaine n'est pas servi ici")
    rels = request.query_params.getlist("rel")
    documents = _documents(request)
    key = ("webfinger", wanted, tuple(rels))
    rendered = documents.get(key)
    if rendered is None:
        async with runtime.sessions() as session:
            actor = await find_actor(session, wanted, runtime.urls)
        if actor is None:
            return _error(404, "aucun compte de ce nom")
        document = jrd(actor, runtime.urls)
        if rels:  # RFC 7033 §4.3: the client may ask for some link relations only
            document["links"] = [link for link in document["links"] if link["rel"] in rels]
        rendered = documents.put(key, Rendered.of_json(document, JRD_CONTENT_TYPE, headers=CORS))
    return rendered.response()


# --- host-meta ------------------------------------------------------------------------------


def lrdd_template(urls: Urls) -> str:
    return f"{urls.base}/.well-known/webfinger?resource={{uri}}"


def host_meta_xml(urls: Urls) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={quoteattr(lrdd_template(urls))}/>\n'
        "</XRD>\n"
    )


async def host_meta(request: Request) -> Response:
    """``GET /.well-known/host-meta`` (XRD)."""
    body = host_meta_xml(_runtime(request).urls)
    return Response(body, media_type=XRD_CONTENT_TYPE, headers=CORS)


async def host_meta_json(request: Request) -> Response:
    """``GET /.well-known/host-meta.json`` (the JRD form of host-meta)."""
    document = {"links": [{"rel": "lrdd", "template": lrdd_template(_runtime(request).urls)}]}
    return JSONResponse(document, headers=CORS)


# --- NodeInfo -------------------------------------------------------------------------------


@cache
def software_version() -> str:
    try:
        return importlib.metadata.version(SOFTWARE_NAME)
    except importlib.metadata.PackageNotFoundError:  # running from a bare source tree
        return "0+unknown"


@cache
def software_links() -> dict[str, str]:
    """``repository``/``homepage`` for NodeInfo 2.1, from the package's ``Project-URL``s."""
    try:
        entries = importlib.metadata.metadata(SOFTWARE_NAME).get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    links: dict[str, str] = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        key = label.strip().lower()
        if key in ("repository", "source", "source code") and url.strip():
            links.setdefault("repository", url.strip())
        elif key in ("homepage", "home") and url.strip():
            links.setdefault("homepage", url.strip())
    return links


def nodeinfo_links(urls: Urls) -> dict[str, Any]:
    """``/.well-known/nodeinfo``: the documents we serve, then the instance actor (FEP-2677)."""
    links = [
        {"rel": NODEINFO_SCHEMA + version, "href": f"{urls.base}/nodeinfo/{version}"}
        for version in NODEINFO_VERSIONS
    ]
    links.append({"rel": APPLICATION_REL, "href": urls.instance_actor})
    return {"links": links}


@dataclass(frozen=True, slots=True)
class Usage:
    users: int
    active_month: int
    active_halfyear: int
    local_events: int
    local_posts: int  # publications only; NodeInfo's localPosts adds the events


async def usage(session: AsyncSession) -> Usage:
    """Counts for NodeInfo.

    "Users" are the local actors that publish (people, organisations, groups), not sign-in
    accounts: an organisation's events are the instance's content whoever of its members wrote
    them. In the same spirit an actor is "active" when it published an event or a post in the
    last 30 or 180 days, rather than when one of its members last signed in.
    """
    now = datetime.now(UTC)
    return Usage(
        users=await count_local_actors(session, kinds=USER_KINDS),
        active_month=await count_active_publishers(
            session, kinds=USER_KINDS, since=now - timedelta(days=30)
        ),
        active_halfyear=await count_active_publishers(
            session, kinds=USER_KINDS, since=now - timedelta(days=180)
        ),
        local_events=await count_events(session, local=True),
        local_posts=await count_posts(session, local=True),
    )


def _region_metadata(region: Region) -> dict[str, Any]:
    return {
        "timezone": region.timezone,
        "language": region.language,
        "mapCenter": {
            "latitude": region.center_lat,
            "longitude": region.center_lon,
            "zoom": region.zoom,
        },
        "bounds": {
            "south": region.bounds_south,
            "west": region.bounds_west,
            "north": region.bounds_north,
            "east": region.bounds_east,
        },
    }


def nodeinfo_document(
    version: str,
    *,
    counts: Usage,
    region: Region | None,
    urls: Urls,
    software_version: str,
    software_links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A NodeInfo document of schema ``version`` (2.0 or 2.1).

    2.0's ``software`` admits only ``name`` and ``version``; 2.1 adds ``repository`` and
    ``homepage``. ``metadata`` is free-form: the region's name, description and map, and the
    number of local events (``localPosts`` counts events and publications together).
    """
    if version not in NODEINFO_VERSIONS:
        raise ValueError(f"unsupported NodeInfo version {version}")
    software: dict[str, str] = {"name": SOFTWARE_NAME, "version": software_version}
    if version != "2.0":
        software.update(software_links or {})
    metadata: dict[str, Any] = {
        "nodeName": region.name if region is not None else urls.host,
        "nodeDescription": region.description if region is not None else "",
        "localEvents": counts.local_events,
    }
    if region is not None:
        metadata["region"] = _region_metadata(region)
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": list(OUTBOUND_SERVICES)},
        "openRegistrations": False,
        "usage": {
            "users": {
                "total": counts.users,
                "activeMonth": counts.active_month,
                "activeHalfyear": counts.active_halfyear,
            },
            "localPosts": counts.local_events + counts.local_posts,
        },
        "metadata": metadata,
    }


def nodeinfo_content_type(version: str) -> str:
    return f'application/json; profile="{NODEINFO_SCHEMA}{version}#"'


async def nodeinfo(request: Request) -> Response:
    """``GET /.well-known/nodeinfo``."""
    document = nodeinfo_links(_runtime(request).urls)
    return JSONResponse(document, headers={**CORS, **NODEINFO_CACHE})


async def _nodeinfo_response(request: Request, version: str) -> Response:
    documents = _documents(request)
    rendered = documents.get(("nodeinfo", version))
    if rendered is not None:
        return rendered.response()
    runtime = _runtime(request)
    async with runtime.sessions() as session:
        counts = await usage(session)
        region = await get_region(session)
    document = nodeinfo_document(
        version,
        counts=counts,
        region=region,
        urls=runtime.urls,
        software_version=software_version(),
        software_links=software_links(),
    )
    rendered = Rendered.of_json(
        document, nodeinfo_content_type(version), headers={**CORS, **NODEINFO_CACHE}
    )
    # Counting everything is the costly part; crawlers poll this, counts a minute old are fine.
    return documents.put(("nodeinfo", version), rendered, ttl=NODEINFO_TTL).response()


async def nodeinfo_2_0(request: Request) -> Response:
    """``GET /nodeinfo/2.0``."""
    return await _nodeinfo_response(request, "2.0")


async def nodeinfo_2_1(request: Request) -> Response:
    """``GET /nodeinfo/2.1``."""
    return await _nodeinfo_response(request, "2.1")
