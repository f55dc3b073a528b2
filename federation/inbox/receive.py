"""``POST /inbox`` and ``POST /actors/{name}/inbox``.

size and content-type limits → JSON → envelope → blocks (before any fetch) → signature
structure, Date and Digest → signer's key (cached; fetched through the safe client; refetched
once on failure, for key rotation) → signer is the activity's actor (or the activity is
re-fetched from its origin when forwarded) → the object comes from the actor's host → stored
once by activity id → 202 → a job runs the handler.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from federation import signatures
from federation.actors import ActorUnavailable, instance_signer, key_owner_document, store_key_owner
from federation.batching import Batcher, shared
from federation.client import FetchError
from federation.context import Federation
from federation.delivery import enqueue_all, host_answered
from federation.fetch import fetch_object
from federation.vocab.activities import ActivityData, InvalidActivity, host_of, parse_activity
from federation.vocab.jsonld import id_of
from federation.vocab.jsontext import UnstorableJSON, load_json
from storage.columns import utcnow
from storage.queries.actors import actor_by_key_id, actor_by_uri, local_actor
from storage.queries.federation import domain_health, insert_inbox_item
from storage.queries.inbox import InboxContext, InboxQuestion, inbox_contexts, store_inbox_items
from storage.queries.moderation import instance_blocks
from storage.tables import Actor

log = logging.getLogger(__name__)
ACCEPTED_TYPES = ("application/activity+json", "application/ld+json", "application/json")
# Activities whose object must live on the sender's own host.
ORIGIN_BOUND = frozenset({"Create", "Update", "Delete"})
REFETCH_INTERVAL = timedelta(minutes=1)


class Refused(Exception):
    def __init__(self, status: int, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail or message


def _refuse(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise Refused(413, "body too large")
        except ValueError:
            raise Refused(400, "bad Content-Length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def block_domains(uri: str) -> list[str]:
    """The host as sent (port included) and the bare host name: a block of a domain covers
    every port of it, and ``https://host:443/…`` must not slip past a block of ``host``."""
    parts = urlsplit(uri)
    names = {parts.netloc.lower(), (parts.hostname or "").rstrip(".").lower()}
    return sorted(name for name in names if name)


def _raw_target(request: Request) -> str:
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    query = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def check_origin(activity: ActivityData) -> None:
    """Create/Update/Delete may only touch objects on the sender's own host."""
    if activity.type not in ORIGIN_BOUND:
        return
    object_id = activity.object_id
    if not object_id:
        raise Refused(400, f"{activity.type} without an object id")
    if host_of(object_id) != activity.actor_host:
        raise Refused(403, "the object is not on the sender's host")
    if activity.object is not None:
        attributed = id_of(activity.object.get("attributedTo"))
        if isinstance(activity.object.get("attributedTo"), list):
            attributed = id_of(activity.object["attributedTo"][0]) if activity.object["attributedTo"] else None
        if attributed and host_of(attributed) != activity.actor_host:
            raise Refused(403, "the object is attributed to another host")


def _inspect(fed: Federation, request: Request, body: bytes) -> signatures.SignatureRequest:
    """The signature's structure, Date and Digest (no key needed yet)."""
    try:
        return signatures.inspect_request(
            request.method,
            _raw_target(request),
            dict(request.headers),
            body,
            now=fed.clock(),
            max_past=fed.config.signature_max_age,
            max_future=fed.config.signature_max_future,
            scheme=request.url.scheme,
        )
    except signatures.SignatureError as exc:
        raise Refused(401, exc.public_message, getattr(exc, "detail", "")) from None


def verifies(parsed: signatures.SignatureRequest, key_pem: str | None) -> bool:
    if not key_pem:
        return False
    try:
        signatures.verify_signature(parsed, key_pem)
    except signatures.SignatureError:
        return False
    return True


def fetched_lately(fetched_at: datetime | None, now: datetime) -> bool:
    """Whether a key was fetched too recently to be refetched for a signature that fails."""
    return fetched_at is not None and fetched_at >= now - REFETCH_INTERVAL


