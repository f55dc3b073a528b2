"""Accounts: sign up, sign in and out, password reset, the account page (actors,
organisations, API tokens) and organisation membership.

    /inscription                                   sign up (a Person actor comes with it)
    /connexion  /deconnexion (POST)                sign in (rate-limited), sign out
    /mot-de-passe/oubli  /mot-de-passe/nouveau     reset link by e-mail (or the log), new password
    /compte                                        my actors, organisations, publications, tokens
    /compte/jetons (POST)  …/{id}/revoquer (POST)  API tokens: create (shown once), revoke
    /compte/comptes/{id}/approuver (POST)          instance admins approve pending sign-ups
    /compte/organisations/nouvelle                 create an organisation (I am its admin)
    /compte/organisations/{username}               its members: invite (POST …/membres), remove

Every POST checks the session's CSRF token first; writes happen in one transaction.
"""

from __future__ import annotations

import logging
import secrets
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from echofed.errors import Conflict, Forbidden, Invalid, NotFound
from echofed.services.accounts import (
    EMAIL,
    ActorInput,
    check_password,
    create_account,
    create_actor,
    hash_password,
    validate_username,
)
from echofed.services.tokens import (
    account_for_reset,
    account_organisations,
    account_people,
    api_tokens,
    approve_account,
    check_new_password,
    invite_member,
    issue_api_token,
    make_reset_token,
    managed_organisation,
    pending_accounts,
    publishable_actors,
    remove_member,
    reset_password,
    revoke_api_token,
)
from storage.columns import utcnow
from storage.queries.accounts import account_by_email
from storage.queries.actors import local_actor, members_of
from storage.queries.feeds import feed_posts, recently_published_events
from storage.tables import Account, ActorKind, PostKind
from web.auth import RateLimiter, check_csrf, current_account, sign_in, sign_out
from web.forms import Form, read_form
from web.i18n import _
from web.mail import MailConfig, send_mail
from web.state import page_context, runtime_of, sessions_of, templates_of

log = logging.getLogger(__name__)
SIGN_IN_LIMIT = 5
SIGN_IN_WINDOW = 300.0
FLASH = "flash"
POST_KINDS = [k.value for k in PostKind if k != PostKind.NOTE]


# ---------------------------------------------------------------------------------------------
# Shared by the account, publishing and API modules


async def render(
    request: Request,
    session: AsyncSession,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> Response:
    """A page: the template with :func:`page_context` (region, signed-in account) and values."""
    context = await page_context(request, session, **values)
    return templates_of(request).TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )


def setting(request: Request, name: str, default: Any) -> Any:
    """An optional setting that ``Settings`` may not declare (yet): its default otherwise."""
    value = getattr(request.app.state.settings, name, default)
    return default if value is None else value


