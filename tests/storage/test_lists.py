"""``storage.lists.in_list``: a whole list bound as one parameter, on both databases, against
the ``actor`` table: the rows ``IN (…)`` would give, for any length and any characters, with one
SQL text whatever the length (the reason it exists)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from echofed.services.accounts import ActorInput, create_actor
from storage.lists import in_list
from storage.tables import Actor
from tests.conftest import Db

NAMES = ["Ana", "O'Brien", "Élodie", "Zoë", 'x"y']

_actor = Actor.__table__.c  # type: ignore[attr-defined]
BY_NAME = select(_actor.name).where(in_list(_actor.name, "names")).order_by(_actor.name)
BY_ID = select(_actor.name).where(in_list(_actor.id, "ids", "int")).order_by(_actor.name)


async def test_rows_whose_value_is_in_the_list(db: Db) -> None:
    ids: dict[str, int] = {}
    async with db.sessions() as session, session.begin():
        for n, name in enumerate(NAMES):
            actor = await create_actor(session, db.urls, ActorInput(username=f"u{n}", name=name))
            assert actor.id is not None
            ids[name] = actor.id
    async with db.engine.connect() as connection:

        async def names(statement: Any, **values: Any) -> list[str]:
            return list((await connection.execute(statement, values)).scalars())

        assert await names(BY_NAME, names=[]) == []
        assert await names(BY_NAME, names=["nobody"]) == []
        assert await names(BY_NAME, names=["O'Brien"]) == ["O'Brien"]
        assert await names(BY_NAME, names=[*NAMES, "nobody"]) == sorted(NAMES)
        assert await names(BY_NAME, names=["Zoë", "Zoë", 'x"y']) == sorted(["Zoë", 'x"y'])
        assert await names(BY_ID, ids=[ids["Ana"], ids["Élodie"], 999_999]) == ["Ana", "Élodie"]
        assert await names(BY_ID, ids=list(ids.values())) == sorted(NAMES)


async def test_one_parameter_whatever_the_length(db: Db) -> None:
    # An expanding IN would be rendered with one placeholder per value at each execution.
    compiled = BY_NAME.compile(db.engine)
    assert list(compiled.params) == ["names"]
    assert "POSTCOMPILE" not in str(compiled)
    assert ("= ANY(" if db.dialect == "postgresql" else "IN (SELECT value FROM json_each(") in str(compiled)
