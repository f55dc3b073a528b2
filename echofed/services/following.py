"""Following: our actors follow remote ones; operators approve or refuse follow requests.

The instance actor's own follows (other regions, Mobilizon instances, relays) and followers
are what the operator manages with ``echofed follow region|relay …``, ``echofed follow-requests``,
``echofed region home`` and the ``/admin/regions`` page; both go through the functions here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Conflict, Invalid, NotFound
from federation.actors import ActorUnavailable, get_remote_actor
from federation.client import FetchError
from federation.context import Federation
from federation.delivery import Audience, record_activity
from federation.fetch import parse_handle, webfinger
from federation.inbox.follows import send_accept, send_reject
from federation.urls import Urls
from federation.vocab import activities as vocab
from storage.columns import utcnow
from storage.queries.actors import actor_by_uri, local_actor
from storage.queries.social import (
    delete_follow,
    follow_between,
    follows_of,
    pending_follow_requests,
)
from storage.tables import Actor, Follow, FollowState


async def _local(session: AsyncSession, username: str) -> Actor:
    actor = await local_actor(session, username)
    if actor is None:
        raise NotFound(f"aucun acteur local « {username} »")
    return actor


async def resolve_remote(fed: Federation, session: AsyncSession, target: str) -> Actor:
    """A remote actor from a handle (@user@host) or an actor URL, fetched and cached."""
    target = target.strip()
    try:
        if target.startswith(("https://", "http://")):
            uri = target
        else:
            try:
                parse_handle(target)
            except ValueError as exc:
                raise Invalid("handle", str(exc)) from None
            scheme = "http" if fed.config.allow_private_addresses and fed.urls.base.startswith("http://") else "https"
            uri = await webfinger(fed.client, target, scheme=scheme)
        return await get_remote_actor(fed, session, uri, refresh=True)
    except FetchError as exc:
        raise NotFound(f"introuvable : {target} ({exc.public_message})") from None
    except ActorUnavailable as exc:
        raise NotFound(f"introuvable : {target} ({exc.public_message})") from None


async def follow(fed: Federation, session: AsyncSession, username: str, target: str) -> Follow:
    """Send a Follow from a local actor (or the instance actor) to a remote actor."""
    me = await _local(session, username)
    them = await resolve_remote(fed, session, target)
    if them.local:
        raise Invalid("handle", "suivre un acteur local ne passe pas par la fédération")
    assert me.id is not None and them.id is not None
    existing = await follow_between(session, me.id, them.id)
    if existing is not None and existing.state != FollowState.REJECTED:
        raise Conflict(f"{me.handle} suit déjà (ou a demandé à suivre) {them.handle}")
    activity_id = fed.urls.activity(str(uuid.uuid4()))
    if existing is not None:
        existing.uri, existing.state = activity_id, FollowState.PENDING
        record = existing
    else:
        record = Follow(uri=activity_id, follower_id=me.id, followed_id=them.id)
    session.add(record)
    await session.flush()
    await record_activity(
        session, actor=me, payload=vocab.follow(activity_id, me.uri, them.uri),
        audience=Audience(actor_uris=(them.uri,)), object_uri=them.uri, public=False,
    )
    return record


async def unfollow(fed: Federation, session: AsyncSession, username: str, target: str) -> None:
    me = await _local(session, username)
    them = await actor_by_uri(session, target) if target.startswith("http") else None
    if them is None:
        them = await resolve_remote(fed, session, target)
    assert me.id is not None and them.id is not None
    record = await follow_between(session, me.id, them.id)
    if record is None:
        raise NotFound(f"{me.handle} ne suit pas {them.handle}")
    # A relay subscription followed Public (see follow_relay): its Undo says the same.
    followed = vocab.PUBLIC if record.relay else them.uri
    follow_json = {"id": record.uri, "type": "Follow", "actor": me.uri, "object": followed}
    payload = vocab.undo(fed.urls.activity(str(uuid.uuid4())), me.uri, follow_json, [them.uri])
    assert record.id is not None
    await delete_follow(session, record.id)
    await record_activity(
        session, actor=me, payload=payload, audience=Audience(actor_uris=(them.uri,)),
        object_uri=record.uri, public=False,
    )


async def follow_requests(session: AsyncSession, username: str) -> list[tuple[Follow, Actor]]:
    me = await _local(session, username)
    assert me.id is not None
    return await pending_follow_requests(session, me.id)


async def _follow_of(
    session: AsyncSession, username: str, follower_uri: str, state: FollowState, missing: str
) -> tuple[Actor, Actor, Follow]:
    """Our actor, the follower, and its follow of us in ``state``; NotFound(missing) else."""
    me = await _local(session, username)
    them = await actor_by_uri(session, follower_uri)
    record = None
    if them is not None and me.id is not None and them.id is not None:
        record = await follow_between(session, them.id, me.id)
    if them is None or record is None or record.state != state:
        raise NotFound(missing.format(follower=follower_uri, me=me.handle))
    return me, them, record


async def _refuse(fed: Federation, session: AsyncSession, me: Actor, them: Actor, record: Follow) -> None:
    """Delete the follow and send the follower a Reject of it."""
    assert record.id is not None
    await delete_follow(session, record.id)
    follow_json = {"id": record.uri, "type": "Follow", "actor": them.uri, "object": me.uri}
    await send_reject(fed, session, me, them, follow_json)


async def decide_request(
    fed: Federation, session: AsyncSession, username: str, follower_uri: str, *, accept: bool
) -> Follow | None:
    """Approve (Accept) or refuse (Reject) a pending follow request."""
    me, them, record = await _follow_of(
        session, username, follower_uri, FollowState.PENDING, "aucune demande en attente de {follower}"
    )
    if not accept:
        await _refuse(fed, session, me, them, record)
        return None
    record.state = FollowState.ACCEPTED
    record.accepted_at = utcnow()
    session.add(record)
    follow_json = {"id": record.uri, "type": "Follow", "actor": them.uri, "object": me.uri}
    await send_accept(fed, session, me, them, follow_json)
    return record


async def remove_follower(
    fed: Federation, session: AsyncSession, username: str, follower_uri: str
) -> None:
    """Stop an accepted follower's subscription: the follow is deleted and the follower gets a
    Reject of its Follow (what Mastodon sends when it removes a follower)."""
    me, them, record = await _follow_of(
        session, username, follower_uri, FollowState.ACCEPTED, "{follower} ne suit pas {me}"
    )
    await _refuse(fed, session, me, them, record)


async def region_actor_url(fed: Federation, base_url: str) -> str:
    """Another region's instance actor, from its NodeInfo (FEP-2677), else ``/actor``."""
    from federation.fetch import instance_actor_url

    try:
        return await instance_actor_url(fed.client, base_url)
    except FetchError as exc:
        raise NotFound(f"région introuvable : {base_url} ({exc.public_message})") from None


