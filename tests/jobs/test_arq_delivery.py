"""``echofed worker`` processes on a real Redis deliver one signed POST per shared inbox, on
SQLite and PostgreSQL; two workers together still deliver each inbox once.

Each test uses its own Redis database number and flushes it; workers are stopped by PID.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.receiver import Receiver
from tests.jobs.fanout_rig import (
    Fleet,
    delivered,
    enqueue_fanouts,
    flush_redis,
    fresh_pg,
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


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with Fleet(tmp_path) as fleet:
        yield fleet


def test_three_hosts_get_one_post_per_shared_inbox(database_url: str, fleet: Fleet) -> None:
    redis_url = fresh_redis(redis_index(database_url, 1))
    fleet.start(worker_env(database_url, redis_url, BASE))  # it boots while we populate
    with Receiver(count=3) as receiver:
        shared = [receiver.inbox(i) for i in range(3)]
        sender = run(populate(database_url, BASE, shared, per_host=50))
        receiver.keys[sender.key_id] = sender.public_pem
        published = run(publish(database_url, BASE, sender))
        run(enqueue_fanouts(redis_url, published.fanout_ids))
        try:
            wait_until(lambda: delivered(database_url) == 3, timeout=20, what="3 deliveries")
            time.sleep(0.6)  # two more sweeps go by: nothing is sent again
        except AssertionError:
            raise AssertionError(fleet.logs()) from None
        assert posts_per_inbox(receiver, published) == {port: 1 for port in receiver.ports}
        assert len(receiver.received()) == 3
        assert all(a.verified and a.path == "/inbox" and a.key_id == sender.key_id
                   for a in receiver.received())
        assert run(status(database_url)).counts == {"delivered": 3}
    flush_redis(redis_url)


@pytest.mark.postgres
def test_two_workers_deliver_each_inbox_once(pg_database: str, fleet: Fleet) -> None:
    """Scale-out runs on PostgreSQL (SQLite is the single-process trial setup)."""
    database_url = fresh_pg(pg_database)
    redis_url = fresh_redis(3)
    env = worker_env(database_url, redis_url, BASE)
    first, second = fleet.start(env), fleet.start(env)  # they boot while we populate
    with Receiver(count=20) as receiver:
        sender = run(populate(database_url, BASE, [receiver.inbox(i) for i in range(20)], per_host=5))
        receiver.keys[sender.key_id] = sender.public_pem
        published = run(publish(database_url, BASE, sender))
        run(enqueue_fanouts(redis_url, published.fanout_ids))
        try:
            wait_until(lambda: delivered(database_url) == 20, timeout=25, what="20 deliveries")
            time.sleep(0.6)
        except AssertionError:
            raise AssertionError(fleet.logs()) from None
        assert first.alive() and second.alive()
        assert posts_per_inbox(receiver, published) == {port: 1 for port in receiver.ports}
        assert all(a.verified for a in receiver.received())
        assert run(status(database_url)).counts == {"delivered": 20}
    flush_redis(redis_url)
