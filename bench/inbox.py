"""Inbox benchmark: signed Create(Event) activities from many remote actors, POSTed to
``echofed serve`` on SQLite and PostgreSQL, with a cold and then a warm remote-key cache.

    .venv/bin/python bench/inbox.py                      # both databases, defaults below
    .venv/bin/python bench/inbox.py --db postgresql --warm 20000 --workers 2

What it does, per database:

1. a *key server* (a separate process, ``bench/inbox.py keyserver``) serves ``--actors`` remote
   actor documents (Person + RSA-2048 ``publicKey``, each actor its own key) from ``--hosts``
   loopback ports, i.e. as many distinct remote hosts; keys are generated once and cached in
   ``bench/.cache/`` (they are test keys: never use them elsewhere);
2. a fresh database (SQLite file, or PostgreSQL ``bench_inbox_*`` dropped afterwards) and
   ``echofed serve`` on a free port (``ECHOFED_ALLOW_PRIVATE_ADDRESSES=1``, ``ECHOFED_DEMO=0``);
3. two phases: *cold* (no remote actor known: each signer's key is fetched from the key server)
   then *warm* (same actors, new activity ids). Each phase is a list of pre-signed POST /inbox
   requests (draft-cavage rsa-sha256 over ``(request-target) host date digest content-type``,
   Date = now), with ``--dup-rate`` exact re-sends of valid requests and ``--forged-rate``
   requests signed with another actor's key; ``wrk`` replays each request exactly once over
   ``--connections`` keep-alive connections (a Lua script; pre-built requests, no Lua work per
   request beyond a table lookup);
4. checks: every valid and duplicate request got 202, every forged one 401, and the set of
   ``inbox_item.activity_id`` equals the set of unique valid ids (duplicates not stored twice,
   forged ones not stored at all).

``--jobs redis`` (default) measures the inbox alone: ``ECHOFED_REDIS_URL`` points at an empty
private Redis database and ``ECHOFED_EMBEDDED_WORKER=off``, no ``echofed worker`` runs, so the
stored items wait in Redis (flushed afterwards). ``--jobs embedded`` is the trial configuration:
the embedded worker processes the items in the same web processes while the benchmark runs.

Every process is stopped by PID; results go to ``bench/results/inbox-*.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import signal
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    CACHE_DIR,
    LUA_DONE,
    PYTHON,
    Processes,
    cpu_seconds,
    database,
    echofed_cli,
    echofed_env,
    free_port,
    load_average,
    machine_cpu,
    machine_facts,
    pids_named,
    private_redis_db,
    require_wrk,
    rsa_speed,
    start_echofed,
    table,
    wait_http,
    workdir,
    write_results,
)

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
KEY_FILE = CACHE_DIR / "rsa2048-keys.jsonl"


# --- keys (generated once, cached) -----------------------------------------------------------


def _generate_one(_: int) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return json.dumps({"private": private, "public": public})


def ensure_keys(count: int) -> list[dict[str, str]]:
    """``count`` RSA-2048 key pairs from ``bench/.cache``, generating the missing ones."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    lines = KEY_FILE.read_text().splitlines() if KEY_FILE.exists() else []
    missing = count - len(lines)
    if missing > 0:
        print(f"generating {missing} RSA-2048 keys into {KEY_FILE} (once)…", flush=True)
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            new = list(pool.map(_generate_one, range(missing), chunksize=16))
        with KEY_FILE.open("a") as handle:
            handle.write("".join(line + "\n" for line in new))
        lines += new
    return [json.loads(line) for line in lines[:count]]


# --- remote actors and the key server --------------------------------------------------------


def actor_documents(ports: list[int], keys: list[dict[str, str]]) -> tuple[list[str], dict[str, bytes]]:
    """Actor ids (index = key index) and the documents the key server serves, by "port path"."""
    ids: list[str] = []
    docs: dict[str, bytes] = {}
    for index, key in enumerate(keys):
        port = ports[index % len(ports)]
        base = f"http://127.0.0.1:{port}"
        actor_id = f"{base}/users/u{index}"
        document = {
            "@context": CONTEXT,
            "id": actor_id,
            "type": "Person",
            "preferredUsername": f"u{index}",
            "name": f"Remote actor {index}",
            "inbox": f"{actor_id}/inbox",
            "outbox": f"{actor_id}/outbox",
            "followers": f"{actor_id}/followers",
            "following": f"{actor_id}/following",
            "endpoints": {"sharedInbox": f"{base}/inbox"},
            "url": f"{base}/@u{index}",
            "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": key["public"]},
        }
        ids.append(actor_id)
        docs[f"{port} /users/u{index}"] = json.dumps(document).encode()
    return ids, docs


