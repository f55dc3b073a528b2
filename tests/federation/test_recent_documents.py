"""Recently rendered public documents (federation.cache): served from memory for a few seconds,
bounded, and never a way around authorized fetch (see test_actor_documents)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from federation.cache import RecentDocuments, Rendered
from tests.conftest import Db
from tests.federation.served_app import add_actor, make_client

AS_JSON = "application/activity+json"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rendered(n: int) -> Rendered:
    return Rendered.of_json({"n": n, "é": "à"}, "application/json")


def test_entries_expire_after_their_lifetime() -> None:
    clock = Clock()
    documents = RecentDocuments(5.0, clock=clock)
    documents.put("a", rendered(1))
    documents.put("nodeinfo", rendered(2), ttl=60.0)
    clock.now += 4.9
    assert documents.get("a") == rendered(1)
    clock.now += 0.2
    assert documents.get("a") is None
    assert documents.get("nodeinfo") == rendered(2)
    clock.now += 60
    assert documents.get("nodeinfo") is None
    assert len(documents) == 0


def test_the_store_is_bounded_and_forgets_the_oldest() -> None:
    documents = RecentDocuments(5.0, max_entries=3, clock=Clock())
    for n in range(10):
        documents.put(n, rendered(n))
    assert len(documents) == 3
    assert [documents.get(n) for n in (6, 7, 8, 9)] == [None, rendered(7), rendered(8), rendered(9)]
    documents.forget(lambda key: key == 8)
    assert documents.get(8) is None and documents.get(9) == rendered(9)
    documents.forget()
    assert len(documents) == 0


def test_a_zero_lifetime_turns_it_off() -> None:
    documents = RecentDocuments(0)
    documents.put("a", rendered(1))
    assert documents.get("a") is None and len(documents) == 0


def test_the_body_is_compact_utf8_json() -> None:
    response = rendered(1).response()
    assert response.body == '{"n":1,"é":"à"}'.encode()
    assert response.headers["content-type"] == "application/json"


@pytest.fixture
def client(db: Db) -> Iterator[TestClient]:
    with make_client(db) as test_client:
        yield test_client


async def test_hot_documents_are_served_without_the_database(db: Db, client: TestClient) -> None:
    await add_actor(db, "planetarium")
    statements: list[str] = []
    engine: Any = client.app.state.runtime.engine.sync_engine  # type: ignore[attr-defined]

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    paths = ("/actors/planetarium", "/actor", "/actors/planetarium/outbox?page=1",
             "/.well-known/webfinger?resource=acct:planetarium@grandest.test", "/nodeinfo/2.1")
    first = {path: client.get(path, headers={"Accept": AS_JSON}) for path in paths}
    event.listen(engine, "before_cursor_execute", record)
    try:
        for path in paths:
            again = client.get(path, headers={"Accept": AS_JSON})
            assert again.status_code == 200, path
            assert again.content == first[path].content, path
            assert again.headers["content-type"] == first[path].headers["content-type"], path
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []
    # An unknown actor is never kept: it may be created the next second.
    assert client.get("/actors/nobody", headers={"Accept": AS_JSON}).status_code == 404
    await add_actor(db, "nobody")
    assert client.get("/actors/nobody", headers={"Accept": AS_JSON}).status_code == 200
