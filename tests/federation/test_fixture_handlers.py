"""Real-world JSON (tests/fixtures/) through our actor parser and the inbox handlers:
Mastodon Follow, Undo(Follow), Update(Person) and Delete(Person); Mobilizon, Pleroma and
Misskey actors. Activities are recorded as inbox items and run through
``federation.inbox.dispatch.process_inbox_item`` on SQLite and PostgreSQL; the remote actors
are stored from their fixtures (through ``store_actor``) instead of being fetched.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from federation.delivery import expand_fanout
from federation.keys import load_public_key
from federation.vocab.actors import parse_actor
from storage.tables import (
    Actor,
    Delivery,
    Event,
    Fanout,
    Follow,
    FollowState,
    OutboxActivity,
    Post,
)
from tests.federation.handler_rig import Rig, fixture
from tests.federation.remote_origin import key_pair

# --- Mastodon: Follow, Accept, Undo ---------------------------------------------------------

GARGRON = "https://mastodon.social/users/Gargron"
# The 2022 Follow/Undo pair came from masto.asonix.dog and targeted a Lemmy group.
TO_GARGRON = {"https://masto.asonix.dog/users/asonix": GARGRON,
              "https://masto.asonix.dog/": "https://mastodon.social/",
              "https://ds9.lemmy.ml/c/testcom": "https://grandest.test/actors/planetarium"}


async def test_mastodon_follow_is_accepted_then_undone(rig: Rig) -> None:
    planetarium = await rig.local("planetarium")
    follower = await rig.remote(fixture("mastodon/mastodon-actor-2024.json"))
    follow = fixture("mastodon/mastodon-follow-2022.json", TO_GARGRON)

    assert await rig.process(follow) == "processed"
    [row] = await rig.all(Follow)
    assert (row.follower_id, row.followed_id, row.state) == (follower.id, planetarium.id, FollowState.ACCEPTED)
    assert row.uri == follow["id"]

    # The Accept is in the outbox, addressed to the follower, with the Follow embedded by id.
    [accept] = await rig.all(OutboxActivity)
    assert accept.type == "Accept" and accept.actor_id == planetarium.id and not accept.public
    assert accept.payload["actor"] == planetarium.uri and accept.payload["to"] == [GARGRON]
    assert accept.payload["object"]["id"] == follow["id"]
    assert accept.payload["object"]["actor"] == GARGRON
    [fanout] = await rig.all(Fanout)
    assert fanout.activity_id == accept.id and fanout.actor_uris == [GARGRON]
    assert rig.scheduler.jobs == [("fanout", (fanout.id,))]
    assert fanout.id is not None
    await expand_fanout(rig.fed, fanout.id)
    assert [d.inbox for d in await rig.all(Delivery)] == ["https://mastodon.social/inbox"]

    undo = fixture("mastodon/mastodon-undo-follow-2022.json", TO_GARGRON)
    assert await rig.process(undo) == "processed"
    assert await rig.all(Follow) == []


async def test_old_mastodon_follow_and_unfollow(rig: Rig) -> None:
    """The 2018 pair: a ``#follows/N`` id, a ``nickname`` and a Linked Data signature."""
    await rig.local("lain")
    local = {"http://localtesting.pleroma.lol/users/lain": "https://grandest.test/actors/lain"}
    tcit = fixture("mastodon/mastodon-actor.json",
                   {"https://framapiaf.org/users/peertube": "https://social.tcit.fr/users/tcit",
                    "https://framapiaf.org/": "https://social.tcit.fr/"})
    await rig.remote(tcit)
    assert await rig.process(fixture("mastodon/mastodon-follow-activity.json", local)) == "processed"
    assert [f.state for f in await rig.all(Follow)] == [FollowState.ACCEPTED]
    assert [a.type for a in await rig.all(OutboxActivity)] == ["Accept"]
    assert await rig.process(fixture("mastodon/mastodon-unfollow-activity.json", local)) == "processed"
    assert await rig.all(Follow) == []


async def test_follow_of_an_actor_who_approves_is_pending(rig: Rig) -> None:
    await rig.local("planetarium", manually_approves_followers=True)
    await rig.remote(fixture("mastodon/mastodon-actor-2024.json"))
    assert await rig.process(fixture("mastodon/mastodon-follow-2022.json", TO_GARGRON)) == "processed"
    assert [f.state for f in await rig.all(Follow)] == [FollowState.PENDING]
    assert await rig.all(OutboxActivity) == []


# --- Mastodon: Update and Delete of the actor -----------------------------------------------

FRAMASOFT = "https://framapiaf.org/users/framasoft"


async def test_update_person_refreshes_the_cached_actor(rig: Rig) -> None:
    update = fixture("mastodon/mastodon-update.json")
    before = json.loads(json.dumps(update["object"]))
    before.update(name="Framasoft", summary="", icon=None)
    before["publicKey"]["publicKeyPem"] = key_pair(0).public_pem
    cached = await rig.remote(before)

    assert await rig.process(update) == "processed"
    actor = await rig.actor(FRAMASOFT)
    assert actor.id == cached.id
    assert actor.name == "nextsoft" and actor.summary == "<p>Some bio</p>"
    assert actor.icon_url == update["object"]["icon"]["url"]
    assert actor.public_key_pem == update["object"]["publicKey"]["publicKeyPem"]
    assert actor.shared_inbox == "https://framapiaf.org/inbox"

    # Someone else cannot update this actor.
    forged = {**update, "id": "https://evil.example/updates/1", "actor": "https://evil.example/users/x",
              "object": {**update["object"], "name": "pwned"}}
    assert await rig.process(forged) == "ignored"
    assert (await rig.actor(FRAMASOFT)).name == "nextsoft"


