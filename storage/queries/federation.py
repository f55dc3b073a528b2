"""Rows of the inbox log, the outbox, fan-outs, deliveries and domain health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.lists import in_list
from storage.queries.inbox import store_inbox_item
from storage.tables import (
    Delivery,
    DeliveryState,
    DomainHealth,
    Fanout,
    FanoutState,
    InboxItem,
    InboxState,
    OutboxActivity,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def insert_inbox_item(session: AsyncSession, values: dict[str, Any]) -> int | None:
    """Store a received activity once; None when its id was already recorded."""
    return await store_inbox_item(await session.connection(), values)


async def claim(
    session: AsyncSession, table: Any, row_id: int, *, now: datetime, until: datetime, state: str
) -> bool:
    """Take a time-limited lease on a row in ``state``; False if another worker holds it."""
    statement = (
        update(table)
        .where(table.id == row_id, table.state == state)
        .where(or_(table.lease_until.is_(None), table.lease_until < now))
        .values(lease_until=until)
    )
    result = await session.exec(  # type: ignore[call-overload]
            statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: int
    activity_id: int
    inbox: str
    host: str
    attempts: int


_delivery = Delivery.__table__.c  # type: ignore[attr-defined]
_health = DomainHealth.__table__.c  # type: ignore[attr-defined]
# Core statements built once, with each list as one parameter (storage.lists): a delivery
# batch's transaction costs a third of what the ORM versions did.
_CLAIM = (
    update(Delivery.__table__)  # type: ignore[arg-type]
    .where(in_list(_delivery.id, "ids", "int"), _delivery.state == bindparam("b_state"))
    .where(or_(_delivery.lease_until.is_(None), _delivery.lease_until < bindparam("now")))
    .values(lease_until=bindparam("until"))
    .returning(_delivery.id, _delivery.activity_id, _delivery.inbox, _delivery.host, _delivery.attempts)
)
_PARK = (
    update(Delivery.__table__)  # type: ignore[arg-type]
    .where(in_list(_delivery.id, "ids", "int"))
    .values(state=DeliveryState.PARKED, lease_until=None)
)
_HEALTHS = select(  # type: ignore[call-overload]
    _health.host, _health.available, _health.failing_since, _health.consecutive_failures,
    _health.last_success_at,
).where(in_list(_health.host, "hosts"))


async def claim_deliveries(
    session: AsyncSession, ids: list[int], *, now: datetime, until: datetime, state: str
) -> list[ClaimedDelivery]:
    """``claim`` for many deliveries in one statement, returning what their POSTs need."""
    connection = await session.connection()
    found = await connection.execute(_CLAIM, {"ids": ids, "b_state": state, "now": now, "until": until})
    return [ClaimedDelivery(int(r[0]), int(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in found]


async def renew_lease(session: AsyncSession, delivery_id: int, *, held: datetime, until: datetime) -> bool:
    """Extend a lease we still hold; False when it expired and someone else took the row."""
    statement = (
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.lease_until) == held)
        .values(lease_until=until)
    )
    return bool((await session.exec(statement)).rowcount)  # type: ignore[call-overload]


async def park_deliveries(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await (await session.connection()).execute(_PARK, {"ids": ids})


_RECORDED = ("state", "attempts", "last_status", "last_error", "delivered_at", "next_attempt_at")
_RECORD_ONE_BY_ONE = (
    update(Delivery.__table__)  # type: ignore[arg-type]
    .where(_delivery.id == bindparam("b_id"))
    .values(lease_until=None, **{n: bindparam(n, type_=_delivery[n].type) for n in _RECORDED})
)
# PostgreSQL: every outcome in one execution, each column sent as one array (an executemany
# is one Bind/Execute per row, each with its own parameter processing on both sides).
_RECORD_ARRAYS = text("""
    UPDATE delivery SET lease_until = NULL, state = u.state, attempts = u.attempts,
        last_status = u.last_status, last_error = u.last_error, delivered_at = u.delivered_at,
        next_attempt_at = u.next_attempt_at
    FROM unnest(:b_id, :state, :attempts, :last_status, :last_error, :delivered_at, :next_attempt_at)
        AS u(id, state, attempts, last_status, last_error, delivered_at, next_attempt_at)
    WHERE delivery.id = u.id
