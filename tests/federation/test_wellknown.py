"""Discovery documents (federation.wellknown): WebFinger, host-meta and NodeInfo, served by the
real app on SQLite and PostgreSQL and compared with what Mastodon, Mobilizon and WordPress
serve (tests/fixtures/)."""

from __future__ import annotations

import importlib.metadata
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.services.accounts import ActorInput, create_actor
from echofed.services.publishing import EventInput, PostInput, create_event, create_post
from echofed.services.region import RegionChanges, ensure_instance_actor, update_region
from echofed.settings import Settings
from federation.urls import Urls
from federation.wellknown import (
    BadResource,
    Usage,
    Wanted,
    find_actor,
    nodeinfo_document,
    parse_resource,
)
from storage.tables import Actor, ActorKind, Event
from tests.conftest import TEST_BASE_URL, Db

FIXTURES = Path(__file__).parent.parent / "fixtures"
HOST = "grandest.test"
URLS = Urls(TEST_BASE_URL)
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
APPLICATION = "https://www.w3.org/ns/activitystreams#Application"
NODEINFO_REL = "http://nodeinfo.diaspora.software/ns/schema/"
XRD_NS = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"
ONLINE = "https://visio.example/salle"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def make_client(db: Db, **settings: Any) -> TestClient:
    config = Settings(database_url=db.url, base_url=TEST_BASE_URL, demo=False, **settings)
    return TestClient(create_app(config), base_url=TEST_BASE_URL)


@pytest.fixture
def client(db: Db) -> Iterator[TestClient]:
    with make_client(db) as client:
        yield client


async def add_actor(
    db: Db, username: str, kind: str = ActorKind.ORGANIZATION, **extra: Any
) -> Actor:
    data = ActorInput(username=username, kind=kind, name=username.title(), **extra)
    async with db.sessions() as session:
        actor = await create_actor(session, db.urls, data)
        await session.commit()
        return actor


async def add_instance_actor(db: Db) -> Actor:
    async with db.sessions() as session:
        actor = await ensure_instance_actor(session, db.urls)
        await session.commit()
        return actor


def finger(client: TestClient, resource: str, **params: Any) -> Any:
    return client.get("/.well-known/webfinger", params={"resource": resource, **params})


def links_by_rel(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {link["rel"]: link for link in document["links"]}


# --- WebFinger: parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "wanted"),
    [
        ("acct:planetarium@grandest.test", Wanted(username="planetarium")),
        ("ACCT:Planetarium@GrandEst.Test", Wanted(username="Planetarium")),
        ("planetarium@grandest.test", Wanted(username="planetarium")),
        ("@planetarium@grandest.test", Wanted(username="planetarium")),
        ("acct:@planetarium@grandest.test", Wanted(username="planetarium")),
        (" acct:planetarium@grandest.test ", Wanted(username="planetarium")),
        ("https://grandest.test/actors/planetarium", Wanted(username="planetarium")),
        ("https://grandest.test/actors/planetarium/", Wanted(username="planetarium")),
        ("https://grandest.test/@planetarium", Wanted(username="planetarium")),
        ("acct:grandest.test@grandest.test", Wanted(instance=True)),
        ("acct:relay@grandest.test", Wanted(instance=True)),
        ("acct:Relay@grandest.test", Wanted(instance=True)),
        ("https://grandest.test/actor", Wanted(instance=True)),
        ("acct:planetarium@occitanie.test", None),
        ("https://occitanie.test/actors/planetarium", None),
        ("https://grandest.test/events/123", None),
        ("https://grandest.test/actors/planetarium/outbox", None),
    ],
)
def test_resources_are_parsed(resource: str, wanted: Wanted | None) -> None:
    assert parse_resource(resource, URLS) == wanted


@pytest.mark.parametrize(
    "resource", ["planetarium", "acct:planetarium", "acct:@grandest.test", "a@b@grandest.test", "@"]
)
def test_malformed_resources_are_refused(resource: str) -> None:
    with pytest.raises(BadResource):
        parse_resource(resource, URLS)


# --- WebFinger: served ----------------------------------------------------------------------


