"""Nothing is lost when the worker is killed with SIGKILL or Redis forgets its queue in the
middle of a fan-out: the database rows are the truth and the sweep re-queues them.

40 hosts × 5 followers (one POST per shared inbox), receivers that take 0.2 s to answer and
a worker with 4 delivery slots, so the fan-out is mid-way when we strike. Delivery is
at-least-once: only a row that was POSTed but whose outcome was not yet recorded (still
leased) when the worker died, or a POST cut off in flight, may arrive twice; the rows the
killed worker held come back to a worker when their lease expires.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.receiver import Answer, Receiver
from tests.jobs.fanout_rig import (
    Fleet,
    Published,
    Sender,
    delivery_rows,
    enqueue_fanouts,
    flush_redis,
    fresh_redis,
    populate,
    posts_per_inbox,
    publish,
    redis_index,
    run,
    status,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.redis, pytest.mark.slow]
BASE = "https://grandest.test"
HOSTS = 40
SLOW = Answer(202, delay=0.2)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with Fleet(tmp_path) as fleet:
        yield fleet


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(count=HOSTS, behaviour=lambda port, path: SLOW) as receiver:
        yield receiver


def slow_worker_env(database_url: str, redis_url: str) -> dict[str, str]:
    # A delivery's lease is 2 × timeout + 5 s: with 2 s, a killed worker's rows return in 9 s.
    # (1 s was too tight on a loaded machine: a timed-out POST waits out a whole backoff.)
    return worker_env(database_url, redis_url, BASE, ECHOFED_WORKER_CONCURRENCY="4",
                      ECHOFED_DELIVERY_TIMEOUT="2")


def start_fanout(database_url: str, redis_url: str, receiver: Receiver) -> tuple[Sender, Published]:
    shared = [receiver.inbox(i) for i in range(HOSTS)]
    sender = run(populate(database_url, BASE, shared, per_host=5))
    receiver.keys[sender.key_id] = sender.public_pem
    published = run(publish(database_url, BASE, sender))
    run(enqueue_fanouts(redis_url, published.fanout_ids))
    return sender, published


def in_flight(database_url: str) -> int:
    """Deliveries claimed by a job that has not recorded its outcome."""
    return sum(1 for d in run(delivery_rows(database_url))
               if d.state == "pending" and d.lease_until is not None)


def check_everything_arrived(database_url: str, receiver: Receiver, published: Published,
                             fleet: Fleet, *, may_repeat: int) -> None:
    try:
        wait_until(lambda: run(status(database_url)).counts == {"delivered": HOSTS},
                   timeout=100, interval=0.25, what="every delivery")
    except AssertionError as exc:
        left = [(d.id, d.host, d.state, d.attempts, d.last_error, d.lease_until)
                for d in run(delivery_rows(database_url)) if d.state != "delivered"]
        raise AssertionError(f"{exc}\nnot delivered: {left}\n{fleet.logs()}") from None
    per_inbox = posts_per_inbox(receiver, published)
    assert set(per_inbox) == set(receiver.ports)  # every inbox at least once
    repeated = sum(n - 1 for n in per_inbox.values())
    assert repeated <= may_repeat, (per_inbox, may_repeat)
    assert all(a.verified for a in receiver.received())


def test_kill_9_mid_fanout_then_restart(database_url: str, fleet: Fleet, receiver: Receiver) -> None:
    redis_url = fresh_redis(redis_index(database_url, 5))
    env = slow_worker_env(database_url, redis_url)
    first = fleet.start(env)
    _, published = start_fanout(database_url, redis_url, receiver)
    wait_until(lambda: len(receiver.received()) >= 8, timeout=20, what="the fan-out to start")
    first.kill()
    left = run(status(database_url)).counts.get("pending", 0)
    assert left > 8, "the worker should have been killed mid-way"
    posted = set(posts_per_inbox(receiver, published))
    unrecorded = {urlsplit(d.inbox).port for d in run(delivery_rows(database_url))
                  if d.state == "pending" and d.lease_until is not None}
    fleet.start(env)
    # Posted but not recorded, plus the worker's 4 slots (POSTs cut off in flight).
    check_everything_arrived(database_url, receiver, published, fleet,
                             may_repeat=len(posted & unrecorded) + 4)
    flush_redis(redis_url)


def test_redis_flushdb_mid_fanout(database_url: str, fleet: Fleet, receiver: Receiver) -> None:
    redis_url = fresh_redis(redis_index(database_url, 7))
    fleet.start(slow_worker_env(database_url, redis_url))
    _, published = start_fanout(database_url, redis_url, receiver)
    wait_until(lambda: len(receiver.received()) >= 8, timeout=20, what="the fan-out to start")
    flush_redis(redis_url)  # the queued jobs are gone; only the database remembers
    holding = in_flight(database_url)
    assert run(status(database_url)).counts.get("pending", 0) > 8
    check_everything_arrived(database_url, receiver, published, fleet, may_repeat=holding)
    flush_redis(redis_url)