async def test_delete_of_an_actor_removes_its_follows_and_content(rig: Rig) -> None:
    admin = "https://framapiaf.org/users/admin"
    planetarium = await rig.local("planetarium")
    gone = await rig.remote(fixture("mastodon/mastodon-actor.json",
                                    {"https://framapiaf.org/users/peertube": admin}))
    other = await rig.remote(fixture("mastodon/mastodon-actor-2024.json"))
    assert gone.id and other.id and planetarium.id
    async with rig.db.sessions() as session, session.begin():
        session.add(Follow(uri=f"{admin}#follows/1", follower_id=gone.id, followed_id=planetarium.id,
                           state=FollowState.ACCEPTED))
        session.add(Follow(uri=f"{planetarium.uri}#follows/1", follower_id=planetarium.id,
                           followed_id=gone.id, state=FollowState.ACCEPTED))
        session.add(Follow(uri=f"{GARGRON}#follows/1", follower_id=other.id, followed_id=planetarium.id,
                           state=FollowState.ACCEPTED))
        session.add(Event(uri=f"{admin}/events/1", actor_id=gone.id, local=False,
                          origin_domain="framapiaf.org", title="Atelier",
                          starts_at=datetime(2031, 6, 1, 18, tzinfo=UTC)))
        session.add(Post(uri=f"{admin}/statuses/1", actor_id=gone.id, local=False,
                         origin_domain="framapiaf.org", title="Billet"))
        session.add(Post(uri=f"{GARGRON}/statuses/1", actor_id=other.id, local=False,
                         origin_domain="mastodon.social", title="Autre"))

    assert await rig.process(fixture("mastodon/mastodon-delete-user.json")) == "processed"
    assert [f.follower_id for f in await rig.all(Follow)] == [other.id]
    [event] = await rig.all(Event)
    assert event.deleted_at is not None
    posts = {p.uri: p.deleted_at for p in await rig.all(Post)}
    assert posts[f"{admin}/statuses/1"] is not None and posts[f"{GARGRON}/statuses/1"] is None
    actor = await rig.actor(admin)
    assert actor.deleted_at is not None and actor.public_key_pem is None


# --- actor documents from other servers -----------------------------------------------------

ACTORS = {
    # fixture: (type, inbox, sharedInbox, key size)
    "mobilizon/mobilizon-person-actor.json":
        ("Person", "https://mobilizon.fr/@sanof44/inbox", "https://mobilizon.fr/inbox", 2048),
    "mobilizon/mobilizon-group-actor.json":
        ("Group", "https://mobilizon.fr/@framasoft/inbox", "https://mobilizon.fr/inbox", 2048),
    "mobilizon/mobilizon-group-actor-2022.json":
        ("Group", "https://mobilizon.fr/@contribateliers/inbox", "https://mobilizon.fr/inbox", 2048),
    "pleroma/pleroma-actor.json":
        ("Person", "https://stereophonic.space/users/karolat/inbox", "https://stereophonic.space/inbox", 2048),
    "misskey/misskey-actor.json":
        ("Person", "https://misskey.io/users/7rkrarq81i/inbox", "https://misskey.io/inbox", 4096),
    "mastodon/mastodon-actor-2024.json":
        ("Person", "https://mastodon.social/users/Gargron/inbox", "https://mastodon.social/inbox", 2048),
}


@pytest.mark.parametrize("name", sorted(ACTORS))
def test_actor_documents_of_other_servers_parse(name: str) -> None:
    document = fixture(name)
    kind, inbox, shared, bits = ACTORS[name]
    data = parse_actor(document)
    assert (data.id, data.type, data.inbox, data.shared_inbox) == (document["id"], kind, inbox, shared)
    assert data.key_id == f"{document['id']}#main-key"
    assert data.public_key_pem is not None
    assert load_public_key(data.public_key_pem).key_size == bits  # PKCS#1, trailing blank lines…
    assert data.preferred_username == document["preferredUsername"]


async def test_actor_documents_of_other_servers_are_stored(rig: Rig) -> None:
    for name, (kind, inbox, shared, _) in ACTORS.items():
        document = fixture(name)
        first = await rig.remote(document)
        again = await rig.remote(document)  # a refresh updates the same row
        assert first.id == again.id, name
        actor = await rig.actor(document["id"])
        assert (actor.kind, actor.inbox, actor.shared_inbox, actor.local) == (kind, inbox, shared, False)
        assert actor.public_key_id == f"{document['id']}#main-key"
        assert actor.public_key_pem == document["publicKey"]["publicKeyPem"]
        assert actor.private_key_pem is None and actor.fetched_at is not None
        assert actor.domain == document["id"].split("/")[2]
    assert len(await rig.all(Actor, Actor.local == False)) == len(ACTORS)
