"""Interactions with our objects: replies, likes, boosts (and their Undo), reports (Flag)."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.actors import get_remote_actor
from federation.context import Federation
from federation.inbox import dispatch
from federation.inbox.outcome import PROCESSED, Outcome, ignored
from federation.vocab.activities import ActivityData
from federation.vocab.jsonld import as_list, id_of
from federation.vocab.objects import PostData
from storage.queries.actors import actor_by_uri
from storage.queries.content import event_by_uri, post_by_uri
from storage.queries.interactions import interaction_by_uri, interaction_of, remove_interaction
from storage.tables import Actor, InboxItem, Interaction, Report


async def record_interaction(
    session: AsyncSession, kind: str, actor: Actor, object_uri: str, activity: ActivityData,
    *, state: str = "accepted", content_html: str = "",
) -> Outcome:
    assert actor.id is not None
    existing = await interaction_by_uri(session, activity.id)
    if existing is None:
        existing = await interaction_of(session, kind=kind, actor_id=actor.id, object_uri=object_uri)
    if existing is not None:
        return ignored(f"{kind} already recorded")
    session.add(Interaction(uri=activity.id, kind=kind, actor_id=actor.id, object_uri=object_uri,
                            state=state, content_html=content_html, raw=activity.raw))
    await session.flush()
    return PROCESSED


async def on_reply(
    fed: Federation, session: AsyncSession, author: Actor, data: PostData, document: dict[str, Any]
) -> Outcome:
    """A reply to one of our events or publications becomes a comment (moderated)."""
    assert author.id is not None and data.in_reply_to is not None
    target = await event_by_uri(session, data.in_reply_to)
    if target is not None and not target.comments_enabled:
        return ignored("comments are closed")
    existing = await interaction_by_uri(session, data.id)
    if existing is not None:
        existing.content_html = data.content_html
        existing.raw = document
        session.add(existing)
        return PROCESSED
    session.add(Interaction(uri=data.id, kind="reply", actor_id=author.id, object_uri=data.in_reply_to,
                            content_html=data.content_html, raw=document))
    await session.flush()
    return PROCESSED


async def _ours(fed: Federation, session: AsyncSession, uri: str | None) -> bool:
    if not uri or not fed.urls.is_local(uri):
        return False
    return (await event_by_uri(session, uri) or await post_by_uri(session, uri)) is not None


async def on_like(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    if not await _ours(fed, session, activity.object_id):
        return ignored("Like of something not ours")
    assert activity.object_id is not None
    actor = await get_remote_actor(fed, session, activity.actor)
    return await record_interaction(session, "like", actor, activity.object_id, activity)


async def undo_interaction(session: AsyncSession, uri: str, actor_uri: str) -> bool:
    """Remove an interaction (by its activity or object id) if this actor made it."""
    interaction = await interaction_by_uri(session, uri)
    if interaction is None:
        return False
    actor = await session.get(Actor, interaction.actor_id)
    if actor is None or actor.uri != actor_uri:
        return False
    assert interaction.id is not None
    await remove_interaction(session, interaction.id)
    return True


async def on_undo_interaction(
    fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem
) -> Outcome:
    if activity.object_id and await undo_interaction(session, activity.object_id, activity.actor):
        return PROCESSED
    # Some servers undo with a fresh copy whose id we never saw: match by actor and object.
    inner = activity.object or {}
    kind = {"Like": "like", "Announce": "announce", "Join": "join"}.get(str(inner.get("type")))
    target = id_of(inner.get("object"))
    actor = await actor_by_uri(session, activity.actor)
    if kind and target and actor is not None and actor.id is not None:
        found = await interaction_of(session, kind=kind, actor_id=actor.id, object_uri=target)
        if found is not None and found.id is not None:
            await remove_interaction(session, found.id)
            return PROCESSED
    return ignored("Undo of an unknown interaction")


async def on_flag(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    """A report from another server (Mastodon's Flag) for our moderators."""
    objects = [id_of(o) for o in as_list(activity.raw.get("object"))]
    uris = [u for u in objects if u]
    if not uris:
        return ignored("Flag without objects")
    actors = [u for u in uris if await actor_by_uri(session, u) is not None]
    target = actors[0] if actors else uris[0]
    content = activity.raw.get("content")
    session.add(Report(uri=activity.id, reporter_uri=activity.actor, target_uri=target,
                       object_uris=[u for u in uris if u != target],
                       content=content if isinstance(content, str) else "", raw=activity.raw))
    return PROCESSED


dispatch.register("Like", on_like)
dispatch.register("Flag", on_flag)
for _kind in ("Like", "Announce"):
    dispatch.register(_kind, on_undo_interaction, table=dispatch.UNDO_HANDLERS)
