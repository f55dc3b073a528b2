"""Outbound delivery: the transactional outbox, fan-out, one signed POST per inbox, domain
health.

States (rows in storage.tables.federation):
    Fanout    pending → done
    Delivery  pending → delivered | failed (final refusal or attempts exhausted)
              pending ⇄ parked (host unavailable; resumes when it answers again)

``record_activity`` is called inside the caller's transaction, so an activity exists if and only
if the change that caused it was committed. Jobs take leases on rows, so a job that runs twice
(at-least-once queues) does its work once; a lease that expires (killed worker) lets the sweep
hand the row to another worker.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.client import PostOutcome, Signer
from federation.context import Federation
from federation.retry import Decision, Verdict, decide
from storage.queries import federation as rows
from storage.queries.actors import actor_by_uri
from storage.queries.social import delete_follow, follower_inboxes_batch
from storage.tables import (
    Actor,
    Delivery,
    DeliveryState,
    DomainHealth,
    Fanout,
    FanoutState,
    OutboxActivity,
)
from storage.tables.social import Follow

log = logging.getLogger(__name__)
SESSION_FANOUTS = "echofed.fanouts"


@dataclass(frozen=True)
class Audience:
    """Who receives an activity: an actor's followers, actors by URI, or explicit inboxes."""

    followers_of: int | None = None
    actor_uris: tuple[str, ...] = ()
    inboxes: tuple[str, ...] = ()


@dataclass
class SweepReport:
    inbox_items: list[int] = field(default_factory=list)
    fanouts: list[int] = field(default_factory=list)
    deliveries: list[tuple[int, int]] = field(default_factory=list)
    probes: list[int] = field(default_factory=list)


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


async def record_activity(
    session: AsyncSession,
    *,
    actor: Actor,
    payload: dict[str, Any],
    audience: Audience,
    object_uri: str | None = None,
    public: bool = True,
) -> OutboxActivity:
    """Write an activity and its fan-out in the caller's transaction (the outbox)."""
    assert actor.id is not None
    activity = OutboxActivity(
        uri=payload["id"],
        type=payload["type"],
        actor_id=actor.id,
        object_uri=object_uri,
        public=public,
        payload=payload,
    )
    session.add(activity)
    await session.flush()
    assert activity.id is not None
    fanout = Fanout(
        activity_id=activity.id,
        followers_of=audience.followers_of,
        actor_uris=list(audience.actor_uris),
        inboxes=list(audience.inboxes),
    )
    session.add(fanout)
    await session.flush()
    session.info.setdefault(SESSION_FANOUTS, []).append(fanout.id)
    return activity


def recorded_fanouts(session: AsyncSession) -> list[int]:
    """Fan-outs written in this session, to schedule once it has committed."""
    return list(session.info.pop(SESSION_FANOUTS, []))


async def expand_fanout(fed: Federation, fanout_id: int) -> list[int]:
    """Turn a fan-out into deliveries, one per distinct inbox, in batches; returns new ids."""
    created: list[int] = []
    while True:
        async with fed.sessions() as session, session.begin():
            now = fed.clock()
            if not await rows.claim(
                session, Fanout, fanout_id, now=now, until=now + fed.config.lease,
                state=FanoutState.PENDING,
            ):
                return created
            fanout = await session.get(Fanout, fanout_id)
            assert fanout is not None
            targets: list[str] = []
            if fanout.cursor == 0:
                targets.extend(fanout.inboxes)
                for uri in fanout.actor_uris:
                    actor = await actor_by_uri(session, uri)
                    if actor is not None and not actor.local:
                        targets.append(actor.shared_inbox or actor.inbox)
            batch: list[tuple[int, str]] = []
            if fanout.followers_of is not None:
                batch = await follower_inboxes_batch(
                    session, fanout.followers_of, after_id=fanout.cursor,
                    limit=fed.config.fanout_batch,
                )
                targets.extend(inbox for _, inbox in batch)
            distinct = {
                t: host_of(t) for t in targets
                if t.startswith(("https://", "http://")) and host_of(t) != fed.urls.host
            }
            created += await rows.insert_deliveries(
                session, fanout.activity_id, list(distinct.items()), now
            )
            if batch:
                fanout.cursor = batch[-1][0]
                fanout.lease_until = None
            else:
                fanout.state = FanoutState.DONE
                fanout.done_at = now
                fanout.lease_until = None
            session.add(fanout)
        if not batch:
            return created


