"""A Mobilizon instance and our instance actor, with Mobilizon's relay shapes
(tests/fixtures/mobilizon/mobilizon-relay-*.json): its relay actor follows our instance (held
for approval; approving sends an Accept to its inbox), our instance follows its relay (its
Accept completes the follow), and its relay's Announce of an Event is ingested from the
event as its origin serves it.

The rig of ``test_fixture_handlers`` is reused with a client allowed to reach loopback, and the
Mobilizon instance is a ``RemoteOrigin`` on 127.0.0.1 serving the fixtures under its address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest

from echofed.services import following
from echofed.services.outbox import schedule_recorded
from federation.client import ClientPolicy, RemoteClient
from federation.delivery import deliver, expand_fanout
from storage.tables import Delivery, Event, Fanout, Follow, FollowState, OutboxActivity
from tests.federation.handler_rig import Rig, fixture
from tests.federation.remote_origin import RemoteOrigin

RELAY_2019 = "http://mobilizon1.com"  # the instance recorded in the relay fixtures
FOLLOWER_2019 = "http://mobilizon.test"  # the instance whose relay sent the recorded Follow
RECORDED_FOLLOW = "http://mobilizon.test/follow/b7791977-2a75-4715-815b-6e7125065b71"
RENDEZVOUS = "https://rendezvous.nomagic.uk"  # the instance of the announced event


@pytest.fixture
def origin() -> Iterator[RemoteOrigin]:
    with RemoteOrigin() as server:
        yield server


@pytest.fixture
async def loopback(rig: Rig) -> AsyncIterator[Rig]:
    """The same rig, its federation allowed to reach the Mobilizon instance on loopback."""
    client = RemoteClient(ClientPolicy(allow_private=True, timeout=5.0, user_agent="echofed-test"))
    config = replace(rig.fed.config, allow_private_addresses=True)
    try:
        yield replace(rig, fed=replace(rig.fed, client=client, config=config))
    finally:
        await client.aclose()


def serve_relay(origin: RemoteOrigin) -> dict[str, Any]:
    """Mobilizon's relay actor, at ``/relay`` of the loopback instance."""
    relay = fixture("mobilizon/mobilizon-relay-actor.json", {RELAY_2019: origin.base})
    origin.serve(urlsplit(relay["id"]).path, relay)
    return relay


async def test_relay_follow_of_our_instance_waits_for_approval_then_gets_an_accept(
    loopback: Rig, origin: RemoteOrigin
) -> None:
    here = loopback
    relay = serve_relay(origin)
    instance_uri = here.db.urls.instance_actor
    follow = fixture("mobilizon/mobilizon-relay-follow.json",
                     {f"{RELAY_2019}/relay": instance_uri, FOLLOWER_2019: origin.base})
    assert follow["actor"] == relay["id"] and follow["object"] == instance_uri

    assert await here.process(follow) == "processed"
    instance = await here.actor(instance_uri)
    sender = await here.actor(relay["id"])  # fetched from the instance, as Mobilizon serves it
    assert (sender.kind, sender.inbox, sender.shared_inbox) == (
        "Application", f"{origin.base}/inbox", f"{origin.base}/inbox")
    [row] = await here.all(Follow)
    assert (row.follower_id, row.followed_id, row.uri) == (sender.id, instance.id, follow["id"])
    assert row.state == FollowState.PENDING  # the instance actor approves region follows by hand
    assert await here.all(OutboxActivity) == []

    # The operator approves, through the service behind `echofed follow-requests approve` and
    # /admin/regions.
    async with here.db.sessions() as session:
        async with session.begin():
            await following.decide_request(here.fed, session, instance.username, relay["id"], accept=True)
        [fanout_id] = await schedule_recorded(session, here.scheduler)
    [row] = await here.all(Follow)
    assert row.state == FollowState.ACCEPTED and row.accepted_at is not None
    [accept] = await here.all(OutboxActivity)
    assert accept.type == "Accept" and accept.actor_id == instance.id and not accept.public
    assert accept.payload["to"] == [relay["id"]]
    # Mobilizon finds its follow by the embedded Follow's id.
    assert accept.payload["object"]["id"] == follow["id"]
    assert accept.payload["object"]["actor"] == relay["id"]
    assert accept.payload["object"]["object"] == instance_uri
    [fanout] = await here.all(Fanout)
    assert fanout.id == fanout_id and fanout.actor_uris == [relay["id"]]

    [delivery_id] = await expand_fanout(here.fed, fanout_id)
    [delivery] = await here.all(Delivery)
    assert delivery.inbox == f"{origin.base}/inbox"
    await deliver(here.fed, delivery_id)
    [posted] = origin.requests("POST", "/inbox")
    body = posted.json()
    assert body["type"] == "Accept" and body["object"]["id"] == follow["id"]
    assert "signature" in posted.headers and "digest" in posted.headers