async def _refetch_forwarded(
    fed: Federation, session: AsyncSession, activity: ActivityData
) -> ActivityData:
    """A forwarded activity is trusted only as re-fetched from its own origin."""
    if host_of(activity.id) != activity.actor_host:
        raise Refused(401, "signer is not the activity's actor")
    try:
        document = await fetch_object(fed.client, activity.id, await instance_signer(fed, session))
        fetched = parse_activity(document)
    except (FetchError, InvalidActivity, ActorUnavailable) as exc:
        raise Refused(401, "signer is not the activity's actor", repr(exc)) from None
    if fetched.id != activity.id or fetched.actor != activity.actor:
        raise Refused(401, "forwarded activity does not match its origin")
    return fetched


async def _accept(
    fed: Federation, session: AsyncSession, activity: ActivityData, signer: Actor
) -> ActivityData:
    """The signer must be the activity's actor (else it is re-fetched); then the origin check."""
    if signer.uri != activity.actor:
        activity = await _refetch_forwarded(fed, session, activity)
    check_origin(activity)
    return activity


def _item_values(activity: ActivityData, key_id: str, recipient_id: int | None) -> dict[str, Any]:
    return {
        "activity_id": activity.id,
        "type": activity.type[:40],
        "actor_uri": activity.actor,
        "key_id": key_id[:600],
        "recipient_id": recipient_id,
        "body": activity.raw,
        "state": "received",
        "attempts": 0,
        "received_at": utcnow(),
    }


async def _store(
    session: AsyncSession, activity: ActivityData, key_id: str, recipient_id: int | None,
    *, commit: bool,
) -> tuple[int | None, bool]:
    """The row, once by activity id (None for a duplicate), and whether the sender's host is
    marked failing (then ``host_answered`` revives it; most hosts are healthy, so look first)."""
    item_id = await insert_inbox_item(session, _item_values(activity, key_id, recipient_id))
    if commit:
        await session.commit()
    health = await domain_health(session, activity.actor_host)
    return item_id, health is not None and (not health.available or health.failing_since is not None)


@dataclass(frozen=True, slots=True, eq=False)
class _Known:
    """One POST on the common path, waiting for its batch."""

    activity: ActivityData
    parsed: signatures.SignatureRequest
    question: InboxQuestion
    text: str  # the body as received, stored as is


async def _store_known(
    fed: Federation, activity: ActivityData, parsed: signatures.SignatureRequest, recipient: str | None,
    body: bytes,
) -> tuple[int | None, bool] | _KeyToFetch | None:
    """The common case: a known signer, who is the activity's actor, whose stored key verifies.
    The POSTs arriving at the same moment are looked up, checked, stored and queued together
    (see :func:`_store_batch`). Refusals are raised here too; None sends anything else (an
    unknown or rotated key, a forwarded activity) to :func:`_careful`, which may fetch from the
    network."""
    domains = tuple(sorted(set(block_domains(activity.actor)) | set(block_domains(parsed.key_id))))
    question = InboxQuestion(recipient, activity.actor, domains, parsed.key_id, activity.actor_host)
    batcher = shared(fed, "inbox", lambda: Batcher(
        lambda batch: _store_batch(fed, batch), key=id, max_size=WRITE_BATCH, parallel=WRITE_PARALLEL,
    ))
    answer = await batcher.submit(_Known(activity, parsed, question, body.decode("utf-8")))
    if isinstance(answer, Refused):
        raise answer
    return answer  # type: ignore[no-any-return]


WRITE_BATCH = 128
# One batch under way per process: what arrives meanwhile makes the next one. Each batch costs
# three round trips (look-ups, INSERT, Redis) whatever its size; with more under way at once
# the batches were smaller (2,000 POSTs/s: 7–8 per batch with 2 or 4 under way, 15 with one)
# and CPU per request higher (0.63–0.71 ms instead of 0.56, bench/README.md).
WRITE_PARALLEL = 1


@dataclass(frozen=True, slots=True)
class _KeyToFetch:
    """A batch's answer for a POST whose signer's key must be fetched first: unknown, or
    stored (``owner``) but failing and old enough to have rotated. The batch has checked the
    rest (recipient, blocks)."""

    owner: str | None
    recipient_id: int | None


