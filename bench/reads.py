"""Read benchmark: actor JSON, WebFinger, NodeInfo 2.1 and the outbox's first page, unsigned and
(authorized fetch on) signed, measured with ``wrk`` on loopback.

    .venv/bin/python bench/reads.py                       # PostgreSQL, 2 web processes
    .venv/bin/python bench/reads.py --db sqlite --workers 1 --duration 5

What it does:

1. a fresh database (PostgreSQL ``bench_reads_*``, dropped afterwards, or a SQLite file),
   ``--actors`` local actors (``echofed actor create``) and ``--events`` events by the first one
   (``echofed event create``), so the outbox's first page is a real page;
2. ``echofed serve --workers N`` (``ECHOFED_DEMO=0``), then one ``wrk --latency`` run per
   endpoint (``--duration`` seconds, ``--connections`` keep-alive connections);
3. the same server restarted with ``ECHOFED_AUTHORIZED_FETCH=1``: actor and outbox GETs signed
   (draft-cavage rsa-sha256 over ``(request-target) host date accept``, one pre-computed
   ``Signature`` per URL with a Date inside the accepted window) by a remote actor served by a
   loopback key server (``bench/inbox.py keyserver``); WebFinger and NodeInfo stay public in
   that mode and are measured again as such.

Each endpoint is first fetched once and must answer 200. ``wrk`` is the Debian package
(``apt-get install -y wrk``). Every process is stopped by PID; results go to
``bench/results/reads-*.json``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
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
    require_wrk,
    run_wrk,
    start_echofed,
    table,
    wait_http,
    workdir,
    write_results,
)

AS_ACCEPT = "application/activity+json"

LUA_GET = LUA_DONE + r"""
-- A fixed GET: path and headers come from the script arguments (name=value pairs).
function init(args)
  wrk.method = "GET"
  wrk.path = args[1]
  for i = 2, #args do
    local name, value = args[i]:match("^([^=]+)=(.*)$")
    wrk.headers[name] = value
  end
end

function done(summary, latency, requests)
  bench_json(summary, latency, {})
end
"""


def create_content(env: dict[str, str], actors: int, events: int) -> None:
    echofed_cli(env, "db", "upgrade")
    for index in range(actors):
        echofed_cli(env, "actor", "create", "--username", f"bench{index}", "--type", "Organization",
                    "--name", f"Planétarium {index}", "--summary", "Un lieu de **culture scientifique**.",
                    "--city", "Strasbourg", "--website", "https://planetarium.example")

    def event(number: int) -> None:
        echofed_cli(env, "event", "create", "--actor", "bench0", "--title", f"Nuit des étoiles {number}",
                    "--start", f"2031-06-{1 + number % 28:02d}T20:00", "--end", f"2031-06-{1 + number % 28:02d}T23:00",
                    "--description", "Observation du ciel avec le club d'astronomie.",
                    "--place-name", "Planétarium", "--address", "Rue de l'Observatoire", "--postcode", "67000",
                    "--city", "Strasbourg", "--lat", "48.58", "--lon", "7.77", "--tag", "astronomie")

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(event, range(events)))


def signed_headers(url_path: str, host: str, key_id: str, private_pem: str) -> dict[str, str]:
    """Headers of a draft-cavage signed GET (an independent signer, Date = now)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA256

    key = serialization.load_pem_private_key(private_pem.encode(), None)
    date = format_datetime(datetime.now(UTC), usegmt=True)
    base = f"(request-target): get {url_path}\nhost: {host}\ndate: {date}\naccept: {AS_ACCEPT}".encode()
    signature = base64.b64encode(key.sign(base, PKCS1v15(), SHA256())).decode()  # type: ignore[union-attr]
    return {
        "Host": host, "Date": date, "Accept": AS_ACCEPT,
        "Signature": f'keyId="{key_id}",algorithm="rsa-sha256",headers="(request-target) host date accept",'
                     f'signature="{signature}"',
    }


def check_once(url: str, headers: dict[str, str]) -> tuple[int, int]:
    import httpx2

    response = httpx2.get(url, headers=headers, timeout=30)
    return response.status_code, len(response.content)


