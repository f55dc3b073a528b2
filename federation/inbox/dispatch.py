"""Processing a recorded activity: one handler per type, found in one table.

An item is marked processed (or ignored) in the same transaction as the handler's effects; a
failing handler leaves it ``received`` with a lease that delays the retry, and after
``MAX_ATTEMPTS`` it is ``failed`` with the error kept for operators.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from federation.context import Federation
from federation.delivery import recorded_fanouts
from federation.inbox import follows
from federation.inbox.outcome import Handler, Outcome, ignored
from federation.vocab.activities import ActivityData, InvalidActivity, parse_activity
from federation.vocab.actors import ACTOR_TYPES
from storage.queries.federation import claim
from storage.tables import InboxItem, InboxState

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

HANDLERS: dict[str, Handler] = {
    "Follow": follows.on_follow,
    "Accept": follows.on_accept,
    "Reject": follows.on_reject,
}
UNDO_HANDLERS: dict[str, Handler] = {"Follow": follows.undo_follow}
UPDATE_HANDLERS: dict[str, Handler] = {}
DELETE_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler, *, table: dict[str, Handler] | None = None) -> None:
    """Add a handler (content and interaction modules register theirs at import)."""
    (HANDLERS if table is None else table)[kind] = handler


def _load_handlers() -> None:
    # Content, interaction and participation handlers register themselves on import.
    from federation.inbox import content, interactions, participation  # noqa: F401


def handler_for(activity: ActivityData) -> Handler | None:
    _load_handlers()
    if activity.type == "Undo":
        return UNDO_HANDLERS.get(activity.object_type or "")
    if activity.type == "Update":
        if activity.object_type in ACTOR_TYPES:
            return follows.update_actor
        return UPDATE_HANDLERS.get("*")
    if activity.type == "Delete":
        if activity.object_id == activity.actor:
            return follows.delete_actor
        return DELETE_HANDLERS.get("*")
    return HANDLERS.get(activity.type)


async def process_inbox_item(fed: Federation, item_id: int) -> str:
    """Run the handler for one recorded activity; returns the item's new state."""
    fanouts: list[int] = []
    try:
        async with fed.sessions() as session, session.begin():
            now = fed.clock()
            if not await claim(
                session, InboxItem, item_id, now=now, until=now + fed.config.lease,
                state=InboxState.RECEIVED,
            ):
                return "skipped"
            item = await session.get(InboxItem, item_id)
            assert item is not None
            try:
                activity = parse_activity(item.body)
            except InvalidActivity as exc:
                outcome: Outcome = ignored(exc.public_message)
            else:
                handler = handler_for(activity)
                if handler is None:
                    outcome = ignored(f"unsupported activity {activity.type}/{activity.object_type}")
                else:
                    outcome = await handler(fed, session, activity, item)
            item.state = InboxState.PROCESSED if outcome.processed else InboxState.IGNORED
            item.error = outcome.reason or None
            item.processed_at = fed.clock()
            item.lease_until = None
            item.attempts += 1
            session.add(item)
            fanouts = recorded_fanouts(session)
            state = item.state
    except Exception as exc:  # noqa: BLE001  (a handler failure must not lose the item)
        log.warning("inbox item failed", extra={"item": item_id, "error": repr(exc)})
        async with fed.sessions() as session, session.begin():
            item = await session.get(InboxItem, item_id)
            assert item is not None
            item.attempts += 1
            item.error = repr(exc)[:1000]
            if item.attempts >= MAX_ATTEMPTS:
                item.state = InboxState.FAILED
                item.lease_until = None
            else:
                item.lease_until = fed.clock() + timedelta(seconds=30 * 4**item.attempts)
            session.add(item)
            return item.state
    for fanout_id in fanouts:
        await fed.scheduler.enqueue("fanout", fanout_id, key=f"fanout:{fanout_id}")
    return state
