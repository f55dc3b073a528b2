"""The arq scheduler on a real Redis: a job that a dead worker left "in progress" gets one
twin when the sweep asks for it again; a queued or recently started job is left alone."""

from __future__ import annotations

import pytest

from echofed.jobs import ARQ_IN_PROGRESS_SECONDS, ARQ_QUEUE, open_arq_scheduler
from tests.jobs.fanout_rig import flush_redis, fresh_redis

pytestmark = pytest.mark.redis


async def test_a_job_held_by_a_dead_worker_gets_one_twin() -> None:
    url = fresh_redis(10)
    scheduler = await open_arq_scheduler(url, presume_dead_after=5)
    try:
        pool = scheduler.pool
        await scheduler.enqueue("deliver", 7, key="deliver:7:1")
        await scheduler.enqueue("deliver", 7, key="deliver:7:1")  # queued, not started: no-op
        assert await pool.zrange(ARQ_QUEUE, 0, -1) == [b"deliver:7:1"]

        # Started 2 s ago by a live worker: left alone.
        await pool.psetex("arq:in-progress:deliver:7:1", int((ARQ_IN_PROGRESS_SECONDS - 2) * 1000), b"1")
        await scheduler.enqueue("deliver", 7, key="deliver:7:1")
        assert await pool.zrange(ARQ_QUEUE, 0, -1) == [b"deliver:7:1"]

        # Started 20 s ago by a worker that was killed: one twin, however often the sweep asks.
        await pool.psetex("arq:in-progress:deliver:7:1", int((ARQ_IN_PROGRESS_SECONDS - 20) * 1000), b"1")
        for _ in range(3):
            await scheduler.enqueue("deliver", 7, key="deliver:7:1")
        queued = sorted(k.decode() for k in await pool.zrange(ARQ_QUEUE, 0, -1))
        assert len(queued) == 2 and queued[0] == "deliver:7:1"
        assert queued[1].startswith("deliver:7:1:again")
    finally:
        await scheduler.close()
        flush_redis(url)


async def test_enqueue_many_asks_redis_once_and_adds_only_what_is_missing() -> None:
    url = fresh_redis(11)
    scheduler = await open_arq_scheduler(url, presume_dead_after=5)
    try:
        pool = scheduler.pool
        await scheduler.enqueue_many("deliver", [(1, "deliver:1:1"), (2, "deliver:2:1")])
        await pool.psetex("arq:in-progress:deliver:2:1", int((ARQ_IN_PROGRESS_SECONDS - 30) * 1000), b"1")
        # The sweep asks again for both and for a third: 1 is queued, 2 was abandoned.
        for _ in range(2):
            await scheduler.enqueue_many("deliver", [(1, "deliver:1:1"), (2, "deliver:2:1"), (3, "deliver:3:1")])
        queued = sorted(k.decode() for k in await pool.zrange(ARQ_QUEUE, 0, -1))
        assert len(queued) == 4
        assert queued[:2] == ["deliver:1:1", "deliver:2:1"] and queued[3] == "deliver:3:1"
        assert queued[2].startswith("deliver:2:1:again")
    finally:
        await scheduler.close()
        flush_redis(url)


async def test_jobs_queued_in_bulk_are_what_arq_itself_would_queue() -> None:
    """``enqueue_many`` writes jobs without arq's ``enqueue_job``: arq must read them back as its
    own (function, argument, queue, expiry), and treat their ids as taken."""
    from arq.jobs import Job, JobStatus

    url = fresh_redis(12)
    scheduler = await open_arq_scheduler(url)
    try:
        pool = scheduler.pool
        await scheduler.enqueue_many("process_inbox", [(41, "inbox:41"), (42, "inbox:42")])
        for item_id in (41, 42):
            job = Job(f"inbox:{item_id}", pool, _queue_name=ARQ_QUEUE)
            assert await job.status() is JobStatus.queued
            info = await job.info()
            assert info is not None and (info.function, info.args, info.kwargs) == ("process_inbox", (item_id,), {})
            assert 0 < await pool.pttl(f"arq:job:inbox:{item_id}") <= pool.expires_extra_ms
        assert await pool.enqueue_job("process_inbox", 41, _job_id="inbox:41", _queue_name=ARQ_QUEUE) is None
        await scheduler.enqueue_many("process_inbox", [(41, "inbox:41")])
        assert await pool.zcard(ARQ_QUEUE) == 2
    finally:
        await scheduler.close()
        flush_redis(url)


async def test_rows_just_stored_are_queued_in_one_round_trip() -> None:
    """The inbox and the fan-out queue the rows they have just created: no job can hold their
    keys yet, so one script call queues them all, without looking first; the script still
    checks each id, so an id already queued is not queued twice."""
    url = fresh_redis(13)
    scheduler = await open_arq_scheduler(url)
    try:
        pool = scheduler.pool
        await scheduler.enqueue_many("process_inbox", [(1, "inbox:1")])
        commands: list[str] = []
        execute = pool.execute_command

        async def counted(*args: object, **options: object) -> object:
            commands.append(str(args[0]))
            return await execute(*args, **options)

        pool.execute_command = counted  # type: ignore[method-assign]
        pool.pipeline = lambda *a, **k: pytest.fail("a pipeline for rows just stored")  # type: ignore[method-assign]
        await scheduler.enqueue_many("process_inbox", [(n, f"inbox:{n}") for n in range(1, 301)], fresh=True)
        assert commands == ["EVALSHA"]
        assert await pool.zcard(ARQ_QUEUE) == 300
        assert sorted(int(k.decode().split(":")[1]) for k in await pool.zrange(ARQ_QUEUE, 0, -1)) == list(range(1, 301))
    finally:
        await scheduler.close()
        flush_redis(url)
