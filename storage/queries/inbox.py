"""The signature checks' hot path. For the inbox, the POSTs that arrive together are answered
together: everything they need to know before they are accepted (their recipients, instance
blocks, the signers' keys, the sender hosts' health) in one statement, then one INSERT that
stores the activities once each by id. The signed GETs (authorized fetch) arriving together
ask the same statement about their keys alone: the signers' keys and whether they or their
domains are blocked.

Both are SQLAlchemy Core statements built once, run on a connection: the ORM's per-query work
(building the statement, loading objects) cost several times the database round trip on this
path. ``storage.queries.moderation.instance_blocks`` and ``actor_by_key_id`` remain the readable
versions for the rest of the code; this module must answer the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    bindparam,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
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
    signer_blocked: bool = False  # the actor owning the key is blocked instance-wide


@dataclass(frozen=True, slots=True)
class SignerContext:
    blocked: bool  # the key's domain, or the actor owning the key, is blocked instance-wide
    signer_uri: str | None
    signer_key_pem: str | None


async def signer_contexts(
    connection: AsyncConnection, questions: list[tuple[str, list[str]]]
) -> list[SignerContext]:
    """For each (key id, the domains a block would name), in order: the inbox's statement,
    asked about keys alone."""
    found = await inbox_contexts(
        connection, [InboxQuestion(None, None, tuple(domains), key_id, None) for key_id, domains in questions]
    )
    return [SignerContext(c.blocked or c.signer_blocked, c.signer_uri, c.signer_key_pem) for c in found]


async def signer_context(connection: AsyncConnection, *, key_id: str, domains: list[str]) -> SignerContext:
    return (await signer_contexts(connection, [(key_id, domains)]))[0]


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
    sender's host. A signed GET asks about its key alone (no actor, no host)."""

    recipient: str | None
    actor_uri: str | None
    domains: tuple[str, ...]
    key_id: str
    host: str | None


# Everything a batch needs in one statement (one round trip): each branch tags its rows with
# a kind, and every branch has the columns of the first one (its types decide the results').
_KIND = _actor.public_key_id.type
_LOOKUPS = union_all(
    select(literal_column("'k'", _KIND).label("kind"), _actor.public_key_id.label("name"),
           _actor.uri.label("value"), _actor.public_key_pem.label("pem"),
           _actor.fetched_at.label("fetched_at"), _actor.id.label("row_id"))
    .where(in_list(_actor.public_key_id, "key_ids")),
    select(literal_column("'r'", _KIND), func.lower(_actor.username), null(), null(), null(), _actor.id)
    .where(_actor.local == True, in_list(func.lower(_actor.username), "names"),
           _actor.deleted_at.is_(None)),
    select(literal_column("'b'", _KIND), _block.target_uri, _block.target_domain, null(), null(), null())
    .where(_block.actor_id.is_(None),
           or_(in_list(_block.target_uri, "uris"), in_list(_block.target_domain, "domains"),
               _block.target_uri.in_(select(_actor.uri).where(in_list(_actor.public_key_id, "key_ids"))))),
    select(literal_column("'f'", _KIND), _health.host, null(), null(), null(), null())
    .where(in_list(_health.host, "hosts"),
           or_(_health.available == false(), _health.failing_since.is_not(None))),
).order_by(literal_column("kind"), literal_column("row_id"))


async def inbox_contexts(connection: AsyncConnection, questions: list[InboxQuestion]) -> list[InboxContext]:
    """The answers for many POSTs at once, in their order, from one statement whatever their
    number (signers' keys, recipients, instance blocks of the actors, of the keys' owners and
    of the domains, failing hosts)."""
    candidates = [domain_candidates(list(q.domains)) for q in questions]
    lists = {
        "key_ids": sorted({q.key_id for q in questions}),
        "names": sorted({q.recipient.lower() for q in questions if q.recipient is not None}),
        "uris": sorted({q.actor_uri for q in questions if q.actor_uri is not None}),
        "domains": sorted({d for found in candidates for d in found}),
        "hosts": sorted({q.host for q in questions if q.host is not None}),
    }
    signers: dict[str, tuple[str, str | None, datetime | None]] = {}
    recipients: dict[str, int] = {}
    blocked_uris: set[str] = set()
    blocked_domains: set[str] = set()
    failing: set[str] = set()
    for kind, name, value, pem, fetched_at, row_id in await connection.execute(_LOOKUPS, lists):
        if kind == "k":  # by row id: with two rows for one key (never expected), the first wins
            signers.setdefault(name, (value, pem, fetched_at))
        elif kind == "r":
            recipients[name] = int(row_id)
        elif kind == "b":
            if name is not None:
                blocked_uris.add(name)
            if value is not None:
                blocked_domains.add(value)
        else:
            failing.add(name)
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
            signer_blocked=signer_uri in blocked_uris,
        ))
    return answers


_COLUMNS = ("activity_id", "type", "actor_uri", "key_id", "recipient_id", "body", "state",
            "attempts", "received_at")
# SQLite: an executemany, which SQLAlchemy sends as multi-row INSERTs (in process: cheap).
_MANY = sqlite.insert(_items).values(
    {column: bindparam(column, type_=_items.c[column].type) for column in _COLUMNS}
).on_conflict_do_nothing(index_elements=["activity_id"]).returning(_items.c.id, _items.c.activity_id)
# PostgreSQL: one execution whatever the number of rows, each column sent as one array, the
# bodies as JSON text (one SQL text, prepared once; no parameter work per row and column).
_ARRAYS = text("""
    INSERT INTO inbox_item (activity_id, type, actor_uri, key_id, recipient_id, body, state,
                            attempts, received_at)
    SELECT u.activity_id, u.type, u.actor_uri, u.key_id, u.recipient_id, u.body::jsonb, u.state,
           u.attempts, u.received_at
    FROM unnest(:activity_id, :type, :actor_uri, :key_id, :recipient_id, :body, :state,
                :attempts, :received_at)
         AS u(activity_id, type, actor_uri, key_id, recipient_id, body, state, attempts, received_at)
    ON CONFLICT (activity_id) DO NOTHING
    RETURNING id, activity_id
""").bindparams(*(
    bindparam(c, type_=postgresql.ARRAY(String() if c == "body" else _items.c[c].type)) for c in _COLUMNS
))


async def store_inbox_items(connection: AsyncConnection, items: list[dict[str, Any]]) -> dict[str, int]:
    """Store received activities once each, in one statement; returns the new rows' ids by
    activity id. An id already recorded, or repeated in ``items``, is stored once and the
    first one wins. Each item has the ``inbox_item`` columns; ``text``, when given, is
    ``body`` as received (read by ``federation.vocab.jsontext.load_json``, so PostgreSQL takes it)."""
    first: dict[str, dict[str, Any]] = {}
    for values in items:
        first.setdefault(values["activity_id"], values)
    if not first:
        return {}
    if connection.dialect.name == "postgresql":
        columns = {c: [v[c] for v in first.values()] for c in _COLUMNS if c != "body"}
        columns["body"] = [v.get("text") or json.dumps(v["body"], ensure_ascii=False) for v in first.values()]
        result = await connection.execute(_ARRAYS, columns)
    else:
        result = await connection.execute(_MANY, [{c: v[c] for c in _COLUMNS} for v in first.values()])
    return {str(activity_id): int(item_id) for item_id, activity_id in result.all()}


async def store_inbox_item(connection: AsyncConnection, values: dict[str, Any]) -> int | None:
    """Store a received activity once; None when its id was already recorded."""
    return (await store_inbox_items(connection, [values])).get(values["activity_id"])
