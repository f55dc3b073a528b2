"""The one place that makes outgoing HTTP requests: safe GETs of remote documents and signed
POSTs to remote inboxes.

Every GET (``RemoteClient.get_json``, ``get_jrd``, ``get_document``) goes through, in order:

1. ``netsafety.check_url`` before each hop — the first request and every redirect, which are
   followed by hand, at most ``ClientPolicy.max_redirects`` of them: http(s) only, no userinfo,
   and a host that resolves only to public addresses (unless ``allow_private``). A refused URL
   is never requested.
2. At connect time, ``PublicAddressBackend`` resolves the host again, refuses it if any address
   is not public, and connects to one of the addresses it has just checked; TLS still verifies
   the certificate and sends SNI for the host *name*. A DNS answer that changes between step 1
   and the connection (DNS rebinding) therefore cannot reach a private address.
   Residual risks: both checks trust the system resolver, so ``/etc/hosts`` entries apply; a
   transport passed in (``httpx2.MockTransport``, ``ASGITransport`` in tests) skips step 2,
   while step 1 still resolves the URL's host; ``allow_private`` turns both checks off
   (development and loopback tests only).
3. One deadline of ``ClientPolicy.timeout`` seconds for the whole call: DNS, connection,
   redirects and body together, so a server trickling bytes cannot hold a worker.
4. ``Content-Length`` above ``max_body_bytes`` is refused up front, and the (decoded) body is
   counted while streaming and abandoned as soon as it passes the cap.
5. A JSON media type (activity+json, ld+json, json, jrd+json), valid JSON, and an object.

``post_activity`` signs (draft-cavage, with ``Digest``) and POSTs one activity, and never raises
for HTTP or network failures: it returns a ``PostOutcome`` for the delivery layer to judge.

Connections. One ``httpx2.AsyncClient`` per ``RemoteClient``. Its transport keeps one small
pool per origin, of ``connections_per_host`` connections, rather than one large shared pool
(``docs/decisions.md`` §2: a shared pool of 50 collapsed signed-POST throughput); pools idle
for longer than their keep-alive are closed. At most ``total_connections`` requests are in
flight at once across all hosts; a call waits for a slot before its deadline starts. The
delivery layer limits concurrent deliveries to one host with ``host_semaphore(host)``, sized
like the per-host pool, so excess deliveries wait there rather than inside a pool.

Errors — each carries ``public_message`` (safe to show a peer or a user), ``detail`` (for
logs) and ``url``::

    FetchError                 base class
    ├── UnsafeTarget           refused by netsafety: scheme, userinfo, private address
    │                          (the ``UnsafeAddress`` is ``reason`` and ``__cause__``)
    ├── TooManyRedirects       more than ``max_redirects`` redirects
    ├── RemoteUnreachable      DNS failure, timeout, refused or broken connection
    ├── RemoteStatus           a final non-2xx answer; ``status``; ``gone`` for 404 and 410
    ├── TooLarge               body above ``max_body_bytes``
    ├── NotJson                not a JSON media type, undecodable, malformed, not an object
    ├── InvalidHandle          (federation.fetch) not ``user@host``
    └── InvalidRemoteObject    (federation.fetch) JSON that is not the object asked for
        └── ForgedObject       its ``id`` is on another origin than the server that sent it
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, Self
from urllib.parse import urljoin

import httpcore2
import httpx2

from federation.netsafety import UnresolvableHost, UnsafeAddress, check_url, resolve_public
from federation.signatures import SignatureAuth
from federation.vocab.jsonld import AS_MEDIA_TYPES, LD_PROFILE

AS_ACCEPT = f"{AS_MEDIA_TYPES[0]}, {LD_PROFILE}"
JRD_ACCEPT = "application/jrd+json, application/json"
ACTIVITY_CONTENT_TYPE = "application/activity+json"
JSON_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json", "application/jrd+json"}
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ERROR_TEXT_CHARS = 500
_ERROR_BODY_BYTES = 2048  # enough for the error text; a short body also keeps the connection


# --- errors ----------------------------------------------------------------


class FetchError(Exception):
    """Base of every failed remote fetch; see the module docstring."""

    public_message: str = "The remote resource could not be fetched."

    def __init__(self, detail: str, *, url: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.url = url


class UnsafeTarget(FetchError):
    public_message = "The remote address is not an acceptable public http(s) address."

    def __init__(self, reason: UnsafeAddress, *, url: str | None = None) -> None:
        super().__init__(reason.detail, url=url)
        self.reason = reason


class TooManyRedirects(FetchError):
    public_message = "The remote server redirected too many times."


class RemoteUnreachable(FetchError):
    public_message = "The remote server could not be reached."


class RemoteStatus(FetchError):
    public_message = "The remote server refused the request."

    def __init__(self, status: int, *, url: str | None = None) -> None:
        super().__init__(f"HTTP {status} from {url}", url=url)
        self.status = status
        self.public_message = f"The remote server answered HTTP {status}."

    @property
    def gone(self) -> bool:
        """Whether the resource does not exist (404) or no longer exists (410)."""
        return self.status in (404, 410)


class TooLarge(FetchError):
    public_message = "The remote document is too large."


class NotJson(FetchError):
    public_message = "The remote document is not a JSON object."


# --- values ----------------------------------------------------------------


@dataclass(frozen=True)
class ClientPolicy:
    """How the remote client behaves; built by the composition root from the settings.

    ``timeout`` bounds a whole call (DNS, connection, redirects and body), in seconds;
    ``connections_per_host`` sizes each per-origin pool and ``host_semaphore``;
    ``total_connections`` bounds requests in flight across all hosts.
    """

    allow_private: bool = False
    timeout: float = 10.0
    max_body_bytes: int = 1024 * 1024
    max_redirects: int = 3
    user_agent: str = "echofed"
    connections_per_host: int = 4
    total_connections: int = 100

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.max_body_bytes <= 0 or self.max_redirects < 0:
            raise ValueError("timeout and max_body_bytes must be positive, max_redirects >= 0")
        if self.connections_per_host < 1 or self.total_connections < 1:
            raise ValueError("connection limits must be at least 1")


@dataclass(frozen=True)
class Signer:
    """Who signs a request: the key id (``actor#main-key``) and its private key PEM."""

    key_id: str
    private_key_pem: str = field(repr=False)


@dataclass(frozen=True)
class RemoteDocument:
    """A fetched JSON object, with the URL asked for and the URL that finally served it."""

    url: str
    final_url: str
    document: dict[str, Any]


@dataclass(frozen=True)
class PostOutcome:
    """What happened to one POST; the delivery layer decides what it means.

    ``status`` is None when no HTTP answer arrived (refused target, network failure, timeout);
    ``retry_after`` is in seconds from now (``Retry-After`` as delta-seconds or HTTP-date);
    ``error`` is None for a 2xx answer; ``final`` says a retry cannot help (the target is
    refused by netsafety); ``elapsed`` is in seconds.
    """

    status: int | None
    retry_after: float | None
    error: str | None
    elapsed: float
    final: bool = False


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from ``now`` given a ``Retry-After`` value (delta-seconds or HTTP-date).

    Returns None for an absent or unparsable value; a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


# --- transport -------------------------------------------------------------


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


# --- client ----------------------------------------------------------------


class RemoteClient:
    """Safe, bounded outgoing HTTP for federation; one per process, closed with ``aclose``."""

    def __init__(
        self, policy: ClientPolicy, *, transport: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        self.policy = policy
        per_host = policy.connections_per_host
        if transport is None:
            transport = RemoteTransport(
                allow_private=policy.allow_private,
                limits=httpx2.Limits(max_connections=per_host, max_keepalive_connections=per_host),
            )
        self._http = httpx2.AsyncClient(
            transport=transport,
            headers={"User-Agent": policy.user_agent},
            # Remote hosts get no cookie jar to fill.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            timeout=httpx2.Timeout(policy.timeout),
            follow_redirects=False,
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(policy.total_connections)
        self._host_semaphores: weakref.WeakValueDictionary[str, asyncio.Semaphore] = (
            weakref.WeakValueDictionary()
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._http.aclose()

    def host_semaphore(self, host: str) -> asyncio.Semaphore:
        """The semaphore limiting concurrent deliveries to ``host`` (``connections_per_host``).

        Kept only while someone holds it, so hosts seen once do not accumulate.
        """
        key = host.lower()
        semaphore = self._host_semaphores.get(key)
        if semaphore is None:
            semaphore = asyncio.Semaphore(self.policy.connections_per_host)
            self._host_semaphores[key] = semaphore
        return semaphore

    async def get_json(self, url: str, *, signer: Signer | None = None) -> dict[str, Any]:
        """GET an ActivityStreams object (signed when ``signer`` is given); raise a FetchError."""
        return (await self.get_document(url, signer=signer)).document

    async def get_jrd(self, url: str) -> dict[str, Any]:
        """GET a WebFinger JRD with the same safety checks; raise a FetchError."""
        return (await self.get_document(url, accept=JRD_ACCEPT)).document

    async def get_document(
        self, url: str, *, signer: Signer | None = None, accept: str = AS_ACCEPT
    ) -> RemoteDocument:
        """GET a JSON object following at most ``max_redirects`` redirects; see module docstring."""
        async with self._slots:
            try:
                async with asyncio.timeout(self.policy.timeout):
                    return await self._follow(url, signer, accept)
            except TimeoutError:
                raise RemoteUnreachable(
                    f"no complete answer within {self.policy.timeout}s", url=url
                ) from None

    async def post_activity(self, inbox: str, body: bytes, signer: Signer) -> PostOutcome:
        """POST a signed activity to ``inbox``; never raises for HTTP or network failures."""
        started = time.monotonic()
        status: int | None = None
        retry_after: float | None = None
        text = ""

        def outcome(error: str | None, *, final: bool = False) -> PostOutcome:
            if status is not None and 200 <= status < 300:
                error = None  # an answer arrived: it counts, not a later failure to read it
            elif status is not None:
                error = f"HTTP {status}: {text}" if text else f"HTTP {status}"
            return PostOutcome(status, retry_after, error, time.monotonic() - started, final)

        async with self._slots:
            try:
                async with asyncio.timeout(self.policy.timeout):
                    await check_url(inbox, allow_private=self.policy.allow_private)
                    request = self._http.build_request(
                        "POST",
                        inbox,
                        content=body,
                        headers={"Content-Type": ACTIVITY_CONTENT_TYPE, "Accept": AS_ACCEPT},
                    )
                    auth = SignatureAuth(signer.key_id, signer.private_key_pem)
                    response = await self._http.send(request, auth=auth, stream=True)
                    try:
                        status = response.status_code
                        retry_after = parse_retry_after(
                            response.headers.get("retry-after"), datetime.now(UTC)
                        )
                        if not 200 <= status < 300:
                            text = await _error_text(response)
                        else:
                            await _drain_short_body(response)
                    finally:
                        await response.aclose()
            except UnresolvableHost as exc:
                return outcome(f"unresolvable host: {exc.detail}")
            except UnsafeAddress as exc:
                return outcome(f"refused target: {exc.detail}", final=True)
            except (httpx2.InvalidURL, httpx2.UnsupportedProtocol) as exc:
                return outcome(f"refused target: {exc}", final=True)
            except TimeoutError:
                return outcome(f"timed out after {self.policy.timeout}s")
            except httpx2.TimeoutException as exc:
                return outcome(f"timed out: {type(exc).__name__}")
            except httpx2.HTTPError as exc:
                return outcome(f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_CHARS])
        return outcome(None)

    # --- internals ---

    async def _follow(self, url: str, signer: Signer | None, accept: str) -> RemoteDocument:
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            try:
                await check_url(current, allow_private=self.policy.allow_private)
            except UnresolvableHost as exc:
                raise RemoteUnreachable(exc.detail, url=current) from exc
            except UnsafeAddress as exc:
                raise UnsafeTarget(exc, url=current) from exc
            with _fetch_errors(current):
                request = self._http.build_request("GET", current, headers={"Accept": accept})
                auth = SignatureAuth(signer.key_id, signer.private_key_pem) if signer else None
                response = await self._http.send(request, auth=auth, stream=True)
                try:
                    if response.status_code in REDIRECT_STATUSES:
                        location = response.headers.get("location")
                        if not location:
                            raise RemoteStatus(response.status_code, url=current)
                        current = urljoin(current, location.strip())
                        await _drain_short_body(response)
                        continue
                    if not 200 <= response.status_code < 300:
                        raise RemoteStatus(response.status_code, url=current)
                    body = await self._read_json_body(response, current)
                finally:
                    await response.aclose()
            return RemoteDocument(url=url, final_url=current, document=_parse_object(body, current))
        raise TooManyRedirects(f"more than {self.policy.max_redirects} redirects", url=url)

    async def _read_json_body(self, response: httpx2.Response, url: str) -> bytes:
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in JSON_MEDIA_TYPES:
            raise NotJson(f"content type {media_type or 'none'!r}", url=url)
        limit = self.policy.max_body_bytes
        announced = response.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > limit:
            raise TooLarge(f"Content-Length {announced} above {limit} bytes", url=url)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"body above {limit} bytes", url=url)
            chunks.append(chunk)
        return b"".join(chunks)


@contextmanager
def _fetch_errors(url: str) -> Iterator[None]:
    """Turn transport failures during one hop into FetchErrors."""
    try:
        yield
    except UnresolvableHost as exc:
        raise RemoteUnreachable(exc.detail, url=url) from exc
    except UnsafeAddress as exc:  # refused at connect time (see PublicAddressBackend)
        raise UnsafeTarget(exc, url=url) from exc
    except (httpx2.InvalidURL, httpx2.UnsupportedProtocol) as exc:
        raise UnsafeTarget(UnsafeAddress(str(exc)), url=url) from exc
    except httpx2.DecodingError as exc:
        raise NotJson(f"undecodable body: {exc}", url=url) from exc
    except httpx2.TimeoutException as exc:
        raise RemoteUnreachable(f"timed out: {type(exc).__name__}", url=url) from exc
    except httpx2.HTTPError as exc:
        raise RemoteUnreachable(f"{type(exc).__name__}: {exc}", url=url) from exc


def _parse_object(body: bytes, url: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise NotJson(f"malformed JSON: {exc}", url=url) from exc
    if not isinstance(document, dict):
        raise NotJson(f"JSON {type(document).__name__}, not an object", url=url)
    return document


async def _error_text(response: httpx2.Response) -> str:
    """The start of an error response's body, as one line of at most ERROR_TEXT_CHARS."""
    raw = await _read_prefix(response, _ERROR_BODY_BYTES)
    text = " ".join(raw.decode("utf-8", errors="replace").split())
    return text[:ERROR_TEXT_CHARS]


async def _drain_short_body(response: httpx2.Response) -> None:
    # Reading a short body to its end lets the connection go back to the pool.
    await _read_prefix(response, _ERROR_BODY_BYTES)


async def _read_prefix(response: httpx2.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    except httpx2.HTTPError:
        pass  # the status is what matters; the text is only a courtesy
    return b"".join(chunks)[:limit]
