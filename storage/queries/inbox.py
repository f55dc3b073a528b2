"""The signature checks' hot path. For the inbox, the POSTs that arrive together are answered
together: everything they need to know before they are accepted (their recipients, instance
blocks, the signers' keys, the sender hosts' health) in four statements, then one INSERT that
stores the activities once each by id. For a signed GET (authorized fetch), one SELECT: the
signer's key and whether it or its domain is blocked.

Both are SQLAlchemy Core statements built once, run on a connection: the ORM's per-query work
(building the statement, loading objects) cost several times the database round trip on this
path. ``storage.queries.moderation.instance_blocks`` and ``actor_by_key_id`` remain the readable
versions for the rest of the code; this module must answer the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, false, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.lists import in_list
from storage.tables import Actor, Block, DomainHealth, InboxItem

_actor = Actor.__table__.c  # type: ignore[attr-defined]
_block = Block.__table__.c  # type: ignore[attr-defined]
_health = DomainHealth.__table__.c  # type: ignore[attr-defined]
_items = InboxItem.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class InboxContext:
    recipient_id: int | None  # None also when no recipient was named (the shared inbox)
    blocked: bool
    signer_uri: str | None  # the actor whose key is ``key_id``, if stored
    signer_key_pem: str | None
    host_failing: bool  # the sender's host is marked failing or unavailable: it answered now
    signer_fetched_at: datetime | None = None  # when the signer's document was last fetched


def _signer(column: Any) -> Any:
    return select(column).where(_actor.public_key_id == bindparam("key_id")).limit(1).scalar_subquery()


@dataclass(frozen=True, slots=True)
class SignerContext:
    blocked: bool  # the key's domain, or the actor owning the key, is blocked instance-wide
    signer_uri: str | None
    signer_key_pem: str | None


_SIGNER = select(
    select(literal(1)).where(
        _block.actor_id.is_(None),
        or_(_block.target_uri == _signer(_actor.uri),
            in_list(_block.target_domain, "domains")),
    ).limit(1).scalar_subquery().label("blocked"),
    _signer(_actor.uri).label("signer_uri"),
    _signer(_actor.public_key_pem).label("signer_key_pem"),
)


async def signer_context(connection: AsyncConnection, *, key_id: str, domains: list[str]) -> SignerContext:
    row = (await connection.execute(_SIGNER, {"key_id": key_id, "domains": domain_candidates(domains)})).one()
    return SignerContext(row.blocked is not None, row.signer_uri, row.signer_key_pem)


def domain_candidates(domains: list[str]) -> list[str]:
    """Each domain and its parent domains: a block of ``example.org`` covers ``a.example.org``."""
    candidates: set[str] = set()
    for domain in domains:
        parts = domain.lower().split(".")
        candidates.update(".".join(parts[i:]) for i in range(len(parts) - 1))
        candidates.add(domain.lower())
    return sorted(candidates)


@dataclass(frozen=True, slots=True)
class InboxQuestion:
    """What one POST needs to know: to whom (None: the shared inbox), from whom, the domains a
    block would name (the actor's and the key's, see ``receive.block_domains``), the key, the
    sender's host."""

    recipient: str | None
    actor_uri: str
    domains: tuple[str, ...]
    key_id: str
    host: str


_RECIPIENTS = select(func.lower(_actor.username), _actor.id).where(
    _actor.local == True,
    in_list(func.lower(_actor.username), "names"),
    _actor.deleted_at.is_(None),
)
_SIGNERS = select(_actor.public_key_id, _actor.uri, _actor.public_key_pem, _actor.fetched_at).where(
    in_list(_actor.public_key_id, "key_ids")
).order_by(_actor.id)
_BLOCKS = select(_block.target_uri, _block.target_domain).where(
    _block.actor_id.is_(None),
    or_(in_list(_block.target_uri, "uris"),
        in_list(_block.target_domain, "domains")),
)
_FAILING = select(_health.host).where(
    in_list(_health.host, "hosts"),
    or_(_health.available == false(), _health.failing_since.is_not(None)),
)


async def inbox_contexts(connection: AsyncConnection, questions: list[InboxQuestion]) -> list[InboxContext]:
    """The answers for many POSTs at once, in their order: four statements whatever their
    number (recipients, signers' keys, instance blocks, failing hosts)."""
    names = sorted({q.recipient.lower() for q in questions if q.recipient is not None})
    key_ids = sorted({q.key_id for q in questions})
    uris = sorted({q.actor_uri for q in questions})
    candidates = [domain_candidates(list(q.domains)) for q in questions]
    domains = sorted({d for found in candidates for d in found})
    hosts = sorted({q.host for q in questions})
    recipients: dict[str, int] = {}
    if names:
        recipients = {str(n): int(i) for n, i in await connection.execute(_RECIPIENTS, {"names": names})}
    signers: dict[str, tuple[str, str | None, datetime | None]] = {}
    for key_id, uri, pem, fetched_at in await connection.execute(_SIGNERS, {"key_ids": key_ids}):
        signers.setdefault(key_id, (uri, pem, fetched_at))
    blocked_uris: set[str] = set()
    blocked_domains: set[str] = set()
    for uri, domain in await connection.execute(_BLOCKS, {"uris": uris, "domains": domains}):
        if uri is not None:
            blocked_uris.add(uri)
        if domain is not None:
            blocked_domains.add(domain)
    failing = {str(h) for (h,) in await connection.execute(_FAILING, {"hosts": hosts})}
    answers = []
    for q, q_domains in zip(questions, candidates, strict=True):
        signer_uri, signer_key_pem, fetched_at = signers.get(q.key_id, (None, None, None))
        answers.append(InboxContext(
            recipient_id=recipients.get(q.recipient.lower()) if q.recipient is not None else None,
            blocked=q.actor_uri in blocked_uris
            or not blocked_domains.isdisjoint(q_domains),
            signer_uri=signer_uri,
            signer_key_pem=signer_key_pem,
            host_failing=q.host in failing,
            signer_fetched_at=fetched_at,
        ))
    return answers


_COLUMNS = ("activity_id", "type", "actor_uri", "key_id", "recipient_id", "body", "state",
            "attempts", "received_at")
_MANY = {
    name: insert(_items)
    .values({column: bindparam(column, type_=_items.c[column].type) for column in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["activity_id"])
    .returning(_items.c.id, _items.c.activity_id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


async def store_inbox_items(connection: AsyncConnection, items: list[dict[str, Any]]) -> dict[str, int]:
    """Store received activities once each, in one statement (SQLAlchemy sends an executemany
    with RETURNING as multi-row INSERTs); returns the new rows' ids by activity id. An id
    already recorded, or repeated in ``items``, is stored once and the first one wins."""
    first: dict[str, dict[str, Any]] = {}
    for values in items:
        first.setdefault(values["activity_id"], values)
    if not first:
        return {}
    result = await connection.execute(_MANY[connection.dialect.name], list(first.values()))
    return {str(activity_id): int(item_id) for item_id, activity_id in result.all()}


async def store_inbox_item(connection: AsyncConnection, values: dict[str, Any]) -> int | None:
    """Store a received activity once; None when its id was already recorded."""
    return (await store_inbox_items(connection, [values])).get(values["activity_id"])
