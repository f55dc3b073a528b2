"""An actor's public page (person, organisation, group)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from storage.columns import utcnow
from storage.queries.actors import local_actor, members_of
from storage.queries.content import upcoming_events
from web.state import region_of, sessions_of, templates_of


async def profile(request: Request) -> Response:
    async with sessions_of(request)() as session:
        actor = await local_actor(session, request.path_params["username"])
        if actor is None or actor.kind == "Application":
            raise HTTPException(404, "Acteur introuvable")
        assert actor.id is not None
        region = await region_of(session)
        events = await upcoming_events(session, now=utcnow(), limit=50, actor_id=actor.id)
        members = await members_of(session, actor.id)
    return templates_of(request).TemplateResponse(
        request,
        "actor.html",
        {"region": region, "actor": actor, "events": events, "members": members,
         "host": request.app.state.runtime.urls.host},
        headers={"Link": f'<{actor.uri}>; rel="alternate"; type="application/activity+json"',
                 "Vary": "Accept"},
    )
