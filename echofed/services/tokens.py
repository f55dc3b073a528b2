"""Getting into an account and acting for it: operator approval, password-reset tokens, API
bearer tokens, and the organisations an account manages.

Password-reset tokens are stateless: signed (itsdangerous) with the instance's secret, valid for
an hour, and bound to a fingerprint of the current password hash, so a token stops working as
soon as the password changes (it cannot be used twice). API tokens are random secrets shown
once; only their SHA-256 digest is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Conflict, Forbidden, Invalid, NotFound
from echofed.services.accounts import add_member, hash_password
from storage.columns import utcnow
from storage.queries.accounts import account_by_email, membership
from storage.queries.actors import local_actor
from storage.tables import Account, Actor, ActorKind, ApiToken, MemberRole, Membership

RESET_SALT = "echofed.password-reset"
RESET_MAX_AGE = 3600  # seconds
MIN_PASSWORD = 8
API_TOKEN_PREFIX = "ef_"
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)  # how stale `last_used_at` may get
PUBLISHING_ROLES = (MemberRole.ADMIN, MemberRole.EDITOR)
ORGANISATION_KINDS = (ActorKind.ORGANIZATION, ActorKind.GROUP)


# ---------------------------------------------------------------------------------------------
# Operator approval


async def approve_account(session: AsyncSession, email: str) -> Account:
    """Let an account that signed up while approval was required sign in."""
    account = await account_by_email(session, email)
    if account is None:
        raise NotFound(f"aucun compte pour {email}")
    account.is_approved = True
    session.add(account)
    await session.flush()
    return account


async def pending_accounts(session: AsyncSession, *, limit: int = 100) -> list[Account]:
    query = (
        select(Account)
        .where(Account.is_approved == False)
        .order_by(col(Account.created_at))
        .limit(limit)
    )
    return list((await session.exec(query)).all())


# ---------------------------------------------------------------------------------------------
# Password reset


def _password_fingerprint(account: Account) -> str:
    return hashlib.sha256((account.password_hash or "").encode()).hexdigest()[:20]


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT)


def make_reset_token(secret_key: str, account: Account) -> str:
    return _reset_serializer(secret_key).dumps({"a": account.id, "p": _password_fingerprint(account)})


async def account_for_reset(
    session: AsyncSession, secret_key: str, token: str, *, max_age: int = RESET_MAX_AGE
) -> Account:
    """The account a reset token was made for; ``Invalid("token")`` if it is forged, expired
    or already used (the password changed since)."""
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise Invalid("token", "ce lien a expiré : demandez-en un nouveau") from None
    except BadSignature:
        raise Invalid("token", "ce lien n'est pas valide") from None
    account_id = data.get("a") if isinstance(data, dict) else None
    account = await session.get(Account, account_id) if isinstance(account_id, int) else None
    if account is None or data.get("p") != _password_fingerprint(account):
        raise Invalid("token", "ce lien n'est plus valide : demandez-en un nouveau")
    return account


def check_new_password(password: str, confirmation: str | None = None) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid("password", f"le mot de passe doit compter au moins {MIN_PASSWORD} caractères")
    if confirmation is not None and confirmation != password:
        raise Invalid("password-confirm", "les deux mots de passe diffèrent")


async def reset_password(
    session: AsyncSession, secret_key: str, token: str, password: str, confirmation: str | None = None
) -> Account:
    account = await account_for_reset(session, secret_key, token)
    check_new_password(password, confirmation)
    account.password_hash = hash_password(password)
    session.add(account)
    await session.flush()
    return account


# ---------------------------------------------------------------------------------------------
# API tokens


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_api_token(session: AsyncSession, account: Account, name: str) -> IssuedToken:
    name = name.strip()
    if not name:
        raise Invalid("token-name", "donnez un nom au jeton (par exemple, le système qui l'utilise)")
    if len(name) > 100:
        raise Invalid("token-name", "100 caractères au plus")
    assert account.id is not None
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(account_id=account.id, name=name, token_digest=token_digest(secret))
    session.add(token)
    await session.flush()
    return IssuedToken(token, secret)


async def api_tokens(session: AsyncSession, account_id: int) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.account_id == account_id).order_by(col(ApiToken.id))
    return list((await session.exec(query)).all())


async def revoke_api_token(session: AsyncSession, account_id: int, token_id: int) -> None:
    token = await session.get(ApiToken, token_id)
    if token is None or token.account_id != account_id:
        raise NotFound("jeton introuvable")
    await session.delete(token)
    await session.flush()


async def account_for_api_token(
    session: AsyncSession, secret: str, *, now: datetime | None = None
) -> Account | None:
    """The approved account a bearer token belongs to, or None."""
    if not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        await session.exec(select(ApiToken).where(ApiToken.token_digest == token_digest(secret)))
    ).first()
    if token is None:
        return None
    account = await session.get(Account, token.account_id)
    if account is None or not account.is_approved:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
        session.add(token)
        await session.flush()
    return account


# ---------------------------------------------------------------------------------------------
# Organisations and the actors an account publishes as


async def account_organisations(session: AsyncSession, account_id: int) -> list[tuple[Actor, str]]:
    """The organisations and groups an account belongs to, with its role in each."""
    query = (
        select(Actor, Membership.role)
        .join(Membership, col(Membership.actor_id) == Actor.id)
        .where(
            Membership.account_id == account_id,
            Actor.local == True,
            col(Actor.deleted_at).is_(None),
        )
        .order_by(col(Actor.name))
    )
    return [(actor, str(role)) for actor, role in (await session.exec(query)).all()]


async def account_people(session: AsyncSession, account_id: int) -> list[Actor]:
    query = select(Actor).where(
        Actor.account_id == account_id,
        Actor.kind == ActorKind.PERSON,
        Actor.local == True,
        col(Actor.deleted_at).is_(None),
    )
    return list((await session.exec(query.order_by(col(Actor.id)))).all())


async def publishable_actors(session: AsyncSession, account: Account) -> list[Actor]:
    """Who this account may publish as: its own people, then organisations where it is an
    admin or an editor."""
    assert account.id is not None
    actors = await account_people(session, account.id)
    actors += [
        actor
        for actor, role in await account_organisations(session, account.id)
        if role in PUBLISHING_ROLES
    ]
    return actors


async def managed_organisation(session: AsyncSession, username: str, account: Account) -> Actor:
    """An organisation the account administers (instance admins administer them all)."""
    actor = await local_actor(session, username)
    if actor is None or actor.kind not in ORGANISATION_KINDS:
        raise NotFound(f"aucune organisation « {username} »")
    if not account.is_admin:
        assert account.id is not None and actor.id is not None
        member = await membership(session, account.id, actor.id)
        if member is None or member.role != MemberRole.ADMIN:
            raise Forbidden(f"seuls les administrateurs de {actor.name or username} gèrent ses membres")
    return actor


async def invite_member(session: AsyncSession, organisation: Actor, email: str, role: str) -> Membership:
    """Add an existing account to an organisation as an admin or an editor."""
    if role not in PUBLISHING_ROLES:
        raise Invalid("role", "admin ou editor")
    if await account_by_email(session, email) is None:
        raise Invalid("email", "aucun compte n'utilise cette adresse : la personne doit d'abord s'inscrire")
    return await add_member(session, organisation, email=email, role=role)


async def remove_member(session: AsyncSession, organisation: Actor, account_id: int) -> None:
    """Remove a member; an organisation always keeps at least one admin."""
    assert organisation.id is not None
    member = await membership(session, account_id, organisation.id)
    if member is None:
        raise NotFound("ce compte n'est pas membre")
    if member.role == MemberRole.ADMIN:
        admins = (
            await session.exec(
                select(Membership).where(
                    Membership.actor_id == organisation.id, Membership.role == MemberRole.ADMIN
                )
            )
        ).all()
        if len(admins) <= 1:
            raise Conflict("une organisation garde au moins un administrateur")
    await session.delete(member)
    await session.flush()
