"""``column IN (a list)`` with the whole list as ONE bound parameter.

SQLAlchemy's ``in_(bindparam(..., expanding=True))`` writes one placeholder per value when the
statement runs: every list length is a different SQL text, which SQLAlchemy renders again and
which asyncpg prepares again on the server (its cache of prepared statements holds a hundred).
The batched hot paths (inbox look-ups, delivery claims) send lists of 1 to 128 values, so they
paid that on most executions: measured on the delivery claim, 1.4 ms of client CPU per
transaction instead of 0.57 ms with one parameter.

``in_list(column, name, kind)`` renders as ``column = ANY($1::VARCHAR[])`` on PostgreSQL (the
list sent as an array) and as ``column IN (SELECT value FROM json_each(?))`` on SQLite (the list
sent as one JSON text); the SQL text is the same whatever the length, so it is compiled and
prepared once.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, Integer, String, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class _List(TypeDecorator[list[Any]]):
    """A list bound as one parameter: an array on PostgreSQL, a JSON text elsewhere."""

    impl = String
    cache_ok = True
    item: TypeEngine[Any] = String()

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(self.item))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        values = [str(v) if isinstance(v, str) else v for v in value]  # str enums as their text
        return values if dialect.name == "postgresql" else json.dumps(values, ensure_ascii=False)


class TextList(_List):
    cache_ok = True
    item = String()


class IntList(_List):
    cache_ok = True
    item = Integer()


_KINDS: dict[str, type[_List]] = {"text": TextList, "int": IntList}


class InList(ColumnElement[bool]):
    """``column`` is one of the values of the list parameter ``param``."""

    __visit_name__ = "in_list"
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012  (SQLAlchemy reads it from the class)
        ("column", InternalTraversal.dp_clauseelement),
        ("param", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()
    _is_implicitly_boolean = True  # a condition already: no "= 1" where booleans are integers

    def __init__(self, column: ColumnElement[Any], param: BindParameter[Any]) -> None:
        self.column = column
        self.param = param


def in_list(column: Any, name: str, kind: str = "text") -> InList:
    """``column IN`` the list given at execution as the parameter ``name`` (``kind``: "text"
    or "int")."""
    return InList(column, bindparam(name, type_=_KINDS[kind]()))


@compiles(InList)
def _in_json(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} IN (SELECT value FROM json_each({compiler.process(element.param, **kw)}))"


@compiles(InList, "postgresql")
def _in_array(element: InList, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.param, **kw)})"
