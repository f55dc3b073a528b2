"""HTTP signatures: the one place that signs and the one place that verifies.

Outgoing requests are signed with draft-cavage HTTP Signatures (rsa-sha256),
as Mastodon and the rest of the fediverse expect: ``sign_request`` returns the
headers to add and ``SignatureAuth`` applies them to an ``httpx2`` request.

Incoming requests may use draft-cavage (``Signature``, or ``Authorization:
Signature …``) or RFC 9421 (``Signature-Input`` + ``Signature``, algorithm
rsa-v1_5-sha256). Verification does no I/O and takes two steps, so the caller
can fetch the signer's key in between:

1. ``inspect_request`` parses the signature, checks that it covers the method
   and target, the host, the date and (for requests with a body) the body
   digest, that the date is fresh and that the digest matches the body, and
   returns a ``SignatureRequest`` carrying the ``key_id``;
2. ``verify_signature`` checks the RSA signature against the public key PEM
   and returns a ``VerifiedSignature``.

This package is the public entry point; its modules are:

- ``cavage``: draft-cavage signing (``sign_request``, ``SignatureAuth``) and parsing;
- ``rfc9421``: RFC 9421 ``Signature-Input`` inspection;
- ``verification``: ``inspect_request``, ``verify_signature``, ``verify_request``;
- ``digests``: ``Digest`` and RFC 9530 ``Content-Digest``;
- ``structured_fields``: the RFC 8941 subset RFC 9421 and RFC 9530 need;
- ``message``: the values both schemes share, ``freshness``: the Date/created window;
- ``errors``: the ``SignatureError`` tree, each with a ``public_message`` safe to send
  to a peer and a ``detail`` for logs.
"""

from __future__ import annotations

from federation.signatures.cavage import (
    CAVAGE_ALGORITHMS,
    ParsedSignature,
    SignatureAuth,
    http_date,
    parse_signature_header,
    sign_request,
)
from federation.signatures.digests import digest_header
from federation.signatures.errors import (
    BadSignature,
    DigestMismatch,
    InsufficientHeaders,
    MalformedSignature,
    MissingSignature,
    SignatureError,
    StaleDate,
    UnsupportedAlgorithm,
)
from federation.signatures.message import (
    BODILESS_METHODS,
    MAX_SIGNATURE_HEADER_LENGTH,
    SignatureRequest,
    SignatureScheme,
    VerifiedSignature,
)
from federation.signatures.rfc9421 import RFC9421_ALGORITHMS
from federation.signatures.verification import (
    DEFAULT_MAX_FUTURE,
    DEFAULT_MAX_PAST,
    inspect_request,
    verify_request,
    verify_signature,
)

__all__ = [
    "BODILESS_METHODS",
    "CAVAGE_ALGORITHMS",
    "DEFAULT_MAX_FUTURE",
    "DEFAULT_MAX_PAST",
    "MAX_SIGNATURE_HEADER_LENGTH",
    "RFC9421_ALGORITHMS",
    "BadSignature",
    "DigestMismatch",
    "InsufficientHeaders",
    "MalformedSignature",
    "MissingSignature",
    "ParsedSignature",
    "SignatureAuth",
    "SignatureError",
    "SignatureRequest",
    "SignatureScheme",
    "StaleDate",
    "UnsupportedAlgorithm",
    "VerifiedSignature",
    "digest_header",
    "http_date",
    "inspect_request",
    "parse_signature_header",
    "sign_request",
    "verify_request",
    "verify_signature",
]
