"""Public documents rendered in the last few seconds, kept per process.

Remote servers fetch the same actor, WebFinger and NodeInfo documents again and again (every
delivery they verify, every profile a user opens). We already tell them ``Cache-Control:
max-age=60``; serving a rendering that is at most a few seconds old from memory spares the
database and the ORM on those hot paths. Only public documents are kept: a response that depends
on who signed the request is decided before the cached body is used (authorized fetch still
checks every signature). The store is bounded and forgets the oldest renderings first.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response


@dataclass(frozen=True, slots=True)
class Rendered:
    """A document ready to send, plus what the page that shares its URL needs (its HTML link)."""

    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    html_url: str | None = None

    @classmethod
    def of_json(
        cls, document: Any, media_type: str, *, headers: dict[str, str] | None = None,
        status: int = 200, html_url: str | None = None,
    ) -> Rendered:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(body, media_type, dict(headers or {}), status, html_url)

    def response(self) -> Response:
        return Response(self.body, status_code=self.status, media_type=self.media_type, headers=self.headers)


class RecentDocuments:
    """A bounded map of key → :class:`Rendered`, each entry living ``ttl`` seconds.

    ``ttl`` 0 turns the cache off (every lookup misses).
    """

    def __init__(
        self, ttl: float = 5.0, *, max_entries: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Rendered]] = OrderedDict()

    def get(self, key: Hashable) -> Rendered | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, rendered = entry
        if expires <= self._clock():
            del self._entries[key]
            return None
        return rendered

    def put(self, key: Hashable, rendered: Rendered, *, ttl: float | None = None) -> Rendered:
        lifetime = self.ttl if ttl is None else ttl
        if self.ttl <= 0 or lifetime <= 0:
            return rendered
        self._entries[key] = (self._clock() + lifetime, rendered)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return rendered

    def forget(self, predicate: Callable[[Hashable], bool] | None = None) -> None:
        """Drop every entry (or those whose key matches), e.g. after a local change."""
        if predicate is None:
            self._entries.clear()
            return
        for key in [k for k in self._entries if predicate(k)]:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
