"""A remote fediverse server on loopback, for inbox and authorized-fetch tests: it serves actor
documents (with their public keys) and other JSON by path, records every request, and answers
202 to POSTs (so deliveries to its inboxes succeed).

One asyncio server in a background thread, a minimal HTTP/1.1 keep-alive loop (the same shape
as ``tests/e2e/receiver.py``). Its "host" is ``127.0.0.1:<port>``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from federation.keys import KeyPair, generate_key_pair
from federation.signatures import sign_request

KEYS_DIR = Path(__file__).parent.parent / "fixtures" / "keys"
AS_JSON = "application/activity+json"


@functools.cache
def key_pair(index: int) -> KeyPair:
    """Key pairs shared by the whole session (RSA generation is slow): 0 is the checked-in one."""
    if index == 0:
        return KeyPair(
            private_pem=(KEYS_DIR / "test_rsa_private.pem").read_text(),
            public_pem=(KEYS_DIR / "test_rsa_public.pem").read_text(),
        )
    return generate_key_pair()


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class RemoteActor:
    origin: RemoteOrigin
    username: str
    keys: KeyPair
    kind: str = "Person"

    @property
    def uri(self) -> str:
        return f"{self.origin.base}/users/{self.username}"

    @property
    def path(self) -> str:
        return f"/users/{self.username}"

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.uri}/inbox"

    def document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": self.kind,
            "preferredUsername": self.username,
            "name": self.username.title(),
            "inbox": self.inbox,
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "endpoints": {"sharedInbox": f"{self.origin.base}/inbox"},
            "url": f"{self.origin.base}/@{self.username}",
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.keys.public_pem},
        }

    def rotate(self, keys: KeyPair) -> None:
        """Publish a new key under the same key id (what Mastodon does)."""
        self.keys = keys
        self.origin.serve(self.path, self.document())

    def signed_headers(
        self, method: str, url: str, body: bytes | None, *, now: datetime | None = None,
        headers: dict[str, str] | None = None, keys: KeyPair | None = None,
    ) -> dict[str, str]:
        """Headers for a request to ``url`` signed by this actor (or with ``keys`` instead)."""
        base = dict(headers or {})
        if body is not None:
            base.setdefault("Content-Type", AS_JSON)
        else:
            base.setdefault("Accept", AS_JSON)
        private = (keys or self.keys).private_pem
        return base | sign_request(method, url, base, body, self.key_id, private, now=now)


@dataclass
class RemoteOrigin:
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._lock = threading.Lock()
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> RemoteOrigin:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def actor(self, username: str, *, key: int = 0, kind: str = "Person") -> RemoteActor:
        """A new actor on this server, its document served at ``/users/<username>``."""
        actor = RemoteActor(self, username, key_pair(key), kind)
        self.serve(actor.path, actor.document())
        return actor

    def serve(self, path: str, document: dict[str, Any]) -> None:
        with self._lock:
            self.documents[path] = document

    def requests(self, method: str | None = None, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [
                h for h in self.hits
                if (method is None or h.method == method) and (path is None or h.path == path)
            ]

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()

    def _answer(self, method: str, path: str) -> tuple[int, bytes]:
        if method == "POST":
            return 202, b""
        with self._lock:
            document = self.documents.get(path)
        if document is None:
            return 404, b'{"error":"not found"}'
        return 200, json.dumps(document).encode()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
                with self._lock:
                    self.hits.append(Hit(method, path, headers, body))
                status, payload = self._answer(method, path)
                writer.write(
                    f"HTTP/1.1 {status} X\r\ncontent-type: {AS_JSON}\r\n"
                    f"content-length: {len(payload)}\r\n\r\n".encode() + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
