"""Follow, Accept, Reject and Undo(Follow); Update and Delete of actors."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.actors import get_remote_actor, store_actor
from federation.context import Federation
from federation.delivery import Audience, record_activity
from federation.inbox.outcome import PROCESSED, Outcome, ignored
from federation.vocab import activities as vocab
from federation.vocab.activities import ActivityData
from federation.vocab.jsonld import id_of, type_of
from storage.columns import utcnow
from storage.queries.actors import actor_by_uri
from storage.queries.social import delete_follow, delete_follows_of, follow_between, follow_by_uri
from storage.tables import Actor, Follow, FollowState, InboxItem


async def answer(
    fed: Federation, session: AsyncSession, sender: Actor, recipient: Actor, answered: dict,
    *, accept: bool, object_uri: str | None = None,
) -> None:
    """Record an Accept or Reject (embedding the answered Follow or Join) for its sender."""
    build = vocab.accept if accept else vocab.reject
    payload = build(fed.urls.activity(str(uuid.uuid4())), sender.uri, answered, recipient.uri)
    await record_activity(
        session, actor=sender, payload=payload, audience=Audience(actor_uris=(recipient.uri,)),
        object_uri=object_uri or id_of(answered), public=False,
    )


async def send_accept(
    fed: Federation, session: AsyncSession, followed: Actor, follower: Actor, follow_json: dict
) -> None:
    await answer(fed, session, followed, follower, follow_json, accept=True)


async def send_reject(
    fed: Federation, session: AsyncSession, followed: Actor, follower: Actor, follow_json: dict
) -> None:
    await answer(fed, session, followed, follower, follow_json, accept=False)


async def on_follow(
    fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem
) -> Outcome:
    target = await actor_by_uri(session, activity.object_id or "")
    if target is None or not target.local or target.deleted_at is not None:
        return ignored("follow of an unknown actor")
    follower = await get_remote_actor(fed, session, activity.actor)
    assert follower.id is not None and target.id is not None
    follow_json = {
        "id": activity.id, "type": "Follow", "actor": activity.actor, "object": target.uri,
    }
    existing = await follow_between(session, follower.id, target.id)
    if existing is not None:
        existing.uri = activity.id
        session.add(existing)
        if existing.state == FollowState.ACCEPTED:
            await send_accept(fed, session, target, follower, follow_json)
        return PROCESSED
    follow = Follow(uri=activity.id, follower_id=follower.id, followed_id=target.id)
    if not target.manually_approves_followers:
        follow.state = FollowState.ACCEPTED
        follow.accepted_at = utcnow()
    session.add(follow)
    await session.flush()
    if follow.state == FollowState.ACCEPTED:
        await send_accept(fed, session, target, follower, follow_json)
    return PROCESSED


async def _our_follow(session: AsyncSession, activity: ActivityData) -> Follow | None:
    """The Follow of ours that an Accept/Reject answers, by id or by the two actors."""
    if activity.object_id:
        follow = await follow_by_uri(session, activity.object_id)
        if follow is not None:
            return follow
    followed = await actor_by_uri(session, activity.actor)
    follower_uri = id_of(activity.object.get("actor")) if activity.object else None
    follower = await actor_by_uri(session, follower_uri) if follower_uri else None
    if followed is None or follower is None or follower.id is None or followed.id is None:
        return None
    return await follow_between(session, follower.id, followed.id)


async def on_accept(
    fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem
) -> Outcome:
    if activity.object is not None and type_of(activity.object) not in (None, "Follow"):
        return ignored(f"Accept of {type_of(activity.object)}")
    follow = await _our_follow(session, activity)
    if follow is None:
        return ignored("Accept of an unknown follow")
    followed = await session.get(Actor, follow.followed_id)
    if followed is None or followed.uri != activity.actor:
        return ignored("Accept from someone else than the followed actor")
    follow.state = FollowState.ACCEPTED
    follow.accepted_at = utcnow()
    session.add(follow)
    return PROCESSED


async def on_reject(
    fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem
) -> Outcome:
    follow = await _our_follow(session, activity)
    if follow is None:
        return ignored("Reject of an unknown follow")
    followed = await session.get(Actor, follow.followed_id)
    if followed is None or followed.uri != activity.actor:
        return ignored("Reject from someone else than the followed actor")
    assert follow.id is not None
    await delete_follow(session, follow.id)
    return PROCESSED


async def undo_follow(
    fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem
) -> Outcome:
    assert activity.object is not None
    follower = await actor_by_uri(session, activity.actor)
    target_uri = id_of(activity.object.get("object"))
    target = await actor_by_uri(session, target_uri) if target_uri else None
    if follower is None or target is None or follower.id is None or target.id is None:
        return ignored("Undo of an unknown follow")
    follow = await follow_between(session, follower.id, target.id)
    if follow is None:
        return ignored("Undo of an unknown follow")
    assert follow.id is not None
    await delete_follow(session, follow.id)
    return PROCESSED


async def update_actor(
    fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem
) -> Outcome:
    if activity.object is None or activity.object_id != activity.actor:
        return ignored("actors update only themselves")
    await store_actor(session, activity.object, utcnow())
    return PROCESSED


async def delete_actor(
    fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem
) -> Outcome:
    actor = await actor_by_uri(session, activity.actor)
    if actor is None or actor.local:
        return ignored("Delete of an unknown actor")
    assert actor.id is not None
    await delete_follows_of(session, actor.id)
    from storage.queries.content import delete_content_of

    await delete_content_of(session, actor.id, utcnow())
    from storage.queries.interactions import remove_interactions_of

    await remove_interactions_of(session, actor.id)
    actor.deleted_at = utcnow()
    actor.public_key_pem = None
    session.add(actor)
    return PROCESSED
