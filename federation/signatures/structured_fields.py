"""RFC 8941 structured fields: the subset RFC 9421 and RFC 9530 need.

``parse_dictionary`` reads a Dictionary (``Signature-Input``, ``Signature``,
``Content-Digest``) and raises ``ValueError`` when the text is not one;
``serialize_inner_list`` writes an inner list back canonically, as the
``@signature-params`` line of an RFC 9421 signing base requires. Tokens are
kept apart from strings as ``Token``.
"""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal
from typing import NoReturn


class Token(str):
    """An sf-token, kept apart from an sf-string so that it serialises unquoted."""

    __slots__ = ()


_BareItem = int | Decimal | str | bytes | bool
_Parameters = dict[str, _BareItem]
_Item = tuple[_BareItem, _Parameters]
_Member = tuple[_BareItem | list[_Item], _Parameters]

_SF_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_SF_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*")
_SF_NUMBER = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
_SF_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")


class _StructuredFieldParser:
    def __init__(self, text: str) -> None:
        self.text = text.strip(" ")
        self.position = 0

    def fail(self, reason: str) -> NoReturn:
        raise ValueError(f"structured field: {reason} at {self.position}")

    def peek(self) -> str:
        return self.text[self.position : self.position + 1]

    def skip(self, characters: str) -> None:
        while self.peek() and self.peek() in characters:
            self.position += 1

    def dictionary(self) -> dict[str, _Member]:
        result: dict[str, _Member] = {}
        while self.position < len(self.text):
            key = self.key()
            if key in result:
                self.fail(f"duplicate key {key!r}")
            if self.peek() == "=":
                self.position += 1
                result[key] = self.item_or_inner_list()
            else:
                result[key] = (True, self.parameters())
            self.skip(" \t")
            if self.position == len(self.text):
                break
            if self.peek() != ",":
                self.fail("expected ','")
            self.position += 1
            self.skip(" \t")
            if self.position == len(self.text):
                self.fail("trailing comma")
        return result

    def item_or_inner_list(self) -> _Member:
        if self.peek() != "(":
            return self.bare_item(), self.parameters()
        self.position += 1
        items: list[_Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.position += 1
                return items, self.parameters()
            items.append((self.bare_item(), self.parameters()))
            if self.peek() not in (" ", ")"):
                self.fail("expected ' ' or ')' in inner list")

    def parameters(self) -> _Parameters:
        result: _Parameters = {}
        while self.peek() == ";":
            self.position += 1
            self.skip(" ")
            key = self.key()
            value: _BareItem = True
            if self.peek() == "=":
                self.position += 1
                value = self.bare_item()
            result[key] = value
        return result

    def key(self) -> str:
        return self.match(_SF_KEY, "key").group(0)

    def match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        found = pattern.match(self.text, self.position)
        if found is None:
            self.fail(f"expected {what}")
        self.position = found.end()
        return found

    def bare_item(self) -> _BareItem:
        first = self.peek()
        if first == '"':
            return self.string()
        if first == ":":
            try:
                return base64.b64decode(
                    self.match(_SF_BYTES, "byte sequence").group(1), validate=True
                )
            except binascii.Error:
                self.fail("bad base64")
        if first == "?":
            flag = self.text[self.position + 1 : self.position + 2]
            if flag not in ("0", "1"):
                self.fail("bad boolean")
            self.position += 2
            return flag == "1"
        if first == "-" or first.isdigit():
            number = self.match(_SF_NUMBER, "number")
            whole, fraction = number.group(1), number.group(2)
            if fraction is None:
                if len(whole) > 15:
                    self.fail("integer too long")
                return int(number.group(0))
            if len(whole) > 12 or len(fraction) > 3:
                self.fail("decimal too long")
            return Decimal(number.group(0))
        return Token(self.match(_SF_TOKEN, "item").group(0))

    def string(self) -> str:
        self.position += 1
        characters: list[str] = []
        while self.position < len(self.text):
            character = self.text[self.position]
            self.position += 1
            if character == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\") or not escaped:
                    self.fail("bad escape in string")
                characters.append(escaped)
                self.position += 1
            elif character == '"':
                return "".join(characters)
            elif not " " <= character <= "~":
                self.fail("invalid character in string")
            else:
                characters.append(character)
        self.fail("unterminated string")


def parse_dictionary(text: str) -> dict[str, _Member]:
    """Parse an RFC 8941 Dictionary; raise ``ValueError`` when it is not one."""
    return _StructuredFieldParser(text).dictionary()


def _serialize_sf_bare_item(value: _BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = f"{value:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _serialize_sf_parameters(parameters: _Parameters) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={_serialize_sf_bare_item(value)}"
        for key, value in parameters.items()
    )


def serialize_inner_list(items: list[_Item], parameters: _Parameters) -> str:
    """Serialise an inner list canonically, as the ``@signature-params`` line requires."""
    inner = " ".join(
        _serialize_sf_bare_item(value) + _serialize_sf_parameters(item_parameters)
        for value, item_parameters in items
    )
    return f"({inner}){_serialize_sf_parameters(parameters)}"