async def test_acct_lookup_has_the_mastodon_shape(db: Db, client: TestClient) -> None:
    await add_actor(db, "planetarium", icon_url="https://grandest.test/media/p.png")
    response = finger(client, "acct:planetarium@grandest.test")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jrd+json; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    actor_uri = "https://grandest.test/actors/planetarium"
    profile = "https://grandest.test/@planetarium"
    assert document["subject"] == "acct:planetarium@grandest.test"
    assert document["aliases"] == [actor_uri, profile]
    links = links_by_rel(document)
    assert links["self"] == {"rel": "self", "type": "application/activity+json", "href": actor_uri}
    assert links[PROFILE_PAGE] == {"rel": PROFILE_PAGE, "type": "text/html", "href": profile}
    assert links[SUBSCRIBE] == {
        "rel": SUBSCRIBE,
        "template": "https://grandest.test/authorize_interaction?uri={uri}",
    }
    assert links["http://webfinger.net/rel/avatar"]["type"] == "image/png"

    # Same keys, same rels and the same keys in each link as Mastodon's JRD.
    mastodon = fixture("mastodon/mastodon-webfinger.json")
    assert document.keys() == mastodon.keys()
    theirs = links_by_rel(mastodon)
    assert links.keys() == theirs.keys()
    for rel, link in links.items():
        assert link.keys() == theirs[rel].keys(), rel
    # What Mobilizon reads from a JRD: the self link to an ActivityPub actor.
    mobilizon = links_by_rel(fixture("mobilizon/mobilizon-webfinger.json"))
    assert links["self"].keys() == mobilizon["self"].keys()
    assert links["self"]["type"] == mobilizon["self"]["type"]


@pytest.mark.parametrize(
    "resource",
    [
        "acct:planetarium@grandest.test",
        "acct:PLANETARIUM@grandest.test",
        "acct:planetarium@GRANDEST.TEST",
        "planetarium@grandest.test",
        "@Planetarium@grandest.test",
        "https://grandest.test/actors/planetarium",
        "https://grandest.test/actors/Planetarium",
        "https://grandest.test/@planetarium",
    ],
)
async def test_every_form_of_the_address_finds_the_actor(
    db: Db, client: TestClient, resource: str
) -> None:
    await add_actor(db, "planetarium")
    response = finger(client, resource)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["subject"] == "acct:planetarium@grandest.test"
    assert links_by_rel(document)["self"]["href"] == "https://grandest.test/actors/planetarium"


async def test_people_and_groups_are_found_too(db: Db, client: TestClient) -> None:
    await add_actor(db, "marie", kind=ActorKind.PERSON)
    await add_actor(db, "club_astro", kind=ActorKind.GROUP)
    for username in ("marie", "club_astro"):
        response = finger(client, f"acct:{username}@grandest.test")
        assert response.status_code == 200
        assert response.json()["subject"] == f"acct:{username}@grandest.test"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:nobody@grandest.test",
        "acct:planetarium@occitanie.test",
        "https://occitanie.test/actors/planetarium",
        "https://grandest.test/actors/nobody",
        "https://grandest.test/events/1",
    ],
)
async def test_unknown_or_foreign_is_404(db: Db, client: TestClient, resource: str) -> None:
    await add_actor(db, "planetarium")
    response = finger(client, resource)
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"
    assert "error" in response.json()


async def test_deleted_actor_is_404(db: Db, client: TestClient) -> None:
    actor = await add_actor(db, "planetarium")
    async with db.sessions() as session:
        stored = await session.get(Actor, actor.id)
        assert stored is not None
        stored.deleted_at = datetime.now(UTC)
        session.add(stored)
        await session.commit()
    assert finger(client, "acct:planetarium@grandest.test").status_code == 404


async def test_remote_actor_is_not_served(db: Db, client: TestClient) -> None:
    async with db.sessions() as session:
        session.add(
            Actor(
                uri="https://occitanie.test/actors/planetarium",
                username="planetarium",
                domain="occitanie.test",
                local=False,
                inbox="https://occitanie.test/actors/planetarium/inbox",
            )
        )
        await session.commit()
    assert finger(client, "acct:planetarium@grandest.test").status_code == 404
    assert finger(client, "acct:planetarium@occitanie.test").status_code == 404


