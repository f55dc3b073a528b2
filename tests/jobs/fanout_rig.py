"""Shared pieces for the job-runner tests and ``bench/fanout.py``: a populated database (one
local actor, many remote followers spread over loopback hosts), one recorded activity, and
``echofed worker`` processes managed by PID.

Everything here talks to real things: the database at a URL, Redis, child processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from sqlalchemy import insert, text
from sqlmodel import select

from echofed.services.accounts import ActorInput, create_actor
from federation.delivery import Audience, record_activity, recorded_fanouts
from federation.urls import Urls
from storage.columns import utcnow
from storage.engine import make_engine, make_sessionmaker
from storage.queries import federation as rows
from storage.tables import Actor, Delivery, Follow, FollowState

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CHUNK = 2000

if TYPE_CHECKING:
    from tests.e2e.receiver import Receiver


@dataclass(frozen=True)
class Sender:
    id: int
    uri: str
    key_id: str
    public_pem: str


async def populate(
    url: str, base_url: str, shared_inboxes: Sequence[str], per_host: int
) -> Sender:
    """One local Organization followed by ``per_host`` remote actors on each shared inbox.

    The instance actor is left to the worker or server, which creates it when it starts.
    """
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    urls = Urls(base_url)
    try:
        async with sessions() as session, session.begin():
            sender = await create_actor(
                session, urls, ActorInput(username="planetarium", kind="Organization")
            )
        assert sender.id and sender.public_key_id and sender.public_key_pem
        now = utcnow()
        actors: list[dict[str, Any]] = []
        for index, shared in enumerate(shared_inboxes):
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(shared))
            domain = urlsplit(shared).netloc
            for n in range(per_host):
                actors.append({
                    "uri": f"{origin}/users/u{index}_{n}", "kind": "Person",
                    "username": f"u{index}_{n}", "domain": domain, "local": False, "name": "",
                    "summary": "", "inbox": f"{origin}/users/u{index}_{n}/inbox",
                    "shared_inbox": shared, "manually_approves_followers": False,
                    "discoverable": True, "created_at": now, "updated_at": now,
                })
        for start in range(0, len(actors), CHUNK):
            chunk = actors[start:start + CHUNK]
            async with sessions() as session, session.begin():
                connection = await session.connection()
                await connection.execute(insert(Actor), chunk)
                ids = (await session.exec(
                    select(Actor.id).where(Actor.uri.in_([a["uri"] for a in chunk]))  # type: ignore[attr-defined]
                )).all()
                follows = [
                    {"uri": f"{base_url}/follows/{uuid.uuid4()}", "follower_id": actor_id,
                     "followed_id": sender.id, "state": FollowState.ACCEPTED,
                     "show_on_home": True, "created_at": now, "accepted_at": now}
                    for actor_id in ids
                ]
                await connection.execute(insert(Follow), follows)
        return Sender(sender.id, sender.uri, sender.public_key_id, sender.public_key_pem)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Published:
    activity_id: str
    fanout_ids: list[int]
    seconds: float  # record_activity + commit


async def publish(url: str, base_url: str, sender: Sender) -> Published:
    """Record one Create in one transaction, as the publishing service does."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    urls = Urls(base_url)
    activity_id = urls.activity(str(uuid.uuid4()))
    note = f"{base_url}/notes/{uuid.uuid4()}"
    payload = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": activity_id, "type": "Create",
        "actor": sender.uri, "to": [PUBLIC], "cc": [f"{sender.uri}/followers"],
        "object": {"id": note, "type": "Note", "attributedTo": sender.uri, "to": [PUBLIC],
                   "content": "<p>Nuit des étoiles au planétarium, samedi 21 h.</p>"},
    }
    try:
        async with sessions() as session:
            actor = await session.get(Actor, sender.id)
        assert actor is not None
        async with sessions() as session:
            started = time.perf_counter()
            async with session.begin():
                await record_activity(session, actor=actor, payload=payload,
                                      audience=Audience(followers_of=sender.id), object_uri=note)
            seconds = time.perf_counter() - started
            fanouts = recorded_fanouts(session)
        return Published(activity_id, fanouts, seconds)
    finally:
        await engine.dispose()


