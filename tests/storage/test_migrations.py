"""Migrations build the schema from empty on both databases, and match the models."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from storage.engine import make_engine
from storage.migrate import current_revision, head_revision, pending_model_changes, upgrade
from tests.conftest import Db, create_pg_database, drop_pg_database, unavailable


async def _check_from_empty(url: str) -> None:
    engine = make_engine(url)
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"actor", "event", "delivery", "inbox_item", "follow", "region"} <= tables
        assert await pending_model_changes(engine) == []
        await upgrade(engine)  # idempotent
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_sqlite_upgrade_from_empty(tmp_path) -> None:  # type: ignore[no-untyped-def]
    await _check_from_empty(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")


def test_postgresql_upgrade_from_empty() -> None:
    import asyncio

    try:
        url = create_pg_database()
    except Exception as exc:  # noqa: BLE001  (any failure to reach PostgreSQL)
        unavailable("PostgreSQL", exc)
        return
    try:
        asyncio.run(_check_from_empty(url))
    finally:
        drop_pg_database(url)


async def test_models_match_migrations(db: Db) -> None:
    assert await pending_model_changes(db.engine) == []


@pytest.mark.parametrize("name", ["actor", "event", "follow"])
async def test_agenda_and_federation_indexes_exist(db: Db, name: str) -> None:
    async with db.engine.connect() as connection:
        indexes = await connection.run_sync(lambda c: inspect(c).get_indexes(name))
    columns = {tuple(i["column_names"]) for i in indexes}
    if name == "event":
        assert ("starts_at", "id", "latitude", "longitude") in columns
        assert ("ends_at", "starts_at", "id") in columns
        assert ("latitude", "longitude") in columns
    elif name == "follow":
        assert ("followed_id", "state", "id") in columns and ("followed_id",) not in columns
    else:
        assert ("public_key_id",) in columns


async def test_agenda_indexes_leave_deleted_events_out(db: Db) -> None:
    """Both agenda indexes are partial: the queries that read them say ``deleted_at IS NULL``."""
    if db.engine.dialect.name == "sqlite":
        statement = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event'"
    else:
        statement = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'event'"
    async with db.engine.connect() as connection:
        definitions = dict((await connection.execute(text(statement))).all())
    for name in ("ix_event_agenda", "ix_event_running"):
        assert "deleted_at IS NULL" in definitions[name]
    assert "ix_event_upcoming" not in definitions


async def test_postgresql_plans_each_statement_for_its_values(pg_database: str) -> None:
    engine = make_engine(pg_database)
    try:
        async with engine.connect() as connection:
            mode = (await connection.execute(text("SHOW plan_cache_mode"))).scalar_one()
            jit = (await connection.execute(text("SHOW jit"))).scalar_one()
    finally:
        await engine.dispose()
    assert (mode, jit) == ("force_custom_plan", "off")
