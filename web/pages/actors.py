"""An actor's public page (person, organisation, group), and "follow from your own server".

``POST /suivre-a-distance`` takes the visitor's handle (``camille@mastodon.example``), finds
their server's subscribe template through WebFinger and sends them there to follow our actor.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from echofed.services.remote_follow import RemoteFollowError, subscribe_url
from storage.columns import utcnow
from storage.queries.actors import local_actor, members_of
from storage.queries.pages import actor_events, actor_posts
from web.auth import check_csrf
from web.i18n import _
from web.pages.objects import display_helpers
from web.state import page_context, runtime_of, sessions_of, templates_of

MAX_HANDLE = 300


def remote_follow_message(reason: str) -> str:
    """The visitor-facing explanation of a failed "follow from your server"."""
    messages = {
        "handle": _("Indiquez votre adresse complète, sous la forme nom@serveur.exemple."),
        "refused": _("Cette adresse de serveur n'est pas acceptée (adresse privée ou invalide)."),
        "unreachable": _("Votre serveur n'a pas pu être joint ou ne connaît pas ce compte. Vérifiez l'adresse et réessayez."),
        "unsupported": _("Votre serveur ne propose pas de page pour suivre un compte : recherchez plutôt l'adresse ci-dessous depuis votre application."),
    }
    return messages.get(reason, messages["unreachable"])


async def _render(
    request: Request, username: str, *, status_code: int = 200, **extra: Any
) -> Response:
    urls = runtime_of(request).urls
    async with sessions_of(request)() as session:
        actor = await local_actor(session, username)
        if actor is None or actor.kind == "Application":
            raise HTTPException(404, "Acteur introuvable")
        assert actor.id is not None
        now = utcnow()
        context = await page_context(
            request, session,
            actor=actor,
            handle=f"{actor.username}@{urls.host}",
            upcoming=await actor_events(session, actor.id, now=now, past=False, limit=30),
            past=await actor_events(session, actor.id, now=now, past=True, limit=10),
            posts=await actor_posts(session, actor.id, limit=10),
            members=await members_of(session, actor.id) if actor.kind != "Person" else [],
            host=urls.host,
            remote_error=None,
            remote_handle="",
            **display_helpers(),
        )
    context.update(extra)
    return templates_of(request).TemplateResponse(
        request, "actor.html", context, status_code=status_code,
        headers={"Link": f'<{actor.uri}>; rel="alternate"; type="application/activity+json"',
                 "Vary": "Accept"},
    )


async def profile(request: Request) -> Response:
    return await _render(request, request.path_params["username"])


async def remote_follow(request: Request) -> Response:
    """Send a visitor to their own server's follow page for one of our actors."""
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    username = str(form.get("username") or "")[:100]
    handle = str(form.get("handle") or "").strip()[:MAX_HANDLE]
    urls = runtime_of(request).urls
    async with sessions_of(request)() as session:
        actor = await local_actor(session, username) if username else None
    if actor is None or actor.kind == "Application":
        raise HTTPException(404, "Acteur introuvable")
    try:
        target = await subscribe_url(request.app.state.fed, handle, f"{actor.username}@{urls.host}")
    except RemoteFollowError as exc:
        return await _render(
            request, actor.username, status_code=400,
            remote_error=remote_follow_message(exc.reason), remote_handle=handle,
        )
    return RedirectResponse(target, status_code=303)