""").bindparams(
    bindparam("b_id", type_=postgresql.ARRAY(Integer)),
    *(bindparam(n, type_=postgresql.ARRAY(_delivery[n].type)) for n in _RECORDED),
)


async def record_attempts(session: AsyncSession, attempts: list[dict[str, Any]]) -> None:
    """Write attempts' outcomes, in one statement; each dict has ``b_id``, ``state``,
    ``attempts``, ``last_status``, ``last_error``, ``delivered_at``, ``next_attempt_at``; the
    lease is released."""
    if not attempts:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await connection.execute(_RECORD_ONE_BY_ONE, attempts)
        return
    columns = {name: [a[name] for a in attempts] for name in ("b_id", *_RECORDED)}
    columns["state"] = [str(state) for state in columns["state"]]
    await connection.execute(_RECORD_ARRAYS, columns)


async def next_attempt_at(session: AsyncSession, delivery_id: int) -> datetime | None:
    return (await session.exec(select(Delivery.next_attempt_at).where(Delivery.id == delivery_id))).first()


@dataclass(frozen=True, slots=True)
class HostHealth:
    """What a delivery batch reads of a host's record (``DomainHealth``)."""

    host: str
    available: bool
    failing_since: datetime | None
    consecutive_failures: int
    last_success_at: datetime | None


async def domain_healths(session: AsyncSession, hosts: set[str]) -> dict[str, HostHealth]:
    if not hosts:
        return {}
    found = await (await session.connection()).execute(_HEALTHS, {"hosts": sorted(hosts)})
    return {row.host: HostHealth(*row) for row in found}


async def insert_deliveries(
    session: AsyncSession, activity_id: int, inboxes: list[tuple[str, str]], now: datetime,
    *, due: datetime | None = None,
) -> list[int]:
    """One delivery per (inbox, host) not yet planned for this activity; returns new ids.

    ``due`` (default ``now``) is when the sweep may consider a row forgotten and queue it.
    """
    if not inboxes:
        return []
    rows = [
        {"activity_id": activity_id, "inbox": inbox, "host": host, "next_attempt_at": due or now,
         "created_at": now, "state": DeliveryState.PENDING, "attempts": 0}
        for inbox, host in inboxes
    ]
    # A Core statement executed with every row: SQLAlchemy sends it as multi-row INSERTs
    # ("insertmanyvalues") and reuses its compiled form. (Through the ORM the same statement
    # went row by row; a .values(rows) statement was compiled again for each batch.)
    table = Delivery.__table__  # type: ignore[attr-defined]
    statement = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=["activity_id", "inbox"])
        .returning(table.c.id)
    )
    result = await (await session.connection()).execute(statement, rows)
    return [int(r[0]) for r in result.all()]


async def due_inbox_items(session: AsyncSession, *, now: datetime, received_before: datetime, limit: int) -> list[int]:
    query = (
        select(InboxItem.id)
        .where(InboxItem.state == InboxState.RECEIVED, col(InboxItem.received_at) <= received_before)
        .where(or_(col(InboxItem.lease_until).is_(None), col(InboxItem.lease_until) < now))
        .order_by(col(InboxItem.id))
        .limit(limit)
    )
    return [int(i) for i in (await session.exec(query)).all() if i is not None]


async def due_fanouts(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[int, datetime | None]]:
    """(id, expired lease or None) of pending fan-outs that nobody holds."""
    query = (
        select(Fanout.id, Fanout.lease_until)
        .where(Fanout.state == FanoutState.PENDING)
        .where(or_(col(Fanout.lease_until).is_(None), col(Fanout.lease_until) < now))
        .order_by(col(Fanout.id))
        .limit(limit)
    )
    return [(int(i), lease) for i, lease in (await session.exec(query)).all()]  # type: ignore[arg-type]


async def due_deliveries(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[tuple[int, int, datetime | None]]:
    """(id, attempts, expired lease or None) of pending deliveries whose time has come and
    that nobody holds."""
    query = (
        select(Delivery.id, Delivery.attempts, Delivery.lease_until)
        .where(Delivery.state == DeliveryState.PENDING, col(Delivery.next_attempt_at) <= now)
        .where(or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now))
        .order_by(col(Delivery.next_attempt_at))
        .limit(limit)
    )
    return [(int(i), int(a), lease) for i, a, lease in (await session.exec(query)).all()]  # type: ignore[arg-type]


