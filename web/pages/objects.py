"""Event and publication pages (the HTML side of object URLs)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from storage.queries.content import event_by_uri, post_by_uri
from storage.queries.interactions import counts_for, interactions_on
from storage.tables import Actor, Place
from web.state import region_of, runtime_of, sessions_of, templates_of


async def event_page(request: Request) -> Response:
    uri = runtime_of(request).urls.event(request.path_params["uuid"])
    async with sessions_of(request)() as session:
        event = await event_by_uri(session, uri)
        if event is None:
            raise HTTPException(404, "Événement introuvable")
        if event.deleted_at is not None:
            raise HTTPException(410, "Cet événement a été supprimé")
        actor = await session.get(Actor, event.actor_id)
        place = await session.get(Place, event.place_id) if event.place_id else None
        region = await region_of(session)
        counts = await counts_for(session, uri)
        replies = await interactions_on(session, uri, kind="reply")
    return templates_of(request).TemplateResponse(
        request, "event.html",
        {"region": region, "event": event, "actor": actor, "place": place, "counts": counts,
         "replies": replies},
        headers={"Link": f'<{uri}>; rel="alternate"; type="application/activity+json"', "Vary": "Accept"},
    )


async def post_page(request: Request) -> Response:
    uri = runtime_of(request).urls.post(request.path_params["uuid"])
    async with sessions_of(request)() as session:
        post = await post_by_uri(session, uri)
        if post is None:
            raise HTTPException(404, "Publication introuvable")
        if post.deleted_at is not None:
            raise HTTPException(410, "Cette publication a été supprimée")
        actor = await session.get(Actor, post.actor_id)
        region = await region_of(session)
    return templates_of(request).TemplateResponse(
        request, "post.html", {"region": region, "post": post, "actor": actor},
        headers={"Link": f'<{uri}>; rel="alternate"; type="application/activity+json"', "Vary": "Accept"},
    )
