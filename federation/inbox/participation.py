"""Join and Leave of our events, the Mobilizon way: an Accept embedding the Join, pending when
the event needs approval, a Reject when it is full or takes registrations elsewhere."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.actors import get_remote_actor
from federation.context import Federation
from federation.inbox import dispatch
from federation.inbox.follows import answer
from federation.inbox.interactions import on_undo_interaction
from federation.inbox.outcome import PROCESSED, Outcome, ignored
from federation.vocab.activities import ActivityData
from storage.queries.content import event_by_uri
from storage.queries.interactions import interaction_of, participant_count, remove_interaction
from storage.tables import Actor, Event, InboxItem, Interaction


async def answer_join(
    fed: Federation, session: AsyncSession, event: Event, participant: Actor, join: dict, *, accept: bool
) -> None:
    organiser = await session.get(Actor, event.actor_id)
    assert organiser is not None
    await answer(fed, session, organiser, participant, join, accept=accept, object_uri=event.uri)


async def on_join(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    event = await event_by_uri(session, activity.object_id or "")
    if event is None or not event.local or event.deleted_at is not None:
        return ignored("Join of an unknown event")
    participant = await get_remote_actor(fed, session, activity.actor)
    assert participant.id is not None
    join = {"id": activity.id, "type": "Join", "actor": participant.uri, "object": event.uri}
    if await interaction_of(session, kind="join", actor_id=participant.id, object_uri=event.uri):
        return ignored("already joined")
    full = event.capacity is not None and await participant_count(session, event.uri) >= event.capacity
    if event.status == "cancelled" or event.join_mode == "external" or full:
        await answer_join(fed, session, event, participant, join, accept=False)
        return PROCESSED
    state = "pending" if event.join_mode == "restricted" else "accepted"
    session.add(Interaction(uri=activity.id, kind="join", actor_id=participant.id,
                            object_uri=event.uri, state=state, raw=activity.raw))
    await session.flush()
    if state == "accepted":
        await answer_join(fed, session, event, participant, join, accept=True)
    return PROCESSED


async def on_leave(fed: Federation, session: AsyncSession, activity: ActivityData, item: InboxItem) -> Outcome:
    participant = await get_remote_actor(fed, session, activity.actor)
    assert participant.id is not None
    found = await interaction_of(session, kind="join", actor_id=participant.id, object_uri=activity.object_id or "")
    if found is None or found.id is None:
        return ignored("Leave without a participation")
    await remove_interaction(session, found.id)
    return PROCESSED


dispatch.register("Join", on_join)
dispatch.register("Leave", on_leave)
dispatch.register("Join", on_undo_interaction, table=dispatch.UNDO_HANDLERS)