@pytest.mark.parametrize("query", ["", "?resource=", "?resource=planetarium", "?rel=self"])
def test_missing_or_malformed_resource_is_400(client: TestClient, query: str) -> None:
    response = client.get("/.well-known/webfinger" + query)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]


@pytest.mark.parametrize(
    "resource",
    ["acct:grandest.test@grandest.test", "acct:relay@grandest.test", "https://grandest.test/actor"],
)
async def test_instance_actor_answers_for_the_domain_and_relay(
    db: Db, client: TestClient, resource: str
) -> None:
    await add_instance_actor(db)
    response = finger(client, resource)
    assert response.status_code == 200
    document = response.json()
    assert document["subject"] == "acct:grandest.test@grandest.test"  # FEP-d556
    links = links_by_rel(document)
    assert links["self"]["href"] == "https://grandest.test/actor"
    assert links["self"]["type"] == "application/activity+json"
    assert links[PROFILE_PAGE]["href"] == "https://grandest.test/"
    assert SUBSCRIBE not in links  # nobody "follows from their server" the instance actor
    assert document["aliases"][0] == "https://grandest.test/actor"


async def test_instance_actor_not_yet_created_is_not_found(db: Db) -> None:
    # The app creates it at start-up; before that (or if deleted) WebFinger has nothing to say.
    async with db.sessions() as session:
        assert await find_actor(session, Wanted(instance=True), db.urls) is None
        actor = await ensure_instance_actor(session, db.urls)
        assert await find_actor(session, Wanted(instance=True), db.urls) is actor
        actor.deleted_at = datetime.now(UTC)
        assert await find_actor(session, Wanted(instance=True), db.urls) is None


async def test_rel_parameter_filters_links(db: Db, client: TestClient) -> None:
    await add_actor(db, "planetarium")
    response = finger(client, "acct:planetarium@grandest.test", rel="self")
    assert [link["rel"] for link in response.json()["links"]] == ["self"]
    response = client.get(
        "/.well-known/webfinger",
        params=[
            ("resource", "acct:planetarium@grandest.test"),
            ("rel", "self"),
            ("rel", SUBSCRIBE),
        ],
    )
    assert [link["rel"] for link in response.json()["links"]] == ["self", SUBSCRIBE]


# --- host-meta ------------------------------------------------------------------------------


