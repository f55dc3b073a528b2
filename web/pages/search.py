"""``/recherche?q=…``: one box for events, publications and actors.

Words are searched here (storage.queries.search); a handle (``@user@host``) or an http(s) URL
is instead looked up, fetched from its server when we do not know it yet, and shown.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echofed.errors import EchofedError
from echofed.services.remote_follow import Found, look_up, looks_remote
from storage.columns import utcnow
from storage.queries.search import search_actors, search_events, search_posts, words_of
from web.pages.objects import display_helpers
from web.state import page_context, sessions_of, templates_of

MAX_QUERY = 300
PER_GROUP = 20


async def search(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()[:MAX_QUERY]
    found: Found | None = None
    lookup_error: str | None = None
    results: dict[str, Any] = {"events": [], "posts": [], "actors": []}
    remote = bool(query) and looks_remote(query)
    async with sessions_of(request)() as session:
        if remote:
            try:
                found = await look_up(request.app.state.fed, session, query)
                await session.commit()
            except EchofedError as exc:
                await session.rollback()
                lookup_error = exc.public_message
        else:
            words = words_of(query)
            results = {
                "events": await search_events(session, words, now=utcnow(), limit=PER_GROUP),
                "posts": await search_posts(session, words, limit=PER_GROUP),
                "actors": await search_actors(session, words, limit=PER_GROUP),
            }
        context = await page_context(
            request, session,
            query=query, remote=remote, found=found, lookup_error=lookup_error,
            total=sum(len(group) for group in results.values()),
            **results, **display_helpers(),
        )
    return templates_of(request).TemplateResponse(request, "pages/search.html", context)
