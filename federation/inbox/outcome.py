"""What a handler reports back: processed, or ignored with a reason (never a 500)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.context import Federation
from federation.vocab.activities import ActivityData
from storage.tables import InboxItem


@dataclass(frozen=True, slots=True)
class Outcome:
    processed: bool
    reason: str = ""


PROCESSED = Outcome(True)


def ignored(reason: str) -> Outcome:
    return Outcome(False, reason)


Handler = Callable[[Federation, AsyncSession, ActivityData, InboxItem], Awaitable[Outcome]]