async def _mark_host(session: AsyncSession, fed: Federation, host: str, ok: bool, error: str | None) -> None:
    now = fed.clock()
    health = await rows.domain_health(session, host)
    if health is None:
        health = DomainHealth(host=host)
    if ok:
        recovered = not health.available
        health.available = True
        health.failing_since = None
        health.consecutive_failures = 0
        health.last_success_at = now
        health.last_error = None
        session.add(health)
        if recovered:
            moved = await rows.unpark_host(session, host, now)
            log.info("host available again", extra={"host": host, "resumed": moved})
        return
    health.consecutive_failures += 1
    health.last_failure_at = now
    health.last_error = (error or "")[:500]
    if health.failing_since is None:
        health.failing_since = now
    if health.available and now - health.failing_since >= fed.config.domain_unavailable_after:
        health.available = False
        health.last_probe_at = now
        session.add(health)
        await session.flush()
        parked = await rows.park_host(session, host)
        log.warning("host marked unavailable", extra={"host": host, "parked": parked})
    session.add(health)


async def host_answered(fed: Federation, host: str) -> None:
    """Any sign of life from a host (an inbound activity) makes it available again."""
    async with fed.sessions() as session, session.begin():
        health = await rows.domain_health(session, host)
        if health is not None and (not health.available or health.failing_since is not None):
            await _mark_host(session, fed, host, True, None)


def lease_for_timeout(timeout: float) -> timedelta:
    """How long a delivery job holds its row: one POST (whose deadline is the client's timeout)
    and two short transactions, with room to spare. Short, so that the deliveries a killed
    worker was holding are swept again within seconds, not minutes."""
    return timedelta(seconds=2 * timeout + 5)


def delivery_lease(fed: Federation) -> timedelta:
    return min(fed.config.lease, lease_for_timeout(fed.client.policy.timeout))


async def deliver(fed: Federation, delivery_id: int, *, probe: bool = False) -> str:
    """Sign and POST one activity to one inbox, then record the outcome; returns the state.

    The host's slot is taken before the row's lease, so time spent waiting behind other
    deliveries to the same host does not eat into the lease.
    """
    state = DeliveryState.PARKED if probe else DeliveryState.PENDING
    async with fed.sessions() as session:
        host = await rows.delivery_host(session, delivery_id, state=state)
    if host is None:
        return "skipped"
    async with fed.client.host_semaphore(host):
        return await _deliver_holding_host(fed, delivery_id, state=state, probe=probe)


