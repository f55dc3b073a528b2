"""``/authorize_interaction?uri=…``: our WebFinger subscribe template. Another server (or our
search) sends a visitor here with an actor, event or publication; we show what it is and, to a
signed-in visitor, offer to follow it, or to join, boost, like or reply to it, as their own
Person actor. The activity is recorded in the outbox and its fan-out scheduled at once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from echofed.errors import EchofedError
from echofed.services import following, interacting
from echofed.services.outbox import schedule_recorded
from echofed.services.remote_follow import Found, look_up
from storage.queries.actors import person_of_account
from storage.tables import Account, Actor
from web.auth import check_csrf, current_account
from web.i18n import _
from web.pages.objects import display_helpers
from web.state import page_context, sessions_of, templates_of

ACTIONS = ("follow", "join", "leave", "boost", "like", "reply")
MAX_URI = 1000
MAX_REPLY = 5000


def done_message(action: str) -> str:
    messages = {
        "follow": _("Demande d'abonnement envoyée."),
        "join": _("Votre participation a été envoyée à l'organisateur."),
        "leave": _("Vous ne participez plus."),
        "boost": _("Partagé avec vos abonnés."),
        "like": _("Ajouté à vos favoris."),
        "reply": _("Réponse envoyée."),
    }
    return messages.get(action, "")


def _safe_next(target: object) -> str | None:
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
        return target
    return None


def _here(uri: str) -> str:
    return f"/authorize_interaction?{urlencode({'uri': uri})}"


async def _person(session: AsyncSession, account: Account | None) -> Actor | None:
    if account is None:
        return None
    assert account.id is not None
    return await person_of_account(session, account.id)


async def _render(
    request: Request, session: AsyncSession, uri: str, *, status_code: int | None = None,
    **extra: Any,
) -> Response:
    found: Found | None = None
    error: str | None = None
    if not uri:
        error = _("Aucune adresse indiquée.")
    else:
        try:
            found = await look_up(request.app.state.fed, session, uri)
            await session.commit()
        except EchofedError as exc:
            await session.rollback()
            error = exc.public_message
    account = await current_account(request, session)
    context = await page_context(
        request, session,
        uri=uri, found=found, lookup_error=error,
        person=await _person(session, account),
        done=done_message(request.query_params.get("fait", "")),
        action_error=None,
        sign_in_url=f"/connexion?next={quote(_here(uri), safe='')}",
        **display_helpers(),
    )
    context.update(extra)
    return templates_of(request).TemplateResponse(
        request, "pages/interact.html", context,
        status_code=status_code or (404 if error else 200),
    )


async def authorize_interaction(request: Request) -> Response:
    uri = request.query_params.get("uri", "").strip()[:MAX_URI]
    async with sessions_of(request)() as session:
        return await _render(request, session, uri)


async def _act(request: Request, session: AsyncSession, person: Actor, action: str, uri: str, text: str) -> None:
    fed = request.app.state.fed
    if action == "follow":
        await following.follow(fed, session, person.username, uri)
    elif action == "reply":
        await interacting.reply(fed, session, person.username, uri, text)
    else:
        act = {"join": interacting.join, "leave": interacting.leave,
               "boost": interacting.boost, "like": interacting.like}[action]
        await act(fed, session, person.username, uri)


async def interact(request: Request) -> Response:
    """The buttons of the page above (and of event pages): act as the signed-in account."""
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    action = str(form.get("action") or "")
    uri = str(form.get("uri") or "").strip()[:MAX_URI]
    text = str(form.get("text") or "")[:MAX_REPLY]
    if action not in ACTIONS or not uri:
        raise HTTPException(400, "Action inconnue")
    async with sessions_of(request)() as session:
        account = await current_account(request, session)
        if account is None:
            return RedirectResponse(f"/connexion?next={quote(_here(uri), safe='')}", status_code=303)
        person = await _person(session, account)
        if person is None:
            return await _render(
                request, session, uri, status_code=409,
                action_error=_("Votre compte n'a pas encore de profil personnel pour agir sur le fediverse."),
            )
        try:
            await _act(request, session, person, action, uri, text)
            await session.commit()
        except EchofedError as exc:
            await session.rollback()
            return await _render(
                request, session, uri, status_code=exc.status_code,
                action_error=exc.public_message, reply_text=text,
            )
        await schedule_recorded(session, request.app.state.fed.scheduler)
    back = _safe_next(form.get("next"))
    if back is not None:
        separator = "&" if "?" in back else "?"
        return RedirectResponse(f"{back}{separator}fait={action}", status_code=303)
    return RedirectResponse(f"{_here(uri)}&fait={action}", status_code=303)
