"""Shared helpers for the benchmarks in ``bench/``: databases, ``echofed serve`` processes,
``wrk`` runs, machine facts, result files and summary tables.

Every process a benchmark starts is recorded and stopped by its PID (and the PIDs of its
children, for ``--workers N``); every database it creates is dropped at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
WRK_INSTALL_HINT = "wrk is missing: install it with `apt-get install -y wrk` (Debian package)."

if str(ROOT) not in sys.path:  # `python bench/x.py` from anywhere
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- machine facts ---------------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        wrk_version = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    return {
        "nproc": int(nproc) if nproc.isdigit() else os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": wrk_version,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --- databases -------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str  # the SQLAlchemy URL echofed uses
    name: str = ""
    path: Path | None = None

    @property
    def pg_dsn(self) -> str:
        """The asyncpg DSN of a PostgreSQL database."""
        return _pg_url_for(self.name)

    async def scalar(self, sql: str) -> Any:
        rows = await self.fetch(sql)
        return rows[0][0] if rows else None

    async def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            import sqlite3

            assert self.path is not None
            with sqlite3.connect(self.path, timeout=30) as conn:
                return [tuple(r) for r in conn.execute(sql).fetchall()]
        import asyncpg

        conn = await asyncpg.connect(_pg_url_for(self.name))
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()


def _pg_url_for(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def database(kind: str, label: str, workdir: Path, *, keep: bool = False) -> Iterator[Database]:
    """A fresh, empty database (SQLite file or PostgreSQL ``bench_*``), dropped afterwards
    unless ``keep`` (then its name is printed: drop it by hand)."""
    if kind == "sqlite":
        path = workdir / f"{label}.db"
        yield Database("sqlite", f"sqlite+aiosqlite:///{path}", path=path)
        return
    if kind != "postgresql":
        raise ValueError(kind)
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = _pg_url_for(name).replace("postgresql://", "postgresql+asyncpg://", 1)
        yield Database("postgresql", url, name=name)
    finally:
        if keep:
            print(f"kept PostgreSQL database {name}", flush=True)
        else:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- Redis (a private, empty database number; emptied afterwards) -----------------------------


@contextmanager
def private_redis_db() -> Iterator[str]:
    """The URL of an empty Redis database number (15 down to 1); flushed when done."""
    import redis

    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{REDIS_URL}/{number}")
        if client.dbsize() == 0:
            try:
                yield f"{REDIS_URL}/{number}"
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    raise RuntimeError("no empty Redis database number between 1 and 15")


# --- echofed processes -----------------------------------------------------------------------


def echofed_env(port: int, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHOFED_")}
    env.update(
        ECHOFED_BASE_URL=f"http://127.0.0.1:{port}",
        ECHOFED_DATABASE_URL=database_url,
        ECHOFED_ALLOW_PRIVATE_ADDRESSES="1",
        ECHOFED_DEMO="0",
        ECHOFED_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def echofed_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PYTHON, "-m", "echofed.cli", *args], env=env, input=stdin, capture_output=True,
        text=True, timeout=300, cwd=ROOT, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"echofed {' '.join(args)} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def children_of(pid: int) -> list[int]:
    """Direct and indirect child PIDs (from /proc), for processes we started."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            tasks = Path(f"/proc/{current}/task").iterdir()
            for task in tasks:
                text = (task / "children").read_text().split()
                for child in text:
                    found.append(int(child))
                    pending.append(int(child))
        except OSError:
            continue
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / tick, sum(fields) / tick