async def _deliver_holding_host(fed: Federation, delivery_id: int, *, state: str, probe: bool) -> str:
    async with fed.sessions() as session, session.begin():
        now = fed.clock()
        if not await rows.claim(
            session, Delivery, delivery_id, now=now, until=now + delivery_lease(fed), state=state
        ):
            return "skipped"
        found = await rows.delivery_with_activity(session, delivery_id)
        assert found is not None
        delivery, activity = found
        health = await rows.domain_health(session, delivery.host)
        if health is not None and not health.available and not probe:
            delivery.state = DeliveryState.PARKED
            delivery.lease_until = None
            session.add(delivery)
            return delivery.state
        sender = await session.get(Actor, activity.actor_id)
        assert sender is not None and sender.private_key_pem and sender.public_key_id
        signer = Signer(key_id=sender.public_key_id, private_key_pem=sender.private_key_pem)
        body = json.dumps(activity.payload, ensure_ascii=False, separators=(",", ":")).encode()
        inbox, attempt = delivery.inbox, delivery.attempts + 1

    outcome: PostOutcome = await fed.client.post_activity(inbox, body, signer)

    async with fed.sessions() as session, session.begin():
        delivery = await session.get(Delivery, delivery_id)
        assert delivery is not None
        now = fed.clock()
        decision = decide(
            outcome.status, attempt=attempt, max_attempts=fed.config.max_delivery_attempts,
            retry_after=outcome.retry_after,
        )
        delivery.attempts = attempt
        delivery.last_status = outcome.status
        delivery.last_error = outcome.error
        delivery.lease_until = None
        if outcome.final:
            decision = Decision(Verdict.FINAL)
        if decision.verdict is Verdict.DELIVERED:
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = now
        elif decision.verdict is Verdict.FINAL:
            delivery.state = DeliveryState.FAILED
            if outcome.status == 410:
                await _forget_gone_inbox(session, inbox)
        else:
            assert decision.delay is not None
            delivery.state = DeliveryState.PENDING
            delivery.next_attempt_at = now + decision.delay
        session.add(delivery)
        reached = outcome.status is not None and (outcome.status < 500 and outcome.status not in (408, 429))
        await _mark_host(session, fed, delivery.host, reached, outcome.error or f"HTTP {outcome.status}")
        if probe and not reached:
            health = await rows.domain_health(session, delivery.host)
            if health is not None:
                health.last_probe_at = now
                session.add(health)
                delivery.state = DeliveryState.PARKED
        final_state = delivery.state
    if final_state == DeliveryState.PENDING:
        await fed.scheduler.enqueue(
            "deliver", delivery_id, key=f"deliver:{delivery_id}:{attempt + 1}",
            defer_until=delivery.next_attempt_at,
        )
    return final_state


async def _forget_gone_inbox(session: AsyncSession, inbox: str) -> None:
    """410 Gone on an actor's own inbox: that actor is gone, so is its follow."""
    from sqlmodel import select

    actors = (await session.exec(select(Actor).where(Actor.inbox == inbox))).all()
    for actor in actors:
        follows = (await session.exec(select(Follow).where(Follow.follower_id == actor.id))).all()
        for follow in follows:
            assert follow.id is not None
            await delete_follow(session, follow.id)


async def sweep(fed: Federation, *, limit: int = 2000) -> SweepReport:
    """Find every piece of work whose job is missing or overdue and schedule it again."""
    report = SweepReport()
    async with fed.sessions() as session:
        now = fed.clock()
        report.inbox_items = await rows.due_inbox_items(
            session, now=now, received_before=now, limit=limit
        )
        fanouts = await rows.due_fanouts(session, now=now, limit=limit)
        deliveries = await rows.due_deliveries(session, now=now, limit=limit)
        report.fanouts = [fanout_id for fanout_id, _ in fanouts]
        report.deliveries = [(delivery_id, attempts) for delivery_id, attempts, _ in deliveries]
        for host in await rows.unavailable_hosts_to_probe(
            session, probed_before=now - fed.config.probe_interval
        ):
            parked = await rows.one_parked_delivery(session, host)
            if parked is not None:
                report.probes.append(parked)
    for item_id in report.inbox_items:
        await fed.scheduler.enqueue("process_inbox", item_id, key=f"inbox:{item_id}")
    for fanout_id, lease in fanouts:
        await fed.scheduler.enqueue("fanout", fanout_id, key=_job_key("fanout", fanout_id, lease))
    for delivery_id, attempts, lease in deliveries:
        await fed.scheduler.enqueue(
            "deliver", delivery_id, key=_job_key("deliver", delivery_id, lease, attempts + 1)
        )
    for delivery_id in report.probes:
        await fed.scheduler.enqueue("probe", delivery_id, key=f"probe:{delivery_id}")
    return report


def _job_key(job: str, row_id: int, expired_lease: datetime | None, attempt: int | None = None) -> str:
    """The job id for a row the sweep found due.

    A row never leased keeps the key of the job planned for it, so re-queueing it is a no-op
    while that job waits in the queue. A row whose lease expired was held by a job that never
    finished (a killed worker): arq still counts that job as in progress, under the old key, for
    minutes, so the new job gets a key of its own, derived from that lease.
    """
    key = f"{job}:{row_id}" if attempt is None else f"{job}:{row_id}:{attempt}"
    if expired_lease is not None:
        key += f":{expired_lease.timestamp():.0f}"
    return key
