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

from storage.fulltext import EVENT_COLUMNS, PG_CONFIG, POST_COLUMNS, document
from storage.queries.agenda import LIGHT, Part, in_part, read_in_order
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


def _matching(session: AsyncSession, table: str, words: list[str]) -> Any:
    """A condition keeping rows whose full-text index holds every word as a prefix (FTS5 on
    SQLite, the ``echofed_fr`` configuration on PostgreSQL); ``None`` when no word is left.

    PostgreSQL tests the expression on the row itself, so the planner can choose between the GIN
    index and reading in agenda order and stopping early; ``id IN (SELECT … @@ …)`` forced a
    bitmap of every match, lossy beyond ``work_mem``, then a recheck of each row."""
    terms = fts_terms(words)
    if not terms:
        return None
    row_id = col(Event.id) if table == "event" else col(Post.id)
    if session.get_bind().dialect.name == "sqlite":
        return row_id.in_(_fts5_rowids(table, terms))
    columns = EVENT_COLUMNS if table == "event" else POST_COLUMNS
    query = " & ".join(f"{t}:*" for t in terms)
    return text(
        f"to_tsvector('{PG_CONFIG}', {document(columns, table)}) "
        f"@@ to_tsquery('{PG_CONFIG}', :fts_{table})"
    ).bindparams(**{f"fts_{table}": query})


def _fts5_query(terms: list[str]) -> str:
    return " ".join('"' + t.replace('"', '""') + '"*' for t in terms)


def _fts5_rowids(table: str, terms: list[str]) -> Any:
    return text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :fts_{table}").bindparams(
        **{f"fts_{table}": _fts5_query(terms)}
    )


async def _fts5_count(session: AsyncSession, terms: list[str]) -> int:
    statement = text("SELECT count(*) FROM event_fts WHERE event_fts MATCH :q")
    connection = await session.connection()
    return int((await connection.execute(statement, {"q": _fts5_query(terms)})).scalar_one())


# Below this many FTS5 matches SQLite reads them all and sorts (a few ms); above it, reading in
# agenda order and stopping at the limit is cheaper (205,000 matches: 1.2 s sorted, 0.17 s read
# in order). Counting them costs ≈ 30 ms at 200,000.
FEW_MATCHES = 5000


async def search_events(
    session: AsyncSession, words: list[str], *, now: datetime, limit: int = 20
) -> list[tuple[Event, Actor]]:
    """Public events whose title, summary, city or tags hold every word; coming ones first
    (soonest first), then past ones (latest first)."""
    matching = _matching(session, "event", words) if words else None
    if matching is None:
        return []
    limit = max(1, min(limit, MAX_RESULTS))
    base = (
        select(Event, Actor)
        .join(Actor, col(Actor.id) == Event.actor_id)
        .where(col(Event.deleted_at).is_(None), Event.visibility == Visibility.PUBLIC, matching)
        .options(*LIGHT)
    )
    if session.get_bind().dialect.name == "sqlite" and (
        await _fts5_count(session, fts_terms(words)) <= FEW_MATCHES
    ):
        coming = in_part(None, now)
        query = base.order_by(
            case((coming, 0), else_=1),
            case((coming, Event.starts_at), else_=None),
            case((coming, Event.id), else_=None),
            col(Event.starts_at).desc(),
            col(Event.id).desc(),
        )
        return [(e, a) for e, a in (await session.exec(query.limit(limit))).all()]
    # Three index ranges in the result's order, each stopping at the limit.
    ranges = [
        (in_part(Part.RUNNING, now), (col(Event.starts_at), col(Event.id))),
        (in_part(Part.UPCOMING, now), (col(Event.starts_at), col(Event.id))),
        (
            and_(
                col(Event.starts_at) < now,
                or_(col(Event.ends_at) < now, col(Event.ends_at).is_(None)),
            ),
            (col(Event.starts_at).desc(), col(Event.id).desc()),
        ),
    ]
    queries = [base.where(condition).order_by(*order) for condition, order in ranges]
    return [(e, a) for e, a in await read_in_order(session, queries, limit)]


async def search_posts(
    session: AsyncSession, words: list[str], *, limit: int = 20
) -> list[tuple[Post, Actor]]:
    """Articles, resources, offers and calls whose title, summary or tags hold every word."""
    if not words:
        return []
    matching = _matching(session, "post", words)
    if matching is None:
        return []
    query = (
        select(Post, Actor)
        .join(Actor, col(Actor.id) == Post.actor_id)
        .where(
            col(Post.deleted_at).is_(None),
            col(Post.kind).in_(SEARCHABLE_POST_KINDS),
            matching,
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
