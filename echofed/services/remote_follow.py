"""Reaching across servers from a page: "follow from your own server" (the visitor's WebFinger
subscribe template), and looking up a handle or URL typed into our search or sent to our own
subscribe template (``/authorize_interaction``).

Errors:
    RemoteFollowError (echofed.errors.EchofedError)   ``reason`` says what went wrong, for the
        page to explain in the reader's language: ``handle`` (not user@host), ``refused``
        (a private or otherwise unacceptable address), ``unreachable`` (no usable answer),
        ``unsupported`` (the server offers no follow page).
    Lookups raise the services' own ``NotFound`` and ``Invalid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode, urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import EchofedError, NotFound
from echofed.services.following import resolve_remote
from echofed.services.interacting import resolve_object
from federation.actors import ActorUnavailable, instance_signer
from federation.client import FetchError, UnsafeTarget
from federation.context import Federation
from federation.fetch import ACTOR_TYPES, InvalidHandle, fetch_object, parse_handle
from federation.netsafety import UnresolvableHost
from federation.vocab.jsonld import as_list
from storage.queries.actors import actor_by_uri, local_actor
from storage.queries.content import event_by_uri, post_by_uri
from storage.tables import Actor, Event, Post

SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
Reason = Literal["handle", "refused", "unreachable", "unsupported"]


class RemoteFollowError(EchofedError):
    status_code = 400

    def __init__(self, reason: Reason, public_message: str, *, detail: str | None = None) -> None:
        super().__init__(public_message, detail=detail)
        self.reason = reason


def _scheme(fed: Federation) -> str:
    """https, except between loopback test instances (private addresses allowed, http base)."""
    if fed.config.allow_private_addresses and fed.urls.base.startswith("http://"):
        return "http"
    return "https"


def _acceptable_page(fed: Federation, url: str) -> bool:
    parts = urlsplit(url)
    schemes = ("https", "http") if fed.config.allow_private_addresses else ("https",)
    return parts.scheme in schemes and bool(parts.hostname) and not parts.username


async def subscribe_url(fed: Federation, visitor_handle: str, target: str) -> str:
    """Where to send a visitor so that their own server offers to follow ``target`` (our
    actor's handle or URL): their WebFinger's subscribe template, filled in."""
    try:
        user, host = parse_handle(visitor_handle)
    except InvalidHandle as exc:
        raise RemoteFollowError("handle", "adresse attendue sous la forme nom@serveur",
                                detail=exc.detail) from None
    if host == fed.urls.host:
        return f"{fed.urls.base}/authorize_interaction?{urlencode({'uri': target})}"
    resource = urlencode({"resource": f"acct:{user}@{host}"})
    try:
        jrd = await fed.client.get_jrd(f"{_scheme(fed)}://{host}/.well-known/webfinger?{resource}")
    except UnsafeTarget as exc:
        if isinstance(exc.reason, UnresolvableHost):
            raise RemoteFollowError("unreachable", "serveur introuvable", detail=exc.detail) from None
        raise RemoteFollowError("refused", "adresse refusée", detail=exc.detail) from None
    except FetchError as exc:
        raise RemoteFollowError("unreachable", exc.public_message, detail=exc.detail) from None
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE_REL:
            continue
        template = link.get("template")
        if isinstance(template, str) and "{uri}" in template:
            page = template.replace("{uri}", quote(target, safe="@:"))
            if _acceptable_page(fed, page):
                return page
    raise RemoteFollowError("unsupported", "ce serveur ne propose pas de page pour suivre")


@dataclass(frozen=True)
class Found:
    """What a handle or URL designates: an actor, or an event or publication and its author."""

    kind: Literal["actor", "event", "post"]
    actor: Actor
    item: Event | Post | None = None


def looks_remote(text: str) -> bool:
    """Whether a search text is a handle (``@user@host``, ``user@host``) or an http(s) URL."""
    text = text.strip()
    if " " in text:
        return False
    if text.startswith(("https://", "http://")):
        return True
    try:
        parse_handle(text)
    except InvalidHandle:
        return False
    return True


def _found(item: Event | Post, author: Actor) -> Found:
    return Found("event" if isinstance(item, Event) else "post", author, item)


async def _known(session: AsyncSession, fed: Federation, url: str) -> Found | None:
    """Something already stored under this URL (ours, or cached from another server)."""
    actor = await actor_by_uri(session, url)
    if actor is not None and actor.deleted_at is None:
        return Found("actor", actor)
    item: Event | Post | None = await event_by_uri(session, url) or await post_by_uri(session, url)
    if item is not None and item.deleted_at is None:
        author = await session.get(Actor, item.actor_id)
        assert author is not None
        return _found(item, author)
    if fed.urls.is_local(url):
        path = urlsplit(url).path
        if path.startswith("/@"):
            actor = await local_actor(session, path[2:].strip("/"))
            if actor is not None:
                return Found("actor", actor)
    return None


async def _fetched(fed: Federation, session: AsyncSession, url: str) -> Found:
    """Fetch an unknown URL once to learn what it is, then store it through the service that
    owns that kind of thing (which validates it its own way)."""
    try:
        document = await fetch_object(fed.client, url, await instance_signer(fed, session))
    except (FetchError, ActorUnavailable) as exc:
        raise NotFound(f"introuvable : {url} ({getattr(exc, 'public_message', exc)})") from None
    ident = str(document["id"])
    known = await _known(session, fed, ident)
    if known is not None:
        return known
    types = {kind for kind in as_list(document.get("type")) if isinstance(kind, str)}
    if types & ACTOR_TYPES:
        return Found("actor", await resolve_remote(fed, session, ident))
    item, author = await resolve_object(fed, session, ident)
    return _found(item, author)


async def look_up(fed: Federation, session: AsyncSession, text: str) -> Found:
    """The actor, event or publication a handle or URL designates, fetched when unknown.

    Raises ``NotFound`` or ``Invalid`` (with a safe message). The caller commits: a fetched
    actor or object is stored in ``session``.
    """
    text = text.strip()
    if text[:5].lower() == "acct:":
        text = text[5:]
    if text.startswith(("https://", "http://")):
        known = await _known(session, fed, text)
        if known is not None:
            return known
        if fed.urls.is_local(text):
            raise NotFound(f"rien ici à l'adresse {text}")
        return await _fetched(fed, session, text)
    try:
        user, host = parse_handle(text)
    except InvalidHandle:
        raise NotFound(f"ni une adresse nom@serveur ni une URL : {text}") from None
    if host == fed.urls.host:
        actor = await local_actor(session, user)
        if actor is None:
            raise NotFound(f"aucun compte « {user} » ici")
        return Found("actor", actor)
    return Found("actor", await resolve_remote(fed, session, text))
