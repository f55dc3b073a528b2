"""The inbox pipeline (federation.inbox.receive) through the real app on SQLite and PostgreSQL,
with the remote actor and its key served over real HTTP by a loopback server.

Every refusal checks its status code and that nothing was stored: no inbox item, and no
cached actor when the request was refused before (or despite) a key fetch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient

from federation import routes as receive_routes
from federation.inbox import receive as receive_module
from federation.keys import KeyPair
from storage.tables import Actor, Block, Follow, InboxItem, InboxState, OutboxActivity
from tests.conftest import TEST_BASE_URL, Db
from tests.federation.remote_origin import RemoteActor, RemoteOrigin, key_pair
from tests.federation.served_app import (
    add_actor,
    age_cached_actor,
    count,
    make_client,
    remote_actor_row,
    rows,
    wait_until,
)

AS = "https://www.w3.org/ns/activitystreams"
PLANETARIUM = f"{TEST_BASE_URL}/actors/planetarium"


@pytest.fixture
def origin() -> Iterator[RemoteOrigin]:
    with RemoteOrigin() as server:
        yield server


@pytest.fixture
def client(db: Db) -> Iterator[TestClient]:
    with make_client(db) as test_client:
        yield test_client


@pytest.fixture
async def planetarium(db: Db) -> Actor:
    return await add_actor(db, "planetarium")


def follow(actor: RemoteActor, n: int = 1, target: str = PLANETARIUM) -> dict[str, Any]:
    return {"@context": AS, "id": f"{actor.uri}/follows/{n}", "type": "Follow",
            "actor": actor.uri, "object": target}


def post(
    client: TestClient, signer: RemoteActor, activity: Any, *, path: str = "/inbox",
    body: bytes | None = None, signed_body: bytes | None = None, now: datetime | None = None,
    keys: KeyPair | None = None,
) -> httpx2.Response:
    """POST ``activity`` (or raw ``body``) signed by ``signer`` over ``signed_body`` (the body)."""
    sent = body if body is not None else json.dumps(activity).encode()
    headers = signer.signed_headers(
        "POST", TEST_BASE_URL + path, sent if signed_body is None else signed_body, now=now, keys=keys
    )
    return client.post(path, content=sent, headers=headers)


async def assert_nothing_stored(db: Db, *remote: RemoteActor | str) -> None:
    assert await count(db, InboxItem) == 0
    for actor in remote:
        uri = actor if isinstance(actor, str) else actor.uri
        assert await remote_actor_row(db, uri) is None, f"{uri} was cached"


def actor_fetches(origin: RemoteOrigin, actor: RemoteActor) -> int:
    return len(origin.requests("GET", actor.path))


# --- refusals -------------------------------------------------------------------------------

Case = Callable[[TestClient, RemoteActor], httpx2.Response]


def _unsigned(client: TestClient, alice: RemoteActor) -> httpx2.Response:
    return client.post("/inbox", content=json.dumps(follow(alice)),
                       headers={"Content-Type": "application/activity+json"})


def _digest_mismatch(client: TestClient, alice: RemoteActor) -> httpx2.Response:
    return post(client, alice, follow(alice, 2), signed_body=json.dumps(follow(alice, 1)).encode())


def _dated(offset: timedelta) -> Case:
    return lambda client, alice: post(client, alice, follow(alice), now=datetime.now(UTC) + offset)


def _body(body: bytes) -> Case:
    return lambda client, alice: post(client, alice, None, body=body)


def _content_type(content_type: str | None) -> Case:
    def case(client: TestClient, alice: RemoteActor) -> httpx2.Response:
        body = json.dumps(follow(alice)).encode()
        headers = alice.signed_headers("POST", f"{TEST_BASE_URL}/inbox", body,
                                       headers={"Content-Type": content_type or ""})
        if content_type is None:
            del headers["Content-Type"]
        return client.post("/inbox", content=body, headers=headers)

    return case


def _oversized(*, chunked: bool) -> Case:
    def case(client: TestClient, alice: RemoteActor) -> httpx2.Response:
        body = json.dumps(follow(alice) | {"padding": "x" * CAP}).encode()
        headers = alice.signed_headers("POST", f"{TEST_BASE_URL}/inbox", body)
        if not chunked:
            return client.post("/inbox", content=body, headers=headers)
        return client.post("/inbox", content=iter([body[:3000], body[3000:]]), headers=headers)

    return case


CAP = 4096
# Refused from the request alone: no key is fetched, nothing is stored.
BEFORE_ANY_FETCH: dict[str, tuple[Case, int]] = {
    "unsigned": (_unsigned, 401),
    "digest mismatch": (_digest_mismatch, 401),
    "stale Date": (_dated(timedelta(hours=-13)), 401),
    "Date in the future": (_dated(timedelta(hours=2)), 401),
    "truncated JSON": (_body(b'{"type": "Follow", '), 400),
    "not UTF-8": (_body(b"\xff\xfe"), 400),
    "JSON array": (_body(b"[1, 2]"), 400),
    "activity without id nor actor": (_body(b'{"type": "Follow"}'), 400),
    "text/plain": (_content_type("text/plain"), 415),
    "form": (_content_type("application/x-www-form-urlencoded"), 415),
    "no content type": (_content_type(None), 415),
    "over the cap (Content-Length)": (_oversized(chunked=False), 413),
    "over the cap (chunked)": (_oversized(chunked=True), 413),
}


async def test_requests_refused_before_any_fetch(
    db: Db, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice")
    with make_client(db, max_inbox_bytes=CAP) as client:
        statuses = {name: case(client, alice).status_code for name, (case, _) in BEFORE_ANY_FETCH.items()}
    assert statuses == {name: status for name, (_, status) in BEFORE_ANY_FETCH.items()}
    assert origin.requests() == []
    await assert_nothing_stored(db, alice)


async def test_bad_signature_is_refused(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice")
    response = post(client, alice, follow(alice), keys=key_pair(1))  # not the published key
    assert response.status_code == 401
    assert 1 <= actor_fetches(origin, alice) <= 2  # fetched, and at most one refetch
    await assert_nothing_stored(db, alice)


async def test_key_of_another_actor_is_refused_when_the_activity_is_not_at_its_origin(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice")
    bob = origin.actor("bob", key=1)  # a valid key, but Bob's
    activity = follow(alice)
    response = post(client, bob, activity)
    assert response.status_code == 401
    # treated as forwarded: re-fetched from its origin, which does not have it (404)
    assert origin.requests("GET", "/users/alice/follows/1")
    await assert_nothing_stored(db, alice, bob)


async def test_create_of_an_object_on_another_host_is_refused(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice")
    note = {"id": "https://elsewhere.example/notes/1", "type": "Note", "attributedTo": alice.uri,
            "content": "forged", "to": [f"{AS}#Public"]}
    activity = {"@context": AS, "id": f"{alice.uri}/activities/1", "type": "Create",
                "actor": alice.uri, "object": note, "to": [f"{AS}#Public"]}
    response = post(client, alice, activity)
    assert response.status_code == 403
    await assert_nothing_stored(db, alice)


async def test_blocked_domains_and_actors_are_refused_before_any_fetch(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice")
    elsewhere = {**follow(alice), "id": "https://elsewhere.example/follows/1",
                 "actor": "https://elsewhere.example/users/carol"}
    cases = {
        "domain": (Block(target_domain="127.0.0.1"), follow(alice)),
        "domain and port": (Block(target_domain=origin.host), follow(alice)),
        "actor": (Block(target_uri=alice.uri), follow(alice)),
        # an activity from an unblocked host, signed by a key on a blocked one
        "signer's domain": (Block(target_domain="127.0.0.1"), elsewhere),
    }
    for name, (block, activity) in cases.items():
        async with db.sessions() as session:
            session.add(block)
            await session.commit()
            assert post(client, alice, activity).status_code == 403, name
            await session.delete(block)
            await session.commit()
    assert origin.requests() == []  # the key was not even fetched
    await assert_nothing_stored(db, alice)


async def test_key_on_a_private_address_is_not_fetched_without_the_switch(
    db: Db, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice")
    with make_client(db, allow_private_addresses=False) as client:
        response = post(client, alice, follow(alice))
    assert response.status_code == 401
    assert origin.requests() == []  # refused before connecting
    await assert_nothing_stored(db, alice)


# --- accepted -------------------------------------------------------------------------------


async def test_signed_follow_is_recorded_once_processed_and_accepted(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice")
    activity = follow(alice)
    response = post(client, alice, activity, path="/actors/planetarium/inbox")
    assert response.status_code == 202
    [item] = await rows(db, InboxItem)
    assert item.activity_id == activity["id"] and item.key_id == alice.key_id
    assert item.recipient_id == planetarium.id
    cached = await remote_actor_row(db, alice.uri)
    assert cached is not None and cached.public_key_pem == alice.keys.public_pem
    assert cached.shared_inbox == f"{origin.base}/inbox"

    async def processed() -> bool:
        return (await rows(db, InboxItem))[0].state == InboxState.PROCESSED

    await wait_until(processed, what="the Follow processed by the embedded worker")
    assert await count(db, Follow, Follow.follower_id == cached.id, Follow.state == "accepted") == 1
    assert await count(db, OutboxActivity, OutboxActivity.type == "Accept") == 1

    async def accept_delivered() -> bool:
        return any(h.json()["type"] == "Accept" for h in origin.requests("POST", "/inbox"))

    await wait_until(accept_delivered, what="the Accept delivered to the follower's shared inbox")
    [delivered] = origin.requests("POST", "/inbox")
    assert delivered.json()["object"]["id"] == activity["id"]

    # The same activity again (a retry by the sender): acknowledged, not stored nor processed again.
    again = post(client, alice, activity)
    assert again.status_code == 202
    assert await count(db, InboxItem) == 1
    [item] = await rows(db, InboxItem)
    assert item.attempts == 1 and item.state == InboxState.PROCESSED
    assert await count(db, OutboxActivity, OutboxActivity.type == "Accept") == 1


async def test_rotated_key_is_accepted_after_one_refetch(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor
) -> None:
    alice = origin.actor("alice", key=0)
    assert post(client, alice, follow(alice, 1)).status_code == 202
    assert actor_fetches(origin, alice) == 1
    alice.rotate(key_pair(2))  # same key id, new key; our cache still has the old one
    await age_cached_actor(db, alice.uri)  # refetches are spaced (forged requests can't force them)

    assert post(client, alice, follow(alice, 2)).status_code == 202
    assert actor_fetches(origin, alice) == 2  # exactly one refetch
    cached = await remote_actor_row(db, alice.uri)
    assert cached is not None and cached.public_key_pem == key_pair(2).public_pem
    assert await count(db, InboxItem) == 2

    # The old key is no longer good: refused, and right after a fetch no new refetch is made.
    response = post(client, alice, follow(alice, 3), keys=key_pair(0))
    assert response.status_code == 401
    assert actor_fetches(origin, alice) == 2
    await age_cached_actor(db, alice.uri)
    assert post(client, alice, follow(alice, 4), keys=key_pair(0)).status_code == 401
    assert actor_fetches(origin, alice) == 3
    assert await count(db, InboxItem) == 2


async def test_no_database_connection_is_held_while_a_key_is_fetched(
    db: Db, origin: RemoteOrigin, planetarium: Actor
) -> None:
    """A remote host may take seconds to serve a key, and a new instance receives from many
    unknown actors at once: the inbox fetches a key (and refetches a rotated one) with no
    connection taken from the pool, which would otherwise run dry."""
    alice = origin.actor("alice", key=0)
    like = {"@context": AS, "type": "Like", "actor": alice.uri, "object": f"{TEST_BASE_URL}/notes/1"}
    with make_client(db, sweep_seconds=300) as client:  # nothing else runs meanwhile
        pool: Any = client.app.state.runtime.engine.sync_engine.pool  # type: ignore[attr-defined]
        held: list[int] = []
        origin.on_get = lambda path: held.append(pool.checkedout()) if path == alice.path else None

        async def processed() -> bool:  # the job is done: its connection is back in the pool
            return await count(db, InboxItem, InboxItem.state == InboxState.RECEIVED) == 0

        assert post(client, alice, like | {"id": f"{alice.uri}/likes/1"}).status_code == 202
        await wait_until(processed, what="the first Like processed")
        alice.rotate(key_pair(2))
        await age_cached_actor(db, alice.uri)
        assert post(client, alice, like | {"id": f"{alice.uri}/likes/2"}).status_code == 202
    assert held == [0, 0]
    assert await count(db, InboxItem) == 2


async def test_an_unknown_signer_is_fetched_then_stored_with_the_batch(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first POST of an unknown actor: the batch has checked recipient and blocks, so its
    key is fetched without the careful path's look-ups, and the request is then stored by a
    batch like any other (its job queued with the others)."""
    calls: list[str] = []
    for name in ("_careful", "_fetch_key", "_store_batch"):
        real = getattr(receive_module, name)

        async def spying(*args: Any, _name: str = name, _real: Any = real, **kwargs: Any) -> Any:
            calls.append(_name)
            return await _real(*args, **kwargs)

        monkeypatch.setattr(receive_module, name, spying)
    alice = origin.actor("alice")
    assert post(client, alice, follow(alice, 1), path="/actors/planetarium/inbox").status_code == 202
    assert calls == ["_store_batch", "_fetch_key", "_store_batch"]
    assert actor_fetches(origin, alice) == 1
    [item] = await rows(db, InboxItem)
    assert item.recipient_id == planetarium.id and item.activity_id == f"{alice.uri}/follows/1"