def load_average() -> list[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def pids_named(*names: str) -> list[int]:
    """The machine's processes whose command name is one of ``names`` (e.g. "postgres",
    "redis-server"): the services the benchmark shares the cores with."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def rsa_speed(seconds: float = 0.5) -> float:
    """RSA-2048 signatures per second on one core, right now (a VM's speed varies over time)."""
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.hashes import SHA256

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        key.sign(b"(request-target): post /inbox", padding.PKCS1v15(), SHA256())
        count += 1
    return round(count / (time.perf_counter() - started))


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds consumed so far by these processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


@dataclass
class Process:
    """A process we started; stopped by PID (children first recorded, then signalled)."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    children: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def all_pids(self) -> list[int]:
        return [self.pid, *children_of(self.pid)]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.children = children_of(self.pid)
        if self.popen.poll() is None:
            os.kill(self.pid, sig)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        for child in self.children:  # normally gone with their parent; make sure
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class Processes:
    """Every process a benchmark starts; ``stop_all`` stops each by PID (last started first)."""

    def __init__(self) -> None:
        self.items: list[Process] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> Process:
        log = log_path.open("ab")
        popen = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        log.close()
        process = Process(name, popen, log_path)
        self.items.append(process)
        return process

    def stop(self, process: Process, sig: int = signal.SIGTERM) -> None:
        process.stop(sig)
        if process in self.items:
            self.items.remove(process)

    def stop_all(self) -> None:
        while self.items:
            self.stop(self.items[-1])


def wait_http(url: str, process: Process, *, timeout: float = 60, workers: int = 1) -> None:
    """Wait for ``url`` to answer 200 (and, with several workers, for all of them to be up)."""
    import httpx2

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                if workers <= 1:
                    return
                ready = process.tail(200_000).count("echofed ready")
                if ready >= workers:
                    return
        except httpx2.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not start:\n{process.tail()}")


def start_echofed(
    processes: Processes, env: dict[str, str], port: int, workers: int, log_path: Path
) -> Process:
    argv = [PYTHON, "-m", "echofed.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        argv += ["--workers", str(workers)]
    process = processes.start("echofed", argv, env, log_path)
    logs_ready = env.get("ECHOFED_LOG_LEVEL", "INFO").upper() in ("INFO", "DEBUG")
    wait_http(f"http://127.0.0.1:{port}/healthz", process, workers=workers if logs_ready else 1)
    if workers > 1 and not logs_ready:
        time.sleep(3)  # no "echofed ready" lines to count: give the other workers time
    return process


# --- wrk -------------------------------------------------------------------------------------

# A Lua `done()` that prints one JSON line the Python side parses (latencies in microseconds).
LUA_DONE = r"""
local function bench_json(summary, latency, extra)
  local parts = {}
  local function add(k, v) parts[#parts + 1] = string.format('"%s":%s', k, v) end
  add("duration_us", summary.duration)
  add("requests", summary.requests)
  add("bytes", summary.bytes)
  add("err_connect", summary.errors.connect)
  add("err_read", summary.errors.read)
  add("err_write", summary.errors.write)
  add("err_status", summary.errors.status)
  add("err_timeout", summary.errors.timeout)
  add("lat_mean_us", string.format("%.1f", latency.mean))
  add("lat_max_us", latency.max)
  add("lat_p50_us", latency:percentile(50))
  add("lat_p90_us", latency:percentile(90))
  add("lat_p99_us", latency:percentile(99))
  for k, v in pairs(extra or {}) do add(k, v) end
  io.write("BENCH_JSON {" .. table.concat(parts, ",") .. "}\n")
end
"""


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        print(WRK_INSTALL_HINT, file=sys.stderr)
        raise SystemExit(2)
    return path


def run_wrk(
    url: str, script: Path, *, threads: int, connections: int, duration: float,
    script_args: Sequence[str] = (), timeout_s: float = 10,
) -> dict[str, Any]:
    """Run wrk with a Lua script whose ``done()`` calls ``bench_json``; return its numbers."""
    argv = [
        require_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, int(duration))}s",
        "--timeout", f"{int(timeout_s)}s", "--latency", "-s", str(script), url,
    ]
    if script_args:
        argv += ["--", *script_args]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data: dict[str, Any] = json.loads(line[len("BENCH_JSON "):])
            seconds = data["duration_us"] / 1e6
            data["seconds"] = seconds
            data["rps"] = data["requests"] / seconds if seconds else 0.0
            data["argv"] = " ".join(argv[:-1] if not script_args else argv)
            return data
    raise RuntimeError(f"wrk gave no result (rc {result.returncode}):\n{result.stdout}\n{result.stderr}")


# --- output ----------------------------------------------------------------------------------


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """A plain-text table; ``columns`` are (key, heading)."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
        if isinstance(value, int):
            return f"{value:,}"
        return "" if value is None else str(value)

    body = [[cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, (_, h) in enumerate(columns)]
    lines = [" | ".join(h.ljust(w) for (_, h), w in zip(columns, widths))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.rjust(w) for c, w in zip(r, widths)) for r in body]
    return "\n".join(lines)


def workdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"echofed-{prefix}-"))


# --- latencies -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0–100) of unsorted values; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max in milliseconds, and the sample count."""
    return {
        "n": len(seconds),
        "p50_ms": percentile(seconds, 50) * 1000,
        "p90_ms": percentile(seconds, 90) * 1000,
        "p99_ms": percentile(seconds, 99) * 1000,
        "max_ms": max(seconds) * 1000 if seconds else float("nan"),
    }