def safe_next(target: str | None, default: str = "/compte") -> str:
    """Only same-site paths, so a link cannot send someone elsewhere after signing in."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/connexion?next={quote(target, safe='')}", status_code=303)


def flash(request: Request, message: str) -> None:
    request.session[FLASH] = message


def take_flash(request: Request) -> str | None:
    message = request.session.pop(FLASH, None)
    return message if isinstance(message, str) else None


def _limiter(request: Request, name: str) -> RateLimiter:
    limiter = getattr(request.app.state, name, None)
    if limiter is None:
        limiter = RateLimiter(limit=SIGN_IN_LIMIT, window=SIGN_IN_WINDOW)
        setattr(request.app.state, name, limiter)
    return limiter


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    """Checked for unknown addresses, so answers take as long whether an account exists."""
    return hash_password(secrets.token_urlsafe(16))


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


async def _posted(request: Request) -> Form:
    form = await read_form(request)
    check_csrf(request, form.get("csrf"))
    return form


# ---------------------------------------------------------------------------------------------
# Sign up, sign in, sign out


class _Abort(Exception):
    """Leave a transaction without writing (the form has errors)."""


async def signup(request: Request) -> Response:
    approval = request.app.state.settings.signup_approval
    async with sessions_of(request)() as session:
        if request.method == "GET":
            if await current_account(request, session) is not None:
                return RedirectResponse("/compte", status_code=303)
            return await render(request, session, "account/signup.html", form=Form(), approval=approval)
        form = await _posted(request)
        email, username = form.text("email"), form.text("username").lower()
        password, display_name = form.get("password"), form.text("display-name")
        if not EMAIL.match(email):
            form.add_error("email", _("adresse e-mail invalide"))
        try:
            validate_username(username)
        except Invalid as exc:
            form.invalid(exc)
        try:
            check_new_password(password)
        except Invalid as exc:
            form.invalid(exc)
        account: Account | None = None
        if form.ok:
            try:
                async with session.begin():
                    if await account_by_email(session, email) is not None:
                        form.add_error("email", _("un compte existe déjà pour cette adresse"))
                    if await local_actor(session, username) is not None:
                        form.add_error("username", _("cet identifiant est déjà pris"))
                    if not form.ok:
                        raise _Abort
                    account = await create_account(
                        session, email=email, password=password, display_name=display_name
                    )
                    account.is_approved = not approval
                    await create_actor(
                        session, runtime_of(request).urls,
                        ActorInput(username=username, kind=ActorKind.PERSON,
                                   name=display_name or username, owner_email=account.email),
                    )
            except _Abort:
                account = None
            except Invalid as exc:
                form.invalid(exc)
                account = None
            except Conflict:
                form.add_error("username", _("cet identifiant ou cette adresse est déjà pris"))
                account = None
        if account is None:
            return await render(
                request, session, "account/signup.html", form=form, approval=approval,
                status_code=422,
            )
        if approval:
            log.info("account awaiting approval", extra={"account_id": account.id})
            return await render(request, session, "account/pending.html", email=account.email)
        sign_in(request, account)
        return RedirectResponse("/compte", status_code=303)


async def signin(request: Request) -> Response:
    async with sessions_of(request)() as session:
        if request.method == "GET":
            form = Form({"next": safe_next(request.query_params.get("next"))})
            return await render(request, session, "account/signin.html", form=form)
        form = await _posted(request)
        email = form.text("email")
        key = f"{email.lower()}|{_client(request)}"
        if not _limiter(request, "sign_in_limiter").allow(key):
            return await render(
                request, session, "account/signin.html", form=form, limited=True,
                status_code=429, headers={"Retry-After": str(int(SIGN_IN_WINDOW))},
            )
        account = await account_by_email(session, email) if email else None
        password_hash = account.password_hash if account is not None else _decoy_hash()
        if not check_password(password_hash, form.get("password")) or account is None:
            form.add_error("email", _("adresse e-mail ou mot de passe incorrect"))
            return await render(request, session, "account/signin.html", form=form, status_code=401)
        if not account.is_approved:
            form.add_error("email", _("votre compte attend encore la validation de l'équipe du site"))
            return await render(request, session, "account/signin.html", form=form, status_code=403)
        account.last_sign_in_at = utcnow()
        session.add(account)
        await session.commit()
        sign_in(request, account)
        return RedirectResponse(safe_next(form.get("next")), status_code=303)


async def signout(request: Request) -> Response:
    await _posted(request)
    sign_out(request)
    return RedirectResponse("/", status_code=303)


# ---------------------------------------------------------------------------------------------
# Password reset


async def forgot_password(request: Request) -> Response:
    async with sessions_of(request)() as session:
        if request.method == "GET":
            return await render(request, session, "account/forgot.html", form=Form())
        form = await _posted(request)
        email = form.text("email")
        if not EMAIL.match(email):
            form.add_error("email", _("adresse e-mail invalide"))
            return await render(request, session, "account/forgot.html", form=form, status_code=422)
        key = f"reset|{email.lower()}|{_client(request)}"
        if not _limiter(request, "reset_limiter").allow(key):
            return await render(
                request, session, "account/forgot.html", form=form, limited=True,
                status_code=429, headers={"Retry-After": str(int(SIGN_IN_WINDOW))},
            )
        account = await account_by_email(session, email)
        if account is not None and account.is_approved:
            token = make_reset_token(request.app.state.settings.secret_key, account)
            link = f"{runtime_of(request).urls.base}/mot-de-passe/nouveau?token={quote(token)}"
            body = _(
                "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien "
                "(valable une heure) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message."
            ).format(link=link)
            await send_mail(
                MailConfig.from_settings(request.app.state.settings),
                to=account.email, subject=_("Nouveau mot de passe"), body=body,
            )
        return await render(request, session, "account/forgot.html", form=Form(), sent=True)


async def new_password(request: Request) -> Response:
    secret = request.app.state.settings.secret_key
    async with sessions_of(request)() as session:
        if request.method == "GET":
            token = request.query_params.get("token", "")
            try:
                await account_for_reset(session, secret, token)
            except Invalid as exc:
                return await render(
                    request, session, "account/reset.html", form=Form(), token_error=_(exc.reason),
                    status_code=400,
                )
            return await render(request, session, "account/reset.html", form=Form({"token": token}))
        form = await _posted(request)
        try:
            async with session.begin():
                account = await reset_password(
                    session, secret, form.get("token"), form.get("password"),
                    form.get("password-confirm"),
                )
        except Invalid as exc:
            if exc.field == "token":
                return await render(
                    request, session, "account/reset.html", form=Form(), token_error=_(exc.reason),
                    status_code=400,
                )
            form.invalid(exc)
            return await render(request, session, "account/reset.html", form=form, status_code=422)
        sign_in(request, account)
        flash(request, _("Votre mot de passe a été changé."))
        return RedirectResponse("/compte", status_code=303)


# ---------------------------------------------------------------------------------------------
# The account page and API tokens


async def _account_page(
    request: Request, session: AsyncSession, account: Account, *, status_code: int = 200,
    token_form: Form | None = None, new_token: str | None = None,
) -> Response:
    assert account.id is not None
    people = await account_people(session, account.id)
    organisations = await account_organisations(session, account.id)
    actors = await publishable_actors(session, account)
    events = []
    posts = []
    for actor in actors:
        assert actor.id is not None
        events += await recently_published_events(session, actor_id=actor.id, limit=20)
        posts += await feed_posts(session, kinds=POST_KINDS, actor_id=actor.id, limit=20)
    events.sort(key=lambda row: row.event.starts_at, reverse=True)
    posts.sort(key=lambda row: row.post.published_at, reverse=True)
    return await render(
        request, session, "account/account.html", status_code=status_code,
        headers={"Cache-Control": "no-store"},
        people=people, organisations=organisations, events=events[:30], posts=posts[:30],
        tokens=await api_tokens(session, account.id),
        pending=await pending_accounts(session) if account.is_admin else [],
        token_form=token_form or Form(), new_token=new_token, message=take_flash(request),
    )


async def account_page(request: Request) -> Response:
    async with sessions_of(request)() as session:
        account = await current_account(request, session)
        if account is None:
            return sign_in_redirect(request)
        return await _account_page(request, session, account)


async def create_token(request: Request) -> Response:
    form = await _posted(request)
    async with sessions_of(request)() as session:
        async with session.begin():
            account = await current_account(request, session)
            if account is None:
                return sign_in_redirect(request)
            try:
                issued = await issue_api_token(session, account, form.text("token-name"))
            except Invalid as exc:
                form.invalid(exc)
                issued = None
        if issued is None:
            return await _account_page(request, session, account, status_code=422, token_form=form)
        return await _account_page(request, session, account, new_token=issued.secret)


async def revoke_token(request: Request) -> Response:
    await _posted(request)
    async with sessions_of(request)() as session, session.begin():
        account = await current_account(request, session)
        if account is None:
            return sign_in_redirect(request)
        assert account.id is not None
        await revoke_api_token(session, account.id, request.path_params["token_id"])
    flash(request, _("Le jeton a été révoqué."))
    return RedirectResponse("/compte", status_code=303)


async def approve(request: Request) -> Response:
    await _posted(request)
    async with sessions_of(request)() as session, session.begin():
        account = await current_account(request, session)
        if account is None:
            return sign_in_redirect(request)
        if not account.is_admin:
            raise Forbidden(_("réservé à l'équipe du site"))
        pending = await session.get(Account, request.path_params["account_id"])
        if pending is None:
            raise NotFound(_("compte introuvable"))
        await approve_account(session, pending.email)
    flash(request, _("Le compte {email} peut maintenant se connecter.").format(email=pending.email))
    return RedirectResponse("/compte", status_code=303)


# ---------------------------------------------------------------------------------------------
# Organisations


async def new_organisation(request: Request) -> Response:
    async with sessions_of(request)() as session:
        if request.method == "GET":
            if await current_account(request, session) is None:
                return sign_in_redirect(request)
            return await render(request, session, "account/organisation_new.html", form=Form())
        form = await _posted(request)
        username = form.text("username").lower()
        try:
            async with session.begin():
                account = await current_account(request, session)
                if account is None:
                    return sign_in_redirect(request)
                validate_username(username)
                if await local_actor(session, username) is not None:
                    raise Invalid("username", _("cet identifiant est déjà pris"))
                await create_actor(
                    session, runtime_of(request).urls,
                    ActorInput(
                        username=username, kind=ActorKind.ORGANIZATION,
                        name=form.text("name") or username, summary_md=form.text("summary"),
                        city=form.optional("city"), website=_website(form),
                        owner_email=account.email,
                    ),
                )
        except Invalid as exc:
            form.invalid(exc)
            return await render(
                request, session, "account/organisation_new.html", form=form, status_code=422
            )
        flash(request, _("L'organisation a été créée : invitez ses membres."))
        return RedirectResponse(f"/compte/organisations/{username}", status_code=303)


def _website(form: Form) -> str | None:
    website = form.optional("website")
    if website and not website.startswith(("http://", "https://")):
        raise Invalid("website", _("adresse http(s) complète attendue"))
    return website


async def _organisation_page(
    request: Request, session: AsyncSession, username: str, *, form: Form | None = None,
    status_code: int = 200,
) -> Response:
    account = await current_account(request, session)
    if account is None:
        return sign_in_redirect(request)
    organisation = await managed_organisation(session, username, account)
    assert organisation.id is not None
    return await render(
        request, session, "account/organisation.html", status_code=status_code,
        organisation=organisation, members=await members_of(session, organisation.id),
        form=form or Form({"role": "editor"}), message=take_flash(request),
    )


async def organisation(request: Request) -> Response:
    async with sessions_of(request)() as session:
        return await _organisation_page(request, session, request.path_params["username"])


async def invite(request: Request) -> Response:
    form = await _posted(request)
    username = request.path_params["username"]
    async with sessions_of(request)() as session:
        try:
            async with session.begin():
                account = await current_account(request, session)
                if account is None:
                    return sign_in_redirect(request)
                organisation = await managed_organisation(session, username, account)
                await invite_member(session, organisation, form.text("email"), form.text("role"))
        except Invalid as exc:
            form.invalid(exc)
            return await _organisation_page(request, session, username, form=form, status_code=422)
    flash(request, _("{email} est maintenant membre.").format(email=form.text("email")))
    return RedirectResponse(f"/compte/organisations/{username}", status_code=303)


async def remove(request: Request) -> Response:
    await _posted(request)
    username = request.path_params["username"]
    async with sessions_of(request)() as session:
        try:
            async with session.begin():
                account = await current_account(request, session)
                if account is None:
                    return sign_in_redirect(request)
                organisation = await managed_organisation(session, username, account)
                await remove_member(session, organisation, request.path_params["account_id"])
        except Conflict as exc:
            flash(request, _(exc.public_message))
        else:
            flash(request, _("Le membre a été retiré."))
    return RedirectResponse(f"/compte/organisations/{username}", status_code=303)