async def _store_batch(fed: Federation, batch: list[_Known]) -> dict[int, Any]:
    """Look up what the POSTs need (one statement), check each one, store the accepted ones
    in one autocommit INSERT and queue a job for each new row (one Redis round trip). Each POST
    gets a refusal, a ``_KeyToFetch``, None (the careful path) or (its row id or None for a
    duplicate, whether its host must be revived); its sender gets 202 only after its row is
    stored and queued (a lost job is found again by the sweep)."""
    answers: dict[int, Any] = {}
    accepted: list[tuple[_Known, InboxContext, dict[str, Any]]] = []
    now = fed.clock()
    async with fed.sessions() as session:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        contexts = await inbox_contexts(connection, [known.question for known in batch])
        for known, context in zip(batch, contexts, strict=True):
            try:
                if known.question.recipient is not None and context.recipient_id is None:
                    raise Refused(404, "no such actor")
                if context.blocked:
                    raise Refused(403, "actor or domain blocked")
                if context.signer_uri is None:  # an unknown key: fetch it, then store
                    answers[id(known)] = _KeyToFetch(None, context.recipient_id)
                    continue
                if context.signer_uri != known.activity.actor:
                    answers[id(known)] = None  # forwarded: the careful path
                    continue
                if not verifies(known.parsed, context.signer_key_pem):
                    if fetched_lately(context.signer_fetched_at, now):
                        # As _careful would decide, without a second look-up: a key
                        # fetched a moment ago is not refetched for a forged request.
                        raise Refused(401, "signature does not verify")
                    # The key may have rotated: refetch it, once.
                    answers[id(known)] = _KeyToFetch(context.signer_uri, context.recipient_id)
                    continue
                check_origin(known.activity)
            except Refused as refused:
                answers[id(known)] = refused
                continue
            values = _item_values(known.activity, known.parsed.key_id, context.recipient_id)
            values["text"] = known.text
            accepted.append((known, context, values))
        stored = await store_inbox_items(connection, [values for _, _, values in accepted])
    await enqueue_all(fed, "process_inbox", [(i, f"inbox:{i}") for i in sorted(stored.values())], fresh=True)
    for known, context, values in accepted:
        answers[id(known)] = (stored.get(values["activity_id"]), context.host_failing)
    return answers


async def _careful(
    fed: Federation, request: Request, body: bytes, activity: ActivityData, recipient: str | None,
) -> tuple[ActivityData, int | None, bool] | None:
    """Every step in order, fetching the signer's key (or the forwarded activity) when needed.
    None when the signer is the activity's actor and its key, fetched just now, verifies: the
    request is then stored by the next batch, as if the key had been known."""
    async with fed.sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        recipient_actor = None
        if recipient is not None:
            recipient_actor = await local_actor(session, recipient)
            if recipient_actor is None:
                raise Refused(404, "no such actor")
        recipient_id = recipient_actor.id if recipient_actor else None
        actor_domains = block_domains(activity.actor)
        blocked = await instance_blocks(session, actor_uris=[activity.actor], domains=actor_domains)
        if blocked is not None:
            raise Refused(403, "actor or domain blocked")
        if (activity.type == "Delete" and activity.object_id == activity.actor
                and await actor_by_uri(session, activity.actor) is None):
            # An account we never knew was deleted: nothing to do, and its key is gone,
            # so acknowledge it as Mastodon does instead of letting it retry for days.
            return activity, None, False
        parsed = _inspect(fed, request, body)
        key_domains = block_domains(parsed.key_id)
        if (not set(key_domains) <= set(actor_domains)  # those were checked just above
                and await instance_blocks(session, actor_uris=[], domains=key_domains) is not None):
            raise Refused(403, "domain blocked")
        signer = await actor_by_key_id(session, parsed.key_id)
        known = signer is not None and verifies(parsed, signer.public_key_pem)
        if known:  # a known signer whose stored key verifies, for another actor (forwarded)
            assert signer is not None
            activity = await _accept(fed, session, activity, signer)
            item_id, revive_host = await _store(session, activity, parsed.key_id, recipient_id, commit=False)
            return activity, item_id, revive_host
        if signer is not None and fetched_lately(signer.fetched_at, fed.clock()):
            # Fetched a moment ago: refetching cannot help, and forged requests must not make
            # us hammer the host they name.
            raise Refused(401, "signature does not verify")
    return await _fetch_key(fed, parsed, activity, _KeyToFetch(signer.uri if signer else None, recipient_id))


