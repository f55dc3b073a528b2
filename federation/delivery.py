"""Outbound delivery: the transactional outbox, fan-out, one signed POST per inbox, domain
health.

States (rows in storage.tables.federation):
    Fanout    pending → done
    Delivery  pending → delivered | failed (final refusal or attempts exhausted)
              pending ⇄ parked (host unavailable; resumes when it answers again)

``record_activity`` is called inside the caller's transaction, so an activity exists if and only
if the change that caused it was committed. Jobs take leases on rows, so a job that runs twice
(at-least-once queues) does its work once; a lease that expires (killed worker) lets the sweep
hand the row to another worker. A job of many deliveries (a fan-out's batch) claims all its
rows in one statement, then POSTs each as one of the process's delivery slots frees up; the
outcomes of deliveries finishing at the same moment in one process are recorded in one
transaction, so the database cost per delivery stays small.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession

from federation.batching import Batcher, shared
from federation.client import PostOutcome, Signer
from federation.context import Federation
from federation.retry import Decision, Verdict, decide
from storage.queries import federation as rows
from storage.queries.actors import actor_by_uri
from storage.queries.social import delete_follow, follower_inboxes_batch
from storage.tables import (
    Actor,
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


async def expand_fanout(
    fed: Federation, fanout_id: int, *, hold: timedelta | None = None,
    on_created: Callable[[list[int]], Awaitable[None]] | None = None,
) -> list[int]:
    """Turn a fan-out into deliveries, one per distinct inbox, in batches; returns new ids.

    ``hold``: the caller queues the new rows itself (``on_created`` runs after each batch's
    commit, so the first POSTs leave while a large audience is still being expanded), and the
    sweep leaves them alone for that long, as if a job had leased them.
    """
    created: list[int] = []
    planned: set[str] = set()  # inboxes this run already planned: most of a large audience
    while True:
        new, more = await _expand_batch(fed, fanout_id, hold, planned)
        created += new
        if on_created is not None and new:
            await on_created(new)
        if not more:
            return created


async def _expand_batch(
    fed: Federation, fanout_id: int, hold: timedelta | None, planned: set[str]
) -> tuple[list[int], bool]:
    """One batch of followers into deliveries, in one transaction: the new delivery ids, and
    whether followers remain. Inboxes in ``planned`` are skipped (the unique key on activity
    and inbox still guards against a second run after a crash)."""
    async with fed.sessions() as session, session.begin():
        now = fed.clock()
        if not await rows.claim(
            session, Fanout, fanout_id, now=now, until=now + fed.config.lease,
            state=FanoutState.PENDING,
        ):
            return [], False
        fanout = await session.get(Fanout, fanout_id)
        assert fanout is not None
        targets: list[str] = []
        if fanout.cursor == 0:
            targets.extend(fanout.inboxes)
            for uri in fanout.actor_uris:
                actor = await actor_by_uri(session, uri)
                if actor is not None and not actor.local:
                    targets.append(actor.shared_inbox or actor.inbox)
        last_follow: int | None = None
        if fanout.followers_of is not None:
            batch, last_follow = await follower_inboxes_batch(
                session, fanout.followers_of, after_id=fanout.cursor,
                limit=fed.config.fanout_batch,
            )
            targets.extend(batch)
        distinct = {
            t: host_of(t) for t in targets
            if t not in planned and t.startswith(("https://", "http://")) and host_of(t) != fed.urls.host
        }
        created = await rows.insert_deliveries(
            session, fanout.activity_id, list(distinct.items()), now,
            due=now + hold if hold is not None else None,
        )
        planned.update(distinct)
        if last_follow is not None:
            fanout.cursor = last_follow
        else:
            fanout.state = FanoutState.DONE
            fanout.done_at = now
        fanout.lease_until = None
        session.add(fanout)
    return created, last_follow is not None


async def _mark_host(session: AsyncSession, fed: Federation, host: str, ok: bool, error: str | None) -> bool:
    """Record a success or a failure of ``host``; True when this failure made it unavailable."""
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
        return False
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
        return True
    session.add(health)
    return False


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


@dataclass(frozen=True, slots=True)
class _Outgoing:
    body: bytes
    signer: Signer


# Recorded activities never change: each process keeps the last few serialised and with their
# sender's key, per database, instead of loading and re-encoding them for every inbox.
_OUTGOING: weakref.WeakKeyDictionary[Any, OrderedDict[int, _Outgoing]] = weakref.WeakKeyDictionary()
_OUTGOING_SIZE = 64
# A healthy host's record is written on success at most this often, not for every delivery.
_SUCCESS_NOTE_EVERY = timedelta(minutes=10)


async def _outgoing(fed: Federation, session: AsyncSession, activity_id: int) -> _Outgoing:
    cache = _OUTGOING.setdefault(fed.sessions, OrderedDict())
    found = cache.get(activity_id)
    if found is not None:
        cache.move_to_end(activity_id)
        return found
    activity = await session.get(OutboxActivity, activity_id)
    assert activity is not None
    sender = await session.get(Actor, activity.actor_id)
    assert sender is not None and sender.private_key_pem and sender.public_key_id
    found = _Outgoing(
        json.dumps(activity.payload, ensure_ascii=False, separators=(",", ":")).encode(),
        Signer(key_id=sender.public_key_id, private_key_pem=sender.private_key_pem),
    )
    cache[activity_id] = found
    if len(cache) > _OUTGOING_SIZE:
        cache.popitem(last=False)
    return found


def _healthy(health: rows.HostHealth | None, now: datetime) -> bool:
    """Nothing to record after a success: no failure on file and a recent note of success."""
    return health is None or (
        health.available and health.failing_since is None and health.consecutive_failures == 0
        and health.last_success_at is not None and now - health.last_success_at < _SUCCESS_NOTE_EVERY
    )


@dataclass(frozen=True, slots=True)
class _Claim:
    row: rows.ClaimedDelivery
    health: rows.HostHealth | None  # as read when claimed
    outgoing: _Outgoing | None  # None: parked instead (its host is unavailable)
    at: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class _Attempt:
    claim: _Claim
    outcome: PostOutcome
    probe: bool


async def _claim_many(fed: Federation, ids: list[int], *, probe: bool = False) -> dict[int, _Claim]:
    """Lease the rows still waiting (one UPDATE), park those whose host is unavailable, and
    load what their POSTs need; rows held elsewhere or done are left out."""
    state = DeliveryState.PARKED if probe else DeliveryState.PENDING
    async with fed.sessions() as session, session.begin():
        now = fed.clock()
        until = now + delivery_lease(fed)
        claimed = await rows.claim_deliveries(session, ids, now=now, until=until, state=state)
        health = await rows.domain_healths(session, {c.host for c in claimed})
        parked = [c.id for c in claimed
                  if not probe and c.host in health and not health[c.host].available]
        await rows.park_deliveries(session, parked)
        found = {}
        for c in claimed:
            outgoing = None if c.id in parked else await _outgoing(fed, session, c.activity_id)
            found[c.id] = _Claim(c, health.get(c.host), outgoing, now, until)
        return found


async def _record_many(fed: Federation, attempts: list[_Attempt]) -> dict[int, str]:
    """Write the attempts' outcomes in one transaction (one UPDATE for all rows); a host's
    record changes only after a failure or a recovery. Returns each row's new state."""
    async with fed.sessions() as session, session.begin():
        now = fed.clock()
        updates: list[dict[str, Any]] = []
        states: dict[int, str] = {}
        for a in attempts:
            decision = decide(
                a.outcome.status, attempt=a.claim.row.attempts + 1,
                max_attempts=fed.config.max_delivery_attempts, retry_after=a.outcome.retry_after,
            )
            if a.outcome.final:
                decision = Decision(Verdict.FINAL)
            values = {"b_id": a.claim.row.id, "attempts": a.claim.row.attempts + 1,
                      "last_status": a.outcome.status, "last_error": a.outcome.error,
                      "delivered_at": None, "next_attempt_at": now}
            if decision.verdict is Verdict.DELIVERED:
                values.update(state=DeliveryState.DELIVERED, delivered_at=now)
            elif decision.verdict is Verdict.FINAL:
                values.update(state=DeliveryState.FAILED)
            elif a.probe and not _reached(a.outcome):
                values.update(state=DeliveryState.PARKED)
            else:
                assert decision.delay is not None
                values.update(state=DeliveryState.PENDING, next_attempt_at=now + decision.delay)
            updates.append(values)
            states[a.claim.row.id] = values["state"]
        await rows.record_attempts(session, updates)
        for a in attempts:
            reached, row = _reached(a.outcome), a.claim.row
            if states[row.id] == DeliveryState.FAILED and a.outcome.status == 410:
                await _forget_gone_inbox(session, row.inbox)
            if reached and _healthy(a.claim.health, now):
                continue
            error = a.outcome.error or f"HTTP {a.outcome.status}"
            if await _mark_host(session, fed, row.host, reached, error) and states[row.id] == DeliveryState.PENDING:
                states[row.id] = DeliveryState.PARKED
            if a.probe and not reached:
                health = await rows.domain_health(session, row.host)
                if health is not None:
                    health.last_probe_at = now
                    session.add(health)
        return states


