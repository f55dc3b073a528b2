"""The remote client (federation.client) against real HTTP servers on loopback.

Each test starts a small threaded HTTP/1.1 server on 127.0.0.1 with an ephemeral port and
stops it at the end; handlers that hang wait on an event released at teardown, so nothing
outlives its test. ``httpx2.MockTransport`` stands in only where the first hop must look
public (a redirect towards a private address).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest

from federation.client import (
    AS_ACCEPT,
    ClientPolicy,
    FetchError,
    NotJson,
    RemoteClient,
    RemoteStatus,
    RemoteTransport,
    RemoteUnreachable,
    Signer,
    TooLarge,
    TooManyRedirects,
    UnsafeTarget,
    parse_retry_after,
)
from federation.netsafety import UnsafeAddress
from federation.signatures import verify_request

KEYS = Path(__file__).parent.parent / "fixtures" / "keys"
PRIVATE_PEM = (KEYS / "test_rsa_private.pem").read_text()
PUBLIC_PEM = (KEYS / "test_rsa_public.pem").read_text()
SIGNER = Signer(
    key_id="https://grandest.test/actors/instance#main-key", private_key_pem=PRIVATE_PEM
)
ACTOR = {"id": "http://127.0.0.1/actors/a", "type": "Person"}
ACTIVITY = json.dumps({"type": "Follow", "id": "https://grandest.test/follows/1"}).encode()
HANG_LIMIT = 5.0  # a hanging handler gives up after this, or at teardown, whichever comes first


# --- loopback server ---------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


@dataclass
class Exchange:
    """What a route sees, and the means to answer it."""

    request: Seen
    handler: BaseHTTPRequestHandler
    release: threading.Event

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "application/activity+json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.handler.send_response(status)
        if content_type is not None:
            self.handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.handler.send_header(name, value)
        self.handler.send_header("Content-Length", str(len(body)))
        self.handler.end_headers()
        self.handler.wfile.write(body)

    def json(self, document: Any, status: int = 200, **kwargs: Any) -> None:
        self.reply(status, json.dumps(document).encode(), **kwargs)

    def redirect(self, location: str, status: int = 302) -> None:
        self.reply(status, content_type=None, headers={"Location": location})


Route = Callable[[Exchange], None]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-answer are part of the tests


@dataclass
class LoopbackServer:
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length),
                    self.client_address[1],
                )
                server.seen.append(seen)
                route = server.routes.get(self.path.split("?")[0])
                exchange = Exchange(seen, self, server.release)
                try:
                    if route is None:
                        exchange.reply(404, b"not here", "text/plain")
                    else:
                        route(exchange)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self.release.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    loopback = LoopbackServer()
    try:
        yield loopback
    finally:
        loopback.stop()


def policy(**overrides: Any) -> ClientPolicy:
    values: dict[str, Any] = {
        "allow_private": True,
        "timeout": 2.0,
        "max_body_bytes": 4096,
        "user_agent": "echofed/test (+https://grandest.test/)",
    }
    return ClientPolicy(**{**values, **overrides})


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hang(exchange: Exchange) -> None:
    exchange.release.wait(HANG_LIMIT)


# --- address safety ----------------------------------------------------------


async def test_private_address_is_refused_before_any_request(server: LoopbackServer) -> None:
    server.routes["/actor"] = lambda ex: ex.json(ACTOR)
    async with RemoteClient(policy(allow_private=False)) as client:
        with pytest.raises(UnsafeTarget) as caught:
            await client.get_json(server.url("/actor"))
    assert isinstance(caught.value.reason, UnsafeAddress)
    assert caught.value.public_message and "127.0.0.1" in caught.value.detail
    assert server.seen == []


async def test_private_address_is_reachable_with_the_switch(server: LoopbackServer) -> None:
    server.routes["/actor"] = lambda ex: ex.json(ACTOR)
    async with RemoteClient(policy()) as client:
        assert await client.get_json(server.url("/actor")) == ACTOR
    [request] = server.seen
    assert request.headers["accept"] == AS_ACCEPT
    assert request.headers["user-agent"] == "echofed/test (+https://grandest.test/)"
    assert "signature" not in request.headers


async def test_transport_refuses_private_addresses_at_connect_time(
    server: LoopbackServer,
) -> None:
    # The connect-time check that defeats DNS rebinding, on its own: no request goes out.
    transport = RemoteTransport(allow_private=False, limits=httpx2.Limits(max_connections=2))
    async with httpx2.AsyncClient(transport=transport) as http:
        with pytest.raises(UnsafeAddress):
            await http.get(server.url("/actor"))
    assert server.seen == []


async def test_redirect_to_a_private_address_is_refused() -> None:
    requested: list[str] = []

    def public_host(request: httpx2.Request) -> httpx2.Response:
        requested.append(str(request.url))
        return httpx2.Response(302, headers={"Location": "http://127.0.0.1:9/admin"})

    client = RemoteClient(policy(allow_private=False), transport=httpx2.MockTransport(public_host))
    async with client:
        with pytest.raises(UnsafeTarget) as caught:
            await client.get_json("http://1.1.1.1/objects/1")
    assert caught.value.url == "http://127.0.0.1:9/admin"
    assert requested == ["http://1.1.1.1/objects/1"]


async def test_redirect_to_another_scheme_is_refused(server: LoopbackServer) -> None:
    server.routes["/actor"] = lambda ex: ex.redirect("ftp://127.0.0.1/actor")
    async with RemoteClient(policy()) as client:
        with pytest.raises(UnsafeTarget, match="scheme"):
            await client.get_json(server.url("/actor"))
    assert len(server.seen) == 1


# --- redirects ---------------------------------------------------------------


async def test_relative_redirects_are_followed_and_re_signed(server: LoopbackServer) -> None:
    server.routes["/old"] = lambda ex: ex.redirect("/actor", 301)
    server.routes["/actor"] = lambda ex: ex.json(ACTOR)
    async with RemoteClient(policy()) as client:
        fetched = await client.get_document(server.url("/old"), signer=SIGNER)
    assert fetched.document == ACTOR
    assert fetched.url == server.url("/old")
    assert fetched.final_url == server.url("/actor")
    for request in server.seen:
        verify_request("GET", request.path, request.headers, None, PUBLIC_PEM, scheme="http")


async def test_redirect_loop_stops_after_max_redirects(server: LoopbackServer) -> None:
    server.routes["/loop"] = lambda ex: ex.redirect("/loop")
    async with RemoteClient(policy(max_redirects=3)) as client:
        with pytest.raises(TooManyRedirects):
            await client.get_json(server.url("/loop"))
    assert len(server.seen) == 4  # the first request and three redirects


async def test_redirect_without_location_is_a_status_error(server: LoopbackServer) -> None:
    server.routes["/odd"] = lambda ex: ex.reply(302, content_type=None)
    async with RemoteClient(policy()) as client:
        with pytest.raises(RemoteStatus) as caught:
            await client.get_json(server.url("/odd"))
    assert caught.value.status == 302


# --- bodies ------------------------------------------------------------------


def chunked_stream(exchange: Exchange) -> None:
    handler = exchange.handler
    handler.send_response(200)
    handler.send_header("Content-Type", "application/activity+json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"[" + b" " * 1023
    for _ in range(1000):  # 1 MB at most; the client hangs up long before
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        handler.wfile.flush()
    handler.wfile.write(b"0\r\n\r\n")


async def test_body_over_the_cap_with_content_length(server: LoopbackServer) -> None:
    big = {"id": "x", "padding": "a" * 5000}
    server.routes["/big"] = lambda ex: ex.json(big)
    async with RemoteClient(policy(max_body_bytes=4096)) as client:
        with pytest.raises(TooLarge, match="Content-Length"):
            await client.get_json(server.url("/big"))


async def test_chunked_body_over_the_cap(server: LoopbackServer) -> None:
    server.routes["/stream"] = chunked_stream
    async with RemoteClient(policy(max_body_bytes=4096)) as client:
        started = time.monotonic()
        with pytest.raises(TooLarge):
            await client.get_json(server.url("/stream"))
    assert time.monotonic() - started < 1.5
    assert "content-length" not in server.seen[0].headers


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("text/html; charset=utf-8", b"<html></html>", "content type"),
        (None, b"{}", "content type"),
        ("application/activity+json", b'{"id": "x",', "malformed"),
        ("application/activity+json", b"\xff\xfe{", "malformed"),
        ("application/ld+json", b'[{"id": "x"}]', "not an object"),
        ("application/json", b'"just a string"', "not an object"),
    ],
)
async def test_not_json_objects_are_refused(
    server: LoopbackServer, content_type: str | None, body: bytes, reason: str
) -> None:
    server.routes["/doc"] = lambda ex: ex.reply(200, body, content_type)
    async with RemoteClient(policy()) as client:
        with pytest.raises(NotJson, match=reason):
            await client.get_json(server.url("/doc"))


async def test_json_media_types_with_parameters_are_accepted(server: LoopbackServer) -> None:
    server.routes["/ld"] = lambda ex: ex.json(
        ACTOR, content_type='application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    )
    server.routes["/plain"] = lambda ex: ex.json(ACTOR, content_type="application/json")
    async with RemoteClient(policy()) as client:
        assert await client.get_json(server.url("/ld")) == ACTOR
        assert await client.get_json(server.url("/plain")) == ACTOR


@pytest.mark.parametrize(("status", "gone"), [(404, True), (410, True), (401, False), (500, False)])
async def test_error_statuses(server: LoopbackServer, status: int, gone: bool) -> None:
    server.routes["/doc"] = lambda ex: ex.json({"error": "no"}, status=status)
    async with RemoteClient(policy()) as client:
        with pytest.raises(RemoteStatus) as caught:
            await client.get_json(server.url("/doc"))
    assert (caught.value.status, caught.value.gone) == (status, gone)
    assert str(status) in caught.value.public_message


# --- time and reachability ---------------------------------------------------


async def test_a_server_that_does_not_answer_times_out_quickly(server: LoopbackServer) -> None:
    server.routes["/slow"] = hang
    async with RemoteClient(policy(timeout=0.3)) as client:
        started = time.monotonic()
        with pytest.raises(RemoteUnreachable):
            await client.get_json(server.url("/slow"))
    assert time.monotonic() - started < 1.5


async def test_a_trickling_body_is_cut_by_the_overall_deadline(server: LoopbackServer) -> None:
    # Each byte arrives well within a per-read timeout; only a whole-call deadline stops it.
    def trickle(exchange: Exchange) -> None:
        handler = exchange.handler
        handler.send_response(200)
        handler.send_header("Content-Type", "application/activity+json")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            if exchange.release.wait(0.05):
                return

    server.routes["/trickle"] = trickle
    async with RemoteClient(policy(timeout=0.5)) as client:
        started = time.monotonic()
        with pytest.raises(RemoteUnreachable, match="0.5s"):
            await client.get_json(server.url("/trickle"))
    assert time.monotonic() - started < 1.5


async def test_connection_refused_is_unreachable() -> None:
    async with RemoteClient(policy()) as client:
        with pytest.raises(RemoteUnreachable) as caught:
            await client.get_json(f"http://127.0.0.1:{closed_port()}/actor")
    assert isinstance(caught.value, FetchError)


# --- signing -----------------------------------------------------------------


async def test_signed_get_verifies_at_the_receiver(server: LoopbackServer) -> None:
    verified: list[tuple[str, ...]] = []

    def check(exchange: Exchange) -> None:
        request = exchange.request
        result = verify_request(
            "GET", request.path, request.headers, None, PUBLIC_PEM, scheme="http"
        )
        verified.append(result.signed_headers)
        exchange.json(ACTOR)

    server.routes["/actor"] = check
    async with RemoteClient(policy()) as client:
        assert await client.get_json(server.url("/actor?page=1"), signer=SIGNER) == ACTOR
    assert verified == [("(request-target)", "host", "date", "accept")]
    assert SIGNER.key_id in server.seen[0].headers["signature"]


async def test_get_jrd_asks_for_jrd(server: LoopbackServer) -> None:
    jrd = {"subject": "acct:a@127.0.0.1", "links": []}
    server.routes["/.well-known/webfinger"] = lambda ex: ex.json(
        jrd, content_type="application/jrd+json; charset=utf-8"
    )
    async with RemoteClient(policy()) as client:
        assert await client.get_jrd(server.url("/.well-known/webfinger?resource=x")) == jrd
    assert server.seen[0].headers["accept"].startswith("application/jrd+json")


# --- delivery ----------------------------------------------------------------


async def test_post_activity_is_signed_with_digest(server: LoopbackServer) -> None:
    verified: list[tuple[str, ...]] = []

    def inbox(exchange: Exchange) -> None:
        request = exchange.request
        result = verify_request(
            "POST", request.path, request.headers, request.body, PUBLIC_PEM, scheme="http"
        )
        verified.append(result.signed_headers)
        exchange.reply(202, content_type=None)

    server.routes["/inbox"] = inbox
    async with RemoteClient(policy()) as client:
        outcome = await client.post_activity(server.url("/inbox"), ACTIVITY, SIGNER)
        again = await client.post_activity(server.url("/inbox"), ACTIVITY, SIGNER)
    assert (outcome.status, outcome.error, outcome.retry_after, outcome.final) == (
        202,
        None,
        None,
        False,
    )
    assert 0 < outcome.elapsed < 2 and again.status == 202
    assert verified[0] == ("(request-target)", "host", "date", "digest", "content-type")
    assert server.seen[0].body == ACTIVITY
    assert server.seen[0].headers["content-type"] == "application/activity+json"
    # The short answer was read to its end, so the second POST reused the connection.
    assert server.seen[0].client_port == server.seen[1].client_port


async def test_post_activity_reports_retry_after_in_seconds(server: LoopbackServer) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    server.routes["/seconds"] = lambda ex: ex.reply(
        429, b"slow down", "text/plain", headers={"Retry-After": "120"}
    )
    server.routes["/date"] = lambda ex: ex.reply(
        503, content_type=None, headers={"Retry-After": later}
    )
    async with RemoteClient(policy()) as client:
        by_seconds = await client.post_activity(server.url("/seconds"), ACTIVITY, SIGNER)
        by_date = await client.post_activity(server.url("/date"), ACTIVITY, SIGNER)
    assert (by_seconds.status, by_seconds.retry_after) == (429, 120.0)
    assert by_seconds.error == "HTTP 429: slow down"
    assert by_date.status == 503 and by_date.error == "HTTP 503"
    assert by_date.retry_after is not None and 115 <= by_date.retry_after <= 120


async def test_post_activity_keeps_a_short_error_text(server: LoopbackServer) -> None:
    server.routes["/inbox"] = lambda ex: ex.reply(500, b"boom\n" + b"x" * 50_000, "text/plain")
    async with RemoteClient(policy()) as client:
        outcome = await client.post_activity(server.url("/inbox"), ACTIVITY, SIGNER)
    assert outcome.status == 500
    assert outcome.error is not None and outcome.error.startswith("HTTP 500: boom x")
    assert len(outcome.error) <= 520


async def test_post_activity_connection_refused() -> None:
    async with RemoteClient(policy()) as client:
        outcome = await client.post_activity(
            f"http://127.0.0.1:{closed_port()}/inbox", ACTIVITY, SIGNER
        )
    assert outcome.status is None and not outcome.final
    assert outcome.error is not None and "Connect" in outcome.error


async def test_post_activity_to_a_hanging_server_times_out(server: LoopbackServer) -> None:
    server.routes["/inbox"] = hang
    async with RemoteClient(policy(timeout=0.3)) as client:
        outcome = await client.post_activity(server.url("/inbox"), ACTIVITY, SIGNER)
    assert outcome.status is None and not outcome.final
    assert outcome.error is not None and "timed out" in outcome.error
    assert outcome.elapsed < 1.5


async def test_post_activity_to_a_private_inbox_is_final(server: LoopbackServer) -> None:
    async with RemoteClient(policy(allow_private=False)) as client:
        outcome = await client.post_activity(server.url("/inbox"), ACTIVITY, SIGNER)
        odd = await client.post_activity("ftp://grandest.test/inbox", ACTIVITY, SIGNER)
    assert outcome.status is None and outcome.final
    assert outcome.error is not None and "refused" in outcome.error
    assert odd.final and odd.status is None
    assert server.seen == []


async def test_post_activity_checks_a_name_when_it_connects(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A public-looking name whose DNS answer is loopback (DNS rebinding): the POST connector
    # asks netsafety for the addresses and is refused; with the development switch on, it
    # connects to exactly the address netsafety returned.
    server.routes["/inbox"] = lambda ex: ex.reply(202, content_type=None)
    loop = asyncio.get_running_loop()
    asked: list[str] = []

    async def rebinding_dns(host: str, port: int, **_: Any) -> list[Any]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(loop, "getaddrinfo", rebinding_dns)
    port = int(server.base.rpartition(":")[2])
    inbox = f"http://rebound.example:{port}/inbox"
    async with RemoteClient(policy(allow_private=False)) as client:
        refused = await client.post_activity(inbox, ACTIVITY, SIGNER)
    assert refused.status is None and refused.final
    assert refused.error is not None and "127.0.0.1" in refused.error
    assert server.seen == [] and asked == ["rebound.example"]
    async with RemoteClient(policy(allow_private=True)) as client:
        allowed = await client.post_activity(inbox, ACTIVITY, SIGNER)
    assert allowed.status == 202 and len(server.seen) == 1
    assert server.seen[0].headers["host"] == f"rebound.example:{port}"


# --- small parts ---------------------------------------------------------------


def test_parse_retry_after() -> None:
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(" 0 ", now) == 0.0
    assert parse_retry_after("Sun, 01 Jun 2025 12:02:00 GMT", now) == 120.0
    assert parse_retry_after("Sun, 01 Jun 2025 11:00:00 GMT", now) == 0.0
    for useless in (None, "", "-5", "1.5", "soon", "Sun, 99 Foo 2025"):
        assert parse_retry_after(useless, now) is None


async def test_host_semaphores_are_shared_per_host() -> None:
    async with RemoteClient(policy(connections_per_host=3)) as client:
        first = client.host_semaphore("Remote.example")
        assert client.host_semaphore("remote.example") is first
        assert client.host_semaphore("other.example") is not first
        for _ in range(3):
            await first.acquire()
        assert first.locked()


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        ClientPolicy(timeout=0)
    with pytest.raises(ValueError):
        ClientPolicy(connections_per_host=0)
    assert "PRIVATE" not in repr(SIGNER)


async def test_connections_to_one_host_stay_within_the_per_host_pool(
    server: LoopbackServer,
) -> None:
    def slow(exchange: Exchange) -> None:
        exchange.release.wait(0.2)
        exchange.json(ACTOR)

    server.routes["/actor"] = slow
    async with RemoteClient(policy(connections_per_host=2, timeout=3.0)) as client:
        documents = await asyncio.gather(*(client.get_json(server.url("/actor")) for _ in range(6)))
    assert documents == [ACTOR] * 6
    assert len({request.client_port for request in server.seen}) == 2