async def _fetch_key(
    fed: Federation, parsed: signatures.SignatureRequest, activity: ActivityData, wanted: _KeyToFetch,
) -> tuple[ActivityData, int | None, bool] | None:
    """Fetch (or refetch, once) the owner of an unknown or rotated key with no database
    connection held while the remote host answers, then check and store it in a transaction
    of its own. None when it is the activity's actor: the request then goes to the next batch
    as if its key had been known; else (a forwarded activity) the activity is stored here."""
    async with fed.sessions() as session:  # no connection taken once the signer is cached
        fetching_as = await instance_signer(fed, session)
    try:
        document = await key_owner_document(fed, fetching_as, parsed.key_id, wanted.owner)
        async with fed.sessions() as session:
            signer = await store_key_owner(fed, session, parsed.key_id, document)
            if not verifies(parsed, signer.public_key_pem):
                raise Refused(401, "signature does not verify")
            if signer.uri == activity.actor:
                check_origin(activity)  # refused: the actor is not kept either
                await session.commit()
                return None
            activity = await _accept(fed, session, activity, signer)
            await session.commit()  # keeps a freshly fetched actor even if a duplicate
            item_id, revive_host = await _store(
                session, activity, parsed.key_id, wanted.recipient_id, commit=True
            )
    except ActorUnavailable as exc:
        if wanted.owner is not None:  # a stored key that does not verify, and no better one
            raise Refused(401, "signature does not verify", repr(exc)) from None
        raise Refused(401, f"signing key unavailable: {exc.public_message}") from None
    return activity, item_id, revive_host


async def receive(fed: Federation, request: Request, recipient: str | None) -> Response:
    """Verify and record one incoming activity; the handler runs later as a job."""
    try:
        return await _receive(fed, request, recipient)
    except Refused as refused:
        log.info(
            "inbox refused",
            extra={"status": refused.status, "reason": refused.message, "detail": refused.detail},
        )
        return _refuse(refused.status, refused.message)


async def _receive(fed: Federation, request: Request, recipient: str | None) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise Refused(415, "expected application/activity+json")
    body = await _read_body(request, fed.config.max_inbox_bytes)
    try:
        document: Any = load_json(body)
    except UnstorableJSON as exc:
        raise Refused(400, str(exc)) from None
    except (ValueError, RecursionError):  # not UTF-8, not JSON, absurdly nested
        raise Refused(400, "malformed JSON") from None
    try:
        activity = parse_activity(document)
    except InvalidActivity as exc:
        raise Refused(400, exc.public_message) from None

    parsed: signatures.SignatureRequest | None = None
    if not (activity.type == "Delete" and activity.object_id == activity.actor):
        try:
            parsed = _inspect(fed, request, body)
        except Refused:
            parsed = None  # the careful path below answers (a block comes before a bad signature)
    stored = None if parsed is None else await _store_known(fed, activity, parsed, recipient, body)
    if stored is None or isinstance(stored, _KeyToFetch):
        if stored is None:
            careful = await _careful(fed, request, body, activity, recipient)
        else:
            assert parsed is not None
            careful = await _fetch_key(fed, parsed, activity, stored)
        if careful is None:  # the signer's key is stored now
            assert parsed is not None
            stored = await _store_known(fed, activity, parsed, recipient, body)
            if not isinstance(stored, tuple):  # its key changed again meanwhile: try later
                raise Refused(401, "signature does not verify")
            item_id, revive_host = stored
        else:
            activity, item_id, revive_host = careful
            if item_id is not None:
                await fed.scheduler.enqueue("process_inbox", item_id, key=f"inbox:{item_id}")
    else:
        item_id, revive_host = stored  # stored and queued together with concurrent requests
    if revive_host:
        await host_answered(fed, activity.actor_host)
    return Response(status_code=202)
