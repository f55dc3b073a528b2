"""Full-text search structures that Alembic's autogenerate does not model.

SQLite: FTS5 tables ``event_fts`` and ``post_fts`` (external content, ``unicode61`` with
diacritics removed) kept in step by triggers. PostgreSQL: a text-search configuration
``echofed_fr`` (French stemming, accents removed with ``unaccent`` when the extension can be
created) and expression GIN indexes on events and posts.
"""

from __future__ import annotations

from typing import Any

FTS_NAMES = frozenset({"event_fts", "post_fts", "ix_event_fts", "ix_post_fts"})
FTS_PREFIXES = ("event_fts", "post_fts")
PG_CONFIG = "echofed_fr"

EVENT_COLUMNS = ("title", "summary", "city", "category", "tags")
POST_COLUMNS = ("title", "summary", "tags")


def document(columns: tuple[str, ...], table: str | None = None) -> str:
    """The text PostgreSQL indexes for a row: the columns joined by spaces (``tags`` as its JSON
    text). With ``table`` the columns are qualified, for queries that join other tables; the
    expression is the same to PostgreSQL, so the GIN index still answers it."""
    prefix = f"{table}." if table else ""
    parts = [
        f"coalesce(CAST({prefix}{c} AS TEXT), '')" if c == "tags" else f"coalesce({prefix}{c}, '')"
        for c in columns
    ]
    return " || ' ' || ".join(parts)


EVENT_TEXT = document(EVENT_COLUMNS)
POST_TEXT = document(POST_COLUMNS)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: leave the full-text structures alone."""
    return not (name and (name in FTS_NAMES or name.startswith(FTS_PREFIXES)))


def _sqlite_statements(table: str, columns: tuple[str, ...]) -> list[str]:
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = f"{table}_fts"
    return [
        (f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, content='{table}', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 2')"),
        (f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"),
        (f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END"),
        (f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"),
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


SQLITE_UP = _sqlite_statements("event", EVENT_COLUMNS) + _sqlite_statements("post", POST_COLUMNS)
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {t}_fts_{s}" for t in ("event", "post") for s in ("ai", "ad", "au")
] + ["DROP TABLE IF EXISTS event_fts", "DROP TABLE IF EXISTS post_fts"]

PG_CONFIG_WITH_UNACCENT = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = french)",
    (f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} ALTER MAPPING FOR hword, hword_part, word "
    "WITH unaccent, french_stem"),
]
PG_CONFIG_PLAIN = [f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = french)"]
PG_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS ix_event_fts ON event USING gin (to_tsvector('{PG_CONFIG}', {EVENT_TEXT}))",
    f"CREATE INDEX IF NOT EXISTS ix_post_fts ON post USING gin (to_tsvector('{PG_CONFIG}', {POST_TEXT}))",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS ix_event_fts",
    "DROP INDEX IF EXISTS ix_post_fts",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}",
]