async def test_a_forged_request_is_refused_in_the_batch_while_the_key_is_fresh(
    db: Db, client: TestClient, origin: RemoteOrigin, planetarium: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A known actor, a signature made with another key: while the actor's key was fetched
    # less than a minute ago the batch refuses it itself (no careful path, no look-up again);
    # later the batch sends it to be refetched once (it may have rotated), still without the
    # careful path's look-ups (the batch checked recipient and blocks).
    alice = origin.actor("alice")
    assert post(client, alice, follow(alice, 1)).status_code == 202
    calls: list[str] = []

    def spy(name: str) -> Any:
        real = getattr(receive_module, name)

        async def spying(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return await real(*args, **kwargs)

        return spying

    for name in ("_careful", "_fetch_key"):
        monkeypatch.setattr(receive_module, name, spy(name))
    assert post(client, alice, follow(alice, 2), keys=key_pair(1)).status_code == 401
    assert calls == [] and actor_fetches(origin, alice) == 1
    await age_cached_actor(db, alice.uri)
    assert post(client, alice, follow(alice, 3), keys=key_pair(1)).status_code == 401
    assert calls == ["_fetch_key"] and actor_fetches(origin, alice) == 2
    assert await count(db, InboxItem) == 1


async def test_concurrent_activities_are_each_stored_once_and_queued(
    db: Db, origin: RemoteOrigin, planetarium: Actor
) -> None:
    """Requests arriving together share one INSERT and one Redis round trip: every distinct
    activity is stored once and queued (the worker takes each out of "received" long before
    the sweep would find it), including one sent twice at the same moment; every sender gets
    202."""
    with make_client(db, sweep_seconds=300) as client:
        await _post_together(db, client, origin)


async def _post_together(db: Db, client: TestClient, origin: RemoteOrigin) -> None:
    from concurrent.futures import ThreadPoolExecutor

    alice = origin.actor("alice")
    # Likes of objects we don't have: processed without any network traffic.
    activities = [{"@context": AS, "id": f"{alice.uri}/likes/{n}", "type": "Like", "actor": alice.uri,
                   "object": f"{TEST_BASE_URL}/notes/{n}"} for n in range(41)]
    assert post(client, alice, activities.pop(0)).status_code == 202  # the key is now known
    sent = activities + activities[:10]  # ten of them twice, concurrently
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda a: post(client, alice, a).status_code, sent))
    assert statuses == [202] * len(sent)
    stored = await rows(db, InboxItem)
    assert sorted(i.activity_id for i in stored) == sorted([f"{alice.uri}/likes/0"] + [a["id"] for a in activities])
    # Stored as sent (on PostgreSQL, as the very text received).
    sent_by_id = {a["id"]: a for a in activities}
    assert [i.body for i in stored if i.activity_id in sent_by_id] == [sent_by_id[i.activity_id] for i in stored if i.activity_id in sent_by_id]

    async def all_taken_up() -> bool:
        return await count(db, InboxItem, InboxItem.state == InboxState.RECEIVED) == 0

    await wait_until(all_taken_up, what="every stored activity processed", timeout=20)
    assert {i.attempts for i in await rows(db, InboxItem)} == {1}


