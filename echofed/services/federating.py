"""Federating our own content: Create, Update and Delete of events and publications, written
to the outbox in the same transaction as the change (see federation.delivery)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.services.discovery import announce_by_instance
from federation.delivery import Audience, record_activity
from federation.documents import event_document, post_document, tombstone_document
from federation.urls import Urls
from federation.vocab import activities as vocab
from storage.queries.interactions import participant_count
from storage.tables import Actor, Event, OutboxActivity, Place, Post


async def _place(session: AsyncSession, place_id: int | None) -> Place | None:
    return await session.get(Place, place_id) if place_id is not None else None


async def event_json(session: AsyncSession, urls: Urls, event: Event, actor: Actor) -> dict:
    count = await participant_count(session, event.uri)
    return event_document(event, actor, await _place(session, event.place_id), urls, participant_count=count)


async def post_json(session: AsyncSession, urls: Urls, post: Post, actor: Actor) -> dict:
    return post_document(post, actor, await _place(session, post.place_id), urls)


def _audience(actor: Actor) -> Audience:
    return Audience(followers_of=actor.id)


async def federate_event(
    session: AsyncSession, urls: Urls, actor: Actor, event: Event, *, verb: str
) -> OutboxActivity:
    """Record ``Create`` or ``Update`` of a local event to the organiser's followers."""
    document = await event_json(session, urls, event, actor)
    activity_id = urls.activity(str(uuid.uuid4()))
    build = vocab.create if verb == "Create" else vocab.update
    activity = await record_activity(
        session, actor=actor, payload=build(activity_id, actor.uri, document),
        audience=_audience(actor), object_uri=event.uri, public=event.visibility == "public",
    )
    await announce_by_instance(session, urls, activity)
    return activity


async def federate_post(
    session: AsyncSession, urls: Urls, actor: Actor, post: Post, *, verb: str
) -> OutboxActivity:
    document = await post_json(session, urls, post, actor)
    activity_id = urls.activity(str(uuid.uuid4()))
    build = vocab.create if verb == "Create" else vocab.update
    activity = await record_activity(
        session, actor=actor, payload=build(activity_id, actor.uri, document),
        audience=_audience(actor), object_uri=post.uri,
    )
    await announce_by_instance(session, urls, activity)
    return activity


async def federate_deletion(
    session: AsyncSession, urls: Urls, actor: Actor, uri: str, former_type: str, deleted: datetime
) -> OutboxActivity:
    tombstone = tombstone_document(uri, former_type, deleted)
    payload = vocab.delete(
        urls.activity(str(uuid.uuid4())), actor.uri, tombstone, followers=actor.followers_url
    )
    activity = await record_activity(
        session, actor=actor, payload=payload, audience=_audience(actor), object_uri=uri
    )
    await announce_by_instance(session, urls, activity)
    return activity


async def announce_by_community(
    session: AsyncSession, urls: Urls, community: Actor, activity: OutboxActivity
) -> OutboxActivity:
    """A thematic community (Group) relays a member's activity to its followers (FEP-1b12:
    Announce of the activity itself), so one follow covers a theme across actors."""
    announce = vocab.announce(
        f"{activity.uri}/via/{community.username}", community.uri, vocab.strip_context(activity.payload),
        followers=community.followers_url,
        published=activity.created_at.isoformat().replace("+00:00", "Z"),
    )
    return await record_activity(
        session, actor=community, payload=announce, audience=Audience(followers_of=community.id),
        object_uri=activity.object_uri,
    )
