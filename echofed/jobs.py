"""Job functions and the two runners that execute them.

The same functions run either in an embedded in-process worker (no Redis: ``echofed serve``)
or in arq workers on Redis (``echofed worker``). Either way the database rows are the truth:
``sweep`` (every few seconds) re-schedules any row whose job is missing or overdue, so jobs
lost with Redis, a killed worker or a crashed web process are run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Histogram

from federation.context import Federation
from federation.delivery import (
    deliver,
    deliver_many,
    delivery_lease,
    enqueue_all,
    expand_fanout,
    lease_for_timeout,
    sweep,
)
from federation.inbox.dispatch import process_inbox_item

log = logging.getLogger(__name__)
ARQ_QUEUE = "echofed:jobs"
ARQ_JOB_TIMEOUT = 300
ARQ_IN_PROGRESS_SECONDS = ARQ_JOB_TIMEOUT + 10  # arq's hold on a started job id
SWEEP_SECONDS = 5
ENQUEUE_CHUNK = 500  # jobs per Redis round trip
# What arq's enqueue_job does inside its WATCH/MULTI, as one atomic step, for many jobs: queue
# each job unless a job or a kept result already has its id. KEYS: the queue, then for each job
# its job key and its result key; ARGV: score (ms), expiry (ms), then for each job its id and
# its serialized form. Returns how many were queued.
_ENQUEUE_SCRIPT = """
local queued = 0
for n = 1, (#KEYS - 1) / 2 do
  local job_key, result_key = KEYS[2 * n], KEYS[2 * n + 1]
  if redis.call('exists', job_key, result_key) == 0 then
    redis.call('psetex', job_key, ARGV[2], ARGV[2 * n + 2])
    redis.call('zadd', KEYS[1], ARGV[1], ARGV[2 * n + 1])
    queued = queued + 1
  end
end
return queued
"""
DELIVERY_BATCH = 64  # new deliveries per job (each process runs ECHOFED_WORKER_CONCURRENCY at once)
STOP_GRACE_SECONDS = 10.0  # how long the embedded runner lets jobs under way finish at shutdown
# How often an arq worker looks for new jobs when it has free slots: a delivery job takes tens of
# milliseconds, so a slot freed just after a poll would otherwise stay idle for most of the wait.
ARQ_POLL_SECONDS = 0.05

JOB_SECONDS = Histogram(
    "echofed_job_seconds", "Job run time", ["job"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOB_OUTCOMES = Counter("echofed_job_outcomes_total", "Jobs run by outcome", ["job", "outcome"])


async def _fanout(fed: Federation, fanout_id: int) -> str:
    """Expand, queueing the new rows of each expanded batch DELIVERY_BATCH to a job (the first
    POSTs leave while a large audience is still being expanded): a queue's own cost per job (a
    handful of Redis round trips with arq) is paid once per batch, not once per inbox. The
    rows are held from the sweep for a lease's time; if a batch job is lost, they come back
    then, one job per row, as retries always do."""
    async def queue(created: list[int]) -> None:
        batches = [created[i:i + DELIVERY_BATCH] for i in range(0, len(created), DELIVERY_BATCH)]
        await enqueue_all(fed, "deliver_batch", [
            (batch, f"deliver-batch:{batch[0]}:{batch[-1]}") for batch in batches
        ], fresh=True)

    created = await expand_fanout(fed, fanout_id, hold=delivery_lease(fed), on_created=queue)
    return f"{len(created)} deliveries"


async def _deliver(fed: Federation, delivery_id: int) -> str:
    return await deliver(fed, delivery_id)


async def _deliver_batch(fed: Federation, delivery_ids: list[int]) -> str:
    counts = await deliver_many(fed, delivery_ids)
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))


async def _probe(fed: Federation, delivery_id: int) -> str:
    return await deliver(fed, delivery_id, probe=True)


async def _process_inbox(fed: Federation, item_id: int) -> str:
    return await process_inbox_item(fed, item_id)


async def _sweep(fed: Federation) -> str:
    report = await sweep(fed)
    return (
        f"{len(report.inbox_items)} inbox, {len(report.fanouts)} fanouts, "
        f"{len(report.deliveries)} deliveries, {len(report.probes)} probes"
    )


JOBS: dict[str, Callable[..., Awaitable[str]]] = {
    "process_inbox": _process_inbox,
    "fanout": _fanout,
    "deliver": _deliver,
    "deliver_batch": _deliver_batch,
    "probe": _probe,
    "sweep": _sweep,
}


async def run_job(fed: Federation, name: str, *args: Any) -> str:
    """Run one job by name, measured; errors are logged and re-raised."""
    started = time.perf_counter()
    try:
        result = await JOBS[name](fed, *args)
    except Exception:
        JOB_OUTCOMES.labels(name, "error").inc()
        log.exception("job failed", extra={"job": name, "job_args": repr(args)})
        raise
    finally:
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    JOB_OUTCOMES.labels(name, "ok").inc()
    return result


async def sweep_forever(
    fed: Federation, seconds: float,
    run: Callable[[Awaitable[str]], Awaitable[str]] = lambda sweep: sweep,
) -> None:
    """Run the sweep every ``seconds`` until cancelled (both runners, every process), each one
    through ``run`` (the embedded runner's lets a sweep under way finish at shutdown)."""
    while True:
        try:
            await run(run_job(fed, "sweep"))
        except Exception:  # noqa: BLE001, S110  (logged by run_job; the next sweep tries again)
            pass
        await asyncio.sleep(seconds)


class EmbeddedRunner:
    """An in-process worker: a queue, a few tasks, and the periodic sweep.

    Deferred jobs are not held in memory: when their time comes the sweep finds their rows.
    """

    def __init__(self, *, concurrency: int = 8, sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.concurrency = concurrency
        self.sweep_seconds = sweep_seconds
        self._queue: asyncio.Queue[tuple[str, tuple[Any, ...], str | None]] = asyncio.Queue()
        self._queued: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._fed: Federation | None = None
        self._idle = asyncio.Event()
        self._busy = 0
        self._running: set[asyncio.Future[str]] = set()

    async def enqueue(
        self, job: str, *args: Any, key: str | None = None, defer_until: datetime | None = None
    ) -> None:
        if defer_until is not None and self._fed is not None and defer_until > self._fed.clock():
            return
        if key is not None:
            if key in self._queued:
                return
            self._queued.add(key)
        self._idle.clear()
        self._queue.put_nowait((job, args, key))

    def start(self, fed: Federation) -> None:
        self._fed = fed
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._sweeper()))

    async def _work(self) -> None:
        assert self._fed is not None
        while True:
            job, args, key = await self._queue.get()
            self._busy += 1
            if key is not None:
                self._queued.discard(key)
            try:
                await self._finishing(run_job(self._fed, job, *args))
            except Exception:  # noqa: BLE001, S110  (logged by run_job; the row keeps the truth)
                pass
            finally:
                self._busy -= 1
                self._queue.task_done()
                if self._queue.empty() and self._busy == 0:
                    self._idle.set()

    async def _sweeper(self) -> None:
        assert self._fed is not None
        await sweep_forever(self._fed, self.sweep_seconds, self._finishing)

    async def _finishing(self, work: Awaitable[str]) -> str:
        """Run a job so that stopping the runner lets it finish (see :meth:`stop`)."""
        task = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return await asyncio.shield(task)

    async def drain(self, timeout: float = 30) -> None:
        """Wait until the queue is empty and no job runs (tests and shutdown)."""
        await asyncio.wait_for(self._queue.join(), timeout)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop taking jobs, give those under way ``grace`` seconds to finish, cancel the rest.
        (Cancelled mid-statement, a job would leave its row leased until the sweep of another
        process, and an SQLite driver thread answering a loop that no longer runs.)"""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._running:
            _done, late = await asyncio.wait(set(self._running), timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)


class ArqScheduler:
    """Schedules jobs on Redis for ``echofed worker`` processes.

    arq keeps a job id "in progress" for ``ARQ_IN_PROGRESS_SECONDS`` after a worker starts it,
    and refuses a new job under that id meanwhile: a job started by a worker that was then
    killed would wait minutes. When the sweep asks again for a job that has been in progress
    for more than ``presume_dead_after`` seconds, a twin is queued under an id of its own; the
    row's lease lets only one of them do the work.
    """

    def __init__(self, pool: Any, *, presume_dead_after: float = 60.0) -> None:
        self.pool = pool
        self.presume_dead_after = presume_dead_after
        self._enqueue_script = pool.register_script(_ENQUEUE_SCRIPT)

    async def enqueue(
        self, job: str, *args: Any, key: str | None = None, defer_until: datetime | None = None
    ) -> None:
        try:
            queued = await self.pool.enqueue_job(
                job, *args, _job_id=key, _defer_until=defer_until, _queue_name=ARQ_QUEUE
            )
            if queued is None and key is not None and defer_until is None:
                twin = await self._twin_of_abandoned(key)
                if twin is not None:
                    log.warning("job presumed abandoned, queued again", extra={"job": key})
                    await self.pool.enqueue_job(job, *args, _job_id=twin, _queue_name=ARQ_QUEUE)
        except Exception as exc:  # noqa: BLE001  (Redis down: the sweep re-queues from the database later)
            log.warning("could not enqueue", extra={"job": job, "error": repr(exc)})

    async def enqueue_many(self, job: str, items: list[tuple[Any, str]], *, fresh: bool = False) -> None:
        """Schedule ``job`` for each (argument, key) not already queued, in one Redis round trip
        per chunk (``ENQUEUE_CHUNK``) for rows just stored (``fresh``: no job can hold their
        keys yet), two otherwise: one to learn which keys Redis holds and which of them were
        abandoned by a dead worker, one that queues the others. arq's own ``enqueue_job`` costs
        about five round trips per job (WATCH, EXISTS, MULTI…EXEC); here one script queues the
        chunk, checking each id as arq does, atomically, so a job queued meanwhile by another
        process is not queued twice."""
        try:
            for start in range(0, len(items), ENQUEUE_CHUNK):
                chunk = items[start:start + ENQUEUE_CHUNK]
                await self._enqueue_chunk(job, chunk if fresh else await self._missing(chunk))
        except Exception as exc:  # noqa: BLE001  (Redis down: the sweep re-queues from the database later)
            log.warning("could not enqueue", extra={"job": job, "error": repr(exc)})

    async def _missing(self, chunk: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
        """The items Redis holds no job for, and twins of those a dead worker abandoned."""
        from arq.constants import in_progress_key_prefix, job_key_prefix

        async with self.pool.pipeline(transaction=False) as pipe:
            for _, key in chunk:
                pipe.exists(job_key_prefix + key)
                pipe.pttl(in_progress_key_prefix + key)
            known = await pipe.execute()
        wanted: list[tuple[Any, str]] = []
        for n, (arg, key) in enumerate(chunk):
            exists, remaining_ms = known[2 * n], known[2 * n + 1]
            if not exists:
                wanted.append((arg, key))
            elif (twin := self._twin_key(key, remaining_ms)) is not None:
                log.warning("job presumed abandoned, queued again", extra={"job": key})
                wanted.append((arg, twin))
        return wanted

    async def _enqueue_chunk(self, job: str, items: list[tuple[Any, str]]) -> None:
        from arq.constants import job_key_prefix, result_key_prefix
        from arq.jobs import serialize_job

        if not items:
            return
        now_ms = int(time.time() * 1000)
        keys: list[str] = [ARQ_QUEUE]
        args: list[Any] = [now_ms, self.pool.expires_extra_ms]
        for arg, key in items:
            keys += (job_key_prefix + key, result_key_prefix + key)
            args += (key, serialize_job(job, (arg,), {}, None, now_ms, serializer=self.pool.job_serializer))
        await self._enqueue_script(keys=keys, args=args)

    async def _twin_of_abandoned(self, key: str) -> str | None:
        from arq.constants import in_progress_key_prefix

        return self._twin_key(key, await self.pool.pttl(in_progress_key_prefix + key))

    def _twin_key(self, key: str, remaining_ms: int | None) -> str | None:
        if remaining_ms is None or remaining_ms < 0:  # queued, not started: nothing to do
            return None
        running = ARQ_IN_PROGRESS_SECONDS - remaining_ms / 1000
        if running < self.presume_dead_after:
            return None
        started = time.time() - running
        return f"{key}:again{started // 10:.0f}"  # the same twin for every later sweep

    async def close(self) -> None:
        await self.pool.aclose()


async def open_arq_scheduler(redis_url: str, *, presume_dead_after: float = 60.0) -> ArqScheduler:
    from arq import create_pool
    from arq.connections import RedisSettings

    pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=ARQ_QUEUE)
    return ArqScheduler(pool, presume_dead_after=presume_dead_after)


def arq_functions() -> list[Any]:
    """Each job as an arq function whose context carries the Federation value."""
    from arq.worker import func

    functions = []
    for name in JOBS:

        async def call(ctx: dict[str, Any], *args: Any, _name: str = name) -> str:
            return await run_job(ctx["fed"], _name, *args)

        call.__qualname__ = name
        functions.append(func(call, name=name, max_tries=3))
    return functions


async def run_arq_worker(settings: Any, *, burst: bool = False) -> None:
    """Run an arq worker until stopped (or, with ``burst``, until the queue is empty)."""
    from arq.connections import RedisSettings
    from arq.worker import Worker

    from echofed.runtime import federation_for, open_runtime

    async with open_runtime(settings) as runtime:
        # A job still running after its delivery's lease has expired belongs to a dead worker.
        lease = lease_for_timeout(settings.delivery_timeout).total_seconds()
        scheduler = await open_arq_scheduler(settings.redis_url, presume_dead_after=lease)
        async with federation_for(runtime, scheduler) as fed:
            # Not an arq cron: cron has a one-second grain and ECHOFED_SWEEP_SECONDS may be less.
            sweeper = asyncio.create_task(sweep_forever(fed, settings.sweep_seconds))
            worker = Worker(
                functions=arq_functions(),
                redis_settings=RedisSettings.from_dsn(settings.redis_url),
                queue_name=ARQ_QUEUE,
                ctx={"fed": fed},
                burst=burst,
                keep_result=0,
                max_jobs=settings.worker_concurrency,
                job_timeout=ARQ_JOB_TIMEOUT,
                poll_delay=ARQ_POLL_SECONDS,
                handle_signals=not burst,
            )
            try:
                await worker.async_run()
            except asyncio.CancelledError:
                # SIGTERM/SIGINT: arq cancels its own main task; that is a clean stop, not ours.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
            finally:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
                await worker.close()
                await scheduler.close()
