"""Accounts (who signs in) and local actors (who publishes): people, organisations, groups."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Conflict, Invalid, NotFound
from federation.html import markdown_to_html
from federation.keys import generate_key_pair
from federation.urls import Urls
from storage.queries import accounts as account_queries
from storage.queries import actors as actor_queries
from storage.tables import Account, Actor, ActorKind, MemberRole, Membership

USERNAME = re.compile(r"^[a-z0-9_]{1,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESERVED_USERNAMES = frozenset(
    {"admin", "actor", "api", "inbox", "outbox", "static", "well_known", "relay", "instance"}
)
PUBLISHING_KINDS = (ActorKind.PERSON, ActorKind.ORGANIZATION, ActorKind.GROUP)
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False


async def create_account(
    session: AsyncSession,
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    is_admin: bool = False,
    locale: str = "fr",
) -> Account:
    email = email.strip()
    if not EMAIL.match(email):
        raise Invalid("email", "adresse e-mail invalide")
    if password is not None and len(password) < 8:
        raise Invalid("password", "le mot de passe doit compter au moins 8 caractères")
    if await account_queries.account_by_email(session, email):
        raise Conflict(f"un compte existe déjà pour {email}")
    account = Account(
        email=email,
        password_hash=hash_password(password) if password else None,
        display_name=display_name.strip(),
        is_admin=is_admin,
        locale=locale,
    )
    session.add(account)
    await session.flush()
    return account


@dataclass(frozen=True)
class ActorInput:
    username: str
    kind: str = ActorKind.PERSON
    name: str = ""
    summary_md: str = ""
    city: str | None = None
    website: str | None = None
    icon_url: str | None = None
    manually_approves_followers: bool = False
    discoverable: bool = True
    owner_email: str | None = None
    members: Sequence[tuple[str, str]] = field(default_factory=tuple)


def validate_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise Invalid("username", "1 à 30 caractères parmi a-z, 0-9 et _")
    if username in RESERVED_USERNAMES:
        raise Invalid("username", f"« {username} » est réservé")
    return username


async def create_actor(session: AsyncSession, urls: Urls, data: ActorInput) -> Actor:
    """Create a local actor with a fresh RSA-2048 key pair.

    A Person belongs to its owner's account; an Organization or Group gets its members
    (``(email, role)`` pairs), the owner being its first admin.
    """
    username = validate_username(data.username)
    if data.kind not in PUBLISHING_KINDS:
        raise Invalid("type", "Person, Organization ou Group")
    if await actor_queries.local_actor(session, username):
        raise Conflict(f"l'identifiant {username} est déjà pris")
    owner = None
    if data.owner_email:
        owner = await account_queries.account_by_email(session, data.owner_email)
        if owner is None:
            raise NotFound(f"aucun compte pour {data.owner_email}")
    keys = generate_key_pair()
    actor = Actor(
        uri=urls.actor(username),
        kind=data.kind,
        username=username,
        domain=urls.host,
        local=True,
        name=(data.name or username).strip(),
        summary=markdown_to_html(data.summary_md) if data.summary_md else "",
        icon_url=data.icon_url,
        url=urls.profile(username),
        inbox=urls.inbox(username),
        outbox=urls.outbox(username),
        shared_inbox=urls.shared_inbox,
        followers_url=urls.followers(username),
        following_url=urls.following(username),
        public_key_id=urls.key_id(username),
        public_key_pem=keys.public_pem,
        private_key_pem=keys.private_pem,
        manually_approves_followers=data.manually_approves_followers,
        discoverable=data.discoverable,
        account_id=owner.id if owner and data.kind == ActorKind.PERSON else None,
        city=data.city,
        website=data.website,
    )
    session.add(actor)
    await session.flush()
    assert actor.id is not None
    if data.kind != ActorKind.PERSON:
        members = list(data.members)
        if owner is not None:
            members.insert(0, (owner.email, MemberRole.ADMIN))
        for email, role in members:
            await add_member(session, actor, email=email, role=role)
    return actor


async def add_member(session: AsyncSession, actor: Actor, *, email: str, role: str) -> Membership:
    if actor.kind == ActorKind.PERSON:
        raise Invalid("type", "seules les organisations et les groupes ont des membres")
    if role not in {r.value for r in MemberRole}:
        raise Invalid("role", "admin, editor ou member")
    account = await account_queries.account_by_email(session, email)
    if account is None:
        raise NotFound(f"aucun compte pour {email}")
    assert account.id is not None and actor.id is not None
    existing = await account_queries.membership(session, account.id, actor.id)
    if existing is not None:
        existing.role = role
        return existing
    member = Membership(account_id=account.id, actor_id=actor.id, role=role)
    session.add(member)
    await session.flush()
    return member
