"""federation.vocab.jsontext: JSON from the network, refused when a database could not keep it."""

from __future__ import annotations

import json

import pytest

from federation.client.errors import NotJson
from federation.client.responses import parse_object
from federation.vocab.jsontext import UnstorableJSON, load_json

KEPT = {
    "emoji as a surrogate pair": (b'{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"}),
    "an escaped backslash before u0000": (b'{"a": "\\\\u0000"}', {"a": "\\u0000"}),
    "HTML escapes as Mastodon writes them": (b'{"a": "\\u003cp\\u003e"}', {"a": "<p>"}),
    "accents in UTF-8": ('{"é": "è"}'.encode(), {"é": "è"}),
    "ordinary numbers": (b'{"a": [1.5, -2e10, 1e-300, 0.0, 12345678901234567890]}',
                         {"a": [1.5, -2e10, 1e-300, 0.0, 12345678901234567890]}),
}
REFUSED = {
    "NUL in a string": b'{"a": "x\\u0000y"}',
    "NUL in a key": b'{"x\\u0000": 1}',
    "lone high surrogate": b'{"a": ["\\ud83d"]}',
    "lone low surrogate": b'{"a": {"b": "\\uDE00"}}',
    "NaN": b'{"a": NaN}',
    "-Infinity": b'{"a": -Infinity}',
    "overflowing float": b'{"a": 1e999999}',
    "zero with an exponent PostgreSQL refuses": b'{"a": 0e-20000}',
    "float of 65 characters": b'{"a": 0.' + b"1" * 63 + b"}",
}


@pytest.mark.parametrize("label", KEPT)
def test_documents_a_database_keeps_are_read(label: str) -> None:
    body, expected = KEPT[label]
    assert load_json(body) == expected


@pytest.mark.parametrize("label", REFUSED)
def test_documents_a_database_refuses_are_refused(label: str) -> None:
    assert json.loads(REFUSED[label]) is not None  # Python's own parser takes each of them
    with pytest.raises(UnstorableJSON):
        load_json(REFUSED[label])


def test_bytes_that_are_not_utf8_are_refused() -> None:
    utf16 = '{"a": 1}'.encode("utf-16")
    assert json.loads(utf16) == {"a": 1}
    with pytest.raises(UnicodeDecodeError):
        load_json(utf16)
    with pytest.raises(UnicodeDecodeError):
        load_json(b'{"a": "\xed\xa0\x80"}')  # a surrogate encoded as UTF-8 bytes


def test_fetched_documents_go_through_the_same_reader() -> None:
    with pytest.raises(NotJson, match="NUL"):
        parse_object(REFUSED["NUL in a string"], "https://example.org/x")
    with pytest.raises(NotJson, match="malformed"):
        parse_object(b"[" * 100_000, "https://example.org/x")
    assert parse_object(KEPT["emoji as a surrogate pair"][0], "https://example.org/x") == {"a": "\U0001f600"}
