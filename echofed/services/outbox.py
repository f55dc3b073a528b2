"""Scheduling what a committed transaction wrote to the outbox.

A service that federates records its activity and fan-out in the caller's transaction; once
that transaction has committed, the edge (a page, an API call) hands the fan-outs to the
scheduler. If it never does (crash between commit and enqueue), the periodic sweep finds the
pending rows anyway: scheduling here only makes delivery prompt.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.context import Scheduler
from federation.delivery import recorded_fanouts


async def schedule_recorded(session: AsyncSession, scheduler: Scheduler) -> list[int]:
    """Enqueue the fan-outs recorded in ``session`` (call after its transaction committed)."""
    fanouts = recorded_fanouts(session)
    for fanout_id in fanouts:
        await scheduler.enqueue("fanout", fanout_id, key=f"fanout:{fanout_id}")
    return fanouts
