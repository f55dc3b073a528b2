"""The retry policy for deliveries, as pure functions.

Like Mastodon's: the n-th retry waits about ``3·n⁴`` seconds plus jitter, so 16 attempts span
roughly six days; ``Retry-After`` from the receiver is honoured (capped at a day).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

MAX_RETRY_AFTER = timedelta(days=1)


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FINAL = "final"  # a refusal that retrying will not change


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    delay: timedelta | None = None


def backoff(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
    jitter = (rng or random).uniform(0, 30) * (attempt + 1)
    return timedelta(seconds=15 + 3 * attempt**4 + jitter)


def decide(
    status: int | None,
    *,
    attempt: int,
    max_attempts: int,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """What to do after attempt number ``attempt`` ended with ``status`` (None: no answer)."""
    if status is not None and 200 <= status < 300:
        return Decision(Verdict.DELIVERED)
    retryable = status is None or status in (408, 429) or status >= 500
    if not retryable or attempt >= max_attempts:
        return Decision(Verdict.FINAL)
    delay = backoff(attempt, rng)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
    return Decision(Verdict.RETRY, delay)


def total_schedule(max_attempts: int) -> timedelta:
    """The span of the whole schedule without jitter (for docs and tests)."""
    return sum((timedelta(seconds=15 + 3 * n**4) for n in range(1, max_attempts)), timedelta())
