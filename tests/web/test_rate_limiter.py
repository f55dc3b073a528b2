"""The sign-in rate limiter: it limits, and it forgets (memory stays bounded however many
addresses try)."""

from __future__ import annotations

from web.auth import RateLimiter


def test_limits_each_key_within_its_window() -> None:
    limiter = RateLimiter(limit=3, window=60.0)
    assert [limiter.allow("a", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.allow("b", now=3)  # keys are counted apart
    assert not limiter.allow("a", now=59.9)
    assert limiter.allow("a", now=60.0)  # the first attempt has left the window
    assert not limiter.allow("a", now=60.5)


def test_keys_whose_window_has_passed_are_forgotten() -> None:
    limiter = RateLimiter(limit=5, window=60.0)
    for second in range(100_000):  # one new address a second, for more than a day
        assert limiter.allow(f"address-{second}", now=float(second))
        assert len(limiter) <= 61
    assert len(limiter) == 60
    assert limiter.allow("late", now=1_000_000.0)
    assert len(limiter) == 1


def test_the_number_of_keys_is_capped_and_a_busy_key_stays_limited() -> None:
    limiter = RateLimiter(limit=2, window=300.0, max_keys=100)
    assert limiter.allow("attacker", now=0) and limiter.allow("attacker", now=0)
    for n in range(50):
        limiter.allow(f"spray-{n}", now=1)
    assert not limiter.allow("attacker", now=2)  # still limited while the table has room
    for n in range(10_000):
        limiter.allow(f"flood-{n}", now=3)
    assert len(limiter) == 100  # bounded even when every key is still live
    assert limiter.allow("flood-9999", now=4) and not limiter.allow("flood-9999", now=4)