async def follow_relay(fed: Federation, session: AsyncSession, relay_url: str) -> Follow:
    """Subscribe the instance to a Mastodon/LitePub relay (a Follow of Public, as Mastodon does)."""
    instance = await _local(session, fed.urls.host)
    relay = await resolve_remote(fed, session, relay_url)
    assert instance.id is not None and relay.id is not None
    existing = await follow_between(session, instance.id, relay.id)
    if existing is not None and existing.state != FollowState.REJECTED:
        raise Conflict(f"déjà abonné au relais {relay.uri}")
    activity_id = fed.urls.activity(str(uuid.uuid4()))
    record = existing or Follow(uri=activity_id, follower_id=instance.id, followed_id=relay.id)
    record.uri, record.state, record.relay = activity_id, FollowState.PENDING, True
    session.add(record)
    await session.flush()
    payload = vocab.follow(activity_id, instance.uri, vocab.PUBLIC)
    payload["to"] = [relay.uri]
    await record_activity(
        session, actor=instance, payload=payload, audience=Audience(actor_uris=(relay.uri,)),
        object_uri=relay.uri, public=False,
    )
    return record


async def follow_region(fed: Federation, session: AsyncSession, target: str) -> Follow:
    """The instance follows another region or a Mobilizon instance. A bare origin
    (``https://occitanie.example``) is resolved to its instance actor through NodeInfo
    (FEP-2677); an actor URL or a handle (``relay@mobilizon.example``) is followed as given."""
    target = target.strip()
    if target.startswith(("https://", "http://")):
        parts = urlsplit(target)
        if parts.path in ("", "/") and not parts.query:
            target = await region_actor_url(fed, target)
    return await follow(fed, session, fed.urls.host, target)


@dataclass(frozen=True)
class InstanceFollows:
    """Whom the instance actor follows and who follows it, every state, oldest first."""

    instance: Actor
    following: list[tuple[Follow, Actor]]
    followers: list[tuple[Follow, Actor]]


async def instance_follows(session: AsyncSession, urls: Urls) -> InstanceFollows:
    instance = await _local(session, urls.host)
    assert instance.id is not None
    return InstanceFollows(
        instance=instance,
        following=await follows_of(session, instance.id, followers=False),
        followers=await follows_of(session, instance.id, followers=True),
    )


def _host_of_target(target: str) -> str:
    if target.startswith(("https://", "http://")):
        return urlsplit(target).netloc.lower()
    return target.lstrip("@").rpartition("@")[2].lower()


async def set_show_on_home(
    session: AsyncSession, urls: Urls, target: str, *, show: bool
) -> tuple[Follow, Actor]:
    """Whether the events of a region the instance follows appear on the home page (they stay
    in the agenda either way). ``target`` is the followed actor's URL, or any URL or handle on
    its domain when the instance follows one actor there."""
    instance = await _local(session, urls.host)
    assert instance.id is not None
    target = target.strip()
    followed = await follows_of(session, instance.id, followers=False)
    matches = [(f, a) for f, a in followed if a.uri == target]
    if not matches:
        host = _host_of_target(target)
        matches = [(f, a) for f, a in followed if a.domain.lower() == host and not f.relay]
    if not matches:
        raise NotFound(f"l'instance ne suit aucune région à {target}")
    if len(matches) > 1:
        raise Conflict(f"plusieurs acteurs suivis sur {_host_of_target(target)} : donnez l'URL de l'acteur")
    record, actor = matches[0]
    record.show_on_home = show
    session.add(record)
    await session.flush()
    return record, actor
