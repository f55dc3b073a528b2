"""The search box: events, publications and actors whose text holds every word asked for.

Portable on SQLite and PostgreSQL: each word is a ``LIKE`` on the searched columns joined into
one text, with case and the usual Latin accents folded on both sides (``Musée`` finds
``musee`` and the reverse). SQLite's ``lower()`` only knows ASCII, so accented capitals are
replaced explicitly before it. Events and publications go through full-text indexes (FTS5 on
SQLite, French text search on PostgreSQL; see storage.fulltext); actors, a small table, keep
the folded ``LIKE``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, case, func, or_, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.fulltext import EVENT_TEXT, PG_CONFIG, POST_TEXT
from storage.tables import Actor, Event, Post, Visibility

MAX_WORDS = 8
MAX_RESULTS = 50
_ACCENTS = {
    "a": "àâäáãåÀÂÄÁÃÅ",
    "c": "çÇ",
    "e": "éèêëÉÈÊË",
    "i": "îïíìÎÏÍÌ",
    "n": "ñÑ",
    "o": "ôöóòõÔÖÓÒÕ",
    "u": "ùûüúÙÛÜÚ",
    "y": "ÿýŸÝ",
    "oe": "œŒ",
    "ae": "æÆ",
    "'": "’‘",
}
FOLDING: dict[str, str] = {
    accented: plain for plain, variants in _ACCENTS.items() for accented in variants
}
SEARCHABLE_POST_KINDS = ("article", "resource", "job_offer", "call")
SEARCHABLE_ACTOR_KINDS = ("Person", "Organization", "Group")


class json_words(FunctionElement[str]):
    """The strings of a JSON array column as one text. SQLite stores JSON with ``\\uXXXX``
    escapes, so its text is read back through ``json_each``; PostgreSQL's ``jsonb`` prints
    characters as they are."""

    type = String()
    inherit_cache = True
    name = "json_words"


@compiles(json_words)
def _json_words_sqlite(element: json_words, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"(SELECT group_concat(value, ' ') FROM json_each({compiler.process(column, **kw)}))"


@compiles(json_words, "postgresql")
def _json_words_postgresql(element: json_words, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"CAST({compiler.process(column, **kw)} AS TEXT)"


def fold(text: str) -> str:
    """Lower case without accents: what the database side compares against."""
    return "".join(FOLDING.get(char, char) for char in text.lower())


def words_of(query: str) -> list[str]:
    """The folded words of a query (at most ``MAX_WORDS``, duplicates dropped)."""
    words: list[str] = []
    for word in fold(query).split():
        if word and word not in words:
            words.append(word[:100])
    return words[:MAX_WORDS]


class folded(FunctionElement[str]):
    """``folded(text)``: lower case without accents, like :func:`fold`. PostgreSQL uses
    ``translate``; SQLite calls :func:`fold` itself, registered on the connection by
    :func:`_prepare` (nested ``replace`` calls would overflow SQLite's parser)."""

    type = String()
    inherit_cache = True
    name = "folded"


_SINGLE = {accented: plain for accented, plain in FOLDING.items() if len(plain) == 1}
_DOUBLE = {accented: plain for accented, plain in FOLDING.items() if len(plain) > 1}


@compiles(folded)
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = list(element.clauses)
    return f"{SQLITE_FOLD}({compiler.process(text, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = list(element.clauses)
    sql = compiler.process(text, **kw)
    for accented, plain in _DOUBLE.items():
        sql = f"replace({sql}, '{accented}', '{plain}')"
    source = "".join(_SINGLE).replace("'", "''")
    target = "".join(_SINGLE.values()).replace("'", "''")
    return f"lower(translate({sql}, '{source}', '{target}'))"


SQLITE_FOLD = "echofed_fold"


def _fold_value(text: str | None) -> str | None:
    return None if text is None else fold(text)


async def _prepare(session: AsyncSession) -> None:
    """Make :func:`fold` callable from SQL on this session's SQLite connection."""
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = await connection.get_raw_connection()
    await raw.driver_connection.create_function(  # type: ignore[union-attr]
        SQLITE_FOLD, 1, _fold_value, deterministic=True
    )


def _text(*columns: Any) -> Any:
    joined: Any = None
    for column in columns:
        part = func.coalesce(column, "")
        joined = part if joined is None else joined + " " + part
    return folded(joined)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _all_words(text: Any, words: list[str]) -> Any:
    return and_(*(text.like(f"%{_escape_like(word)}%", escape="\\") for word in words))


_TOKEN = re.compile(r"[^\w]+", re.UNICODE)


def fts_terms(words: list[str]) -> list[str]:
    """Words reduced to letters and digits (what both full-text engines index)."""
    terms: list[str] = []
    for word in words:
        terms.extend(t for t in _TOKEN.split(word) if t)
    return terms[:MAX_WORDS]


def _matches(session: AsyncSession, table: str, words: list[str]) -> Any:
    """Ids of rows whose full-text index holds every word as a prefix (FTS5 on SQLite, the
    ``echofed_fr`` configuration on PostgreSQL)."""
    terms = fts_terms(words)
    if not terms:
        return None
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        query = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
        return text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :fts_{table}").bindparams(
            **{f"fts_{table}": query}
        )
    document = EVENT_TEXT if table == "event" else POST_TEXT
    query = " & ".join(f"{t}:*" for t in terms)
    return text(
        f"SELECT id FROM {table} WHERE to_tsvector('{PG_CONFIG}', {document}) "
        f"@@ to_tsquery('{PG_CONFIG}', :fts_{table})"
    ).bindparams(**{f"fts_{table}": query})


