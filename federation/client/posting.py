"""Signed POSTs to remote inboxes, on aiohttp.

Delivery is the hot path of an instance with a large audience: one POST per inbox, thousands a
minute. Measured on this project's 2-core VM (``docs/decisions.md`` §2), the same signed POST
costs 1.6 ms of CPU through httpx2 (its auth flow, httpcore2's pool, anyio streams, h11) and
0.9 ms through aiohttp, of which ≈ 0.45 ms is the RSA signature itself. GETs keep the
httpx2 client (redirects followed by hand, body cap, JSON checks); POSTs to inboxes come here.

The same network safety as the GET path:

* ``netsafety.check_url_form`` before the request, without DNS: http(s) only, no userinfo, and
  a literal address (which aiohttp connects to without asking a resolver) must be public;
* at connect time aiohttp asks ``PublicResolver``, which resolves the name with
  ``netsafety.resolve_public`` and refuses it if any address is not public; the connector then
  connects to one of the addresses just checked (its short DNS cache holds checked answers
  only), so DNS rebinding cannot reach a private address. TLS verifies the host *name*.

Connections: ``connections_per_host`` kept-alive connections per origin (the delivery layer's
``host_semaphore`` has the same size, so excess deliveries wait there), ``total_connections``
in all; no cookies, no proxy from the environment, no redirects followed.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from federation.client.errors import RemoteUnreachable
from federation.client.policy import ClientPolicy
from federation.client.responses import ERROR_BODY_BYTES
from federation.netsafety import InvalidURL, resolve_public

DNS_CACHE_SECONDS = 10


class PublicResolver(AbstractResolver):
    """aiohttp's resolver for federation: only public addresses (unless ``allow_private``)."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await resolve_public(host, port, allow_private=self._allow_private)
        return [
            ResolveResult(
                hostname=host, host=address, port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0, flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class PostAnswer:
    status: int
    retry_after: str | None  # the header as sent
    body: bytes  # at most ERROR_BODY_BYTES of it


class InboxPoster:
    """One aiohttp session per process, opened on first use in the running loop."""

    def __init__(self, policy: ClientPolicy) -> None:
        self.policy = policy
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=PublicResolver(allow_private=self.policy.allow_private),
                limit=self.policy.total_connections,
                limit_per_host=self.policy.connections_per_host,
                ttl_dns_cache=DNS_CACHE_SECONDS,
                keepalive_timeout=5.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.policy.user_agent},
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
                trust_env=False,
                auto_decompress=False,
            )
        return self._session

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostAnswer:
        """POST ``body``. When no answer arrived: ``RemoteUnreachable`` (refused or broken
        connection, malformed answer), ``TimeoutError``, or an ``UnsafeAddress`` (the resolver's
        refusal, or ``InvalidURL``)."""
        try:
            async with self._open().post(url, data=body, headers=headers, allow_redirects=False) as response:
                try:
                    prefix = await _read_prefix(response.content, ERROR_BODY_BYTES)
                except aiohttp.ClientError:
                    prefix = b""  # the status is what matters; the text is only a courtesy
                return PostAnswer(response.status, response.headers.get("Retry-After"), prefix)
        except aiohttp.InvalidURL as exc:
            raise InvalidURL(f"unusable URL {url!r}: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise RemoteUnreachable(f"{type(exc).__name__}: {exc}", url=url) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read_prefix(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """Up to ``limit`` bytes: a short body read to its end lets the connection be reused; a
    longer one is abandoned, and aiohttp closes that connection."""
    data = b""
    while len(data) < limit:
        chunk = await stream.read(limit - len(data))
        if not chunk:
            break
        data += chunk
    return data

