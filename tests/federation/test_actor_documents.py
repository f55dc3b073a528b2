"""Actor documents, the instance actor, collections and authorized fetch (federation.routes),
served by the real app on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from federation.vocab.jsonld import AS, SECURITY
from storage.tables import Actor, ActorKind, Block, Follow, FollowState, OutboxActivity
from tests.conftest import TEST_BASE_URL, Db
from tests.federation.remote_origin import RemoteActor, RemoteOrigin, key_pair
from tests.federation.served_app import add_actor, age_cached_actor, make_client
from tests.federation.test_vocab_events import SECURITY_CONTEXT, activitystreams_context

AS_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACTOR = f"{TEST_BASE_URL}/actors/planetarium"
ASNS = "https://www.w3.org/ns/activitystreams#"
TOOT = "http://joinmastodon.org/ns#"


def expand_offline(document: dict[str, Any]) -> tuple[dict[str, Any], list[str | None]]:
    """JSON-LD expansion with local contexts; returns the node and the properties dropped."""
    jsonld = pytest.importorskip("pyld.jsonld")
    as_context = activitystreams_context()
    # Actor terms of the ActivityStreams context that the events tests' copy leaves out.
    as_context["@context"]["sharedInbox"] = {"@id": "as:sharedInbox", "@type": "@id"}
    contexts = {AS: as_context, SECURITY: SECURITY_CONTEXT}

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        assert url in contexts, f"pyld tried to fetch {url}"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": contexts[url]}

    dropped: list[str | None] = []
    [node] = jsonld.expand(document, {"documentLoader": loader}, on_property_dropped=dropped.append)
    return node, dropped


@pytest.fixture
def client(db: Db) -> Iterator[TestClient]:
    with make_client(db) as test_client:
        yield test_client


@pytest.fixture
def origin() -> Iterator[RemoteOrigin]:
    with RemoteOrigin() as server:
        yield server


def get_json(client: TestClient, path: str, accept: str = AS_JSON, **headers: str) -> Any:
    response = client.get(path, headers={"Accept": accept, **headers})
    assert response.status_code == 200, (path, response.status_code, response.text)
    assert response.headers["content-type"].startswith(AS_JSON)
    assert "PRIVATE" not in response.text
    return response.json()


def signed_get(client: TestClient, actor: RemoteActor, path: str, **kwargs: Any) -> Any:
    headers = actor.signed_headers("GET", TEST_BASE_URL + path, None, **kwargs)
    return client.get(path, headers=headers)


# --- actor documents ------------------------------------------------------------------------


async def test_actor_document(db: Db, client: TestClient) -> None:
    actor = await add_actor(db, "planetarium", summary_md="Le *ciel* à Strasbourg",
                            icon_url="https://grandest.test/media/p.png")
    document = get_json(client, "/actors/planetarium", AS_JSON)
    assert get_json(client, "/actors/planetarium", LD_JSON) == document
    assert document["@context"][:2] == [AS, SECURITY]
    assert document["@context"][2]["toot"] == TOOT
    assert document["id"] == ACTOR and document["type"] == "Organization"
    assert document["preferredUsername"] == "planetarium"
    assert document["inbox"] == f"{ACTOR}/inbox"
    assert document["outbox"] == f"{ACTOR}/outbox"
    assert document["followers"] == f"{ACTOR}/followers"
    assert document["following"] == f"{ACTOR}/following"
    assert document["endpoints"] == {"sharedInbox": f"{TEST_BASE_URL}/inbox"}
    assert document["url"] == f"{TEST_BASE_URL}/@planetarium"
    assert document["icon"]["url"] == "https://grandest.test/media/p.png"
    assert document["manuallyApprovesFollowers"] is False and document["discoverable"] is True
    assert "<em>ciel</em>" in document["summary"]
    assert document["publicKey"] == {
        "id": f"{ACTOR}#main-key", "owner": ACTOR, "publicKeyPem": actor.public_key_pem,
    }
    assert document["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    # Every term we use is defined by the @context (nothing dropped by JSON-LD expansion).
    node, dropped = expand_offline(document)
    assert dropped == []
    assert node[f"{TOOT}discoverable"] == [{"@value": True}]
    assert node[f"{ASNS}manuallyApprovesFollowers"] == [{"@value": False}]


async def test_people_and_groups_have_their_type(db: Db, client: TestClient) -> None:
    await add_actor(db, "marie", kind=ActorKind.PERSON, manually_approves_followers=True)
    await add_actor(db, "club_astro", kind=ActorKind.GROUP, discoverable=False)
    marie = get_json(client, "/actors/marie")
    assert marie["type"] == "Person" and marie["manuallyApprovesFollowers"] is True
    club = get_json(client, "/actors/club_astro")
    assert club["type"] == "Group" and club["discoverable"] is False


async def test_browsers_are_redirected_to_the_profile_page(db: Db, client: TestClient) -> None:
    await add_actor(db, "planetarium")
    for accept in (BROWSER, "", "application/json"):
        response = client.get("/actors/planetarium", headers={"Accept": accept}, follow_redirects=False)
        assert response.status_code == 303, accept
        assert response.headers["location"] == f"{TEST_BASE_URL}/@planetarium"
        assert "Accept" in response.headers["vary"]
    page = client.get("/actors/planetarium", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Planetarium" in page.text


async def test_unknown_actors_are_404(db: Db, client: TestClient) -> None:
    instance_username = "grandest.test"  # the instance actor is only at /actor
    for path in ("/actors/nobody", "/actors/nobody/followers", "/actors/nobody/following",
                 "/actors/nobody/outbox", f"/actors/{instance_username}"):
        assert client.get(path, headers={"Accept": AS_JSON}).status_code == 404, path


async def test_instance_actor(client: TestClient) -> None:
    document = get_json(client, "/actor")
    assert document["type"] == "Application"
    assert document["id"] == f"{TEST_BASE_URL}/actor"
    assert document["preferredUsername"] == "grandest.test"
    assert document["inbox"] == f"{TEST_BASE_URL}/actor/inbox"
    assert document["endpoints"] == {"sharedInbox": f"{TEST_BASE_URL}/inbox"}
    assert document["publicKey"]["id"] == f"{TEST_BASE_URL}/actor#main-key"
    assert document["publicKey"]["owner"] == document["id"]
    assert "BEGIN PUBLIC KEY" in document["publicKey"]["publicKeyPem"]
    assert document["manuallyApprovesFollowers"] is True
    assert document["@context"][:2] == [AS, SECURITY]
    # The collections it advertises exist.
    for name in ("outbox", "followers", "following"):
        collection = get_json(client, document[name])
        assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 0, name


# --- collections ----------------------------------------------------------------------------


async def add_remote(db: Db, n: int) -> list[Actor]:
    async with db.sessions() as session:
        actors = [
            Actor(uri=f"https://remote{i % 3}.example/users/u{i}", username=f"u{i}",
                  domain=f"remote{i % 3}.example", inbox=f"https://remote{i % 3}.example/users/u{i}/inbox")
            for i in range(n)
        ]
        session.add_all(actors)
        await session.commit()
        for actor in actors:
            await session.refresh(actor)
        return actors


async def test_followers_following_and_outbox_are_paged(db: Db, client: TestClient) -> None:
    local = await add_actor(db, "planetarium")
    assert local.id is not None
    remote = await add_remote(db, 47)
    async with db.sessions() as session:
        for actor in remote[:45]:
            assert actor.id is not None
            session.add(Follow(uri=f"{actor.uri}#follow", follower_id=actor.id, followed_id=local.id,
                               state=FollowState.ACCEPTED))
        pending = remote[45]
        assert pending.id is not None and remote[46].id is not None
        session.add(Follow(uri=f"{pending.uri}#follow", follower_id=pending.id, followed_id=local.id))
        session.add(Follow(uri=f"{ACTOR}#follows/1", follower_id=local.id, followed_id=remote[46].id,
                           state=FollowState.ACCEPTED))
        for n in range(41):
            uri = f"{TEST_BASE_URL}/activities/{uuid.uuid4()}"
            session.add(OutboxActivity(uri=uri, type="Announce", actor_id=local.id, payload={
                "@context": AS, "id": uri, "type": "Announce", "actor": ACTOR,
                "object": f"https://remote0.example/notes/{n}"}))
        private = f"{TEST_BASE_URL}/activities/{uuid.uuid4()}"
        session.add(OutboxActivity(uri=private, type="Accept", actor_id=local.id, public=False,
                                   payload={"id": private, "type": "Accept"}))
        await session.commit()

    followers = get_json(client, "/actors/planetarium/followers")
    assert followers == {"@context": AS, "id": f"{ACTOR}/followers", "type": "OrderedCollection",
                         "totalItems": 45, "first": f"{ACTOR}/followers?page=1"}
    first = get_json(client, followers["first"])
    assert first["type"] == "OrderedCollectionPage" and first["partOf"] == f"{ACTOR}/followers"
    assert first["totalItems"] == 45 and len(first["orderedItems"]) == 40
    assert "prev" not in first
    second = get_json(client, first["next"])
    assert second["partOf"] == f"{ACTOR}/followers" and "next" not in second
    assert first["orderedItems"] + second["orderedItems"] == [a.uri for a in remote[:45]]
    assert get_json(client, second["prev"])["orderedItems"] == first["orderedItems"]

    following = get_json(client, "/actors/planetarium/following")
    assert following["totalItems"] == 1
    assert get_json(client, following["first"])["orderedItems"] == [remote[46].uri]

    outbox = get_json(client, "/actors/planetarium/outbox")
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 41
    newest = get_json(client, outbox["first"])
    assert newest["partOf"] == f"{ACTOR}/outbox" and len(newest["orderedItems"]) == 40
    assert all("@context" not in item and item["type"] == "Announce" for item in newest["orderedItems"])
    oldest = get_json(client, newest["next"])
    assert [item["object"] for item in oldest["orderedItems"]] == ["https://remote0.example/notes/0"]
    assert "next" not in oldest and "prev" in oldest


# --- authorized fetch -----------------------------------------------------------------------


async def test_authorized_fetch(db: Db, origin: RemoteOrigin) -> None:
    await add_actor(db, "planetarium")
    alice = origin.actor("alice")
    protected = ("/actors/planetarium", "/actors/planetarium/followers",
                 "/actors/planetarium/followers?page=1", "/actors/planetarium/following",
                 "/actors/planetarium/outbox", "/actors/planetarium/outbox?page=1")
    with make_client(db, authorized_fetch=True) as client:
        for path in protected:
            assert client.get(path, headers={"Accept": AS_JSON}).status_code == 401, path
            response = signed_get(client, alice, path)
            assert response.status_code == 200, (path, response.text)
        assert len(origin.requests("GET", alice.path)) == 1  # fetched once, then cached
        # A forged signature: refused, and the key, fetched a moment ago, is not fetched again
        # (forged GETs must not make us hammer the host they name).
        assert signed_get(client, alice, protected[0], keys=key_pair(1)).status_code == 401
        assert len(origin.requests("GET", alice.path)) == 1
        # The documents are now rendered and kept for a few seconds: still no entry without
        # a valid signature.
        for path in protected:
            assert client.get(path, headers={"Accept": AS_JSON}).status_code == 401, path

        # Public whatever the mode: discovery, the instance actor, and pages for browsers.
        for path in ("/.well-known/webfinger?resource=acct:planetarium@grandest.test",
                     "/.well-known/nodeinfo", "/nodeinfo/2.1", "/.well-known/host-meta", "/actor"):
            assert client.get(path, headers={"Accept": AS_JSON}).status_code == 200, path
        browser = client.get("/actors/planetarium", headers={"Accept": BROWSER}, follow_redirects=False)
        assert browser.status_code == 303

        # A rotated key is refetched once, as in the inbox, once the cached one is not new.
        alice.rotate(key_pair(2))
        await age_cached_actor(db, alice.uri)
        assert signed_get(client, alice, "/actors/planetarium").status_code == 200
        assert len(origin.requests("GET", alice.path)) == 2

        # A blocked domain's signature does not open the door.
        async with db.sessions() as session:
            session.add(Block(target_domain="127.0.0.1"))
            await session.commit()
        assert signed_get(client, alice, "/actors/planetarium").status_code == 403




async def test_collection_pages_walk_back_from_page_three(db: Db, client: TestClient) -> None:
    local = await add_actor(db, "planetarium")
    assert local.id is not None
    remote = await add_remote(db, 90)
    async with db.sessions() as session:
        for actor in remote:
            assert actor.id is not None
            session.add(Follow(uri=f"{actor.uri}#follow", follower_id=actor.id, followed_id=local.id,
                               state=FollowState.ACCEPTED))
        for n in range(90):
            uri = f"{TEST_BASE_URL}/activities/{uuid.uuid4()}"
            session.add(OutboxActivity(uri=uri, type="Announce", actor_id=local.id, payload={
                "id": uri, "type": "Announce", "actor": ACTOR, "object": f"https://r.example/{n}"}))
        await session.commit()
    for path in ("/actors/planetarium/followers?page=1", "/actors/planetarium/outbox?page=1"):
        first = get_json(client, path)
        second = get_json(client, first["next"])
        third = get_json(client, second["next"])
        assert len(third["orderedItems"]) == 10 and "next" not in third
        assert get_json(client, third["prev"])["orderedItems"] == second["orderedItems"]
        assert get_json(client, second["prev"])["orderedItems"] == first["orderedItems"]