def test_host_meta_xml_points_to_webfinger(client: TestClient) -> None:
    response = client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xrd+xml; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    root = ET.fromstring(response.content)
    assert root.tag == f"{XRD_NS}XRD"
    [link] = root.findall(f"{XRD_NS}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == "https://grandest.test/.well-known/webfinger?resource={uri}"


def test_host_meta_json_points_to_webfinger(client: TestClient) -> None:
    response = client.get("/.well-known/host-meta.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    template = "https://grandest.test/.well-known/webfinger?resource={uri}"
    assert response.json() == {"links": [{"rel": "lrdd", "template": template}]}


# --- NodeInfo -------------------------------------------------------------------------------


def test_nodeinfo_discovery_links_both_versions_and_the_instance_actor(client: TestClient) -> None:
    response = client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    assert document == {
        "links": [
            {"rel": NODEINFO_REL + "2.0", "href": "https://grandest.test/nodeinfo/2.0"},
            {"rel": NODEINFO_REL + "2.1", "href": "https://grandest.test/nodeinfo/2.1"},
            {"rel": APPLICATION, "href": "https://grandest.test/actor"},  # FEP-2677
        ]
    }
    # Same shape as Mobilizon's discovery document and WordPress's FEP-2677 link.
    for name in ("mobilizon/mobilizon", "wordpress/wordpress"):
        theirs = fixture(name + "-nodeinfo-discovery.json")
        assert theirs.keys() == document.keys()
        for link in theirs["links"]:
            assert link.keys() == {"rel", "href"}
    wordpress = links_by_rel(fixture("wordpress/wordpress-nodeinfo-discovery.json"))
    assert APPLICATION in wordpress
    # Every link we publish is served.
    for link in document["links"]:
        path = link["href"].removeprefix(TEST_BASE_URL)
        if path.startswith("/nodeinfo/"):
            assert client.get(path).status_code == 200


# The NodeInfo 2.0 and 2.1 JSON schemas (github.com/jhass/nodeinfo, schemas/2.x/schema.json),
# written out as checks: every object has additionalProperties false except metadata.
PROTOCOLS = {"activitypub", "buddycloud", "dfrn", "diaspora", "libertree", "ostatus", "pumpio",
             "tent", "xmpp", "zot"}
INBOUND = {"atom1.0", "gnusocial", "imap", "pnut", "pop3", "pumpio", "rss2.0", "twitter"}
OUTBOUND = {"acropolis", "atom1.0", "blogger", "buddycloud", "diaspora", "dreamwidth", "drupal",
            "facebook", "friendica", "gnusocial", "google", "insanejournal", "libertree",
            "linkedin", "livejournal", "mediagoblin", "myspace", "pinterest", "pnut", "posterous",
            "pumpio", "redmatrix", "rss2.0", "smtp", "tent", "tumblr", "twitter", "wordpress",
            "xmpp"}
TOP_KEYS = {"version", "software", "protocols", "services", "openRegistrations", "usage",
            "metadata"}


def check_nodeinfo_schema(document: dict[str, Any], version: str) -> None:
    assert set(document) == TOP_KEYS  # all required, nothing else allowed
    assert document["version"] == version
    software = document["software"]
    allowed = {"name", "version"} | ({"repository", "homepage"} if version == "2.1" else set())
    assert {"name", "version"} <= set(software) <= allowed
    assert all(isinstance(value, str) for value in software.values())
    assert re.fullmatch(r"[a-z0-9-]+", software["name"])
    protocols = document["protocols"]
    assert isinstance(protocols, list) and protocols and set(protocols) <= PROTOCOLS
    services = document["services"]
    assert set(services) == {"inbound", "outbound"}
    assert isinstance(services["inbound"], list) and set(services["inbound"]) <= INBOUND
    assert isinstance(services["outbound"], list) and set(services["outbound"]) <= OUTBOUND
    assert isinstance(document["openRegistrations"], bool)
    usage = document["usage"]
    assert "users" in usage and set(usage) <= {"users", "localPosts", "localComments"}
    assert set(usage["users"]) <= {"total", "activeHalfyear", "activeMonth"}
    numbers = [*usage["users"].values(), *(v for k, v in usage.items() if k != "users")]
    assert all(type(n) is int and n >= 0 for n in numbers)
    assert isinstance(document["metadata"], dict)


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_nodeinfo_documents_follow_their_schema(client: TestClient, version: str) -> None:
    response = client.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
    )
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    check_nodeinfo_schema(document, version)
    assert document["software"]["name"] == "echofed"
    assert document["software"]["version"] == importlib.metadata.version("echofed")
    assert document["protocols"] == ["activitypub"]
    assert document["openRegistrations"] is False


def test_nodeinfo_keys_match_mastodon_and_mobilizon(client: TestClient) -> None:
    ours_20 = client.get("/nodeinfo/2.0").json()
    ours_21 = client.get("/nodeinfo/2.1").json()
    mastodon = fixture("mastodon/mastodon-nodeinfo-2.0.json")
    assert ours_20.keys() == mastodon.keys()
    assert ours_20["software"].keys() == mastodon["software"].keys()
    assert ours_20["usage"].keys() == mastodon["usage"].keys()
    assert ours_20["usage"]["users"].keys() == mastodon["usage"]["users"].keys()
    assert ours_20["services"].keys() == mastodon["services"].keys()
    assert mastodon["metadata"].keys() <= ours_20["metadata"].keys()
    mobilizon = fixture("mobilizon/mobilizon-nodeinfo-2.1.json")
    assert ours_21.keys() == mobilizon.keys()
    assert ours_21["metadata"].keys() >= mobilizon["metadata"].keys()
    assert mobilizon["usage"]["users"].keys() <= ours_21["usage"]["users"].keys()


def test_software_repository_only_in_2_1() -> None:
    counts = Usage(users=1, active_month=1, active_halfyear=1, local_events=2, local_posts=3)
    links = {"repository": "https://code.example/echofed", "homepage": "https://echofed.example"}
    v20 = nodeinfo_document(
        "2.0", counts=counts, region=None, urls=URLS, software_version="1.2.3", software_links=links
    )
    v21 = nodeinfo_document(
        "2.1", counts=counts, region=None, urls=URLS, software_version="1.2.3", software_links=links
    )
    check_nodeinfo_schema(v20, "2.0")
    check_nodeinfo_schema(v21, "2.1")
    assert v20["software"] == {"name": "echofed", "version": "1.2.3"}
    assert v21["software"] == {"name": "echofed", "version": "1.2.3", **links}
    assert v21["usage"]["localPosts"] == 5
    assert v21["metadata"] == {"nodeName": HOST, "nodeDescription": "", "localEvents": 2}
    with pytest.raises(ValueError):
        nodeinfo_document("1.0", counts=counts, region=None, urls=URLS, software_version="1")


async def test_nodeinfo_counts_local_actors_events_and_posts(db: Db, client: TestClient) -> None:
    await add_instance_actor(db)  # an Application: not a user
    planetarium = await add_actor(db, "planetarium")
    musee = await add_actor(db, "musee")
    marie = await add_actor(db, "marie", kind=ActorKind.PERSON)
    await add_actor(db, "club_astro", kind=ActorKind.GROUP)
    gone = await add_actor(db, "ancien")
    now = datetime.now(UTC)
    async with db.sessions() as session:
        for title in ("Nuit des étoiles", "Café des sciences", "Annulé"):
            data = EventInput(title=title, start=now + timedelta(days=3), online_url=ONLINE)
            event = await create_event(session, db.urls, planetarium, data)
        event.deleted_at = now  # the last one
        await create_post(session, db.urls, marie, PostInput(kind="article", title="Compte rendu"))
        await create_post(
            session, db.urls, musee,
            PostInput(kind="resource", title="Dossier", published_at=now - timedelta(days=100)),
        )
        remote = Actor(
            uri="https://occitanie.test/actors/quai", username="quai", domain="occitanie.test",
            local=False, inbox="https://occitanie.test/actors/quai/inbox",
        )
        session.add(remote)
        await session.flush()
        assert remote.id is not None
        session.add(
            Event(
                uri="https://occitanie.test/events/1", actor_id=remote.id, local=False,
                origin_domain="occitanie.test", title="Ailleurs", starts_at=now + timedelta(days=1),
            )
        )
        stored_gone = await session.get(Actor, gone.id)
        assert stored_gone is not None
        stored_gone.deleted_at = now
        await update_region(
            session,
            RegionChanges(name="Grand Est", description="Culture scientifique en Grand Est",
                          center=(48.58, 7.75), zoom=7),
        )
        await session.commit()

    for version in ("2.0", "2.1"):
        document = client.get(f"/nodeinfo/{version}").json()
        check_nodeinfo_schema(document, version)
        # planetarium, musee, marie, club_astro; not the instance actor, the deleted or remote one
        assert document["usage"]["users"] == {"total": 4, "activeMonth": 2, "activeHalfyear": 3}
        assert document["usage"]["localPosts"] == 4  # 2 events + 2 posts
        metadata = document["metadata"]
        assert metadata["nodeName"] == "Grand Est"
        assert metadata["nodeDescription"] == "Culture scientifique en Grand Est"
        assert metadata["localEvents"] == 2
        assert metadata["region"]["mapCenter"] == {"latitude": 48.58, "longitude": 7.75, "zoom": 7}
        assert metadata["region"]["timezone"] == "Europe/Paris"


def test_empty_instance_has_zero_counts(client: TestClient) -> None:
    document = client.get("/nodeinfo/2.1").json()
    assert document["usage"] == {
        "users": {"total": 0, "activeMonth": 0, "activeHalfyear": 0},
        "localPosts": 0,
    }
    assert document["metadata"]["localEvents"] == 0


async def test_discovery_is_public_under_authorized_fetch(db: Db) -> None:
    await add_actor(db, "planetarium")
    await add_instance_actor(db)
    with make_client(db, authorized_fetch=True) as client:
        for path in (
            "/.well-known/webfinger?resource=acct:planetarium@grandest.test",
            "/.well-known/webfinger?resource=acct:relay@grandest.test",
            "/.well-known/host-meta",
            "/.well-known/host-meta.json",
            "/.well-known/nodeinfo",
            "/nodeinfo/2.0",
            "/nodeinfo/2.1",
        ):
            assert client.get(path).status_code == 200, path
