"""Body digests: the draft-cavage ``Digest`` header and RFC 9530 ``Content-Digest``.

``digest_header`` makes the ``Digest`` value an outgoing request carries; ``check_digest`` and
``check_content_digest`` compare a received header with the body and raise ``DigestMismatch``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable

from federation.signatures.errors import DigestMismatch
from federation.signatures.structured_fields import parse_dictionary

_DIGESTS: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
}


def digest_header(body: bytes) -> str:
    """Return the draft-cavage ``Digest`` header value for ``body`` (``SHA-256=<base64>``)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def _check_body_digest(algorithm: str, expected: bytes, body: bytes) -> bool:
    """Compare one digest member; return whether ``algorithm`` was one we know."""
    hasher = _DIGESTS.get(algorithm)
    if hasher is None:
        return False
    if not hmac.compare_digest(expected, hasher(body).digest()):
        raise DigestMismatch(f"{algorithm} digest does not match the body")
    return True


def check_digest(value: str | None, body: bytes) -> None:
    """Check a draft-cavage ``Digest`` header against ``body``; raise ``DigestMismatch``."""
    if value is None:
        raise DigestMismatch("Digest header is absent")
    checked = False
    for member in value.split(","):
        algorithm, separator, encoded = member.strip().partition("=")
        if not separator:
            raise DigestMismatch(f"malformed Digest {value!r}")
        try:
            expected = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error as exc:
            raise DigestMismatch(f"malformed Digest {value!r}") from exc
        checked = _check_body_digest(algorithm.strip().lower(), expected, body) or checked
    if not checked:
        raise DigestMismatch(f"no supported algorithm in Digest {value!r}")


def check_content_digest(value: str | None, body: bytes) -> None:
    """Check an RFC 9530 ``Content-Digest`` against ``body``; raise ``DigestMismatch``."""
    if value is None:
        raise DigestMismatch("Content-Digest header is absent")
    try:
        members = parse_dictionary(value)
    except ValueError as exc:
        raise DigestMismatch(f"malformed Content-Digest: {exc}") from exc
    checked = False
    for algorithm, (expected, _params) in members.items():
        if not isinstance(expected, bytes):
            raise DigestMismatch(f"Content-Digest member {algorithm!r} is not a byte sequence")
        checked = _check_body_digest(algorithm, expected, body) or checked
    if not checked:
        raise DigestMismatch(f"no supported algorithm in Content-Digest {value!r}")
