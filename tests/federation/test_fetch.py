"""Handles, WebFinger, actor and object lookups (federation.fetch) over real loopback HTTP.

Documents are real ones captured from Mastodon (tests/fixtures/mastodon/), re-homed on a
loopback server by replacing their origin, so the checks run against what servers send.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from federation.client import ClientPolicy, RemoteClient, RemoteStatus, Signer
from federation.fetch import (
    ForgedObject,
    InvalidHandle,
    InvalidRemoteObject,
    fetch_actor_document,
    fetch_object,
    parse_handle,
    webfinger,
)
from federation.signatures import verify_request

FIXTURES = Path(__file__).parent.parent / "fixtures"
PUBLIC_PEM = (FIXTURES / "keys" / "test_rsa_public.pem").read_text()
SIGNER = Signer(
    key_id="https://grandest.test/actors/instance#main-key",
    private_key_pem=(FIXTURES / "keys" / "test_rsa_private.pem").read_text(),
)

Reply = tuple[int, dict[str, str], bytes]


class Site:
    """A loopback HTTP server answering from a table of path → (status, headers, body)."""

    def __init__(self) -> None:
        self.pages: dict[str, Reply] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, headers, body = site.pages.get(
                    self.path, (404, {"Content-Type": "text/plain"}, b"not found")
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def authority(self) -> str:
        return f"127.0.0.1:{self._http.server_address[1]}"

    @property
    def base(self) -> str:
        return f"http://{self.authority}"

    def serve(
        self, path: str, document: Any, content_type: str = "application/activity+json"
    ) -> None:
        self.pages[path] = (200, {"Content-Type": content_type}, json.dumps(document).encode())

    def redirect(self, path: str, location: str) -> None:
        self.pages[path] = (302, {"Location": location}, b"")

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def other_site() -> Iterator[Site]:
    server = Site()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def client() -> AsyncIterator[RemoteClient]:
    async with RemoteClient(ClientPolicy(allow_private=True, timeout=2.0)) as remote:
        yield remote


def rehomed(name: str, old_origin: str, new_origin: str) -> dict[str, Any]:
    """A captured fixture with its origin replaced, as if a loopback server had sent it."""
    text = (FIXTURES / "mastodon" / name).read_text()
    document: dict[str, Any] = json.loads(text.replace(old_origin, new_origin))
    return document


def mastodon_actor(base: str) -> dict[str, Any]:
    return rehomed("mastodon-actor.json", "https://framapiaf.org", base)


# --- handles -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("@Gargron@mastodon.social", ("Gargron", "mastodon.social")),
        ("planetarium@GrandEst.Example", ("planetarium", "grandest.example")),
        ("acct:alice@127.0.0.1:8001", ("alice", "127.0.0.1:8001")),
        ("ACCT:bob@[::1]:8443", ("bob", "[::1]:8443")),
        ("  carol@bücher.example ", ("carol", "xn--bcher-kva.example")),
    ],
)
def test_parse_handle(handle: str, expected: tuple[str, str]) -> None:
    assert parse_handle(handle) == expected


@pytest.mark.parametrize(
    "handle",
    [
        "",
        "alice",
        "@alice",
        "alice@",
        "@@host",
        "a b@host",
        "alice@host/path",
        "alice@host?x",
        "alice@evil@host",
        "alice@-host.example",
        "alice@host:99999",
        "alice@host:port",
        "alice@ho_st.example",
        "https://host/@alice",
    ],
)
def test_parse_handle_refuses(handle: str) -> None:
    with pytest.raises(InvalidHandle):
        parse_handle(handle)


# --- WebFinger ---------------------------------------------------------------


async def test_webfinger_resolves_the_self_link(site: Site, client: RemoteClient) -> None:
    jrd = rehomed("mastodon-webfinger.json", "https://mastodon.social", site.base)
    resource = f"acct%3AGargron%40{site.authority.replace(':', '%3A')}"
    site.serve(f"/.well-known/webfinger?resource={resource}", jrd, "application/jrd+json")
    actor_url = await webfinger(client, f"@Gargron@{site.authority}", scheme="http")
    assert actor_url == f"{site.base}/users/Gargron"
    [(_path, headers)] = site.requests
    assert headers["accept"].startswith("application/jrd+json")


async def test_webfinger_without_an_activitystreams_link(site: Site, client: RemoteClient) -> None:
    jrd = {
        "subject": f"acct:bob@{site.authority}",
        "links": [
            {"rel": "self", "type": "text/html", "href": f"{site.base}/@bob"},
            {"rel": "self", "type": "application/activity+json", "href": "ftp://x/bob"},
        ],
    }
    resource = f"acct%3Abob%40{site.authority.replace(':', '%3A')}"
    site.serve(f"/.well-known/webfinger?resource={resource}", jrd, "application/jrd+json")
    with pytest.raises(InvalidRemoteObject, match="self link"):
        await webfinger(client, f"bob@{site.authority}", scheme="http")


async def test_webfinger_of_an_unknown_account(site: Site, client: RemoteClient) -> None:
    with pytest.raises(RemoteStatus) as caught:
        await webfinger(client, f"nobody@{site.authority}", scheme="http")
    assert caught.value.gone


# --- actors and objects --------------------------------------------------------


async def test_fetch_actor_document_accepts_a_real_actor(site: Site, client: RemoteClient) -> None:
    actor = mastodon_actor(site.base)
    site.serve("/users/peertube", actor)
    document = await fetch_actor_document(client, f"{site.base}/users/peertube", SIGNER)
    assert document["id"] == f"{site.base}/users/peertube"
    [(path, headers)] = site.requests
    verify_request("GET", path, headers, None, PUBLIC_PEM, scheme="http")


@pytest.mark.parametrize(
    "forged_id",
    ["https://framapiaf.org/users/peertube", "http://127.0.0.2/users/peertube"],
)
async def test_fetch_actor_document_refuses_an_id_on_another_host(
    site: Site, client: RemoteClient, forged_id: str
) -> None:
    actor = mastodon_actor(site.base)
    actor["id"] = forged_id
    site.serve("/users/peertube", actor)
    with pytest.raises(ForgedObject):
        await fetch_actor_document(client, f"{site.base}/users/peertube", SIGNER)


async def test_fetch_actor_document_refuses_another_port_on_the_same_address(
    site: Site, other_site: Site, client: RemoteClient
) -> None:
    actor = mastodon_actor(other_site.base)
    site.serve("/users/peertube", actor)
    with pytest.raises(ForgedObject):
        await fetch_actor_document(client, f"{site.base}/users/peertube", None)


def _without(key: str) -> Any:
    def change(actor: dict[str, Any]) -> None:
        del actor[key]

    return change


def _set(key: str, value: Any) -> Any:
    def change(actor: dict[str, Any]) -> None:
        actor[key] = value

    return change


def _key_owner(owner: str) -> Any:
    def change(actor: dict[str, Any]) -> None:
        actor["publicKey"]["owner"] = owner

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_set("type", "Note"), "not an actor"),
        (_without("type"), "not an actor"),
        (_without("inbox"), "no inbox"),
        (_set("inbox", "not a url"), "no inbox"),
        (_without("publicKey"), "public key"),
        (_set("publicKey", {"id": "k", "owner": "o"}), "public key"),
        (_key_owner("https://elsewhere.example/users/x"), "public key"),
        (_without("id"), "no http"),
    ],
)
async def test_fetch_actor_document_refuses_unusable_actors(
    site: Site, client: RemoteClient, change: Any, reason: str
) -> None:
    actor = mastodon_actor(site.base)
    change(actor)
    site.serve("/users/peertube", actor)
    with pytest.raises(InvalidRemoteObject, match=reason):
        await fetch_actor_document(client, f"{site.base}/users/peertube", None)


async def test_fetch_actor_document_accepts_other_actor_types_and_key_lists(
    site: Site, client: RemoteClient
) -> None:
    actor = mastodon_actor(site.base)
    actor["type"] = ["Service", "Organization"]
    actor["inbox"] = {"id": f"{site.base}/users/peertube/inbox"}
    actor["publicKey"] = [{"id": "other#k"}, actor["publicKey"]]
    site.serve("/users/peertube", actor)
    assert await fetch_actor_document(client, f"{site.base}/users/peertube", None) == actor


async def test_fetch_object_checks_the_origin(site: Site, client: RemoteClient) -> None:
    note = rehomed("mastodon-note-reply.json", "https://floss.social", site.base)
    site.serve("/@kde/1", note)  # a URL other than the id, on the same origin: fine
    assert await fetch_object(client, f"{site.base}/@kde/1", None) == note
    note["id"] = "https://floss.social/users/kde/statuses/113306831140126616"
    site.serve("/@kde/2", note)
    with pytest.raises(ForgedObject):
        await fetch_object(client, f"{site.base}/@kde/2", None)


async def test_fetch_object_judges_the_origin_that_finally_served_it(
    site: Site, other_site: Site, client: RemoteClient
) -> None:
    # A redirect hands over to another origin: that origin may serve its own objects only.
    genuine = {"id": f"{other_site.base}/notes/1", "type": "Note"}
    other_site.serve("/notes/1", genuine)
    site.redirect("/moved", f"{other_site.base}/notes/1")
    assert await fetch_object(client, f"{site.base}/moved", None) == genuine

    claims_first_site = {"id": f"{site.base}/notes/2", "type": "Note"}
    other_site.serve("/notes/2", claims_first_site)
    site.redirect("/hijack", f"{other_site.base}/notes/2")
    with pytest.raises(ForgedObject):
        await fetch_object(client, f"{site.base}/hijack", None)


async def test_webfinger_refuses_odd_schemes(client: RemoteClient) -> None:
    with pytest.raises(ValueError):
        await webfinger(client, "alice@host.example", scheme="ftp")
