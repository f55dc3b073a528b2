"""The connection layer: per-origin pools that connect only to checked public addresses.

``PublicAddressBackend`` resolves a host again at connect time, refuses it if any address is
not public, and connects to one of the addresses it has just checked, so a DNS answer that
changes after ``netsafety.check_url`` (DNS rebinding) cannot reach a private address.
``RemoteTransport`` keeps one small pool per origin on top of it and closes pools idle for
longer than their keep-alive.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore2
import httpx2

from federation.netsafety import resolve_public


class PublicAddressBackend(httpcore2.AsyncNetworkBackend):
    """Connect only to addresses checked by ``netsafety.resolve_public`` at connect time."""

    def __init__(
        self, *, allow_private: bool, inner: httpcore2.AsyncNetworkBackend | None = None
    ) -> None:
        self._allow_private = allow_private
        self._inner = inner if inner is not None else httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        addresses = await resolve_public(host, port, allow_private=self._allow_private)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore2.ConnectError as exc:
                failure = exc
        assert failure is not None  # resolve_public never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise httpcore2.ConnectError("federation never connects to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


_CORE_ERRORS: dict[type[Exception], type[httpx2.TransportError]] = {
    httpcore2.ConnectTimeout: httpx2.ConnectTimeout,
    httpcore2.ReadTimeout: httpx2.ReadTimeout,
    httpcore2.WriteTimeout: httpx2.WriteTimeout,
    httpcore2.PoolTimeout: httpx2.PoolTimeout,
    httpcore2.TimeoutException: httpx2.TimeoutException,
    httpcore2.ConnectError: httpx2.ConnectError,
    httpcore2.ReadError: httpx2.ReadError,
    httpcore2.WriteError: httpx2.WriteError,
    httpcore2.NetworkError: httpx2.NetworkError,
    httpcore2.RemoteProtocolError: httpx2.RemoteProtocolError,
    httpcore2.LocalProtocolError: httpx2.LocalProtocolError,
    httpcore2.ProtocolError: httpx2.ProtocolError,
    httpcore2.UnsupportedProtocol: httpx2.UnsupportedProtocol,
    httpcore2.ProxyError: httpx2.ProxyError,
}


@contextmanager
def _httpx_errors() -> Iterator[None]:
    """Re-raise httpcore2 errors as their httpx2 counterparts, as httpx2's own transport does."""
    try:
        yield
    except Exception as exc:
        for kind in type(exc).__mro__:
            if kind in _CORE_ERRORS:
                raise _CORE_ERRORS[kind](str(exc)) from exc
        raise


class _ResponseStream(httpx2.AsyncByteStream):
    def __init__(self, stream: Any, on_close: Callable[[], None]) -> None:
        self._stream = stream
        self._on_close = on_close
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if hasattr(self._stream, "aclose"):
                with _httpx_errors():
                    await self._stream.aclose()
        finally:
            self._on_close()


@dataclass
class _OriginPool:
    pool: httpcore2.AsyncConnectionPool
    in_flight: int = 0
    last_used: float = 0.0


class RemoteTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport with one small pool per origin, connecting to checked addresses."""

    def __init__(self, *, allow_private: bool, limits: httpx2.Limits) -> None:
        self._backend = PublicAddressBackend(allow_private=allow_private)
        self._limits = limits
        self._keepalive = limits.keepalive_expiry if limits.keepalive_expiry is not None else 5.0
        self._ssl_context = httpx2.create_ssl_context(trust_env=False)
        self._pools: dict[tuple[bytes, bytes, int | None], _OriginPool] = {}
        self._last_sweep = time.monotonic()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await self._sweep_idle_pools()
        url = request.url
        entry = self._pool_for((url.raw_scheme, url.raw_host, url.port))
        core_request = httpcore2.Request(
            method=request.method,
            url=httpcore2.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        entry.in_flight += 1
        try:
            with _httpx_errors():
                response = await entry.pool.handle_async_request(core_request)
        except BaseException:
            self._release(entry)
            raise
        return httpx2.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream, lambda: self._release(entry)),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for entry in pools:
            await entry.pool.aclose()

    def _pool_for(self, origin: tuple[bytes, bytes, int | None]) -> _OriginPool:
        entry = self._pools.get(origin)
        if entry is None:
            entry = self._pools[origin] = _OriginPool(
                httpcore2.AsyncConnectionPool(
                    ssl_context=self._ssl_context,
                    max_connections=self._limits.max_connections,
                    max_keepalive_connections=self._limits.max_keepalive_connections,
                    keepalive_expiry=self._limits.keepalive_expiry,
                    network_backend=self._backend,
                ),
                last_used=time.monotonic(),
            )
        return entry

    def _release(self, entry: _OriginPool) -> None:
        entry.in_flight -= 1
        entry.last_used = time.monotonic()

    async def _sweep_idle_pools(self) -> None:
        # A pool unused for longer than the keep-alive holds only expired connections, which
        # httpcore would close only on that pool's next request; close them now instead.
        now = time.monotonic()
        if now - self._last_sweep < self._keepalive:
            return
        self._last_sweep = now
        idle = [
            origin
            for origin, entry in self._pools.items()
            if entry.in_flight == 0 and now - entry.last_used > self._keepalive
        ]
        # Detach them all before the first await, so no request picks one up while closing.
        closing = [self._pools.pop(origin) for origin in idle]
        for entry in closing:
            await entry.pool.aclose()
