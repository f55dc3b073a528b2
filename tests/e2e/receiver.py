"""Loopback inboxes that record what arrives and check our signatures with an independent
library (httpsig), for delivery tests and the fan-out benchmark.

Each port is a distinct "host" (``tests.loopback``). ``behaviour(port, path)`` decides the answer: a status, extra
headers, and an optional delay (to make a receiver hang past the client's timeout).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from httpsig.verify import HeaderVerifier

from tests.loopback import LoopbackServer, Reply, Request


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


class Receiver(LoopbackServer):
    """``count`` inboxes on loopback; ``keys`` maps keyId → public PEM for the signature check."""

    def __init__(
        self, count: int = 1, behaviour: Behaviour = lambda port, path: Answer(),
        keys: dict[str, str] | None = None, verify: bool = True,
    ) -> None:
        super().__init__(count)
        self.behaviour = behaviour
        self.keys: dict[str, str] = dict(keys or {})
        self.verify = verify
        self.arrivals: list[Arrival] = []

    def inbox(self, index: int, path: str = "/inbox") -> str:
        return f"http://127.0.0.1:{self.ports[index]}{path}"

    def received(self) -> list[Arrival]:
        with self.lock:
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
        except Exception:  # noqa: BLE001  (whatever httpsig raises, the signature is bad)
            return key_id, False

    async def handle(self, request: Request) -> Reply:
        answer = self.behaviour(request.port, request.path)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        key_id, verified = self._check(request.method, request.path, request.headers, request.body)
        activity_id = activity_type = None
        try:
            document = json.loads(request.body) if request.body else {}
            activity_id, activity_type = document.get("id"), document.get("type")
        except ValueError:
            pass
        with self.lock:
            self.arrivals.append(Arrival(request.port, request.path, activity_id, activity_type, key_id, verified))
        return Reply(answer.status if verified else 401, answer.headers)
