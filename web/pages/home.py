"""The home page: the region and what is coming up."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from storage.columns import utcnow
from storage.queries.content import upcoming_events
from web.state import region_of, sessions_of, templates_of


async def home(request: Request) -> Response:
    async with sessions_of(request)() as session:
        region = await region_of(session)
        events = await upcoming_events(session, now=utcnow(), limit=30)
    return templates_of(request).TemplateResponse(
        request, "home.html", {"region": region, "events": events}
    )