def _reached(outcome: PostOutcome) -> bool:
    """The host answered as a working server would (even a refusal); not a sign of trouble."""
    return outcome.status is not None and outcome.status < 500 and outcome.status not in (408, 429)


BATCH_MAX = 64
BATCH_WAIT = 0.0  # seconds (0: the next turn of the event loop, up to two batches under way)
RECORD_WAIT = 0.05  # seconds: outcomes gather for this long (the POST's slot is already free)
def _batchers(fed: Federation) -> tuple[Batcher[int, int], Batcher[_Attempt, int]]:
    """This process's batchers: the deliveries running at the same moment share their claim and
    their record transactions."""
    return (
        shared(fed, "delivery-claims", lambda: Batcher(
            lambda ids: _claim_many(fed, ids), key=lambda i: i, max_size=BATCH_MAX, wait=BATCH_WAIT,
        )),
        shared(fed, "delivery-records", lambda: Batcher(
            lambda attempts: _record_many(fed, attempts), key=lambda a: a.claim.row.id,
            max_size=BATCH_MAX, wait=RECORD_WAIT,
        )),
    )


_SLOTS: weakref.WeakKeyDictionary[Any, tuple[asyncio.AbstractEventLoop, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _slots(fed: Federation) -> asyncio.Semaphore:
    """This process's delivery slots (``config.delivery_slots`` in flight at once), whether
    deliveries come one per job or many per job."""
    loop = asyncio.get_running_loop()
    found = _SLOTS.get(fed.sessions)
    if found is None or found[0] is not loop:
        found = _SLOTS[fed.sessions] = (loop, asyncio.Semaphore(fed.config.delivery_slots))
    return found[1]


async def deliver(fed: Federation, delivery_id: int, *, probe: bool = False) -> str:
    """Sign and POST one activity to one inbox, then record the outcome; returns the state.

    Two short transactions around the POST: claim (a lease on the row) and load, then record.
    Both are shared with the deliveries running at the same moment in this process (see
    ``Batcher``). The POST waits for one of the process's delivery slots and for its host's
    semaphore; a lease that ran low meanwhile is renewed first.
    """
    if probe:
        claim = (await _claim_many(fed, [delivery_id], probe=True)).get(delivery_id)
        return await _post_claimed(fed, claim, probe=True)
    return await _post_claimed(fed, await _batchers(fed)[0].submit(delivery_id), probe=False)


async def deliver_many(fed: Federation, delivery_ids: list[int]) -> dict[str, int]:
    """Deliver rows queued together (one job for many rows): one claim for all of them, then
    each POST as one of the process's delivery slots frees up; returns the count per state."""
    claims = await _claim_many(fed, delivery_ids)

    async def one(delivery_id: int) -> str:
        return await _post_claimed(fed, claims.get(delivery_id), probe=False)

    states = await asyncio.gather(*(one(d) for d in delivery_ids), return_exceptions=True)
    counts: dict[str, int] = {}
    for state in states:
        if isinstance(state, BaseException):
            if not isinstance(state, Exception):
                raise state
            log.warning("delivery failed", extra={"error": repr(state)})
            state = "error"  # the row keeps its lease; the sweep takes it up again
        counts[str(state)] = counts.get(str(state), 0) + 1
    return counts


async def _post_claimed(fed: Federation, claim: _Claim | None, *, probe: bool) -> str:
    if claim is None:
        return "skipped"
    if claim.outgoing is None:
        return DeliveryState.PARKED
    row, lease = claim.row, claim.until - claim.at
    async with (nullcontext() if probe else _slots(fed)), fed.client.host_semaphore(row.host):
        if fed.clock() > claim.at + lease / 3:  # waited long for a slot or behind this host's POSTs
            async with fed.sessions() as session, session.begin():
                now = fed.clock()
                if not await rows.renew_lease(session, row.id, held=claim.until, until=now + lease):
                    return "skipped"
        outcome = await fed.client.post_activity(row.inbox, claim.outgoing.body, claim.outgoing.signer)
    attempt = _Attempt(claim, outcome, probe)
    if probe:
        state = (await _record_many(fed, [attempt]))[row.id]
    else:
        state = await _batchers(fed)[1].submit(attempt)
    if state == DeliveryState.PENDING:
        async with fed.sessions() as session:
            retry_at = await rows.next_attempt_at(session, row.id)
        await fed.scheduler.enqueue(
            "deliver", row.id, key=f"deliver:{row.id}:{row.attempts + 2}", defer_until=retry_at,
        )
    return str(state)


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
    await enqueue_all(fed, "process_inbox", [(i, f"inbox:{i}") for i in report.inbox_items])
    await enqueue_all(fed, "fanout", [(f, _job_key("fanout", f, lease)) for f, lease in fanouts])
    await enqueue_all(fed, "deliver", [
        (d, _job_key("deliver", d, lease, attempts + 1)) for d, attempts, lease in deliveries
    ])
    await enqueue_all(fed, "probe", [(d, f"probe:{d}") for d in report.probes])
    return report


async def enqueue_all(fed: Federation, job: str, items: list[tuple[Any, str]], *, fresh: bool = False) -> None:
    """Schedule ``job`` for each (argument: a row id or a list of them, job key), in one go
    when the scheduler can (the sweep asks again for every waiting row: a scheduler that
    already holds them should answer fast). ``fresh``: rows created just now, which no job
    can hold yet (the scheduler may skip looking for one)."""
    many = getattr(fed.scheduler, "enqueue_many", None)
    if many is not None:
        await many(job, items, fresh=fresh)
        return
    for row_id, key in items:
        await fed.scheduler.enqueue(job, row_id, key=key)


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
