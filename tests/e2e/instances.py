"""Real echofed processes on loopback for end-to-end federation tests.

Each instance is ``echofed serve`` in its own process with its own SQLite database, on a free
port of 127.0.0.1, with ``ECHOFED_ALLOW_PRIVATE_ADDRESSES=1`` so the instances can reach each
other. Processes are stopped by PID at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Instance:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "echofed.cli", *args], env=self.env, input=stdin,
            capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"echofed {' '.join(args)} failed: {result.stderr}")
        return result

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "echofed.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx2.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def get_json(self, path: str, **kwargs: Any) -> Any:
        response = httpx2.get(
            f"{self.base}{path}", headers={"Accept": "application/activity+json"}, timeout=5, **kwargs
        )
        response.raise_for_status()
        return response.json()


def make_instance(name: str, tmp: Path, database_url: str | None = None, **env: str) -> Instance:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ECHOFED_")}
    environment.update(
        ECHOFED_BASE_URL=f"http://127.0.0.1:{port}",
        ECHOFED_DATABASE_URL=database_url or f"sqlite+aiosqlite:///{tmp / f'{name}.db'}",
        ECHOFED_ALLOW_PRIVATE_ADDRESSES="1",
        ECHOFED_DEMO="0",
        ECHOFED_SWEEP_SECONDS="0.5",
        ECHOFED_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    environment.update(env)
    instance = Instance(name, port, environment, tmp / f"{name}.log")
    instance.cli("db", "upgrade")
    return instance


def wait_for(predicate: Any, *, timeout: float = 20, interval: float = 0.2, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
