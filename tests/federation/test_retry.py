"""The delivery retry policy: which answers are final, and how long the schedule runs."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest

from federation.retry import Verdict, backoff, decide, total_schedule


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_delivered(status: int) -> None:
    assert decide(status, attempt=1, max_attempts=16).verdict is Verdict.DELIVERED


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 413, 422])
def test_4xx_is_final(status: int) -> None:
    assert decide(status, attempt=1, max_attempts=16).verdict is Verdict.FINAL


@pytest.mark.parametrize("status", [None, 408, 429, 500, 502, 503, 504])
def test_timeouts_throttling_and_5xx_retry(status: int | None) -> None:
    decision = decide(status, attempt=1, max_attempts=16, rng=random.Random(1))
    assert decision.verdict is Verdict.RETRY
    assert decision.delay is not None and timedelta(seconds=15) < decision.delay < timedelta(minutes=2)


def test_attempts_are_bounded() -> None:
    assert decide(503, attempt=16, max_attempts=16).verdict is Verdict.FINAL


def test_retry_after_is_honoured_but_capped() -> None:
    decision = decide(429, attempt=1, max_attempts=16, retry_after=3600, rng=random.Random(1))
    assert decision.delay == timedelta(hours=1)
    capped = decide(503, attempt=1, max_attempts=16, retry_after=10 * 86400)
    assert capped.delay == timedelta(days=1)


def test_backoff_grows_and_the_schedule_spans_about_a_week() -> None:
    rng = random.Random(7)
    delays = [backoff(n, rng) for n in range(1, 16)]
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))
    span = total_schedule(16)
    assert timedelta(days=5) < span < timedelta(days=8)
