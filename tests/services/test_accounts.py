"""Accounts, actors and memberships, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from echofed.errors import Conflict, Invalid, NotFound
from echofed.services.accounts import (
    ActorInput,
    check_password,
    create_account,
    create_actor,
)
from federation.keys import load_private_key, load_public_key
from storage.queries.actors import actor_by_key_id, local_actor, members_of
from tests.conftest import Db


async def test_account_password_is_hashed_with_argon2(session: AsyncSession) -> None:
    account = await create_account(session, email="Lea@Example.org", password="correct horse")
    assert account.password_hash and account.password_hash.startswith("$argon2")
    assert check_password(account.password_hash, "correct horse")
    assert not check_password(account.password_hash, "wrong horse")


async def test_duplicate_email_is_refused_case_insensitively(session: AsyncSession) -> None:
    await create_account(session, email="lea@example.org", password="12345678")
    with pytest.raises(Conflict):
        await create_account(session, email="LEA@example.org", password="12345678")


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b"])
async def test_bad_email_is_refused(session: AsyncSession, email: str) -> None:
    with pytest.raises(Invalid) as caught:
        await create_account(session, email=email, password="12345678")
    assert caught.value.field == "email"


async def test_person_actor_has_working_key_pair_and_urls(db: Db, session: AsyncSession) -> None:
    await create_account(session, email="lea@example.org", password="12345678")
    actor = await create_actor(
        session, db.urls, ActorInput(username="Lea_M", name="Léa", owner_email="lea@example.org")
    )
    await session.commit()
    assert actor.username == "lea_m"
    assert actor.uri == "https://grandest.test/actors/lea_m"
    assert actor.inbox.endswith("/actors/lea_m/inbox")
    assert actor.shared_inbox == "https://grandest.test/inbox"
    assert actor.account_id is not None
    assert actor.private_key_pem and actor.public_key_pem
    private = load_private_key(actor.private_key_pem)
    public = load_public_key(actor.public_key_pem)
    assert private.public_key().public_numbers() == public.public_numbers()
    assert public.key_size == 2048
    found = await actor_by_key_id(session, "https://grandest.test/actors/lea_m#main-key")
    assert found is not None and found.id == actor.id


async def test_organisation_with_members_and_roles(db: Db, session: AsyncSession) -> None:
    await create_account(session, email="boss@example.org", password="12345678")
    await create_account(session, email="ed@example.org", password="12345678")
    org = await create_actor(
        session,
        db.urls,
        ActorInput(
            username="planetarium",
            kind="Organization",
            name="Planétarium",
            owner_email="boss@example.org",
            members=[("ed@example.org", "editor")],
        ),
    )
    await session.commit()
    assert org.id is not None
    members = await members_of(session, org.id)
    assert [(a.email, m.role) for m, a in members] == [
        ("boss@example.org", "admin"),
        ("ed@example.org", "editor"),
    ]


async def test_actor_refusals_change_nothing(db: Db, session: AsyncSession) -> None:
    with pytest.raises(Invalid):
        await create_actor(session, db.urls, ActorInput(username="bad name!"))
    with pytest.raises(Invalid):
        await create_actor(session, db.urls, ActorInput(username="inbox"))
    with pytest.raises(NotFound):
        await create_actor(
            session, db.urls, ActorInput(username="orphan", owner_email="nobody@example.org")
        )
    await create_actor(session, db.urls, ActorInput(username="taken"))
    with pytest.raises(Conflict):
        await create_actor(session, db.urls, ActorInput(username="TAKEN"))
    with pytest.raises(NotFound):
        await create_actor(
            session,
            db.urls,
            ActorInput(username="club", kind="Group", members=[("ghost@example.org", "editor")]),
        )
    await session.rollback()
    assert await local_actor(session, "taken") is None
