"""Outbound delivery on both databases with real loopback receivers and an advanceable clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from echofed import jobs
from echofed.jobs import run_job
from echofed.services.accounts import ActorInput, create_actor
from echofed.services.region import ensure_instance_actor
from federation.client import ClientPolicy, RemoteClient
from federation.context import Federation, FederationConfig
from federation.delivery import (
    Audience,
    deliver,
    deliver_many,
    delivery_lease,
    expand_fanout,
    host_answered,
    record_activity,
    sweep,
)
from storage.queries.social import count_followers
from storage.tables import Actor, Delivery, DeliveryState, DomainHealth, Follow, FollowState
from tests.conftest import Db
from tests.e2e.receiver import Answer, Receiver
from tests.federation.handler_rig import RecordingScheduler


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2031, 5, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Rig:
    fed: Federation
    clock: Clock
    scheduler: RecordingScheduler
    sender: Actor
    db: Db


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    answers: dict[int, Answer] = {}
    box = Receiver(count=3, behaviour=lambda port, path: answers.get(port, Answer(202)))
    box.answers = answers  # type: ignore[attr-defined]
    with box:
        yield box


@pytest.fixture
async def rig(db: Db, receiver: Receiver) -> AsyncIterator[Rig]:
    clock = Clock()
    scheduler = RecordingScheduler()
    client = RemoteClient(ClientPolicy(allow_private=True, timeout=1.0, max_body_bytes=1 << 20,
                                       user_agent="echofed-test", connections_per_host=4))
    fed = Federation(
        config=FederationConfig(allow_private_addresses=True, fanout_batch=7,
                                domain_unavailable_after=timedelta(hours=12)),
        urls=db.urls, sessions=db.sessions, client=client, scheduler=scheduler, clock=clock,
    )
    async with db.sessions() as session, session.begin():
        await ensure_instance_actor(session, db.urls)
        sender = await create_actor(session, db.urls, ActorInput(username="planetarium", kind="Organization"))
    assert sender.public_key_id and sender.public_key_pem
    receiver.keys[sender.public_key_id] = sender.public_key_pem
    try:
        yield Rig(fed, clock, scheduler, sender, db)
    finally:
        await client.aclose()


async def add_followers(rig: Rig, receiver: Receiver, per_host: int) -> None:
    async with rig.db.sessions() as session, session.begin():
        for index, port in enumerate(receiver.ports):
            for n in range(per_host):
                actor = Actor(
                    uri=f"http://127.0.0.1:{port}/users/u{n}", username=f"u{n}", domain=f"127.0.0.1:{port}",
                    inbox=f"http://127.0.0.1:{port}/users/u{n}/inbox", shared_inbox=receiver.inbox(index),
                )
                session.add(actor)
                await session.flush()
                assert actor.id is not None and rig.sender.id is not None
                session.add(Follow(uri=f"{actor.uri}#follow", follower_id=actor.id,
                                   followed_id=rig.sender.id, state=FollowState.ACCEPTED))


async def publish(rig: Rig, audience: Audience | None = None) -> int:
    activity_id = rig.fed.urls.activity(str(uuid.uuid4()))
    payload = {"@context": "https://www.w3.org/ns/activitystreams", "id": activity_id,
               "type": "Announce", "actor": rig.sender.uri, "object": "https://example.org/e/1",
               "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    async with rig.db.sessions() as session, session.begin():
        await record_activity(session, actor=rig.sender, payload=payload,
                              audience=audience or Audience(followers_of=rig.sender.id))
    async with rig.db.sessions() as session:
        from storage.tables import Fanout
        fanout = (await session.exec(select(Fanout).order_by(Fanout.id.desc()))).first()  # type: ignore[union-attr]
        assert fanout is not None and fanout.id is not None
        return fanout.id


async def deliveries(rig: Rig) -> list[Delivery]:
    async with rig.db.sessions() as session:
        return list((await session.exec(select(Delivery).order_by(Delivery.id))).all())


async def test_one_post_per_shared_inbox_in_batches(rig: Rig, receiver: Receiver) -> None:
    await add_followers(rig, receiver, per_host=10)  # 30 followers, 3 hosts, batches of 7
    fanout_id = await publish(rig)
    created = await expand_fanout(rig.fed, fanout_id)
    assert len(created) == 3
    assert await expand_fanout(rig.fed, fanout_id) == []  # done: a second run adds nothing
    for delivery_id in created:
        assert await deliver(rig.fed, delivery_id) == DeliveryState.DELIVERED
        assert await deliver(rig.fed, delivery_id) == "skipped"  # at-least-once job, one POST
    arrivals = receiver.received()
    assert sorted(a.port for a in arrivals) == sorted(receiver.ports)
    assert all(a.verified and a.path == "/inbox" and a.activity_type == "Announce" for a in arrivals)


async def test_batches_of_local_followers_only_do_not_end_the_fan_out(rig: Rig, receiver: Receiver) -> None:
    """Local followers get no delivery but still count in a batch: a batch of them alone
    (batches of 7 here) must move the cursor on, not end the fan-out before the remote ones."""
    async with rig.db.sessions() as session, session.begin():
        for n in range(9):
            local = await create_actor(session, rig.db.urls, ActorInput(username=f"membre{n}"))
            assert local.id is not None and rig.sender.id is not None
            session.add(Follow(uri=f"{local.uri}#follow", follower_id=local.id,
                               followed_id=rig.sender.id, state=FollowState.ACCEPTED))
    await add_followers(rig, receiver, per_host=3)  # followed after the 9 local ones
    created = await expand_fanout(rig.fed, await publish(rig))
    assert sorted(d.inbox for d in await deliveries(rig)) == sorted(receiver.inbox(i) for i in range(3))
    assert len(created) == 3


async def test_5xx_then_success_with_backoff_and_sweep(rig: Rig, receiver: Receiver) -> None:
    await add_followers(rig, receiver, per_host=1)
    receiver.answers[receiver.ports[0]] = Answer(500)  # type: ignore[attr-defined]
    created = await expand_fanout(rig.fed, await publish(rig))
    states = [await deliver(rig.fed, d) for d in created]
    assert sorted(states) == ["delivered", "delivered", "pending"]
    failing = next(d for d in await deliveries(rig) if d.state == "pending")
    assert failing.attempts == 1 and failing.last_status == 500
    assert failing.next_attempt_at > rig.clock() + timedelta(seconds=15)
    assert (await sweep(rig.fed)).deliveries == []  # not due yet
    rig.clock.advance(minutes=5)
    report = await sweep(rig.fed)
    assert [d for d, _ in report.deliveries] == [failing.id]
    receiver.answers[receiver.ports[0]] = Answer(202)  # type: ignore[attr-defined]
    assert failing.id is not None
    assert await deliver(rig.fed, failing.id) == DeliveryState.DELIVERED


async def test_429_honours_retry_after(rig: Rig, receiver: Receiver) -> None:
    await add_followers(rig, receiver, per_host=1)
    for port in receiver.ports:
        receiver.answers[port] = Answer(429, (("Retry-After", "3600"),))  # type: ignore[attr-defined]
    created = await expand_fanout(rig.fed, await publish(rig))
    await deliver(rig.fed, created[0])
    row = (await deliveries(rig))[0]
    assert row.state == "pending"
    assert row.next_attempt_at == rig.clock() + timedelta(hours=1)


async def test_410_on_a_personal_inbox_removes_the_follower(rig: Rig, receiver: Receiver) -> None:
    async with rig.db.sessions() as session, session.begin():
        gone = Actor(uri=f"http://127.0.0.1:{receiver.ports[1]}/users/gone", username="gone",
                     domain=f"127.0.0.1:{receiver.ports[1]}",
                     inbox=f"http://127.0.0.1:{receiver.ports[1]}/users/gone/inbox")
        session.add(gone)
        await session.flush()
        assert gone.id is not None and rig.sender.id is not None
        session.add(Follow(uri="x#f", follower_id=gone.id, followed_id=rig.sender.id, state="accepted"))
    receiver.answers[receiver.ports[1]] = Answer(410)  # type: ignore[attr-defined]
    created = await expand_fanout(rig.fed, await publish(rig))
    assert await deliver(rig.fed, created[0]) == DeliveryState.FAILED
    async with rig.db.sessions() as session:
        assert rig.sender.id is not None
        assert await count_followers(session, rig.sender.id) == 0


async def test_a_hanging_receiver_times_out_and_retries(rig: Rig, receiver: Receiver) -> None:
    await add_followers(rig, receiver, per_host=1)
    receiver.answers[receiver.ports[2]] = Answer(202, delay=3.0)  # type: ignore[attr-defined]
    created = await expand_fanout(rig.fed, await publish(rig))
    by_host = {d.host: d for d in await deliveries(rig)}
    slow = by_host[f"127.0.0.1:{receiver.ports[2]}"]
    assert slow.id in created
    assert slow.id is not None
    assert await deliver(rig.fed, slow.id) == "pending"
    row = next(d for d in await deliveries(rig) if d.id == slow.id)
    assert row.last_status is None and row.last_error


async def test_a_host_failing_for_long_is_parked_then_resumes(rig: Rig, receiver: Receiver) -> None:
    await add_followers(rig, receiver, per_host=1)
    dead = receiver.ports[0]
    receiver.answers[dead] = Answer(503)  # type: ignore[attr-defined]
    host = f"127.0.0.1:{dead}"
    first = await expand_fanout(rig.fed, await publish(rig))
    for delivery_id in first:
        await deliver(rig.fed, delivery_id)
    rig.clock.advance(hours=13)
    pending = [d for d in await deliveries(rig) if d.host == host and d.state == "pending"]
    assert pending and pending[0].id is not None
    await deliver(rig.fed, pending[0].id)
    async with rig.db.sessions() as session:
        health = await session.get(DomainHealth, host)
        assert health is not None and not health.available
    assert {d.state for d in await deliveries(rig) if d.host == host} == {"parked"}
    # new activities to that host are parked instead of tried
    second = await expand_fanout(rig.fed, await publish(rig))
    new_for_host = [d for d in await deliveries(rig) if d.host == host and d.id in second]
    assert new_for_host[0].id is not None
    assert await deliver(rig.fed, new_for_host[0].id) == DeliveryState.PARKED
    # the host speaks again (an inbound activity): everything resumes
    receiver.answers[dead] = Answer(202)  # type: ignore[attr-defined]
    await host_answered(rig.fed, host)
    resumed = [d for d in await deliveries(rig) if d.host == host]
    assert {d.state for d in resumed} == {"pending"}
    for d in resumed:
        assert d.id is not None
        assert await deliver(rig.fed, d.id) == DeliveryState.DELIVERED


async def test_probe_of_an_unavailable_host(rig: Rig, receiver: Receiver) -> None:
    await add_followers(rig, receiver, per_host=1)
    host = f"127.0.0.1:{receiver.ports[1]}"
    async with rig.db.sessions() as session, session.begin():
        session.add(DomainHealth(host=host, available=False, failing_since=rig.clock() - timedelta(days=2),
                                 last_probe_at=rig.clock() - timedelta(hours=2)))
    created = await expand_fanout(rig.fed, await publish(rig))
    for delivery_id in created:
        await deliver(rig.fed, delivery_id)
    report = await sweep(rig.fed)
    assert len(report.probes) == 1
    assert await deliver(rig.fed, report.probes[0], probe=True) == DeliveryState.DELIVERED
    async with rig.db.sessions() as session:
        health = await session.get(DomainHealth, host)
        assert health is not None and health.available


async def test_a_fanout_queues_its_rows_in_batches_that_the_sweep_leaves_alone(
    rig: Rig, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 personal inboxes on the 3 receivers: 40 deliveries, queued 16 to a job.
    monkeypatch.setattr(jobs, "DELIVERY_BATCH", 16)
    inboxes = tuple(receiver.inbox(n % 3, f"/users/u{n}/inbox") for n in range(40))
    fanout_id = await publish(rig, Audience(inboxes=inboxes))
    assert await run_job(rig.fed, "fanout", fanout_id) == "40 deliveries"
    batches = [args[0] for job, args in rig.scheduler.jobs if job == "deliver_batch"]
    assert [len(b) for b in batches] == [16, 16, 8]
    assert sorted(d for b in batches for d in b) == sorted(d.id for d in await deliveries(rig))
    assert (await sweep(rig.fed)).deliveries == []  # queued: not the sweep's business yet

    # The first batch runs; the second and third are lost (a Redis without persistence).
    assert await run_job(rig.fed, "deliver_batch", batches[0]) == "16 delivered"
    assert len(receiver.received()) == 16
    assert (await sweep(rig.fed)).deliveries == []
    rig.clock.advance(seconds=delivery_lease(rig.fed).total_seconds() + 1)
    lost = sorted(d for d, _ in (await sweep(rig.fed)).deliveries)
    assert lost == sorted(batches[1] + batches[2])
    for delivery_id in lost:
        assert await deliver(rig.fed, delivery_id) == DeliveryState.DELIVERED
    assert sorted(a.path for a in receiver.received()) == sorted(urlsplit(i).path for i in inboxes)


async def test_deliveries_in_flight_are_bounded_by_the_process_slots(
    rig: Rig, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    inboxes = tuple(receiver.inbox(n % 3, f"/users/u{n}/inbox") for n in range(12))
    created = await expand_fanout(rig.fed, await publish(rig, Audience(inboxes=inboxes)))
    fed = replace(rig.fed, config=replace(rig.fed.config, delivery_slots=2))
    receiver.behaviour = lambda port, path: Answer(202, delay=0.1)
    post, posting, busiest = rig.fed.client.post_activity, 0, 0

    async def counted(*args: Any) -> Any:
        nonlocal posting, busiest
        posting += 1
        busiest = max(busiest, posting)
        try:
            return await post(*args)
        finally:
            posting -= 1

    monkeypatch.setattr(rig.fed.client, "post_activity", counted)
    assert await deliver_many(fed, created) == {"delivered": 12}
    assert busiest == 2  # the job's 12 rows, claimed at once, POSTed two at a time
