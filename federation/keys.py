"""RSA key pairs for actors: generation and cached loading of PEM keys.

Parsing a PEM private key costs tens of milliseconds (the RSA parameters are
checked on load), so loaded key objects are cached, keyed by the PEM text. The
cache keys are the PEM strings themselves: a rotated key is a new string and
simply gets a new cache entry.

Errors: ``InvalidKey`` (a ``ValueError``) when a PEM text is not a usable RSA
key; its ``public_message`` is safe to show to a remote peer.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_SIZE = 2048
PUBLIC_EXPONENT = 65537
# Remote keys below this size are refused; a few older servers still publish
# 1024-bit keys, which remain impractical to forge for a single actor.
MIN_REMOTE_KEY_SIZE = 1024


class InvalidKey(ValueError):
    """A PEM text could not be loaded as a usable RSA key."""

    public_message: ClassVar[str] = "The key is not a usable RSA key."

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An actor's key pair as PEM text (private PKCS#8, public SubjectPublicKeyInfo)."""

    private_pem: str
    public_pem: str

    def __repr__(self) -> str:
        # Keep the private key out of logs and tracebacks.
        return f"KeyPair(public_pem={self.public_pem!r}, private_pem=<redacted>)"


def generate_key_pair() -> KeyPair:
    """Generate a fresh RSA-2048 key pair, serialised as unencrypted PEM strings."""
    private_key = rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_SIZE)
    private_pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")
    return KeyPair(private_pem=private_pem, public_pem=public_pem_of(private_key))


def public_pem_of(private_key: rsa.RSAPrivateKey) -> str:
    """Serialise the public half of ``private_key`` as SubjectPublicKeyInfo PEM."""
    return (
        private_key.public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )


@functools.lru_cache(maxsize=256)
def load_private_key(private_pem: str) -> rsa.RSAPrivateKey:
    """Load an unencrypted PEM RSA private key; results are cached by PEM text.

    Raises ``InvalidKey`` when the text is not an unencrypted RSA private key.
    """
    try:
        key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise InvalidKey(f"cannot load private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidKey(f"private key is {type(key).__name__}, not RSA")
    return key


@functools.lru_cache(maxsize=4096)
def load_public_key(public_pem: str) -> rsa.RSAPublicKey:
    """Load a PEM RSA public key (SubjectPublicKeyInfo or PKCS#1); cached by PEM text.

    Raises ``InvalidKey`` when the text is not an RSA public key of at least
    ``MIN_REMOTE_KEY_SIZE`` bits.
    """
    try:
        # Remote actors sometimes publish PEM with stray indentation or CRLF.
        key = serialization.load_pem_public_key(public_pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise InvalidKey(f"cannot load public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidKey(f"public key is {type(key).__name__}, not RSA")
    if key.key_size < MIN_REMOTE_KEY_SIZE:
        raise InvalidKey(f"RSA key of {key.key_size} bits is too small")
    return key
