"""Our actors interacting with remote objects: reply, like, boost, join, leave."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Invalid, NotFound
from federation.actors import ActorUnavailable, get_remote_actor, instance_signer
from federation.client import FetchError
from federation.content import store_remote_event, store_remote_post
from federation.context import Federation
from federation.delivery import Audience, record_activity
from federation.fetch import fetch_object
from federation.html import markdown_to_html
from federation.vocab import activities as vocab
from federation.vocab.activities import host_of
from federation.vocab.events import parse_event
from federation.vocab.jsonld import PUBLIC, type_of
from federation.vocab.objects import InvalidObject, parse_post
from storage.queries.actors import local_actor
from storage.queries.content import event_by_uri, post_by_uri
from storage.tables import Actor, Event, OutboxActivity, Post


async def _me(session: AsyncSession, username: str) -> Actor:
    actor = await local_actor(session, username)
    if actor is None:
        raise NotFound(f"aucun acteur local « {username} »")
    return actor


async def resolve_object(fed: Federation, session: AsyncSession, uri: str) -> tuple[Event | Post, Actor]:
    """A remote event or publication, from the database or fetched from its origin."""
    found: Event | Post | None = await event_by_uri(session, uri) or await post_by_uri(session, uri)
    if found is None:
        try:
            document = await fetch_object(fed.client, uri, await instance_signer(fed, session))
        except (FetchError, ActorUnavailable) as exc:
            raise NotFound(f"objet introuvable : {uri} ({getattr(exc, 'public_message', exc)})") from None
        try:
            data = parse_event(document) if type_of(document) == "Event" else parse_post(document)
        except InvalidObject as exc:
            raise Invalid("uri", exc.public_message) from None
        if host_of(data.attributed_to) != host_of(uri):
            raise Invalid("uri", "objet attribué à un autre serveur")
        author = await get_remote_actor(fed, session, data.attributed_to)
        if type_of(document) == "Event":
            found = await store_remote_event(session, data, author, document, fed.clock())  # type: ignore[arg-type]
        else:
            found = await store_remote_post(session, data, author, document, fed.clock())  # type: ignore[arg-type]
        if found is None:
            raise NotFound(f"objet supprimé : {uri}")
    author = await session.get(Actor, found.actor_id)
    assert author is not None
    if found.deleted_at is not None:
        raise NotFound(f"objet supprimé : {uri}")
    return found, author


async def reply(fed: Federation, session: AsyncSession, username: str, uri: str, text_md: str) -> OutboxActivity:
    """A public Note in reply to an event or publication, sent to its author and our followers."""
    me = await _me(session, username)
    target, author = await resolve_object(fed, session, uri)
    content = markdown_to_html(text_md)
    if not content.strip():
        raise Invalid("text", "la réponse est vide")
    note_id = fed.urls.post(str(uuid.uuid4()))
    note = {
        "id": note_id, "type": "Note", "attributedTo": me.uri, "inReplyTo": target.uri,
        "content": content, "to": [PUBLIC], "cc": [author.uri] + ([me.followers_url] if me.followers_url else []),
        "published": fed.clock().isoformat().replace("+00:00", "Z"), "url": note_id,
        "tag": [{"type": "Mention", "href": author.uri, "name": f"@{author.username}@{author.domain}"}],
    }
    payload = vocab.create(fed.urls.activity(str(uuid.uuid4())), me.uri, note)
    return await record_activity(
        session, actor=me, payload=payload,
        audience=Audience(followers_of=me.id, actor_uris=(author.uri,)), object_uri=note_id,
    )


async def _simple(
    fed: Federation, session: AsyncSession, username: str, uri: str, kind: str, *, public: bool
) -> OutboxActivity:
    me = await _me(session, username)
    target, author = await resolve_object(fed, session, uri)
    activity_id = fed.urls.activity(str(uuid.uuid4()))
    if target.local:
        await _count_locally(session, me, target, kind, activity_id)
    if kind == "Announce":
        payload = vocab.announce(activity_id, me.uri, target.uri, followers=me.followers_url,
                                 published=fed.clock().isoformat().replace("+00:00", "Z"))
        audience = Audience(followers_of=me.id, actor_uris=(author.uri,))
    else:
        payload = {"@context": vocab.CONTEXT, "id": activity_id, "type": kind, "actor": me.uri,
                   "object": target.uri, "to": [author.uri]}
        audience = Audience(actor_uris=(author.uri,))
    return await record_activity(session, actor=me, payload=payload, audience=audience,
                                 object_uri=target.uri, public=public)


async def _count_locally(
    session: AsyncSession, me: Actor, target: Event | Post, kind: str, activity_id: str
) -> None:
    """Our own object: no delivery goes to ourselves, so the interaction is recorded here,
    with the same rules as a remote one (capacity, approval, one per actor)."""
    from storage.queries.interactions import interaction_of, participant_count, remove_interaction
    from storage.tables import Interaction

    assert me.id is not None
    if kind == "Leave":
        found = await interaction_of(session, kind="join", actor_id=me.id, object_uri=target.uri)
        if found is not None and found.id is not None:
            await remove_interaction(session, found.id)
        return
    mapped = {"Like": "like", "Announce": "announce", "Join": "join"}[kind]
    if await interaction_of(session, kind=mapped, actor_id=me.id, object_uri=target.uri):
        raise Invalid("uri", "déjà fait")
    state = "accepted"
    if isinstance(target, Event) and kind == "Join":
        full = target.capacity is not None and await participant_count(session, target.uri) >= target.capacity
        if target.status == "cancelled" or target.join_mode == "external" or full:
            raise Invalid("uri", "inscriptions fermées pour cet événement")
        if target.join_mode == "restricted":
            state = "pending"
    session.add(Interaction(uri=activity_id, kind=mapped, actor_id=me.id, object_uri=target.uri, state=state))
    await session.flush()


async def like(fed: Federation, session: AsyncSession, username: str, uri: str) -> OutboxActivity:
    return await _simple(fed, session, username, uri, "Like", public=False)


async def boost(fed: Federation, session: AsyncSession, username: str, uri: str) -> OutboxActivity:
    return await _simple(fed, session, username, uri, "Announce", public=True)


async def join(fed: Federation, session: AsyncSession, username: str, uri: str) -> OutboxActivity:
    target, _ = await resolve_object(fed, session, uri)
    if not isinstance(target, Event):
        raise Invalid("uri", "on ne participe qu'à un événement")
    return await _simple(fed, session, username, uri, "Join", public=False)


async def leave(fed: Federation, session: AsyncSession, username: str, uri: str) -> OutboxActivity:
    return await _simple(fed, session, username, uri, "Leave", public=False)