UNSTORABLE = {
    "NUL character": '"a\\u0000b"',
    "lone surrogate": '"\\ud800"',
    "number beyond any float": "1e999999",
    "NaN": "NaN",
}


@pytest.mark.parametrize("label", UNSTORABLE)
async def test_an_unstorable_document_is_refused_without_harming_its_batch(
    db: Db, origin: RemoteOrigin, client: TestClient, planetarium: Actor, label: str
) -> None:
    """JSON that parses but that the database cannot hold (PostgreSQL's jsonb refuses NUL and
    lone surrogates; Python reads 1e999999 as infinity) is a 400 for its sender, and the
    requests that share its batch are stored as if it had not been there."""
    from concurrent.futures import ThreadPoolExecutor

    alice = origin.actor("alice")
    assert post(client, alice, {**follow(alice), "id": f"{alice.uri}/first"}).status_code == 202
    good = [{"@context": AS, "id": f"{alice.uri}/likes/{n}", "type": "Like", "actor": alice.uri,
             "object": f"{TEST_BASE_URL}/notes/{n}"} for n in range(12)]
    bad = json.dumps({**good[0], "id": f"{alice.uri}/bad"})[:-1] + f', "summary": {UNSTORABLE[label]}}}'
    assert json.loads(bad)["summary"] is not None  # Python's parser takes it

    def send(item: Any) -> int:
        if isinstance(item, str):
            return post(client, alice, None, body=item.encode()).status_code
        return post(client, alice, item).status_code

    with ThreadPoolExecutor(max_workers=13) as pool:
        statuses = list(pool.map(send, [*good[:6], bad, *good[6:]]))
    assert statuses == [202] * 6 + [400] + [202] * 6
    stored = {i.activity_id for i in await rows(db, InboxItem)}
    assert stored == {f"{alice.uri}/first"} | {a["id"] for a in good}


