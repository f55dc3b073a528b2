"""Key generation and cached PEM loading (federation.keys)."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from federation.keys import (
    InvalidKey,
    KeyPair,
    generate_key_pair,
    load_private_key,
    load_public_key,
    public_pem_of,
)

KEYS = Path(__file__).parent.parent / "fixtures" / "keys"


@pytest.fixture(scope="module")
def fresh_pair() -> KeyPair:
    return generate_key_pair()


def test_generated_pair_is_rsa_2048_pem(fresh_pair: KeyPair) -> None:
    assert fresh_pair.private_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert fresh_pair.public_pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    private_key = load_private_key(fresh_pair.private_pem)
    assert private_key.key_size == 2048
    assert public_pem_of(private_key) == fresh_pair.public_pem


def test_generated_halves_belong_together(fresh_pair: KeyPair) -> None:
    signature = load_private_key(fresh_pair.private_pem).sign(b"x", PKCS1v15(), SHA256())
    load_public_key(fresh_pair.public_pem).verify(signature, b"x", PKCS1v15(), SHA256())


def test_each_generation_is_new() -> None:
    assert generate_key_pair().private_pem != generate_key_pair().private_pem


def test_checked_in_test_pair_matches() -> None:
    private_pem = (KEYS / "test_rsa_private.pem").read_text()
    public_pem = (KEYS / "test_rsa_public.pem").read_text()
    assert public_pem_of(load_private_key(private_pem)) == public_pem


def test_loaded_keys_are_cached(fresh_pair: KeyPair) -> None:
    assert load_private_key(fresh_pair.private_pem) is load_private_key(fresh_pair.private_pem)
    assert load_public_key(fresh_pair.public_pem) is load_public_key(fresh_pair.public_pem)
    hits = load_private_key.cache_info().hits
    load_private_key(fresh_pair.private_pem)
    assert load_private_key.cache_info().hits == hits + 1


def test_public_key_accepts_pkcs1_and_surrounding_whitespace(fresh_pair: KeyPair) -> None:
    key = load_public_key(fresh_pair.public_pem)
    pkcs1 = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode(
        "ascii"
    )
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    assert load_public_key(pkcs1).public_numbers() == key.public_numbers()
    padded = "\n  " + fresh_pair.public_pem.replace("\n", "\r\n")
    assert load_public_key(padded).public_numbers() == key.public_numbers()


@pytest.mark.parametrize(
    "text", ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidKey) as refused:
        load_public_key(text)
    assert refused.value.public_message == "The key is not a usable RSA key."
    with pytest.raises(InvalidKey):
        load_private_key(text)


def test_non_rsa_keys_are_refused() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    private_pem = ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        ec_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    with pytest.raises(InvalidKey, match="not RSA"):
        load_private_key(private_pem)
    with pytest.raises(InvalidKey, match="not RSA"):
        load_public_key(public_pem)


def test_public_key_of_the_private_pem_is_refused_as_public(fresh_pair: KeyPair) -> None:
    with pytest.raises(InvalidKey):
        load_public_key(fresh_pair.private_pem)


def test_key_pair_repr_hides_the_private_key(fresh_pair: KeyPair) -> None:
    assert "PRIVATE" not in repr(fresh_pair)
    assert isinstance(load_private_key(fresh_pair.private_pem), rsa.RSAPrivateKey)
