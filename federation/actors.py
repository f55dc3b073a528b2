"""Remote actors: fetched through the safe client, validated, cached in the actor table and
refreshed when stale or when their key stops verifying."""

from __future__ import annotations

import asyncio
import weakref
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.client import FetchError, Signer
from federation.context import Federation
from federation.fetch import fetch_actor_document
from federation.vocab.activities import host_of
from federation.vocab.actors import ActorData, InvalidActor, parse_actor
from storage.queries.actors import actor_by_key_id, actor_by_uri
from storage.queries.once import insert_once
from storage.tables import Actor


class ActorUnavailable(Exception):
    """The actor could not be fetched or is unusable; ``public_message`` is safe to return."""

    def __init__(self, public_message: str, detail: str = "") -> None:
        super().__init__(public_message)
        self.public_message = public_message
        self.detail = detail or public_message


def apply_actor_data(actor: Actor, data: ActorData, raw: dict[str, Any], now: datetime) -> Actor:
    actor.kind = data.type
    actor.username = data.preferred_username
    actor.domain = host_of(data.id)
    actor.name = data.name
    actor.summary = data.summary_html
    actor.icon_url = data.icon_url
    actor.url = data.url
    actor.inbox = data.inbox
    actor.outbox = data.outbox
    actor.shared_inbox = data.shared_inbox
    actor.followers_url = data.followers
    actor.following_url = data.following
    actor.public_key_id = data.key_id
    actor.public_key_pem = data.public_key_pem
    actor.manually_approves_followers = data.manually_approves_followers
    actor.discoverable = data.discoverable
    actor.moved_to = data.moved_to
    actor.raw = raw
    actor.fetched_at = now
    actor.updated_at = now
    return actor


async def store_actor(
    session: AsyncSession, document: dict[str, Any], now: datetime
) -> Actor:
    """Insert or refresh a remote actor from a validated document.

    Two requests signed by the same unknown actor may both fetch and insert it: the row is
    inserted with ``ON CONFLICT (uri) DO NOTHING`` (which waits for the other transaction), so
    the second one reads the first one's row instead of failing; nothing is committed here.
    """
    data = parse_actor(document)
    actor = await actor_by_uri(session, data.id)
    if actor is None:
        fresh = Actor(uri=data.id, username=data.preferred_username, domain=host_of(data.id), inbox=data.inbox)
        apply_actor_data(fresh, data, document, now)
        await insert_once(session, fresh, ["uri"])
        actor = await actor_by_uri(session, data.id)
        if actor is None:  # the other transaction rolled back after all: insert ours
            session.add(fresh)
            await session.flush()
            return fresh
        if actor.fetched_at == now:
            return actor  # ours
    if actor.local:
        raise InvalidActor("a remote document cannot replace a local actor")
    apply_actor_data(actor, data, document, now)
    session.add(actor)
    await session.flush()
    return actor


def instance_signer_of(actor: Actor) -> Signer:
    assert actor.public_key_id and actor.private_key_pem
    return Signer(key_id=actor.public_key_id, private_key_pem=actor.private_key_pem)


# The instance actor's key is made once with the database and never replaced: read once per
# process and database (every fetch of a key or an object is signed with it).
_INSTANCE_SIGNERS: weakref.WeakKeyDictionary[Any, tuple[str, Signer]] = weakref.WeakKeyDictionary()


async def instance_signer(fed: Federation, session: AsyncSession) -> Signer:
    known = _INSTANCE_SIGNERS.get(fed.sessions)
    if known is not None and known[0] == fed.urls.instance_actor:
        return known[1]
    actor = await actor_by_uri(session, fed.urls.instance_actor)
    if actor is None:
        raise ActorUnavailable("instance actor missing")
    signer = instance_signer_of(actor)
    _INSTANCE_SIGNERS[fed.sessions] = (fed.urls.instance_actor, signer)
    return signer


# Fetches in progress in this process, by actor URI: concurrent requests from one unknown actor
# share one GET instead of each signing and sending its own.
_in_flight: dict[str, asyncio.Task[dict[str, Any]]] = {}


async def _fetch_document(fed: Federation, uri: str, signer: Signer) -> dict[str, Any]:
    task = _in_flight.get(uri)
    if task is None:
        task = asyncio.ensure_future(fetch_actor_document(fed.client, uri, signer))
        _in_flight[uri] = task
        task.add_done_callback(lambda t: _in_flight.pop(uri) if _in_flight.get(uri) is t else None)
    return await asyncio.shield(task)


async def fetch_remote_actor(fed: Federation, session: AsyncSession, uri: str) -> Actor:
    """Fetch (signed by the instance actor) and store a remote actor."""
    document = await _fetch_actor(fed, uri, await instance_signer(fed, session))
    return await _store_fetched(fed, session, document)


async def _fetch_actor(fed: Federation, uri: str, signer: Signer) -> dict[str, Any]:
    try:
        return await _fetch_document(fed, uri, signer)
    except FetchError as exc:
        raise ActorUnavailable(exc.public_message, getattr(exc, "detail", "")) from None


async def _store_fetched(fed: Federation, session: AsyncSession, document: dict[str, Any]) -> Actor:
    try:
        return await store_actor(session, document, fed.clock())
    except InvalidActor as exc:
        raise ActorUnavailable(exc.public_message) from None


async def get_remote_actor(
    fed: Federation, session: AsyncSession, uri: str, *, refresh: bool = False
) -> Actor:
    """The cached actor, fetched when unknown, stale (past the TTL) or when asked."""
    actor = await actor_by_uri(session, uri)
    if actor is not None and actor.local:
        return actor
    fresh = (
        actor is not None
        and actor.fetched_at is not None
        and fed.clock() - actor.fetched_at < fed.config.remote_actor_ttl
    )
    if actor is not None and fresh and not refresh:
        return actor
    return await fetch_remote_actor(fed, session, uri)


async def actor_for_key(
    fed: Federation, session: AsyncSession, key_id: str, *, refresh: bool = False
) -> Actor:
    """The actor owning ``key_id``: from the cache, else fetched from the key's own host."""
    cached = await actor_by_key_id(session, key_id)
    if cached is not None and not refresh:
        return cached
    owner = cached.uri if cached is not None else None
    document = await key_owner_document(fed, await instance_signer(fed, session), key_id, owner)
    return await store_key_owner(fed, session, key_id, document)


async def key_owner_document(
    fed: Federation, signer: Signer, key_id: str, owner: str | None = None
) -> dict[str, Any]:
    """The document of the actor owning ``key_id`` (``owner``, its stored owner, else the one
    at the key id without its fragment), fetched signed by ``signer``. Needs no session: the
    inbox fetches with no database connection held while the remote host answers."""
    return await _fetch_actor(fed, owner or urldefrag(key_id).url, signer)


async def store_key_owner(fed: Federation, session: AsyncSession, key_id: str, document: dict[str, Any]) -> Actor:
    """Store a fetched key owner; ``ActorUnavailable`` unless ``key_id`` is its key."""
    actor = await _store_fetched(fed, session, document)
    if actor.public_key_id != key_id:
        raise ActorUnavailable("the signing key is not this actor's key")
    return actor