async def _key_server(spec_path: Path) -> None:
    """Bind ``hosts`` ports (chosen by the kernel), serve the actors, write the ports back."""
    spec = json.loads(spec_path.read_text())
    stats = {"gets": 0, "paths": set()}
    docs: dict[str, bytes] = {}

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
                method, target, _ = request_line.split(" ", 2)
                path = target.split("?", 1)[0]
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                if path == "/__stats":
                    body = json.dumps({"gets": stats["gets"], "unique": len(stats["paths"])}).encode()
                    status, ctype = "200 OK", "application/json"
                elif method == "GET" and f"{port} {path}" in docs:
                    stats["gets"] += 1
                    stats["paths"].add(f"{port} {path}")
                    body, status, ctype = docs[f"{port} {path}"], "200 OK", "application/activity+json"
                else:
                    body, status, ctype = b'{"error":"not found"}', "404 Not Found", "application/json"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024) for _ in range(spec["hosts"])]
    ports = [server.sockets[0].getsockname()[1] for server in servers]
    _ids, built = actor_documents(ports, ensure_keys(spec["actors"]))
    docs.update(built)
    pending = Path(spec["ready"] + ".tmp")
    pending.write_text(json.dumps({"ports": ports}))
    pending.rename(spec["ready"])
    print("keyserver ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        for server in servers:
            server.close()


def key_server_main(spec_path: Path) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_key_server(spec_path))


def key_server_stats(port: int) -> dict[str, int]:
    import httpx2

    return httpx2.get(f"http://127.0.0.1:{port}/__stats", timeout=5).json()


# --- activities and signed requests ----------------------------------------------------------


