"""Why a signed request is refused.

Every error carries ``public_message`` (safe to send to a peer) and ``detail`` (for logs)::

    SignatureError
    ├── MissingSignature      no signature header at all
    ├── MalformedSignature    unparsable header, signed header absent, bad Date syntax
    ├── UnsupportedAlgorithm  an algorithm other than rsa-sha256, hs2019, rsa-v1_5-sha256
    ├── InsufficientHeaders   method/target, host, date or body digest not covered
    ├── StaleDate             Date or ``created`` outside the window, or ``expires`` past
    ├── DigestMismatch        body digest absent, unsupported or different from the body
    └── BadSignature          the signature does not match the key
"""

from __future__ import annotations

from typing import ClassVar


class SignatureError(Exception):
    """Base of every refusal of a signed request; see the module docstring."""

    public_message: ClassVar[str] = "The request signature is not acceptable."

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MissingSignature(SignatureError):
    public_message = "The request is not signed."


class MalformedSignature(SignatureError):
    public_message = "The request signature is malformed."


class UnsupportedAlgorithm(SignatureError):
    public_message = "The signature algorithm is not supported."


class InsufficientHeaders(SignatureError):
    public_message = (
        "The signature must cover the request target, host, date and, with a body, its digest."
    )


class StaleDate(SignatureError):
    public_message = "The request date is outside the accepted window."


class DigestMismatch(SignatureError):
    public_message = "The body digest is missing or does not match the body."


class BadSignature(SignatureError):
    public_message = "The signature does not verify."
