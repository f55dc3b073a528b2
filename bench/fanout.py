"""Fan-out benchmark (issue 4): one activity to N followers spread over M hosts.

The hosts are loopback ports served by local receiver processes (each listens on many ports
and answers 202; it checks the signature of one request in ``--verify-every`` with httpsig,
and counts POSTs per activity and per inbox, so duplicates show). The runners under test:

* ``arq1`` / ``arq2``: one or two ``echofed worker`` processes on Redis;
* ``embedded``: ``echofed serve`` with its in-process worker (no Redis).

Reported per run: time from the publishing commit to the last POST, deliveries per second
(from the first to the last POST, and from the commit), duplicates, signatures checked, peak
RSS of the runner processes; and once: the publishing transaction's time
(``record_activity`` + commit) and, on PostgreSQL, bytes stored per pending delivery
(``pg_total_relation_size`` before and after one fan-out is expanded).

    .venv/bin/python bench/fanout.py --followers 10000 --hosts 500
    .venv/bin/python bench/fanout.py --followers 100000 --hosts 2000 --runners arq2
    .venv/bin/python bench/fanout.py --quick        # 1,000 / 50, a smoke run

Every process started here is stopped by PID; each run stops by itself after ``--timeout``.
Needs PostgreSQL (``ECHOFED_TEST_PG_URL``) and Redis (``ECHOFED_TEST_REDIS_URL``, database
``--redis-db``, flushed) unless ``--db sqlite --runners embedded``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("ECHOFED_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("ECHOFED_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BASE_URL = "https://bench.example"


# --- receiver process ------------------------------------------------------


@dataclass
class Tally:
    posts: int = 0
    inboxes: dict[int, int] = field(default_factory=dict)
    first: float = 0.0
    last: float = 0.0


class Inboxes:
    """Many loopback ports in one process: count, sample-verify, answer 202."""

    def __init__(self, verify_every: int) -> None:
        self.verify_every = verify_every
        self.keys: dict[str, bytes] = {}
        self.tallies: dict[str, Tally] = {}
        self.seen = 0
        self.verified = 0
        self.bad = 0

    def record(self, port: int, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        now = time.time()
        self.seen += 1
        if self.verify_every and self.seen % self.verify_every == 0:
            if self._verify(method, path, headers, body):
                self.verified += 1
            else:
                self.bad += 1
        try:
            activity = str(json.loads(body).get("id"))
        except ValueError:
            activity = "?"
        tally = self.tallies.get(activity)
        if tally is None:
            tally = self.tallies[activity] = Tally(first=now)
        tally.posts += 1
        tally.last = now
        tally.inboxes[port] = tally.inboxes.get(port, 0) + 1

    def _verify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
        from httpsig.verify import HeaderVerifier

        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        key_id = next((p.partition("=")[2].strip('"') for p in headers.get("signature", "").split(",")
                       if p.strip().startswith("keyId=")), None)
        if headers.get("digest") != digest or key_id not in self.keys:
            return False
        try:
            return bool(HeaderVerifier(
                headers, self.keys[key_id], required_headers=["(request-target)", "host", "date", "digest"],
                method=method, path=path, sign_header="signature",
            ).verify())
        except Exception:  # noqa: BLE001 (whatever httpsig raises, the signature is bad)
            return False

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                self.record(port, method, path, headers, body)
                writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def stats(self) -> dict[str, Any]:
        return {
            "verified": self.verified, "bad": self.bad,
            "activities": {
                a: {"posts": t.posts, "inboxes": len(t.inboxes), "first": t.first, "last": t.last,
                    "repeated": sum(n - 1 for n in t.inboxes.values())}
                for a, t in self.tallies.items()
            },
        }


async def receiver_main(ports: int, verify_every: int) -> None:
    inboxes = Inboxes(verify_every)
    servers = [await asyncio.start_server(inboxes.serve, "127.0.0.1", 0, backlog=1024) for _ in range(ports)]
    print(json.dumps({"ports": [s.sockets[0].getsockname()[1] for s in servers]}), flush=True)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    while line := (await stdin.readline()).decode().strip():
        command, _, rest = line.partition(" ")
        if command == "key":
            key_id, _, pem_path = rest.partition(" ")
            inboxes.keys[key_id] = Path(pem_path).read_bytes()
            print("{}", flush=True)
        elif command == "stats":
            print(json.dumps(inboxes.stats()), flush=True)
        else:
            break
    for server in servers:
        server.close()


class ReceiverProcess:
    def __init__(self, ports: int, verify_every: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "receiver", "--ports", str(ports), "--verify-every", str(verify_every)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        self.ports: list[int] = self._ask(None)["ports"]

    def _ask(self, command: str | None) -> Any:
        assert self.process.stdin and self.process.stdout
        if command is not None:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("receiver process ended")
        return json.loads(line)

    def key(self, key_id: str, pem_path: Path) -> None:
        self._ask(f"key {key_id} {pem_path}")

    def stats(self) -> dict[str, Any]:
        return self._ask("stats")  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def merged(receivers: list[ReceiverProcess], activity: str) -> dict[str, float]:
    posts = inboxes = repeated = verified = bad = 0
    first, last = float("inf"), 0.0
    for receiver in receivers:
        stats = receiver.stats()
        verified += stats["verified"]
        bad += stats["bad"]
        tally = stats["activities"].get(activity)
        if tally:
            posts += tally["posts"]
            inboxes += tally["inboxes"]
            repeated += tally["repeated"]
            first, last = min(first, tally["first"]), max(last, tally["last"])
    return {"posts": posts, "inboxes": inboxes, "repeated": repeated, "first": first, "last": last,
            "verified": verified, "bad": bad}


# --- runners ---------------------------------------------------------------


@dataclass
class RunResult:
    runner: str
    followers: int
    hosts: int
    activities: int
    deliveries: int = 0
    delivered: int = 0
    complete: bool = False
    seconds_to_full: float = 0.0       # commit of the (first) activity → last POST received
    rate_from_commit: float = 0.0
    rate_first_to_last: float = 0.0    # steady rate, start-up latency excluded
    first_post_after: float = 0.0
    repeated: int = 0
    verified: int = 0
    bad_signatures: int = 0
    peak_rss_mib: list[float] = field(default_factory=list)
    publish_ms: list[float] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    load_after: float = 0.0  # 1-minute load average when the run ended (the machine is shared)
    runner_cpu_ms_per_delivery: float = 0.0  # user + system CPU of the runner processes
    receiver_cpu_ms_per_delivery: float = 0.0
    machine_busy: float = 0.0  # share of the machine's CPU time busy from commit to last POST
    rsa_signs_per_second: float = 0.0  # this CPU's speed just before the run (its speed varies)


def redis_url(index: int) -> str:
    return REDIS_BASE.rsplit("/", 1)[0] + f"/{index}"


def wait_health_key(url: str, timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if client.exists("echofed:jobs:health-check"):
                return
            time.sleep(0.1)
        raise RuntimeError("arq worker did not start")
    finally:
        client.close()


def run_once(args: argparse.Namespace, runner: str, database_url: str, receivers: list[ReceiverProcess],
             sender: Any, tmp: Path) -> RunResult:
    from bench.common import cpu_seconds, machine_cpu, rsa_speed
    from tests.e2e.instances import Instance, free_port
    from tests.jobs.fanout_rig import (
        WorkerProcess,
        enqueue_fanouts,
        flush_redis,
        publish,
        run,
        worker_env,
    )

    extra = {"ECHOFED_LOG_LEVEL": args.log_level,
             "ECHOFED_DELIVERY_CONCURRENCY_PER_HOST": str(args.per_host),
             "ECHOFED_WORKER_CONCURRENCY": str(args.worker_concurrency),
             "ECHOFED_SWEEP_SECONDS": str(args.sweep_seconds if runner != "embedded" else min(args.sweep_seconds, 1.0))}
    result = RunResult(runner, args.followers, args.hosts, args.activities, settings=extra)
    processes: list[Any] = []
    rss_pids: list[int] = []
    try:
        if runner.startswith("arq"):
            url = redis_url(args.redis_db)
            flush_redis(url)
            env = worker_env(database_url, url, BASE_URL, **extra)
            for n in range(int(runner[3:] or 1)):
                worker = WorkerProcess(env, tmp / f"{runner}-{n}.log").start()
                processes.append(worker)
                rss_pids.append(worker.pid)
            wait_health_key(url, 60)
            time.sleep(2.0)  # both workers past their imports
        else:
            port = free_port()
            env = worker_env(database_url, None, BASE_URL, **extra)
            instance = Instance("embedded", port, env, tmp / "embedded.log")
            instance.start()
            processes.append(instance)
            assert instance.process is not None
            rss_pids.append(instance.process.pid)
        result.rsa_signs_per_second = rsa_speed()
        receiver_pids = [r.process.pid for r in receivers]
        runner_cpu, receiver_cpu, machine = cpu_seconds(rss_pids), cpu_seconds(receiver_pids), machine_cpu()
        published = []
        for _ in range(args.activities):
            one = run(publish(database_url, BASE_URL, sender))
            committed = time.time()
            if runner.startswith("arq"):
                run(enqueue_fanouts(redis_url(args.redis_db), one.fanout_ids))
            published.append((one, committed))
            result.publish_ms.append(round(one.seconds * 1000, 1))
        start = published[0][1]
        result.deliveries = args.hosts * args.activities
        deadline = time.monotonic() + args.timeout
        tallies: list[dict[str, float]] = []
        while time.monotonic() < deadline:
            time.sleep(0.25)
            tallies = [merged(receivers, p.activity_id) for p, _ in published]
            if all(t["inboxes"] >= args.hosts for t in tallies):
                result.complete = True
                break
        result.delivered = int(sum(t["inboxes"] for t in tallies))
        result.repeated = int(sum(t["repeated"] for t in tallies))
        result.verified = int(max((t["verified"] for t in tallies), default=0))
        result.bad_signatures = int(max((t["bad"] for t in tallies), default=0))
        if tallies and result.delivered:
            first = min(t["first"] for t in tallies)
            last = max(t["last"] for t in tallies)
            result.seconds_to_full = round(last - start, 3)
            result.first_post_after = round(first - start, 3)
            result.rate_from_commit = round(result.delivered / max(last - start, 1e-6))
            result.rate_first_to_last = round(result.delivered / max(last - first, 1e-6))
        if result.delivered:
            result.runner_cpu_ms_per_delivery = round((cpu_seconds(rss_pids) - runner_cpu) * 1000 / result.delivered, 2)
            result.receiver_cpu_ms_per_delivery = round(
                (cpu_seconds(receiver_pids) - receiver_cpu) * 1000 / result.delivered, 2)
            busy, total = machine_cpu()
            result.machine_busy = round((busy - machine[0]) / max(total - machine[1], 1e-6), 2)
        for pid in rss_pids:
            result.peak_rss_mib.append(round(peak_rss_kib(pid) / 1024, 1))
        result.load_after = os.getloadavg()[0]
    finally:
        for process in processes:
            process.stop()
    return result


def peak_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- storage ---------------------------------------------------------------


class _NoScheduler:
    async def enqueue(self, job: str, *args: Any, key: str | None = None, defer_until: Any = None) -> None:
        return None


async def storage_per_delivery(database_url: str, sender: Any) -> dict[str, float]:
    """Expand one fan-out in this process (no delivery) and measure what it added."""
    from echofed.runtime import federation_for, open_runtime
    from echofed.settings import load_settings
    from federation.delivery import expand_fanout
    from tests.jobs.fanout_rig import publish, table_bytes

    tables = ["delivery", "outbox_activity", "fanout"]
    before = await table_bytes(database_url, tables)
    published = await publish(database_url, BASE_URL, sender)
    settings = load_settings(database_url=database_url, base_url=BASE_URL, redis_url=None)
    async with open_runtime(settings) as runtime, federation_for(runtime, _NoScheduler()) as fed:
        started = time.perf_counter()
        created = 0
        for fanout_id in published.fanout_ids:
            created += len(await expand_fanout(fed, fanout_id))
        expand_seconds = time.perf_counter() - started
    after = await table_bytes(database_url, tables)
    grown = {t: after[t] - before[t] for t in tables}
    from sqlalchemy import text

    from storage.engine import make_engine

    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            row_bytes, rows_now = (await connection.execute(text(
                "SELECT avg(pg_column_size(d.*)) FILTER (WHERE state = 'pending'), count(*) FROM delivery d"
            ))).one()
            payload_bytes = (await connection.execute(text(
                "SELECT pg_column_size(payload) FROM outbox_activity ORDER BY id DESC LIMIT 1"
            ))).scalar_one()
    finally:
        await engine.dispose()
    return {"pending_deliveries": created, "expand_seconds": round(expand_seconds, 3),
            "delivery_table_growth_per_row": round(grown["delivery"] / max(created, 1)),
            "delivery_row_bytes_avg": round(float(row_bytes or 0)),
            "delivery_total_bytes_per_row": round(after["delivery"] / max(int(rows_now or 0), 1)),
            "payload_bytes_once": int(payload_bytes),
            "outbox_activity_growth": grown["outbox_activity"], "fanout_growth": grown["fanout"]}


# --- main ------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "receiver"])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--activities", type=int, default=1, help="activities published back to back per run")
    parser.add_argument("--runners", default="arq1,arq2,embedded")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--receiver-procs", type=int, default=2)
    parser.add_argument("--verify-every", type=int, default=50, help="check one signature in K (0: none)")
    parser.add_argument("--per-host", type=int, default=4, help="ECHOFED_DELIVERY_CONCURRENCY_PER_HOST")
    parser.add_argument("--worker-concurrency", type=int, default=32, help="ECHOFED_WORKER_CONCURRENCY")
    parser.add_argument("--sweep-seconds", type=float, default=5.0)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed per run")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="1,000 followers on 50 hosts")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--ports", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "receiver":
        # The receivers stand for other servers on other machines: uvloop keeps their share of
        # this machine's CPU small (0.2 ms per POST with the standard loop).
        import uvloop

        uvloop.run(receiver_main(args.ports, args.verify_every))
        return 0
    if args.quick:
        args.followers, args.hosts = 1000, 50
    return bench(args)


def bench(args: argparse.Namespace) -> int:
    from tests.jobs.fanout_rig import populate, run

    tmp = Path(tempfile.mkdtemp(prefix="echofed-fanout-"))
    receivers: list[ReceiverProcess] = []
    pg_url = None
    report: dict[str, Any] = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}}
    try:
        if args.db == "postgresql":
            from tests.conftest import create_pg_database

            database_url = pg_url = create_pg_database()
        else:
            database_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        run(migrate(database_url))
        per_proc = [args.hosts // args.receiver_procs + (i < args.hosts % args.receiver_procs)
                    for i in range(args.receiver_procs)]
        receivers = [ReceiverProcess(n, args.verify_every) for n in per_proc if n]
        shared = [f"http://127.0.0.1:{p}/inbox" for r in receivers for p in r.ports]
        started = time.perf_counter()
        sender = run(populate(database_url, BASE_URL, shared, per_host=args.followers // args.hosts))
        report["populate_seconds"] = round(time.perf_counter() - started, 1)
        pem = tmp / "sender.pem"
        pem.write_text(sender.public_pem)
        for receiver in receivers:
            receiver.key(sender.key_id, pem)
        results = []
        for runner in [r.strip() for r in args.runners.split(",") if r.strip()]:
            result = run_once(args, runner, database_url, receivers, sender, tmp)
            results.append(result)
            print(summary(result), flush=True)
        report["runs"] = [asdict(r) for r in results]
        if args.db == "postgresql":
            report["storage"] = run(storage_per_delivery(database_url, sender))
            print("storage:", json.dumps(report["storage"]), flush=True)
        publish_ms = [m for r in results for m in r.publish_ms]
        if publish_ms:
            report["publish_ms_median"] = statistics.median(publish_ms)
            print(f"publishing transaction (record_activity + commit): median {statistics.median(publish_ms)} ms "
                  f"over {len(publish_ms)}, max {max(publish_ms)} ms", flush=True)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))
        return 0 if all(r.complete for r in results) else 1
    finally:
        for receiver in receivers:
            receiver.stop()
        if pg_url:
            from tests.conftest import drop_pg_database

            drop_pg_database(pg_url)


async def migrate(url: str) -> None:
    from storage.engine import make_engine
    from storage.migrate import upgrade

    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def summary(r: RunResult) -> str:
    state = "complete" if r.complete else f"INCOMPLETE ({r.delivered}/{r.deliveries})"
    return (f"{r.runner:9} {r.followers}/{r.hosts} ×{r.activities}: {state}; full delivery {r.seconds_to_full}s "
            f"after commit (first POST +{r.first_post_after}s); {r.rate_first_to_last}/s first→last, "
            f"{r.rate_from_commit}/s from commit; repeated {r.repeated}; signatures ok {r.verified} bad "
            f"{r.bad_signatures}; CPU ms/delivery runner {r.runner_cpu_ms_per_delivery} receivers "
            f"{r.receiver_cpu_ms_per_delivery}; machine busy {r.machine_busy:.0%}; RSA {r.rsa_signs_per_second:.0f}/s; peak RSS {r.peak_rss_mib} MiB; "
            f"publish {r.publish_ms} ms; load {r.load_after:.1f}")


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": sys.version.split()[0],
            "load_at_start": os.getloadavg()}


if __name__ == "__main__":
    raise SystemExit(main())
