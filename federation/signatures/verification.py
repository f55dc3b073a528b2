"""Verifying an incoming signed request, in two steps so the caller can fetch the key between.

1. ``inspect_request`` detects the scheme (RFC 9421 when ``Signature-Input`` is present,
   else draft-cavage), checks structure, coverage, freshness and the body digest, and returns
   a ``SignatureRequest`` carrying the ``key_id``;
2. ``verify_signature`` checks the RSA signature against the public key PEM and returns a
   ``VerifiedSignature``.

``verify_request`` does both when the key is already known. None of them does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from federation.keys import InvalidKey, load_public_key
from federation.signatures.cavage import inspect_cavage
from federation.signatures.errors import BadSignature, MalformedSignature
from federation.signatures.freshness import as_utc
from federation.signatures.message import (
    BODILESS_METHODS,
    SignatureRequest,
    VerifiedSignature,
    normalise_headers,
)
from federation.signatures.rfc9421 import inspect_rfc9421

DEFAULT_MAX_PAST = timedelta(hours=12)
DEFAULT_MAX_FUTURE = timedelta(hours=1)


def inspect_request(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: datetime | None = None,
    max_past: timedelta = DEFAULT_MAX_PAST,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
    scheme: str = "https",
) -> SignatureRequest:
    """Check a signed request's structure, freshness and digest; return what to verify.

    ``path_with_query`` is the request target exactly as received (percent
    escapes kept); ``headers`` may be a plain dict or any case-insensitive
    mapping; ``scheme`` is the public scheme of this server (for RFC 9421
    ``@target-uri``/``@scheme``). The Date (or RFC 9421 ``created``) must lie
    within ``[now - max_past, now + max_future]``. Detects draft-cavage or
    RFC 9421 by the presence of ``Signature-Input``. Raises a ``SignatureError``.
    """
    try:
        normalised = normalise_headers(headers)
    except ValueError as exc:
        raise MalformedSignature(str(exc)) from exc
    moment = as_utc(now) if now is not None else datetime.now(UTC)
    window = (moment - max_past, moment + max_future)
    needs_digest = method.upper() not in BODILESS_METHODS or bool(body)
    if "signature-input" in normalised:
        return inspect_rfc9421(
            method, path_with_query, normalised, body or b"", needs_digest, moment, window, scheme
        )
    return inspect_cavage(method, path_with_query, normalised, body, needs_digest, moment, window)


def verify_signature(request: SignatureRequest, public_key_pem: str) -> VerifiedSignature:
    """Check the RSA PKCS#1 v1.5 SHA-256 signature of an inspected request.

    Raises ``BadSignature`` when the key is unusable or the signature does not match.
    """
    try:
        key = load_public_key(public_key_pem)
    except InvalidKey as exc:
        raise BadSignature(f"unusable key {request.key_id!r}: {exc.detail}") from exc
    try:
        key.verify(request.signature, request.signing_base, PKCS1v15(), SHA256())
    except InvalidSignature as exc:
        raise BadSignature(f"signature by {request.key_id!r} does not verify") from exc
    return VerifiedSignature(
        key_id=request.key_id,
        signed_headers=request.covered,
        algorithm=request.algorithm,
        scheme=request.scheme,
    )


def verify_request(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_pem: str,
    *,
    now: datetime | None = None,
    max_past: timedelta = DEFAULT_MAX_PAST,
    max_future: timedelta = DEFAULT_MAX_FUTURE,
    scheme: str = "https",
) -> VerifiedSignature:
    """Inspect and verify in one call, for when the signer's key is already known."""
    inspected = inspect_request(
        method,
        path_with_query,
        headers,
        body,
        now=now,
        max_past=max_past,
        max_future=max_future,
        scheme=scheme,
    )
    return verify_signature(inspected, public_key_pem)
