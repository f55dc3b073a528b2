"""What every feed response shares: an ETag that turns a matching If-None-Match into a 304,
cache headers, absolute URLs from the instance's public base URL, the feed's title, and the
local actor a personal feed belongs to (404 for anyone else).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from storage.queries.actors import local_actor
from storage.tables import Actor, ActorKind, Region
from web.state import runtime_of

REFRESH = timedelta(hours=1)  # suggested polling interval
MAX_AGE = 300  # HTTP cache lifetime, seconds


def cached_response(
    request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """The body with a validator: a matching If-None-Match gets a 304."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    all_headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}", **(headers or {})}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=all_headers)
    return Response(body, media_type=media_type, headers=all_headers)


def self_url(request: Request) -> str:
    """The feed's own absolute URL, query string included."""
    base: str = runtime_of(request).urls.base
    query = request.url.query
    return base + request.url.path + (f"?{query}" if query else "")


def base_url(request: Request) -> str:
    """The instance's public origin."""
    base: str = runtime_of(request).urls.base
    return base


async def feed_actor(session: Any, username: str) -> Actor:
    """The local actor a personal feed is about; 404 for an unknown one or the instance actor."""
    actor = await local_actor(session, username)
    if actor is None or actor.kind == ActorKind.APPLICATION:
        raise HTTPException(404, "Acteur introuvable")
    assert actor.id is not None
    return actor


def feed_title(region: Region, what: str, labels: Sequence[str] = ()) -> str:
    """« Grand Est — agenda (atelier, Metz) »: the region, the feed, and its filters."""
    title = f"{region.name} — {what}"
    return f"{title} ({', '.join(labels)})" if labels else title