def measure(
    name: str, signed: bool, base: str, path: str, headers: dict[str, str], server: Any,
    script: Path, args: argparse.Namespace,
) -> dict[str, Any]:
    status, size = check_once(base + path, headers)
    if status != 200:
        raise RuntimeError(f"{name}: GET {path} answered {status}:\n{server.tail()}")
    pids = server.all_pids()
    load = load_average()
    machine0 = machine_cpu()
    cpu0 = cpu_seconds(pids)
    numbers = run_wrk(
        base + path, script, threads=args.threads, connections=args.connections,
        duration=args.duration, script_args=[path, *(f"{k}={v}" for k, v in headers.items())],
    )
    cpu1 = cpu_seconds(pids)
    machine1 = machine_cpu()
    row = {
        "endpoint": name,
        "signed": "yes" if signed else "no",
        "path": path,
        "bytes": size,
        "req_per_s": numbers["rps"],
        "p50_ms": numbers["lat_p50_us"] / 1000,
        "p90_ms": numbers["lat_p90_us"] / 1000,
        "p99_ms": numbers["lat_p99_us"] / 1000,
        "max_ms": numbers["lat_max_us"] / 1000,
        "requests": numbers["requests"],
        "non_2xx": numbers["err_status"],
        "socket_errors": numbers["err_connect"] + numbers["err_read"] + numbers["err_write"] + numbers["err_timeout"],
        "server_cpu_ms_per_req": (cpu1 - cpu0) * 1000 / max(1, numbers["requests"]),
        "load_average_before": load,
        "machine_busy_pct": round(100 * (machine1[0] - machine0[0]) / max(1e-9, machine1[1] - machine0[1]), 1),
        "wrk": numbers,
    }
    print(
        f"  {name:9} signed={row['signed']:3}: {row['req_per_s']:8,.0f} req/s  p50 {row['p50_ms']:6.1f} ms  "
        f"p99 {row['p99_ms']:6.1f} ms  non-2xx {row['non_2xx']}  server CPU {row['server_cpu_ms_per_req']:.2f} ms/req",
        flush=True,
    )
    return row


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench.inbox import actor_documents, ensure_keys

    work = workdir("reads")
    processes = Processes()
    rows: list[dict[str, Any]] = []
    script = work / "get.lua"
    script.write_text(LUA_GET)
    try:
        with database(args.db, "reads", work) as db:
            port = free_port()
            host = f"127.0.0.1:{port}"
            base = f"http://{host}"
            env = echofed_env(port, db.url, ECHOFED_LOG_LEVEL=args.log_level)
            t0 = time.monotonic()
            create_content(env, args.actors, args.events)
            print(f"  {args.actors} actors and {args.events} events created in {time.monotonic() - t0:.0f} s", flush=True)
            endpoints = {
                "actor": ("/actors/bench0", {"Accept": AS_ACCEPT}),
                "webfinger": (f"/.well-known/webfinger?resource=acct:bench0@{host}", {}),
                "nodeinfo": ("/nodeinfo/2.1", {}),
                "outbox": ("/actors/bench0/outbox?page=1", {"Accept": AS_ACCEPT}),
            }
            server = start_echofed(processes, env, port, args.workers, work / "echofed.log")
            for name, (path, headers) in endpoints.items():
                rows.append(measure(name, False, base, path, headers, server, script, args))
            processes.stop(server)

            # Authorized fetch: signed GETs from a remote actor whose key the server fetches.
            spec, ready = work / "keyserver.json", work / "keyserver.ready"
            spec.write_text(json.dumps({"hosts": 1, "actors": 1, "ready": str(ready)}))
            keyserver = processes.start(
                "keyserver", [PYTHON, str(Path(__file__).with_name("inbox.py")), "keyserver", str(spec)],
                dict(os.environ), work / "keyserver.log",
            )
            deadline = time.monotonic() + 60
            while not ready.exists():
                if keyserver.popen.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"key server did not start:\n{keyserver.tail()}")
                time.sleep(0.05)
            ports = json.loads(ready.read_text())["ports"]
            wait_http(f"http://127.0.0.1:{ports[0]}/__stats", keyserver)
            keys = ensure_keys(1)
            actor_ids, _docs = actor_documents(ports, keys)
            key_id = f"{actor_ids[0]}#main-key"
            signed_env = {**env, "ECHOFED_AUTHORIZED_FETCH": "1"}
            server = start_echofed(processes, signed_env, port, args.workers, work / "echofed-signed.log")
            for name, (path, headers) in endpoints.items():
                if name in ("actor", "outbox"):
                    unsigned_status, _ = check_once(base + path, headers)
                    if unsigned_status != 401:
                        raise RuntimeError(f"authorized fetch: unsigned GET {path} answered {unsigned_status}")
                    headers = signed_headers(path, host, key_id, keys[0]["private"])
                    rows.append(measure(name, True, base, path, headers, server, script, args))
                else:  # public by design in authorized-fetch mode
                    row = measure(name, False, base, path, headers, server, script, args)
                    row["signed"] = "public (AF on)"
                    rows.append(row)
            processes.stop(server)
    finally:
        processes.stop_all()
    return {"rows": rows}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql", help="database (postgresql)")
    parser.add_argument("--workers", type=int, default=2, help="echofed web processes (serve --workers) (2)")
    parser.add_argument("--actors", type=int, default=5, help="local actors to create (5)")
    parser.add_argument("--events", type=int, default=40, help="events by the first actor: its outbox (40 = one page)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of wrk per endpoint (10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk keep-alive connections (32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--log-level", default="INFO", help="ECHOFED_LOG_LEVEL of the server (INFO)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    require_wrk()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop our processes on the way out
    facts = machine_facts()
    print(f"machine: {facts['nproc']} cores ({facts['cpu']}), Python {facts['python']}, {facts['wrk']}")
    print(f"load average before: {load_average()}")
    started = time.monotonic()
    result = run(args)
    rows = result["rows"]
    print()
    print(table(rows, [
        ("endpoint", "endpoint"), ("signed", "signed"), ("req_per_s", "req/s"), ("p50_ms", "p50 ms"),
        ("p99_ms", "p99 ms"), ("non_2xx", "non-2xx"), ("server_cpu_ms_per_req", "srv CPU ms/req"),
        ("machine_busy_pct", "machine busy %"), ("bytes", "bytes"),
    ]))
    path = write_results("reads", {
        "machine": facts,
        "args": vars(args),
        "command": " ".join([Path(PYTHON).name, "bench/reads.py", *argv]),
        "load_after": load_average(),
        "results": rows,
        "elapsed_s": round(time.monotonic() - started, 1),
    })
    print(f"\nresults: {path}")
    return 0 if all(r["non_2xx"] == 0 and r["socket_errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