async def search_events(
    session: AsyncSession, words: list[str], *, now: datetime, limit: int = 20
) -> list[tuple[Event, Actor]]:
    """Public events whose title, summary, city or tags hold every word; coming ones first
    (soonest first), then past ones (latest first)."""
    if not words:
        return []
    matching = _matches(session, "event", words)
    if matching is None:
        return []
    coming = or_(col(Event.ends_at) >= now, col(Event.starts_at) >= now)
    query = (
        select(Event, Actor)
        .join(Actor, col(Actor.id) == Event.actor_id)
        .where(
            col(Event.deleted_at).is_(None),
            Event.visibility == Visibility.PUBLIC,
            col(Event.id).in_(matching),
        )
        .order_by(
            case((coming, 0), else_=1),
            case((coming, Event.starts_at), else_=None),
            col(Event.starts_at).desc(),
            col(Event.id),
        )
        .limit(max(1, min(limit, MAX_RESULTS)))
    )
    return [(e, a) for e, a in (await session.exec(query)).all()]


async def search_posts(
    session: AsyncSession, words: list[str], *, limit: int = 20
) -> list[tuple[Post, Actor]]:
    """Articles, resources, offers and calls whose title, summary or tags hold every word."""
    if not words:
        return []
    matching = _matches(session, "post", words)
    if matching is None:
        return []
    query = (
        select(Post, Actor)
        .join(Actor, col(Actor.id) == Post.actor_id)
        .where(
            col(Post.deleted_at).is_(None),
            col(Post.kind).in_(SEARCHABLE_POST_KINDS),
            col(Post.id).in_(matching),
        )
        .order_by(col(Post.published_at).desc(), col(Post.id).desc())
        .limit(max(1, min(limit, MAX_RESULTS)))
    )
    return [(p, a) for p, a in (await session.exec(query)).all()]


async def search_actors(session: AsyncSession, words: list[str], *, limit: int = 20) -> list[Actor]:
    """Discoverable people, organisations and groups (local first) by name, username, bio or
    city."""
    if not words:
        return []
    await _prepare(session)
    text = _text(Actor.name, Actor.username, Actor.summary, Actor.city)
    query = (
        select(Actor)
        .where(
            col(Actor.deleted_at).is_(None),
            col(Actor.kind).in_(SEARCHABLE_ACTOR_KINDS),
            Actor.discoverable == True,
            _all_words(text, words),
        )
        .order_by(case((col(Actor.local), 0), else_=1), col(Actor.name), col(Actor.id))
        .limit(max(1, min(limit, MAX_RESULTS)))
    )
    return list((await session.exec(query)).all())