@pytest.mark.parametrize(("path", "recipient"), [
    ("/inbox", None),
    ("/actor/inbox", None),
    ("/actors/planetarium/inbox", "planetarium"),
    ("/actors/la%20f%C3%AAte/inbox", "la%20f%C3%AAte"),  # as the path arrives: already decoded by the server
    ("/actors//inbox", receive_routes.NOT_AN_INBOX),
    ("/actors/a/b/inbox", receive_routes.NOT_AN_INBOX),
    ("/inbox/", receive_routes.NOT_AN_INBOX),
    ("/actors/planetarium/outbox", receive_routes.NOT_AN_INBOX),
    ("/api/inbox", receive_routes.NOT_AN_INBOX),
])
def test_the_inbox_shortcut_takes_exactly_the_inbox_routes(path: str, recipient: str | None) -> None:
    """``InboxShortcut`` sends POSTs to the inbox without the route table: it must take the
    paths the inbox routes match, with the same username, and nothing else."""
    from starlette.routing import Match

    assert receive_routes.inbox_recipient(path) == recipient
    scope = {"type": "http", "method": "POST", "path": path, "root_path": ""}
    routed = [r for r in receive_routes.federation_routes() if r.matches(scope)[0] is Match.FULL]
    if recipient is receive_routes.NOT_AN_INBOX:
        assert not [r for r in routed if r.path.endswith("/inbox")]
    else:
        [route] = routed
        assert route.matches(scope)[1]["path_params"].get("username") == recipient


def test_requests_the_shortcut_does_not_take_still_reach_their_routes(client: TestClient) -> None:
    assert client.get("/inbox").status_code == 405  # the route table answers
    assert client.post("/actors/nobody/outbox", content=b"{}").status_code == 405
    redirected = client.post("/inbox/", content=b"{}", follow_redirects=False)
    assert redirected.status_code == 307 and redirected.headers["location"].endswith("/inbox")
