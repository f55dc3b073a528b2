"""A remote fediverse server on loopback, for inbox and authorized-fetch tests: it serves actor
documents (with their public keys) and other JSON by path, records every request, and answers
202 to POSTs (so deliveries to its inboxes succeed).

Served by ``tests.loopback``; its "host" is ``127.0.0.1:<port>``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from federation.keys import KeyPair, generate_key_pair
from federation.signatures import sign_request
from tests.loopback import LoopbackServer, Reply, Request

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


class RemoteOrigin(LoopbackServer):
    """One loopback "host" serving JSON documents by path and recording every request."""

    def __init__(self) -> None:
        super().__init__(count=1)
        self.documents: dict[str, dict[str, Any]] = {}
        self.hits: list[Hit] = []
        self.on_get: Callable[[str], None] | None = None  # called as each GET arrives, with its path

    @property
    def port(self) -> int:
        return self.ports[0]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def actor(self, username: str, *, key: int = 0, kind: str = "Person") -> RemoteActor:
        """A new actor on this server, its document served at ``/users/<username>``."""
        actor = RemoteActor(self, username, key_pair(key), kind)
        self.serve(actor.path, actor.document())
        return actor

    def serve(self, path: str, document: dict[str, Any]) -> None:
        with self.lock:
            self.documents[path] = document

    def requests(self, method: str | None = None, path: str | None = None) -> list[Hit]:
        with self.lock:
            return [
                h for h in self.hits
                if (method is None or h.method == method) and (path is None or h.path == path)
            ]

    async def handle(self, request: Request) -> Reply:
        with self.lock:
            self.hits.append(Hit(request.method, request.path, request.headers, request.body))
            document = self.documents.get(request.path)
        if request.method == "GET" and self.on_get is not None:
            self.on_get(request.path)
        if request.method == "POST":
            status, payload = 202, b""
        elif document is None:
            status, payload = 404, b'{"error":"not found"}'
        else:
            status, payload = 200, json.dumps(document).encode()
        return Reply(status, (("content-type", AS_JSON),), payload)
