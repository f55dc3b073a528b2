"""Cross-region discovery: the instance actor announces every public local event and
publication (and their updates and deletions) to the instance's followers — other regions,
Mobilizon instances — and to the relays it subscribed to."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from federation.delivery import Audience, record_activity
from federation.urls import Urls
from federation.vocab import activities as vocab
from storage.queries.actors import actor_by_uri
from storage.tables import Actor, Follow, FollowState, OutboxActivity


async def relay_actor_uris(session: AsyncSession, instance: Actor) -> tuple[str, ...]:
    """Relays the instance subscribed to (accepted relay follows)."""
    query = (
        select(Actor.uri)
        .join(Follow, col(Follow.followed_id) == Actor.id)
        .where(Follow.follower_id == instance.id, Follow.state == FollowState.ACCEPTED)
        .where(Follow.relay == True)
    )
    return tuple((await session.exec(query)).all())


async def announce_by_instance(
    session: AsyncSession, urls: Urls, activity: OutboxActivity
) -> OutboxActivity | None:
    """Relay a local public Create/Update/Delete through the instance actor."""
    if not activity.public:
        return None
    instance = await actor_by_uri(session, urls.instance_actor)
    if instance is None or instance.id is None:
        return None
    payload = activity.payload
    inner: Any = payload.get("object")
    if activity.type == "Create" and isinstance(inner, dict):
        announced: Any = inner.get("id")
    else:
        announced = vocab.strip_context(payload)
    announce = vocab.announce(
        f"{activity.uri}/announce", instance.uri, announced,
        followers=instance.followers_url, published=activity.created_at.isoformat().replace("+00:00", "Z"),
    )
    relays = await relay_actor_uris(session, instance)
    return await record_activity(
        session, actor=instance, payload=announce,
        audience=Audience(followers_of=instance.id, actor_uris=relays), object_uri=activity.object_uri,
    )
