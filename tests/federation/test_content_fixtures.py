"""Real content from other servers through the inbox handlers into typed columns: Mobilizon
and Gancio events, a Friendica-shaped event, Mastodon replies, likes and boosts of our event,
Mobilizon Join and Leave; plus the origin rules (a foreign Update is refused, a tombstone
stays dead)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from echofed.services.publishing import EventInput, PlaceInput, create_event
from storage.tables import Actor, Event, Follow, FollowState, Interaction, OutboxActivity
from tests.federation.handler_rig import Rig, fixture

METACARTES = "https://mobilizon.fr/@metacartes"
GANCIO = "https://demo.gancio.org/federation/u/gancio"


async def remote_followed(rig: Rig, uri: str, username: str) -> Actor:
    """A remote actor, cached now, that a local actor follows (so its content is relevant)."""
    host = uri.split("/")[2]
    async with rig.db.sessions() as session, session.begin():
        remote = Actor(uri=uri, username=username, domain=host, inbox=f"{uri}/inbox",
                       shared_inbox=f"https://{host}/inbox", public_key_id=f"{uri}#main-key",
                       fetched_at=rig.now)
        session.add(remote)
        await session.flush()
    async with rig.db.sessions() as session:
        from storage.queries.actors import local_actor

        local = await local_actor(session, "lecteur")
    if local is None:
        local = await rig.local("lecteur")
    async with rig.db.sessions() as session, session.begin():
        assert local.id is not None and remote.id is not None
        session.add(Follow(uri=f"{local.uri}#follows/{username}", follower_id=local.id,
                           followed_id=remote.id, state=FollowState.ACCEPTED))
    return remote


async def our_event(rig: Rig) -> Event:
    organiser = await rig.local("planetarium")
    async with rig.db.sessions() as session, session.begin():
        return await create_event(session, rig.db.urls, organiser, EventInput(
            title="Ciel d'été", start="2031-07-01T21:00", end="2031-07-01T23:00", capacity=1,
            place=PlaceInput(name="Planétarium", city="Strasbourg", latitude=48.58, longitude=7.77)))


async def test_mobilizon_event_lands_in_typed_columns(rig: Rig) -> None:
    await remote_followed(rig, METACARTES, "metacartes")
    activity = fixture("mobilizon/mobilizon-post-activity.json")
    assert await rig.process(activity) == "processed"
    [event] = await rig.all(Event, Event.uri == activity["object"]["id"])
    source = activity["object"]
    assert event.title == source["name"] and not event.local
    assert event.origin_domain == "mobilizon.fr"
    assert event.starts_at == datetime.fromisoformat(source["startTime"]).astimezone(UTC)
    assert event.raw == source
    if source.get("location", {}).get("latitude") is not None:
        assert event.latitude == float(source["location"]["latitude"])


async def test_mobilizon_2022_event_with_address_and_zone(rig: Rig) -> None:
    document = fixture("mobilizon/mobilizon-event-2022.json")
    author = document["attributedTo"] if isinstance(document["attributedTo"], str) else document["attributedTo"][0]
    await remote_followed(rig, author, "orga")
    activity = {"id": document["id"] + "/activity", "type": "Create", "actor": author,
                "object": document, "to": document.get("to", []), "cc": document.get("cc", [])}
    assert await rig.process(activity) == "processed"
    [event] = await rig.all(Event, Event.uri == document["id"])
    assert event.timezone == document.get("timezone", "UTC") or event.timezone
    place = document.get("location") or {}
    address = place.get("address") if isinstance(place, dict) else None
    if isinstance(address, dict) and address.get("addressLocality"):
        assert event.city == address["addressLocality"]
    assert event.join_mode in ("free", "restricted", "external")


async def test_gancio_event(rig: Rig) -> None:
    await remote_followed(rig, GANCIO, "gancio")
    activity = fixture("gancio/gancio-event-activity.json")
    assert await rig.process(activity) == "processed"
    [event] = await rig.all(Event, Event.uri == activity["object"]["id"])
    assert event.title == activity["object"]["name"]
    assert event.origin_domain == "demo.gancio.org"


async def test_friendica_shaped_event_without_end_or_zone(rig: Rig) -> None:
    # No captured Friendica event exists (see tests/fixtures/README.md); this follows the shape
    # its source emits: UTC startTime, no endTime, dfrn:adjust.
    author = "https://friendica.example/profile/sciences"
    await remote_followed(rig, author, "sciences")
    event = {"id": "https://friendica.example/objects/ev-1", "type": "Event", "attributedTo": author,
             "name": "Soirée astronomie", "startTime": "2031-03-20T19:30:00Z", "dfrn:adjust": True,
             "content": "<p>Observation <script>alert(1)</script></p>", "location": "Parc de la Pépinière, Nancy",
             "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    activity = {"id": "https://friendica.example/activity/1", "type": "Create", "actor": author,
                "object": event, "to": event["to"]}
    assert await rig.process(activity) == "processed"
    [stored] = await rig.all(Event, Event.uri == event["id"])
    assert stored.starts_at == datetime(2031, 3, 20, 19, 30, tzinfo=UTC) and stored.ends_at is None
    assert "<script>" not in stored.content_html


async def test_replies_likes_and_boosts_of_our_event(rig: Rig) -> None:
    event = await our_event(rig)
    note = fixture("mastodon/mastodon-note-reply.json")
    note["inReplyTo"] = event.uri
    author = note["attributedTo"]
    await remote_followed(rig, author, "kde")
    reply = {"id": note["id"] + "/activity", "type": "Create", "actor": author, "object": note,
             "to": note.get("to", []), "cc": note.get("cc", [])}
    assert await rig.process(reply) == "processed"
    like = fixture("mastodon/mastodon-like.json")
    like["object"] = event.uri
    await remote_followed(rig, like["actor"], "admin")
    assert await rig.process(like) == "processed"
    boost = fixture("mastodon/mastodon-announce.json")
    boost["object"] = event.uri
    await remote_followed(rig, boost["actor"], "peertube")
    assert await rig.process(boost) == "processed"
    kinds = sorted(i.kind for i in await rig.all(Interaction, Interaction.object_uri == event.uri))
    assert kinds == ["announce", "like", "reply"]
    undo = fixture("mastodon/mastodon-undo-like.json")
    undo["actor"] = like["actor"]
    undo["object"] = like
    assert await rig.process(undo) == "processed"
    kinds = sorted(i.kind for i in await rig.all(Interaction, Interaction.object_uri == event.uri))
    assert kinds == ["announce", "reply"]


async def test_mobilizon_join_and_leave_with_capacity(rig: Rig) -> None:
    event = await our_event(rig)  # capacity 1
    join = fixture("mobilizon/mobilizon-join-activity.json")
    join["object"] = event.uri
    await remote_followed(rig, join["actor"], "admin")
    assert await rig.process(join) == "processed"
    [participation] = await rig.all(Interaction, Interaction.kind == "join")
    assert participation.state == "accepted"
    accepts = await rig.all(OutboxActivity, OutboxActivity.type == "Accept")
    assert accepts and accepts[-1].payload["object"]["id"] == join["id"]
    # the event is full: a second participant is rejected
    second = copy.deepcopy(join)
    second["id"] = "http://mobilizon3.test/@other/join/event/1"
    second["actor"] = "http://mobilizon3.test/@other"
    await remote_followed(rig, second["actor"], "other")
    assert await rig.process(second) == "processed"
    assert (await rig.all(OutboxActivity, OutboxActivity.type == "Reject"))[-1].payload["object"]["id"] == second["id"]
    leave = fixture("mobilizon/mobilizon-leave-activity.json")
    leave["object"] = event.uri
    leave["id"] = join["id"] + "/leave"
    assert await rig.process(leave) == "processed"
    assert await rig.all(Interaction, Interaction.kind == "join") == []


async def test_foreign_update_refused_and_tombstone_stays(rig: Rig) -> None:
    await remote_followed(rig, GANCIO, "gancio")
    activity: dict[str, Any] = fixture("gancio/gancio-event-activity.json")
    await rig.process(activity)
    uri = activity["object"]["id"]
    forged = copy.deepcopy(activity)
    forged.update(id="https://evil.example/u/1#update", type="Update", actor="https://evil.example/u/1")
    forged["object"]["name"] = "Pirated"
    await remote_followed(rig, "https://evil.example/u/1", "evil")
    assert await rig.process(forged) == "ignored"
    delete = {"id": uri + "#delete", "type": "Delete", "actor": GANCIO, "object": uri}
    assert await rig.process(delete) == "processed"
    late = copy.deepcopy(activity)
    late.update(id=uri + "#late-update", type="Update")
    late["object"]["name"] = "Revived?"
    assert await rig.process(late) == "ignored"
    [event] = await rig.all(Event, Event.uri == uri)
    assert event.deleted_at is not None and event.title != "Revived?"
