"""Reading JSON from the network as our databases can keep it.

Python's ``json`` takes more than PostgreSQL's ``jsonb`` does: a NUL (``\\u0000``), a lone
surrogate (``\\ud800``), ``NaN``/``Infinity``, a number beyond a float (Python reads ``1e999999``
as infinity and ``0e-20000`` as 0.0; ``jsonb`` refuses both), bytes that are not UTF-8 (Python
also guesses UTF-16 and UTF-32). A document that passed the parser and failed the INSERT would
fail every request stored with it. ``load_json`` refuses all of these up front, so what it
returns can be stored as parsed or as the very text received (see
``storage.queries.inbox.store_inbox_items``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_NUMBER_CHARS = 64  # a float literal longer than this is not a real ActivityStreams value
MAX_EXPONENT = 300
# An escape that may hide a NUL or a lone surrogate: only then are the strings looked at.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnstorableJSON(ValueError):
    """Valid enough for Python's parser, not for storage; the message says what and may be
    shown to the sender."""


def _float(literal: str) -> float:
    """A float as both Python and PostgreSQL (``numeric``: at most 16,383 digits after the
    point) read it: short, with a modest exponent, finite."""
    value = float(literal)
    exponent = literal.lower().partition("e")[2]
    if len(literal) > MAX_NUMBER_CHARS or (exponent and abs(int(exponent)) > MAX_EXPONENT) or math.isinf(value):
        raise UnstorableJSON(f"number out of range: {literal[:20]}")
    return value


def _constant(name: str) -> Any:
    raise UnstorableJSON(f"{name} is not JSON")


def _bad_string(value: str) -> bool:
    return "\x00" in value or (not value.isascii() and _SURROGATE.search(value) is not None)


def _check_strings(document: Any) -> None:
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if _bad_string(key):
                    raise UnstorableJSON("NUL character or lone surrogate in a key")
                pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _bad_string(item):
            raise UnstorableJSON("NUL character or lone surrogate in a string")


def load_json(body: bytes) -> Any:
    """The JSON in ``body`` (UTF-8); raises ``UnicodeDecodeError``, ``json.JSONDecodeError`` or
    ``UnstorableJSON`` (all ``ValueError``), or ``RecursionError`` for absurd nesting."""
    text = body.decode("utf-8")
    document = json.loads(text, parse_float=_float, parse_constant=_constant)
    if "\\u" in text and _SUSPECT_ESCAPE.search(text):
        _check_strings(document)
    return document