async def enqueue_fanouts(redis_url: str, fanout_ids: Sequence[int]) -> None:
    """What the web process does after its commit (the sweep would find them anyway)."""
    from echofed.jobs import open_arq_scheduler

    scheduler = await open_arq_scheduler(redis_url)
    try:
        for fanout_id in fanout_ids:
            await scheduler.enqueue("fanout", fanout_id, key=f"fanout:{fanout_id}")
    finally:
        await scheduler.close()


@dataclass(frozen=True)
class Status:
    counts: dict[str, int]
    oldest_pending: datetime | None


async def status(url: str) -> Status:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return Status(await rows.delivery_counts(session), await rows.oldest_pending(session))
    finally:
        await engine.dispose()


async def delivery_rows(url: str) -> list[Delivery]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return list((await session.exec(select(Delivery).order_by(Delivery.id))).all())  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def table_bytes(url: str, tables: Sequence[str]) -> dict[str, int]:
    """pg_total_relation_size of each table (PostgreSQL only)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            return {
                t: int((await connection.execute(text(f"SELECT pg_total_relation_size('{t}')"))).scalar_one())
                for t in tables
            }
    finally:
        await engine.dispose()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- processes -------------------------------------------------------------


def worker_env(database_url: str, redis_url: str | None, base_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHOFED_")}
    env.update(
        ECHOFED_DATABASE_URL=database_url,
        ECHOFED_BASE_URL=base_url,
        ECHOFED_ALLOW_PRIVATE_ADDRESSES="1",
        ECHOFED_DEMO="0",
        ECHOFED_SWEEP_SECONDS="0.5",
        ECHOFED_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["ECHOFED_REDIS_URL"] = redis_url
    env.update(extra)
    return env


@dataclass
class WorkerProcess:
    """One ``echofed worker`` child, stopped by its PID."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "echofed.cli", "worker"], env=self.env, cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up, leases and arq jobs are left as they are."""
        if self.alive():
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def peak_rss_kib(self) -> int | None:
        """VmHWM of the live process (Linux)."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def wait_until(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.1,
               what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# --- redis -----------------------------------------------------------------


def redis_db_url(base_url: str, index: int) -> str:
    """The same server, database number ``index`` (each test uses its own and flushes it)."""
    return base_url.rsplit("/", 1)[0] + f"/{index}"


def flush_redis(url: str) -> None:
    """FLUSHDB on that database only (raises when Redis is unreachable)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    finally:
        client.close()


# --- scenarios -------------------------------------------------------------


@dataclass
class Fleet:
    """The worker processes a test starts; all stopped by PID at the end."""

    tmp: Path
    workers: list[WorkerProcess] = field(default_factory=list)

    def start(self, env: dict[str, str]) -> WorkerProcess:
        worker = WorkerProcess(env, self.tmp / f"worker{len(self.workers)}.log").start()
        self.workers.append(worker)
        return worker

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self.workers:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- worker {w.pid}\n{w.log_tail()}" for w in self.workers)


def fresh_redis(index: int) -> str:
    """Redis database ``index``, emptied; skips the test (fails it under CI) without Redis."""
    from tests.conftest import REDIS_URL, unavailable

    url = redis_db_url(REDIS_URL, index)
    try:
        flush_redis(url)
    except Exception as exc:  # noqa: BLE001  (refused, timeout)
        unavailable("Redis", exc)
    return url


def redis_index(database_url: str, sqlite_index: int) -> int:
    """One Redis database per test and per database kind (1…15)."""
    return sqlite_index + (1 if database_url.startswith("postgresql") else 0)


def posts_per_inbox(receiver: Receiver, published: Published) -> Counter[int]:
    return Counter(a.port for a in receiver.received() if a.activity_id == published.activity_id)


def delivered(database_url: str) -> int:
    return run(status(database_url)).counts.get("delivered", 0)


def fresh_pg(url: str) -> str:
    """The session's PostgreSQL database, emptied (as the ``database_url`` fixture does)."""
    from tests.conftest import _truncate

    run(_truncate(url))
    return url
