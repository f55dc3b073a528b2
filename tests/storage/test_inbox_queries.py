"""The inbox's batched look-up (storage.queries.inbox) answers what the readable queries
answer: recipient, instance blocks (actor, domain, parent domain; not a member's own block),
the signer's key, and whether the sender's host is marked failing — on SQLite and PostgreSQL;
asked for many POSTs at once, it gives each the answer it would get alone."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.queries.inbox import (
    InboxContext,
    InboxQuestion,
    SignerContext,
    inbox_contexts,
    signer_context,
    signer_contexts,
    store_inbox_item,
    store_inbox_items,
)
from storage.queries.moderation import instance_blocks
from storage.tables import Actor, Block, DomainHealth
from tests.conftest import Db

ALICE = "https://social.example.org/users/alice"
KEY = f"{ALICE}#main-key"


async def context(db: Db, *, recipient: str | None = None, actor: str = ALICE,
                  domains: tuple[str, ...] = ("social.example.org",), key: str = KEY,
                  host: str = "social.example.org") -> InboxContext:
    async with db.sessions() as session:
        connection = await session.connection()
        [found] = await inbox_contexts(connection, [InboxQuestion(recipient, actor, domains, key, host)])
        readable = await instance_blocks(session, actor_uris=[actor], domains=list(domains))
    assert found.blocked is (readable is not None)
    return found


async def test_signer_recipient_and_nothing_blocked(db: Db) -> None:
    async with db.sessions() as session, session.begin():
        session.add(Actor(uri=ALICE, username="alice", domain="social.example.org",
                          inbox=f"{ALICE}/inbox", public_key_id=KEY, public_key_pem="PEM"))
        session.add(Actor(uri="https://grandest.test/actors/Musee", username="Musee",
                          domain="grandest.test", inbox="https://grandest.test/actors/Musee/inbox",
                          local=True))
    found = await context(db, recipient="musee")
    assert found.recipient_id is not None
    assert (found.blocked, found.signer_uri, found.signer_key_pem, found.host_failing) == (
        False, ALICE, "PEM", False)
    unknown = await context(db, recipient="personne", key="https://other.example/k")
    assert (unknown.recipient_id, unknown.signer_uri, unknown.signer_key_pem) == (None, None, None)


async def test_blocks_cover_parent_domains_and_actors_but_not_members_own_blocks(db: Db) -> None:
    async with db.sessions() as session, session.begin():
        member = Actor(uri="https://grandest.test/actors/sam", username="sam", domain="grandest.test",
                       inbox="https://grandest.test/actors/sam/inbox", local=True)
        session.add(member)
        await session.flush()
        session.add(Block(actor_id=member.id, target_domain="social.example.org"))  # sam's own
    assert not (await context(db)).blocked
    async with db.sessions() as session, session.begin():
        session.add(Block(target_domain="example.org"))
    assert (await context(db)).blocked
    # (the inbox passes the host as sent and its bare name, see receive.block_domains)
    assert (await context(db, domains=("social.example.org:8443", "social.example.org"))).blocked
    assert not (await context(db, actor="https://other.test/u", domains=("other.test",))).blocked
    async with db.sessions() as session, session.begin():
        session.add(Block(target_uri="https://other.test/u"))
    assert (await context(db, actor="https://other.test/u", domains=("other.test",))).blocked


async def test_a_failing_or_unavailable_host_is_noticed(db: Db) -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    async with db.sessions() as session, session.begin():
        session.add(DomainHealth(host="social.example.org", last_success_at=now))
        session.add(DomainHealth(host="down.test", available=False))
        session.add(DomainHealth(host="flaky.test", failing_since=now))
    assert [(await context(db, host=h)).host_failing for h in
            ("social.example.org", "down.test", "flaky.test", "never.test")] == [False, True, True, False]


async def test_many_questions_at_once_get_the_answers_they_get_alone(db: Db) -> None:
    async with db.sessions() as session, session.begin():
        session.add(Actor(uri=ALICE, username="alice", domain="social.example.org",
                          inbox=f"{ALICE}/inbox", public_key_id=KEY, public_key_pem="PEM"))
        session.add(Actor(uri="https://grandest.test/actors/musee", username="musee",
                          domain="grandest.test", inbox="https://grandest.test/actors/musee/inbox", local=True))
        session.add(Block(target_domain="blocked.example"))
        session.add(Block(target_uri="https://other.test/troll"))
        session.add(DomainHealth(host="down.test", available=False))
    questions = [
        InboxQuestion("musee", ALICE, ("social.example.org",), KEY, "social.example.org"),
        InboxQuestion(None, ALICE, ("social.example.org",), KEY, "social.example.org"),
        InboxQuestion("personne", ALICE, ("social.example.org",), KEY, "down.test"),
        InboxQuestion(None, "https://a.blocked.example/u", ("a.blocked.example",), "https://a.blocked.example/u#k", "a.blocked.example"),
        InboxQuestion("MUSEE", "https://other.test/troll", ("other.test",), "https://other.test/troll#k", "other.test"),
        InboxQuestion(None, "https://other.test/fine", ("other.test",), KEY, "down.test"),
    ]
    async with db.sessions() as session:
        connection = await session.connection()
        together = await inbox_contexts(connection, questions)
        alone = [(await inbox_contexts(connection, [q]))[0] for q in questions]
    assert together == alone
    assert [(c.recipient_id is not None, c.blocked, c.signer_uri, c.host_failing) for c in together] == [
        (True, False, ALICE, False), (False, False, ALICE, False), (False, False, ALICE, True),
        (False, True, None, False), (True, True, None, False), (False, False, ALICE, True),
    ]


async def test_activities_stored_together_once_each(db: Db) -> None:
    def values(n: int) -> dict[str, object]:
        return {"activity_id": f"https://social.example.org/a/{n}", "type": "Like", "actor_uri": ALICE,
                "key_id": KEY, "recipient_id": None, "body": {"n": n}, "state": "received", "attempts": 0,
                "received_at": datetime(2026, 11, 29, tzinfo=UTC)}

    async with db.sessions() as session, session.begin():
        first = await store_inbox_items(await session.connection(), [values(1), values(2), values(1)])
        again = await store_inbox_items(await session.connection(), [values(2), values(3)])
    assert set(first) == {"https://social.example.org/a/1", "https://social.example.org/a/2"}
    assert list(again) == ["https://social.example.org/a/3"]


async def test_an_activity_is_stored_once(db: Db) -> None:
    values = {"activity_id": "https://social.example.org/a/1", "type": "Create", "actor_uri": ALICE,
              "key_id": KEY, "recipient_id": None, "body": {"id": "https://social.example.org/a/1", "é": 1},
              "state": "received", "attempts": 0, "received_at": datetime(2026, 11, 29, tzinfo=UTC)}
    async with db.sessions() as session, session.begin():
        first = await store_inbox_item(await session.connection(), values)
        again = await store_inbox_item(await session.connection(), values)
    assert first is not None and again is None


async def test_signer_context_for_signed_gets(db: Db) -> None:
    async with db.sessions() as session, session.begin():
        session.add(Actor(uri=ALICE, username="alice", domain="social.example.org",
                          inbox=f"{ALICE}/inbox", public_key_id=KEY, public_key_pem="PEM"))

    async def lookup(key: str = KEY, domains: tuple[str, ...] = ("social.example.org",)) -> SignerContext:
        async with db.sessions() as session:
            return await signer_context(await session.connection(), key_id=key, domains=list(domains))

    assert await lookup() == SignerContext(False, ALICE, "PEM")
    assert await lookup("https://nobody.test/k", ("nobody.test",)) == SignerContext(False, None, None)
    async with db.sessions() as session, session.begin():
        session.add(Block(target_uri=ALICE))  # the actor owning the key, not its domain
    assert (await lookup()).blocked
    assert not (await lookup("https://nobody.test/k", ("nobody.test",))).blocked
    async with db.sessions() as session, session.begin():
        session.add(Block(target_domain="nobody.test"))
    assert (await lookup("https://nobody.test/k", ("nobody.test",))).blocked

    # Many signed GETs share one statement: the same answers as one at a time, in order.
    questions = [(KEY, ["social.example.org"]), ("https://nobody.test/k", ["nobody.test"]),
                 ("https://free.test/k", ["free.test"]), (KEY, ["social.example.org"])]
    async with db.sessions() as session:
        together = await signer_contexts(await session.connection(), questions)
    assert together == [await lookup(key, tuple(domains)) for key, domains in questions]
    assert [c.blocked for c in together] == [True, True, False, True]
