"""A minimal HTTP/1.1 server on loopback for tests: one or more ports (each a distinct "host"),
keep-alive connections, served by an asyncio loop in a background thread so that synchronous
tests and the app under test (TestClient, subprocesses) can talk to it.

Subclasses decide the answer in :meth:`LoopbackServer.handle`; the remote origin of the inbox
tests and the receivers of the delivery tests are both built on it.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Self

REASONS = {200: "OK", 202: "Accepted", 401: "Unauthorized", 404: "Not Found", 410: "Gone",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Request:
    port: int
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


class LoopbackServer:
    """Listens on ``count`` loopback ports between ``with`` and the end of the block."""

    def __init__(self, count: int = 1) -> None:
        self.count = count
        self.ports: list[int] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.AbstractServer] = []
        self._connections: set[asyncio.Task[None]] = set()
        self.lock = threading.Lock()  # guards what subclasses record

    async def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
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
                reply = await self.handle(Request(port, method, path, headers, body))
                head = "".join(f"{name}: {value}\r\n" for name, value in reply.headers)
                writer.write(
                    f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'X')}\r\n{head}"
                    f"content-length: {len(reply.body)}\r\n\r\n".encode() + reply.body
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
