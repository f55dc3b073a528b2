"""Loopback inboxes that record what arrives and check our signatures with an independent
library (httpsig), for delivery tests and the fan-out benchmark.

One asyncio server per port (each port is a distinct "host"), a minimal HTTP/1.1 keep-alive
loop, in a background thread. ``behaviour(port, path)`` decides the answer: a status, extra
headers, and an optional delay (to make a receiver hang past the client's timeout).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from httpsig.verify import HeaderVerifier


@dataclass(frozen=True)
class Answer:
    status: int = 202
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


@dataclass
class Arrival:
    port: int
    path: str
    activity_id: str | None
    activity_type: str | None
    key_id: str | None
    verified: bool


Behaviour = Callable[[int, str], Answer]
REASONS = {200: "OK", 202: "Accepted", 404: "Not Found", 410: "Gone", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class Receiver:
    count: int = 1
    behaviour: Behaviour = field(default=lambda port, path: Answer())
    keys: dict[str, str] = field(default_factory=dict)  # keyId → public PEM
    verify: bool = True
    ports: list[int] = field(default_factory=list)
    arrivals: list[Arrival] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.AbstractServer] = []
        self._lock = threading.Lock()
        self._connections: set[asyncio.Task[None]] = set()

    def __enter__(self) -> Receiver:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        for _ in range(self.count):
            server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()

    def inbox(self, index: int, path: str = "/inbox") -> str:
        return f"http://127.0.0.1:{self.ports[index]}{path}"

    def received(self) -> list[Arrival]:
        with self._lock:
            return list(self.arrivals)

    def _check(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[str | None, bool]:
        signature = headers.get("signature", "")
        key_id = None
        for part in signature.split(","):
            name, _, value = part.partition("=")
            if name.strip() == "keyId":
                key_id = value.strip().strip('"')
        if not self.verify:
            return key_id, True
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if headers.get("digest") != digest or key_id not in self.keys:
            return key_id, False
        try:
            verifier = HeaderVerifier(
                headers, self.keys[key_id].encode(), required_headers=["(request-target)", "host", "date", "digest"],
                method=method, path=path, sign_header="signature",
            )
            return key_id, bool(verifier.verify())
        except Exception:
            return key_id, False

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                answer = self.behaviour(port, path)
                if answer.delay:
                    await asyncio.sleep(answer.delay)
                key_id, verified = self._check(method, path, headers, body)
                activity_id = activity_type = None
                try:
                    document = json.loads(body) if body else {}
                    activity_id, activity_type = document.get("id"), document.get("type")
                except ValueError:
                    pass
                with self._lock:
                    self.arrivals.append(Arrival(port, path, activity_id, activity_type, key_id, verified))
                status = answer.status if verified else 401
                extra = "".join(f"{k}: {v}\r\n" for k, v in answer.headers)
                writer.write(
                    f"HTTP/1.1 {status} {REASONS.get(status, 'X')}\r\ncontent-length: 0\r\n{extra}\r\n".encode()
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
