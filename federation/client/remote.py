"""The remote client: safe, bounded GETs of remote documents and signed POSTs to inboxes.

A GET follows redirects by hand, checking every hop with ``netsafety.check_url``, under one
deadline for the whole call; see :mod:`federation.client` for the full sequence of checks.
``post_activity`` signs (draft-cavage, with ``Digest``) and POSTs one activity, and never
raises for HTTP or network failures: it returns a ``PostOutcome`` for the delivery layer.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin

import httpx2

from federation.client.errors import (
    NotJson,
    RemoteStatus,
    RemoteUnreachable,
    TooManyRedirects,
    UnsafeTarget,
)
from federation.client.policy import ClientPolicy
from federation.client.responses import (
    ERROR_TEXT_CHARS,
    drain_short_body,
    one_line,
    parse_object,
    read_json_body,
)
from federation.client.transport import RemoteTransport
from federation.netsafety import UnresolvableHost, UnsafeAddress, check_url, check_url_form
from federation.signatures import SignatureAuth, sign_request
from federation.vocab.jsonld import AS_MEDIA_TYPES, LD_PROFILE

if TYPE_CHECKING:
    from federation.client.posting import InboxPoster

AS_ACCEPT = f"{AS_MEDIA_TYPES[0]}, {LD_PROFILE}"
JRD_ACCEPT = "application/jrd+json, application/json"
ACTIVITY_CONTENT_TYPE = "application/activity+json"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


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
        self._poster: InboxPoster | None = None  # POSTs to inboxes, on aiohttp (see posting.py), opened on
        # the first one: commands that never POST do not import aiohttp.
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
        if self._poster is not None:
            await self._poster.aclose()

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
                    check_url_form(inbox, allow_private=self.policy.allow_private)
                    headers = {"Content-Type": ACTIVITY_CONTENT_TYPE, "Accept": AS_ACCEPT}
                    headers.update(sign_request(
                        "POST", inbox, headers, body, signer.key_id, signer.private_key_pem,
                    ))
                    answer = await self._inbox_poster().post(inbox, body, headers)
                status = answer.status
                retry_after = parse_retry_after(answer.retry_after, datetime.now(UTC))
                if not 200 <= status < 300:
                    text = one_line(answer.body)
            except UnresolvableHost as exc:
                return outcome(f"unresolvable host: {exc.detail}")
            except UnsafeAddress as exc:
                return outcome(f"refused target: {exc.detail}", final=True)
            except TimeoutError:
                return outcome(f"timed out after {self.policy.timeout}s")
            except RemoteUnreachable as exc:
                return outcome(exc.detail[:ERROR_TEXT_CHARS])
        return outcome(None)

    # --- internals ---

    def _inbox_poster(self) -> InboxPoster:
        if self._poster is None:
            from federation.client.posting import InboxPoster

            self._poster = InboxPoster(self.policy)
        return self._poster

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
                        await drain_short_body(response)
                        continue
                    if not 200 <= response.status_code < 300:
                        raise RemoteStatus(response.status_code, url=current)
                    body = await read_json_body(response, current, self.policy.max_body_bytes)
                finally:
                    await response.aclose()
            return RemoteDocument(url=url, final_url=current, document=parse_object(body, current))
        raise TooManyRedirects(f"more than {self.policy.max_redirects} redirects", url=url)


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
