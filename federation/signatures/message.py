"""A signed HTTP message as both signature schemes read it.

The values inspection and verification return (``SignatureRequest``, ``VerifiedSignature``),
the header normalisation both specs require, and the encoding of a signing base.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from federation.signatures.errors import MalformedSignature

MAX_SIGNATURE_HEADER_LENGTH = 8192
BODILESS_METHODS = frozenset({"GET", "HEAD"})
DEFAULT_PORTS = {"http": "80", "https": "443"}

SignatureScheme = Literal["cavage", "rfc9421"]


@dataclass(frozen=True, slots=True)
class SignatureRequest:
    """A structurally valid, fresh signed request whose key is still to be checked."""

    scheme: SignatureScheme
    key_id: str
    algorithm: str
    covered: tuple[str, ...]
    signing_base: bytes = field(repr=False)
    signature: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """The outcome of a successful verification."""

    key_id: str
    signed_headers: tuple[str, ...]
    algorithm: str
    scheme: SignatureScheme


def normalise_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names; join repeated fields with ', ' as both specs require."""
    combined: dict[str, list[str]] = {}
    for name, value in headers.items():
        if "\r" in value or "\n" in value:
            raise ValueError(f"header {name!r} contains a line break")
        combined.setdefault(name.strip().lower(), []).append(value.strip())
    return {name: ", ".join(values) for name, values in combined.items()}


def encode_signing_base(lines: list[str]) -> bytes:
    """Join signing-base lines; ``MalformedSignature`` when a value is not ASCII."""
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError as exc:
        raise MalformedSignature("signed values must be ASCII") from exc