async def follow_relay_until_accepted(here: Rig, origin: RemoteOrigin) -> tuple[Follow, dict[str, Any]]:
    """Our instance follows the Mobilizon relay (as ``echofed follow region …/relay`` does),
    and the relay's Accept comes back."""
    relay = serve_relay(origin)
    async with here.db.sessions() as session, session.begin():
        sent = await following.follow_region(here.fed, session, relay["id"])
    assert sent.state == FollowState.PENDING and not sent.relay
    [follow_activity] = await here.all(OutboxActivity, OutboxActivity.type == "Follow")
    assert follow_activity.payload["object"] == relay["id"]
    accept = fixture("mobilizon/mobilizon-relay-accept-follow.json", {
        RECORDED_FOLLOW: sent.uri, f"{FOLLOWER_2019}/relay": here.db.urls.instance_actor,
        RELAY_2019: origin.base,
    })
    assert accept["actor"] == relay["id"] and accept["object"]["id"] == sent.uri
    assert await here.process(accept) == "processed"
    [accepted] = await here.all(Follow)
    return accepted, relay


async def test_the_relay_accept_completes_our_follow(loopback: Rig, origin: RemoteOrigin) -> None:
    accepted, relay = await follow_relay_until_accepted(loopback, origin)
    assert accepted.state == FollowState.ACCEPTED and accepted.accepted_at is not None
    assert accepted.followed_id == (await loopback.actor(relay["id"])).id
    assert accepted.show_on_home  # its events go to the home page until the operator says no


async def test_relay_announce_of_an_event_is_ingested_from_its_origin(
    loopback: Rig, origin: RemoteOrigin
) -> None:
    here = loopback
    base = origin.base
    event = fixture("mobilizon/mobilizon-event-2022.json", {RENDEZVOUS: base})
    event_path = urlsplit(event["id"]).path
    origin.serve(event_path, event)
    group = fixture("mobilizon/mobilizon-group-actor-2022.json", {
        "https://mobilizon.fr/@contribateliers": event["attributedTo"], "https://mobilizon.fr": base,
    })
    origin.serve(urlsplit(group["id"]).path, group)
    announce = fixture("mobilizon/mobilizon-relay-announce-event.json", {RENDEZVOUS: base})
    announce["object"]["name"] = "Copie embarquée falsifiée"  # only the origin's copy counts
    serve_relay(origin)

    # Nobody here follows the relay yet: its announces are not for us.
    assert await here.process({**announce, "id": announce["id"] + "-early"}) == "ignored"
    assert await here.all(Event) == []

    await follow_relay_until_accepted(here, origin)
    assert await here.process(announce) == "processed"
    [stored] = await here.all(Event)
    assert stored.uri == event["id"] and stored.title == event["name"]
    assert not stored.local and stored.origin_domain == origin.host
    assert stored.visibility == "public" and stored.timezone == event["timezone"]
    assert len(origin.requests("GET", event_path)) == 1  # re-fetched, not taken from the Announce

    # The same Announce again (a retry, or the event reaching us by another path) stores nothing new.
    assert await here.process({**announce, "id": announce["id"] + "-again"}) == "processed"
    assert [e.id for e in await here.all(Event)] == [stored.id]