def create_event(actor_id: str) -> dict[str, Any]:
    base = actor_id.rsplit("/users/", 1)[0]
    token = uuid.uuid4().hex
    start = datetime(2031, 5, 17, 18, 0, tzinfo=UTC) + timedelta(hours=random.randint(0, 5000))
    event = {
        "id": f"{base}/events/{token}",
        "type": "Event",
        "name": f"Nuit des étoiles {token[:6]}",
        "content": "<p>Observation du ciel avec le club d'astronomie.</p>",
        "startTime": start.isoformat(),
        "endTime": (start + timedelta(hours=3)).isoformat(),
        "timezone": "Europe/Paris",
        "location": {
            "type": "Place", "name": "Planétarium", "latitude": 48.58, "longitude": 7.75,
            "address": {"type": "PostalAddress", "streetAddress": "Rue de l'Observatoire",
                        "postalCode": "67000", "addressLocality": "Strasbourg"},
        },
        "attributedTo": actor_id,
        "to": [AS_PUBLIC],
        "cc": [f"{actor_id}/followers"],
        "published": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return {
        "@context": CONTEXT,
        "id": f"{actor_id}/activities/{token}",
        "type": "Create",
        "actor": actor_id,
        "object": event,
        "to": [AS_PUBLIC],
        "cc": [f"{actor_id}/followers"],
        "published": event["published"],
    }


_SIGNING_KEYS: list[Any] = []


def _load_signing_keys(pems: list[str]) -> None:
    from cryptography.hazmat.primitives import serialization

    _SIGNING_KEYS[:] = [
        serialization.load_pem_private_key(pem.encode(), None, unsafe_skip_rsa_key_validation=True)
        for pem in pems
    ]


def _sign_chunk(chunk: list[tuple[int, str, bytes, str]]) -> list[bytes]:
    """Build raw HTTP requests: (key index, keyId, body, host) → bytes (an independent signer)."""
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA256

    out = []
    date = format_datetime(datetime.now(UTC), usegmt=True)
    for key_index, key_id, body, host in chunk:
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        ctype = "application/activity+json"
        signed = (
            f"(request-target): post /inbox\nhost: {host}\ndate: {date}\n"
            f"digest: {digest}\ncontent-type: {ctype}"
        ).encode()
        signature = base64.b64encode(_SIGNING_KEYS[key_index].sign(signed, PKCS1v15(), SHA256())).decode()
        head = (
            f"POST /inbox HTTP/1.1\r\nHost: {host}\r\nDate: {date}\r\nDigest: {digest}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            f'Signature: keyId="{key_id}",algorithm="rsa-sha256",'
            f'headers="(request-target) host date digest content-type",signature="{signature}"\r\n'
            "User-Agent: echofed-bench\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


class Phase:
    """One batch of requests: which are valid, duplicates, forged; in send order."""

    def __init__(self, name: str, requests: list[bytes], kinds: list[str], valid_ids: list[str]) -> None:
        self.name = name
        self.requests = requests
        self.kinds = kinds
        self.valid_ids = valid_ids

    def expected(self) -> dict[str, int]:
        return {
            "202": sum(1 for k in self.kinds if k in ("valid", "duplicate")),
            "401": sum(1 for k in self.kinds if k == "forged"),
        }


def build_phase(
    name: str, size: int, actor_ids: list[str], host: str, dup_rate: float, forged_rate: float,
    pool: ProcessPoolExecutor, rng: random.Random,
) -> Phase:
    forged = round(size * forged_rate)
    dups = round(size * dup_rate)
    valid = size - forged - dups
    n = len(actor_ids)
    # Every actor signs at least once when the phase is big enough (cold: every key fetched).
    order = list(range(n))
    rng.shuffle(order)
    signers = [order[i % n] for i in range(valid + forged)]
    rng.shuffle(signers)
    items: list[tuple[str, int, str, bytes]] = []  # kind, key index, activity id, body
    for i, actor in enumerate(signers):
        activity = create_event(actor_ids[actor])
        body = json.dumps(activity, ensure_ascii=False, separators=(",", ":")).encode()
        if i < valid:
            items.append(("valid", actor, activity["id"], body))
        else:  # signed with the next actor's key, under this actor's keyId
            items.append(("forged", (actor + 1) % n, activity["id"], body))
    key_ids = {i: f"{a}#main-key" for i, a in enumerate(actor_ids)}
    work = []
    for kind, key_index, _aid, body in items:
        claimed = key_index if kind == "valid" else (key_index - 1) % n
        work.append((key_index, key_ids[claimed], body, host))
    chunks = [work[i:i + 250] for i in range(0, len(work), 250)]
    raw: list[bytes] = [r for part in pool.map(_sign_chunk, chunks) for r in part]
    requests = list(zip([k for k, *_ in items], raw, [aid for _, _, aid, _ in items]))
    valid_positions = [i for i, (kind, *_r) in enumerate(requests) if kind == "valid"]
    for _ in range(dups):  # exact re-sends of valid requests (a retrying sender)
        original = requests[rng.choice(valid_positions)]
        requests.append(("duplicate", original[1], original[2]))
    rng.shuffle(requests)
    return Phase(
        name,
        [r for _, r, _ in requests],
        [k for k, _, _ in requests],
        [aid for k, _, aid in requests if k == "valid"],
    )


# --- wrk replay ------------------------------------------------------------------------------

LUA_REPLAY = LUA_DONE + r"""
-- Each wrk thread sends its own list of pre-built requests exactly once, then stops.
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_usec; } bench_timeval;
           int gettimeofday(bench_timeval *tv, void *tz); ]]
local function now_us()
  local tv = ffi.new("bench_timeval")
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

local threads, counter = {}, 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local reqs, n, reserved, sent, received, prefix = {}, 0, 0, 0, 0, ""
first_us, last_us, s2xx, s401, sother = 0, 0, 0, 0, 0
function init(args)
  prefix = args[1]
  local f = assert(io.open(prefix .. "." .. tid .. ".req", "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local nl = data:find("\n", pos, true)
    local len = tonumber(data:sub(pos, nl - 1))
    reqs[#reqs + 1] = data:sub(nl + 1, nl + len)
    pos = nl + len + 1
  end
  n = #reqs
end

-- wrk asks delay() before each request(): a request is reserved there, so that no two
-- connections ever take the same one; with nothing left the connection is parked.
function delay()
  if reserved >= n then return 3600000 end
  reserved = reserved + 1
  return 0
end

function request()
  -- At start-up wrk calls request() once, without sending it, to check the script: every
  -- real call follows a delay() that reserved a request.
  if sent >= reserved then return reqs[1] end
  sent = sent + 1
  if first_us == 0 then first_us = now_us() end
  return reqs[sent]
end

function response(status, headers, body)
  received = received + 1
  if status == 202 then s2xx = s2xx + 1
  elseif status == 401 then s401 = s401 + 1
  else sother = sother + 1 end
  if received >= n then
    last_us = now_us()
    local f = io.open(prefix .. "." .. tid .. ".done", "w")
    f:write("done")
    f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local first, last, a, b, c = nil, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    local f = t:get("first_us")
    if f > 0 and (first == nil or f < first) then first = f end
    if t:get("last_us") > last then last = t:get("last_us") end
    a = a + t:get("s2xx"); b = b + t:get("s401"); c = c + t:get("sother")
  end
  bench_json(summary, latency, {first_us = first or 0, last_us = last,
             status_202 = a, status_401 = b, status_other = c})
end
"""


def replay(phase: Phase, url: str, work: Path, *, threads: int, connections: int, cap: float) -> dict[str, Any]:
    """Send every request of the phase once with wrk; return wrk's numbers and our timing."""
    import subprocess

    prefix = work / f"{phase.name}-{uuid.uuid4().hex[:6]}"
    for t in range(threads):
        with open(f"{prefix}.{t + 1}.req", "wb") as handle:
            handle.writelines(f"{len(request)}\n".encode() + request for request in phase.requests[t::threads])
    script = work / "replay.lua"
    script.write_text(LUA_REPLAY)
    argv = [
        require_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{int(cap)}s",
        "--timeout", "60s", "--latency", "-s", str(script), url, "--", str(prefix),
    ]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + cap + 5
    while time.monotonic() < deadline and process.poll() is None:
        if all(Path(f"{prefix}.{t + 1}.done").exists() for t in range(threads)):
            os.kill(process.pid, signal.SIGINT)  # wrk sleeps for -d; SIGINT ends it now
            break
        time.sleep(0.05)
    out, err = process.communicate(timeout=cap + 60)
    for line in out.splitlines():
        if line.startswith("BENCH_JSON "):
            data: dict[str, Any] = json.loads(line[len("BENCH_JSON "):])
            data["argv"] = " ".join(argv)
            data["complete"] = data["requests"] == len(phase.requests)
            data["seconds"] = max(1e-6, (data["last_us"] - data["first_us"]) / 1e6) if data["last_us"] else None
            return data
    raise RuntimeError(f"wrk gave no result (rc {process.returncode}):\n{out}\n{err}")


# --- one database ----------------------------------------------------------------------------


async def stored_ids(db: Any) -> tuple[int, set[str]]:
    rows = await db.fetch("SELECT activity_id FROM inbox_item")
    return len(rows), {r[0] for r in rows}


def run_database(kind: str, args: argparse.Namespace, keys: list[dict[str, str]], pool: ProcessPoolExecutor) -> dict[str, Any]:
    work = workdir(f"inbox-{kind}")
    processes = Processes()
    rng = random.Random(args.seed)
    result: dict[str, Any] = {"database": kind, "phases": []}
    try:
        spec, ready = work / "keyserver.json", work / "keyserver.ready"
        spec.write_text(json.dumps({"hosts": args.hosts, "actors": args.actors, "ready": str(ready)}))
        keyserver = processes.start(
            "keyserver", [PYTHON, str(Path(__file__).resolve()), "keyserver", str(spec)],
            dict(os.environ), work / "keyserver.log",
        )
        deadline = time.monotonic() + 60
        while not ready.exists():
            if keyserver.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"key server did not start:\n{keyserver.tail()}")
            time.sleep(0.05)
        ports = json.loads(ready.read_text())["ports"]
        actor_ids, _docs = actor_documents(ports, keys)
        wait_http(f"http://127.0.0.1:{ports[0]}/__stats", keyserver)

        with database(kind, "inbox", work) as db, _jobs_env(args.jobs) as jobs_env:
            port = free_port()
            env = echofed_env(port, db.url, ECHOFED_LOG_LEVEL=args.log_level, **jobs_env)
            echofed_cli(env, "db", "upgrade")
            server = start_echofed(processes, env, port, args.workers, work / "echofed.log")
            host = f"127.0.0.1:{port}"
            url = f"http://{host}/inbox"
            expected_ids: set[str] = set()
            for name, size in (("cold", args.cold), ("warm", args.warm)):
                if size <= 0:
                    continue
                t0 = time.monotonic()
                phase = build_phase(name, size, actor_ids, host, args.dup_rate, args.forged_rate, pool, rng)
                built = time.monotonic() - t0
                before_fetch = key_server_stats(ports[0])
                pids = server.all_pids()
                rsa = rsa_speed()
                load = load_average()
                machine0 = machine_cpu()
                cpu0 = cpu_seconds(pids)
                services = {name: pids_named(name) for name in ("postgres", "redis-server")}
                services0 = {name: cpu_seconds(found) for name, found in services.items()}
                if args.profile and name == args.profile_phase:
                    profiler = _start_profiler(processes, server, work, kind, name, args)
                else:
                    profiler = None
                numbers = replay(phase, url, work, threads=args.threads, connections=args.connections, cap=args.cap)
                cpu1 = cpu_seconds(pids)
                services1 = {name: cpu_seconds(found) for name, found in services.items()}
                machine1 = machine_cpu()
                if profiler is not None:
                    processes.stop(profiler, sig=signal.SIGINT)
                after_fetch = key_server_stats(ports[0])
                expected_ids.update(phase.valid_ids)
                count, ids = asyncio.run(stored_ids(db))
                expected = phase.expected()
                seconds = numbers["seconds"] or float("nan")
                stored_now = len(phase.valid_ids)
                row = {
                    "database": kind,
                    "phase": name,
                    "requests": len(phase.requests),
                    "valid": len(phase.valid_ids),
                    "duplicates": phase.kinds.count("duplicate"),
                    "forged": phase.kinds.count("forged"),
                    "seconds": seconds,
                    "req_per_s": len(phase.requests) / seconds,
                    "stored_per_s": stored_now / seconds,
                    "p50_ms": numbers["lat_p50_us"] / 1000,
                    "p90_ms": numbers["lat_p90_us"] / 1000,
                    "p99_ms": numbers["lat_p99_us"] / 1000,
                    "max_ms": numbers["lat_max_us"] / 1000,
                    "status_202": numbers["status_202"],
                    "status_401": numbers["status_401"],
                    "status_other": numbers["status_other"],
                    "expected_202": expected["202"],
                    "expected_401": expected["401"],
                    "key_fetches": after_fetch["gets"] - before_fetch["gets"],
                    "actors_fetched_total": after_fetch["unique"],
                    "rows": count,
                    "rows_expected": len(expected_ids),
                    "server_cpu_s": round(cpu1 - cpu0, 2),
                    "server_cpu_ms_per_req": (cpu1 - cpu0) * 1000 / len(phase.requests),
                    # PostgreSQL's backends (those living through the phase) and Redis.
                    "postgres_cpu_ms_per_req": (services1["postgres"] - services0["postgres"]) * 1000 / len(phase.requests),
                    "redis_cpu_ms_per_req": (services1["redis-server"] - services0["redis-server"]) * 1000 / len(phase.requests),
                    "build_s": round(built, 1),
                    "load_average_before": load,
                    "rsa_signs_per_second": rsa,  # this VM's speed just before the phase
                    "machine_busy_pct": round(
                        100 * (machine1[0] - machine0[0]) / max(1e-9, machine1[1] - machine0[1]), 1
                    ),
                    "wrk": numbers,
                }
                row["ok"] = (
                    numbers["complete"]
                    and row["status_202"] == expected["202"]
                    and row["status_401"] == expected["401"]
                    and row["status_other"] == 0
                    and ids == expected_ids
                    and count == len(expected_ids)
                )
                result["phases"].append(row)
                print(
                    f"  {kind:10} {name}: {row['stored_per_s']:,.0f} stored/s, {row['req_per_s']:,.0f} req/s, "
                    f"p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, 202={row['status_202']}/"
                    f"{expected['202']} 401={row['status_401']}/{expected['401']} other={row['status_other']}, "
                    f"rows {count}/{len(expected_ids)}, key fetches {row['key_fetches']}, ok={row['ok']}",
                    flush=True,
                )
                if not row["ok"]:
                    print(server.tail(4000), file=sys.stderr)
                if args.pause:
                    time.sleep(args.pause)
            result["log_tail"] = server.tail(2000)
            processes.stop(server)
    finally:
        processes.stop_all()
    return result


def _start_profiler(processes: Processes, server: Any, work: Path, kind: str, name: str, args: argparse.Namespace) -> Any:
    """py-spy on the web process(es) for the phase (``--profile``; needs ``pip install py-spy``)."""
    import shutil

    spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    target = server.all_pids()[-1]  # the (last) worker process, or the single process
    out = Path(args.profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [spy, "record", "-p", str(target), "-o", str(out), "-f", {".json": "speedscope", ".txt": "raw"}.get(out.suffix, "flamegraph"), "-r", "200", "--nonblocking"]
    return processes.start("py-spy", argv, dict(os.environ), work / "py-spy.log")


class _jobs_env:
    """Environment for the job runner: a private Redis database (inbox alone), or embedded."""

    def __init__(self, jobs: str) -> None:
        self.jobs = jobs
        self._ctx: Any = None

    def __enter__(self) -> dict[str, str]:
        if self.jobs == "embedded":
            return {"ECHOFED_EMBEDDED_WORKER": "on"}
        self._ctx = private_redis_db()
        url = self._ctx.__enter__()
        return {"ECHOFED_REDIS_URL": url, "ECHOFED_EMBEDDED_WORKER": "off"}

    def __exit__(self, *exc: object) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(*exc)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgresql", help="databases, comma-separated (sqlite,postgresql)")
    parser.add_argument("--actors", type=int, default=1000, help="remote actors, one RSA-2048 key each (1000)")
    parser.add_argument("--hosts", type=int, default=10, help="remote hosts (key server ports) (10)")
    parser.add_argument("--cold", type=int, default=3000, help="requests in the cold-cache phase (3000)")
    parser.add_argument("--warm", type=int, default=6000, help="requests in the warm-cache phase (6000)")
    parser.add_argument("--dup-rate", type=float, default=0.05, help="share of duplicate re-sends (0.05)")
    parser.add_argument("--forged-rate", type=float, default=0.05, help="share of forged signatures (0.05)")
    parser.add_argument("--workers", type=int, default=2, help="echofed web processes (serve --workers) (2)")
    parser.add_argument("--connections", type=int, default=64, help="wrk keep-alive connections (64)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--jobs", choices=["redis", "embedded"], default="redis",
                        help="redis: inbox alone, items queued in a private Redis db, no worker; "
                             "embedded: the embedded worker processes items meanwhile (redis)")
    parser.add_argument("--cap", type=float, default=300, help="upper bound in seconds for each phase (300)")
    parser.add_argument("--log-level", default="INFO", help="ECHOFED_LOG_LEVEL of the server (INFO)")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between phases (2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", metavar="FILE", help="py-spy record of one web process to FILE (.svg or .json)")
    parser.add_argument("--profile-phase", default="warm", choices=["cold", "warm"])
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv[:1] == ["keyserver"]:
        key_server_main(Path(argv[1]))
        return 0
    args = parse_args(argv)
    require_wrk()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop our processes on the way out
    started = time.monotonic()
    keys = ensure_keys(args.actors)
    facts = machine_facts()
    print(f"machine: {facts['nproc']} cores ({facts['cpu']}), Python {facts['python']}, {facts['wrk']}")
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(
        max_workers=os.cpu_count() or 2, initializer=_load_signing_keys, initargs=([k["private"] for k in keys],)
    ) as pool:
        for kind in [d.strip() for d in args.db.split(",") if d.strip()]:
            results.append(run_database(kind, args, keys, pool))
    rows = [row for r in results for row in r["phases"]]
    print()
    print(table(rows, [
        ("database", "database"), ("phase", "phase"), ("requests", "requests"),
        ("stored_per_s", "stored/s"), ("req_per_s", "req/s"), ("p50_ms", "p50 ms"),
        ("p99_ms", "p99 ms"), ("status_202", "202"), ("status_401", "401"),
        ("status_other", "other"), ("rows", "rows"), ("rows_expected", "expected"),
        ("key_fetches", "key GETs"), ("server_cpu_ms_per_req", "srv CPU ms/req"),
        ("postgres_cpu_ms_per_req", "PG CPU ms/req"), ("redis_cpu_ms_per_req", "Redis CPU ms/req"),
        ("machine_busy_pct", "machine busy %"), ("rsa_signs_per_second", "RSA signs/s"), ("ok", "ok"),
    ]))
    path = write_results("inbox", {
        "machine": facts,
        "args": vars(args),
        "command": " ".join([Path(PYTHON).name, "bench/inbox.py", *argv]),
        "results": results,
        "elapsed_s": round(time.monotonic() - started, 1),
    })
    print(f"\nresults: {path}")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
