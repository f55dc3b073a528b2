"""Create, Update, Delete and Announce of events and publications from other servers.

We keep what comes from actors someone here follows, or what addresses us (or replies to our
objects). An Update must come from the object's own host (checked on receipt) and cannot revive
a deleted object. An Announce is trusted only for the object as fetched from its origin.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.actors import ActorUnavailable, get_remote_actor, instance_signer
from federation.client import FetchError, RemoteStatus
from federation.content import store_remote_event, store_remote_post, tombstone
from federation.context import Federation
from federation.fetch import fetch_object
from federation.inbox import dispatch
from federation.inbox.interactions import on_reply, record_interaction, undo_interaction
from federation.inbox.outcome import PROCESSED, Outcome, ignored
from federation.vocab.activities import ActivityData, addressed_to, host_of
from federation.vocab.events import parse_event
from federation.vocab.jsonld import id_of, type_of
from federation.vocab.objects import InvalidObject, parse_post
from storage.queries.content import event_by_uri, post_by_uri
from storage.queries.social import followed_by_local
from storage.tables import Actor, InboxItem

CONTENT_TYPES = frozenset({"Event", "Article", "Page", "Note"})


async def _is_ours(fed: Federation, session: AsyncSession, uri: str | None) -> bool:
    if not uri or not fed.urls.is_local(uri):
        return False
    event = await event_by_uri(session, uri)
    post = await post_by_uri(session, uri) if event is None else None
    return (event or post) is not None


async def _relevant(fed: Federation, session: AsyncSession, actor: Actor, document: dict[str, Any]) -> bool:
    assert actor.id is not None
    if await followed_by_local(session, actor.id):
        return True
    return any(fed.urls.is_local(uri) for uri in addressed_to(document))


async def ingest_object(
    fed: Federation, session: AsyncSession, document: dict[str, Any], *, trusted_host: str
) -> Outcome:
    """Store one Event/Article/Page/Note whose id is on ``trusted_host``."""
    kind = type_of(document)
    object_id = id_of(document)
    if kind not in CONTENT_TYPES or not object_id:
        return ignored(f"unsupported object {kind}")
    if host_of(object_id) != trusted_host:
        return ignored("object from another host")
    try:
        data: Any = parse_event(document) if kind == "Event" else parse_post(document)
    except InvalidObject as exc:
        return ignored(exc.public_message)
    if host_of(data.attributed_to) != trusted_host:
        return ignored("object attributed to another host")
    author = await get_remote_actor(fed, session, data.attributed_to)
    if kind == "Note" or (kind != "Event" and data.in_reply_to):
        if await _is_ours(fed, session, data.in_reply_to):
            return await on_reply(fed, session, author, data, document)
        if kind == "Note":
            return ignored("a note that is not a reply to us")
    if kind == "Event":
        stored = await store_remote_event(session, data, author, document, fed.clock())
    else:
        stored = await store_remote_post(session, data, author, document, fed.clock())
    return PROCESSED if stored is not None else ignored("deleted or not updatable")


async def on_create(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    if activity.object is None:
        return ignored("Create without an embedded object")
    actor = await get_remote_actor(fed, session, activity.actor)
    if not await _relevant(fed, session, actor, activity.raw) and not await _is_ours(
        fed, session, id_of(activity.object.get("inReplyTo"))
    ):
        return ignored("nobody here follows the sender")
    return await ingest_object(fed, session, activity.object, trusted_host=activity.actor_host)


async def on_update(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    if activity.object is None or not activity.object_id:
        return ignored("Update without an embedded object")
    known = await event_by_uri(session, activity.object_id) or await post_by_uri(session, activity.object_id)
    if known is None:
        return await on_create(fed, session, activity, item)
    owner = await session.get(Actor, known.actor_id)
    if owner is None or host_of(owner.uri) != activity.actor_host:
        return ignored("only the object's origin may update it")
    return await ingest_object(fed, session, activity.object, trusted_host=activity.actor_host)


async def on_delete(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    if not activity.object_id:
        return ignored("Delete without an object")
    if await undo_interaction(session, activity.object_id, activity.actor):
        return PROCESSED
    if await tombstone(session, activity.object_id, activity.actor_host, fed.clock()):
        return PROCESSED
    return ignored("Delete of an unknown object")


async def on_announce(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    object_id = activity.object_id
    if not object_id:
        return ignored("Announce without an object")
    if await _is_ours(fed, session, object_id):
        booster = await get_remote_actor(fed, session, activity.actor)
        return await record_interaction(session, "announce", booster, object_id, activity)
    booster = await get_remote_actor(fed, session, activity.actor)
    if not await _relevant(fed, session, booster, activity.raw):
        return ignored("nobody here follows the booster")
    inner = activity.object
    deleted = False
    if inner is not None and type_of(inner) in ("Create", "Update", "Delete"):
        # Regions and relays announce the activity; only the object, as its origin serves it
        # now, is trusted (a forged embedded copy changes nothing).
        object_id = id_of(inner.get("object")) or object_id
        deleted = type_of(inner) == "Delete"
    try:
        document = await fetch_object(fed.client, object_id, await instance_signer(fed, session))
    except RemoteStatus as exc:
        if exc.gone and await tombstone(session, object_id, host_of(object_id), fed.clock()):
            return PROCESSED
        return ignored(f"announced object unavailable: {exc.public_message}")
    except (FetchError, ActorUnavailable) as exc:
        return ignored(f"announced object unavailable: {getattr(exc, 'public_message', exc)}")
    if deleted or type_of(document) == "Tombstone":
        if type_of(document) == "Tombstone" and await tombstone(session, object_id, host_of(object_id), fed.clock()):
            return PROCESSED
        return ignored("announced deletion of an object that still exists")
    return await ingest_object(fed, session, document, trusted_host=host_of(object_id))


dispatch.register("Create", on_create)
dispatch.register("Announce", on_announce)
dispatch.register("*", on_update, table=dispatch.UPDATE_HANDLERS)
dispatch.register("*", on_delete, table=dispatch.DELETE_HANDLERS)


