"""Instance administration: the regions, Mobilizon instances and relays the instance actor
follows, and who follows it.

    /admin/regions                       its follows (state, region or relay, since when) and
                                         its followers (pending requests, accepted followers)
    /admin/regions/suivre (POST)         follow a region or Mobilizon instance (``target``: an
                                         origin, an actor URL or a handle) or a relay (``kind``)
    /admin/regions/ne-plus-suivre (POST) Undo(Follow) of one of them (``uri``), even pending
    /admin/regions/accueil (POST)        its events on the home page or not (``uri``, ``show``)
    /admin/regions/approuver (POST)      approve a pending follow of the instance: Accept
    /admin/regions/refuser (POST)        refuse it: Reject
    /admin/regions/retirer (POST)        remove an accepted follower: Reject

The work is done by ``echofed.services.following``, the same functions as ``echofed follow``,
``echofed follow-requests`` and ``echofed region home``. Only instance administrators
(``Account.is_admin``) see or use these pages (403 otherwise). Every POST checks the CSRF token,
writes in one transaction, schedules the deliveries it recorded once that transaction has
committed, and redirects (303) to the page with a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from echofed.errors import EchofedError, Forbidden, Invalid
from echofed.services import following
from echofed.services.outbox import schedule_recorded
from storage.tables import Account, Actor, Follow
from web.auth import check_csrf, current_account
from web.forms import Form, read_form
from web.i18n import _
from web.pages.accounts import flash, render, sign_in_redirect, take_flash
from web.state import runtime_of, sessions_of

PAGE = "/admin/regions"
ERROR = "admin_error"

Action = Callable[[Any, AsyncSession, Form], Awaitable[str]]


def _require_admin(account: Account) -> None:
    if not account.is_admin:
        raise Forbidden(_("réservé aux administrateur·rices de l'instance"))


def kind_label(follow: Follow, actor: Actor) -> str:
    """What the actor at the other end is, for the tables."""
    if follow.relay:
        return _("relais")
    return {
        "Application": _("région ou instance"),
        "Group": _("groupe"),
        "Organization": _("organisation"),
        "Person": _("personne"),
    }.get(actor.kind, actor.kind)


def state_label(state: str) -> str:
    return {
        "pending": _("en attente"),
        "accepted": _("accepté"),
        "rejected": _("refusé"),
    }.get(state, state)


async def regions(request: Request) -> Response:
    """The page: follows and followers of the instance actor, and the forms acting on them."""
    async with sessions_of(request)() as session:
        account = await current_account(request, session)
        if account is None:
            return sign_in_redirect(request)
        _require_admin(account)
        follows = await following.instance_follows(session, runtime_of(request).urls)
        error = request.session.pop(ERROR, None)
        return await render(
            request, session, "admin/regions.html",
            headers={"Cache-Control": "no-store"},
            follows=follows, message=take_flash(request),
            error=error if isinstance(error, str) else None,
            kind_label=kind_label, state_label=state_label,
        )


# ---------------------------------------------------------------------------------------------
# Actions


def _uri(form: Form) -> str:
    uri = form.text("uri")
    if not uri.startswith(("https://", "http://")):
        raise Invalid("uri", _("adresse d'acteur manquante"))
    return uri


async def _follow(fed: Any, session: AsyncSession, form: Form) -> str:
    target = form.text("target")
    if not target:
        raise Invalid("target", _("indiquez l'adresse d'une région, d'une instance ou d'un relais"))
    if form.get("kind") == "relay":
        record = await following.follow_relay(fed, session, target)
    else:
        record = await following.follow_region(fed, session, target)
    followed = await session.get(Actor, record.followed_id)
    handle = followed.handle if followed is not None else target
    return _("Demande d'abonnement envoyée à {handle} ; elle attend sa réponse.").format(handle=handle)


async def _unfollow(fed: Any, session: AsyncSession, form: Form) -> str:
    uri = _uri(form)
    await following.unfollow(fed, session, fed.urls.host, uri)
    return _("L'instance ne suit plus {uri}.").format(uri=uri)


async def _home(fed: Any, session: AsyncSession, form: Form) -> str:
    show = form.flag("show")
    _record, actor = await following.set_show_on_home(session, fed.urls, _uri(form), show=show)
    if show:
        return _("Les événements de {handle} apparaissent sur la page d'accueil.").format(
            handle=actor.handle)
    hidden = _("Les événements de {handle} n'apparaissent plus sur la page d'accueil (ils restent dans l'agenda).")
    return hidden.format(handle=actor.handle)


async def _decide(fed: Any, session: AsyncSession, form: Form, *, accept: bool) -> str:
    uri = _uri(form)
    await following.decide_request(fed, session, fed.urls.host, uri, accept=accept)
    if accept:
        return _("Abonnement de {uri} accepté.").format(uri=uri)
    return _("Abonnement de {uri} refusé.").format(uri=uri)


async def _approve(fed: Any, session: AsyncSession, form: Form) -> str:
    return await _decide(fed, session, form, accept=True)


async def _reject(fed: Any, session: AsyncSession, form: Form) -> str:
    return await _decide(fed, session, form, accept=False)


async def _remove(fed: Any, session: AsyncSession, form: Form) -> str:
    uri = _uri(form)
    await following.remove_follower(fed, session, fed.urls.host, uri)
    return _("{uri} ne suit plus l'instance.").format(uri=uri)


ACTIONS: dict[str, Action] = {
    "suivre": _follow,
    "ne-plus-suivre": _unfollow,
    "accueil": _home,
    "approuver": _approve,
    "refuser": _reject,
    "retirer": _remove,
}


async def region_action(request: Request) -> Response:
    """One of the forms of the page (POST only, CSRF-checked, admins only)."""
    action = ACTIONS.get(request.path_params["action"])
    if action is None:
        raise HTTPException(404, "Action inconnue")
    form = await read_form(request)
    check_csrf(request, form.get("csrf"))
    fed = request.app.state.fed
    async with sessions_of(request)() as session:
        try:
            async with session.begin():
                account = await current_account(request, session)
                if account is None:
                    return RedirectResponse(f"/connexion?next={PAGE.replace('/', '%2F')}",
                                            status_code=303)
                _require_admin(account)
                message = await action(fed, session, form)
        except Forbidden:
            raise
        except EchofedError as exc:
            request.session[ERROR] = exc.reason if isinstance(exc, Invalid) else exc.public_message
        else:
            await schedule_recorded(session, fed.scheduler)
            flash(request, message)
    return RedirectResponse(PAGE, status_code=303)