async def domain_health(session: AsyncSession, host: str) -> DomainHealth | None:
    return await session.get(DomainHealth, host)


async def park_host(session: AsyncSession, host: str) -> int:
    statement = (
        update(Delivery)
        .where(col(Delivery.host) == host, col(Delivery.state) == DeliveryState.PENDING)
        .values(state=DeliveryState.PARKED, lease_until=None)
    )
    return int((await session.exec(  # type: ignore[call-overload]
            statement)).rowcount)  # type: ignore[attr-defined]


async def unpark_host(session: AsyncSession, host: str, now: datetime) -> int:
    statement = (
        update(Delivery)
        .where(col(Delivery.host) == host, col(Delivery.state) == DeliveryState.PARKED)
        .values(state=DeliveryState.PENDING, next_attempt_at=now, lease_until=None)
    )
    return int((await session.exec(  # type: ignore[call-overload]
            statement)).rowcount)  # type: ignore[attr-defined]


async def unavailable_hosts_to_probe(session: AsyncSession, *, probed_before: datetime) -> list[str]:
    query = select(DomainHealth.host).where(
        DomainHealth.available == False,
        or_(col(DomainHealth.last_probe_at).is_(None), col(DomainHealth.last_probe_at) < probed_before),
    )
    return list((await session.exec(query)).all())


async def one_parked_delivery(session: AsyncSession, host: str) -> int | None:
    query = (
        select(Delivery.id)
        .where(Delivery.host == host, Delivery.state == DeliveryState.PARKED)
        .order_by(col(Delivery.id))
        .limit(1)
    )
    found = (await session.exec(query)).first()
    return int(found) if found is not None else None


async def delivery_counts(session: AsyncSession) -> dict[str, int]:
    query = select(Delivery.state, func.count()).group_by(Delivery.state)
    return {str(s): int(n) for s, n in (await session.exec(query)).all()}


async def retrying_count(session: AsyncSession) -> int:
    query = select(func.count()).select_from(Delivery).where(
        Delivery.state == DeliveryState.PENDING, Delivery.attempts > 0
    )
    return int((await session.exec(query)).one())


async def oldest_pending(session: AsyncSession) -> datetime | None:
    query = select(func.min(Delivery.created_at)).where(Delivery.state == DeliveryState.PENDING)
    value = (await session.exec(query)).one()
    if isinstance(value, datetime) and value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value if isinstance(value, datetime) else None


async def unavailable_domains(session: AsyncSession) -> list[DomainHealth]:
    query = select(DomainHealth).where(DomainHealth.available == False)
    return list((await session.exec(query.order_by(col(DomainHealth.host)))).all())


async def last_errors(session: AsyncSession, limit: int = 10) -> list[Delivery]:
    query = (
        select(Delivery)
        .where(col(Delivery.last_error).is_not(None), Delivery.state != DeliveryState.DELIVERED)
        .order_by(col(Delivery.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def inbox_counts(session: AsyncSession) -> dict[str, int]:
    query = select(InboxItem.state, func.count()).group_by(InboxItem.state)
    return {str(s): int(n) for s, n in (await session.exec(query)).all()}


async def outbox_page(
    session: AsyncSession, actor_id: int, *, before_id: int | None, limit: int,
    after_id: int | None = None,
) -> list[OutboxActivity]:
    """Public activities, newest first; ``after_id`` walks back towards the newest (prev)."""
    query = select(OutboxActivity).where(
        OutboxActivity.actor_id == actor_id, OutboxActivity.public == True
    )
    if after_id is not None:
        query = query.where(col(OutboxActivity.id) > after_id).order_by(col(OutboxActivity.id)).limit(limit)
        return list(reversed((await session.exec(query)).all()))
    if before_id is not None:
        query = query.where(col(OutboxActivity.id) < before_id)
    query = query.order_by(col(OutboxActivity.id).desc()).limit(limit)
    return list((await session.exec(query)).all())


async def count_outbox(session: AsyncSession, actor_id: int) -> int:
    query = select(func.count()).select_from(OutboxActivity).where(
        OutboxActivity.actor_id == actor_id, OutboxActivity.public == True
    )
    return int((await session.exec(query)).one())
