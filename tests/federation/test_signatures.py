"""HTTP signatures (federation.signatures): signing, verification, refusals.

Cross-checked against two independent published implementations installed for
tests only: ``httpsig`` (draft-cavage, on pycryptodome) in both directions, and
``http-message-signatures`` (RFC 9421) as a signer whose output we must verify.
"""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpsig
import httpx2
import pytest
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from http_message_signatures.httpx2 import adapt_message

from federation.keys import KeyPair, generate_key_pair
from federation.signatures import (
    BadSignature,
    DigestMismatch,
    InsufficientHeaders,
    MalformedSignature,
    MissingSignature,
    SignatureAuth,
    SignatureError,
    SignatureRequest,
    StaleDate,
    UnsupportedAlgorithm,
    digest_header,
    http_date,
    inspect_request,
    parse_signature_header,
    sign_request,
    verify_request,
    verify_signature,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
PRIVATE_PEM = (FIXTURES / "keys" / "test_rsa_private.pem").read_text()
PUBLIC_PEM = (FIXTURES / "keys" / "test_rsa_public.pem").read_text()
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
KEY_ID = "https://remote.example/users/alice#main-key"
INBOX = "https://grandest.example/inbox"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/alice"}'


@pytest.fixture(scope="module")
def other_pair() -> KeyPair:
    return generate_key_pair()


def signed_post(body: bytes = BODY, url: str = INBOX, now: datetime = NOW) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    return {**headers, **sign_request("POST", url, headers, body, KEY_ID, PRIVATE_PEM, now=now)}


def httpsig_sign(
    names: list[str],
    headers: dict[str, str],
    *,
    method: str = "POST",
    path: str = "/inbox",
    algorithm: str = "rsa-sha256",
) -> dict[str, str]:
    """Sign with the independent httpsig library, which signs any header list it is given."""
    signer = httpsig.HeaderSigner(
        KEY_ID, PRIVATE_PEM, algorithm=algorithm, headers=names, sign_header="signature"
    )
    return dict(signer.sign(headers, method=method, path=path))


def base_headers(body: bytes = BODY) -> dict[str, str]:
    return {
        "Host": "grandest.example",
        "Date": http_date(NOW),
        "Digest": digest_header(body),
        "Content-Type": "application/activity+json",
    }


def inspect_post(
    headers: dict[str, str], body: bytes | None = BODY, **options: Any
) -> SignatureRequest:
    options.setdefault("now", NOW)
    return inspect_request("POST", "/inbox", headers, body, **options)


# --- fixed sample ------------------------------------------------------------


def load_known_good() -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads(
        (FIXTURES / "signatures" / "known_good_cavage.json").read_text()
    )
    return fixture


def test_known_good_signed_request_keeps_verifying() -> None:
    sample = load_known_good()
    verified = verify_request(
        sample["method"],
        sample["path"],
        sample["headers"],
        sample["body"].encode("utf-8"),
        PUBLIC_PEM,
        now=datetime.fromisoformat(sample["now"]),
    )
    assert verified.key_id == sample["key_id"]
    assert verified.signed_headers == ("(request-target)", "host", "date", "digest", "content-type")
    assert verified.algorithm == "rsa-sha256"
    assert verified.scheme == "cavage"


def test_known_good_sample_verifies_with_httpsig() -> None:
    sample = load_known_good()
    verifier = httpsig.HeaderVerifier(
        sample["headers"],
        PUBLIC_PEM,
        required_headers=["(request-target)", "host", "date", "digest"],
        method=sample["method"],
        path=sample["path"],
        sign_header="signature",
    )
    assert verifier.verify()


def test_known_good_sample_with_tampered_body_and_digest_is_refused() -> None:
    sample = load_known_good()
    body = sample["body"].replace("Bonjour", "Pwned").encode("utf-8")
    headers = {**sample["headers"], "Digest": digest_header(body)}
    with pytest.raises(BadSignature):
        verify_request("POST", sample["path"], headers, body, PUBLIC_PEM, now=NOW)


# --- signing -------------------------------------------------------------------


def test_digest_header_of_empty_body() -> None:
    assert digest_header(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_sign_request_returns_the_headers_to_add() -> None:
    added = sign_request(
        "POST", "https://grandest.example:8443/inbox?x=1", {}, BODY, KEY_ID, PRIVATE_PEM, now=NOW
    )
    assert set(added) == {"Date", "Host", "Digest", "Signature"}
    assert added["Date"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    assert added["Host"] == "grandest.example:8443"
    parsed = parse_signature_header(added["Signature"])
    assert parsed.key_id == KEY_ID
    assert parsed.algorithm == "rsa-sha256"
    assert parsed.headers == ("(request-target)", "host", "date", "digest")
    verify_request("POST", "/inbox?x=1", added, BODY, PUBLIC_PEM, now=NOW)


def test_signed_get_covers_accept_and_has_no_digest() -> None:
    headers = {"Accept": "application/activity+json"}
    added = sign_request(
        "GET", "https://grandest.example/actors/a", headers, None, KEY_ID, PRIVATE_PEM, now=NOW
    )
    assert "Digest" not in added
    assert parse_signature_header(added["Signature"]).headers == (
        "(request-target)",
        "host",
        "date",
        "accept",
    )
    verified = verify_request("GET", "/actors/a", {**headers, **added}, None, PUBLIC_PEM, now=NOW)
    assert "digest" not in verified.signed_headers


def test_verification_accepts_case_insensitive_mappings() -> None:
    headers = httpx2.Headers({name.upper(): value for name, value in signed_post().items()})
    verify_request("POST", "/inbox", headers, BODY, PUBLIC_PEM, now=NOW)


def test_sign_request_refuses_naive_datetimes_and_odd_urls() -> None:
    with pytest.raises(ValueError):
        sign_request("POST", INBOX, {}, BODY, KEY_ID, PRIVATE_PEM, now=datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        sign_request("POST", "ftp://grandest.example/inbox", {}, BODY, KEY_ID, PRIVATE_PEM)
    with pytest.raises(ValueError):
        sign_request("POST", INBOX, {}, BODY, 'evil",headers="date', PRIVATE_PEM)


def test_signature_auth_signs_httpx2_requests() -> None:
    seen: list[tuple[str, ...]] = []

    def inbox(request: httpx2.Request) -> httpx2.Response:
        body = request.read() if request.method == "POST" else None
        verified = verify_request(
            request.method, request.url.raw_path.decode("ascii"), request.headers, body, PUBLIC_PEM
        )
        seen.append(verified.signed_headers)
        return httpx2.Response(202)

    auth = SignatureAuth(KEY_ID, PRIVATE_PEM)
    with httpx2.Client(transport=httpx2.MockTransport(inbox), auth=auth) as client:
        assert (
            client.post(
                "https://grandest.example:8443/inbox?q=1", json={"type": "Like"}
            ).status_code
            == 202
        )
        client.get(
            "https://grandest.example/actors/a", headers={"Accept": "application/activity+json"}
        )
    assert seen == [
        ("(request-target)", "host", "date", "digest", "content-type"),
        ("(request-target)", "host", "date", "accept"),
    ]
    assert "PRIVATE" not in repr(auth)


async def test_signature_auth_signs_async_httpx2_requests() -> None:
    def inbox(request: httpx2.Request) -> httpx2.Response:
        verify_request("POST", "/inbox", request.headers, request.content, PUBLIC_PEM)
        return httpx2.Response(202)

    auth = SignatureAuth(KEY_ID, PRIVATE_PEM)
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(inbox), auth=auth) as client:
        response = await client.post(
            INBOX, content=BODY, headers={"Content-Type": "application/activity+json"}
        )
    assert response.status_code == 202


# --- cross-checks with httpsig (draft-cavage) -------------------------------------


def test_httpsig_verifies_what_we_sign() -> None:
    headers = signed_post()
    verifier = httpsig.HeaderVerifier(
        headers,
        PUBLIC_PEM,
        required_headers=["(request-target)", "host", "date", "digest"],
        method="POST",
        path="/inbox",
        sign_header="signature",
    )
    assert verifier.verify()


def test_we_verify_what_httpsig_signs() -> None:
    names = ["(request-target)", "host", "date", "digest", "content-type"]
    headers = httpsig_sign(names, base_headers())
    verified = verify_signature(inspect_post(headers), PUBLIC_PEM)
    assert verified.signed_headers == tuple(names)


def test_we_verify_a_signed_get_from_httpsig() -> None:
    headers = {
        "Host": "grandest.example",
        "Date": http_date(NOW),
        "Accept": "application/activity+json",
    }
    signed = httpsig_sign(
        ["(request-target)", "host", "date", "accept"],
        headers,
        method="GET",
        path="/actors/a?page=1",
    )
    verify_request("GET", "/actors/a?page=1", signed, None, PUBLIC_PEM, now=NOW)
    with pytest.raises(BadSignature):
        verify_request("GET", "/actors/b?page=1", signed, None, PUBLIC_PEM, now=NOW)


def test_sha512_digest_is_accepted() -> None:
    digest = "SHA-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode("ascii")
    headers = httpsig_sign(
        ["(request-target)", "host", "date", "digest"], {**base_headers(), "Digest": digest}
    )
    verify_signature(inspect_post(headers), PUBLIC_PEM)


def test_hs2019_and_absent_algorithm_are_accepted() -> None:
    headers = signed_post()
    for replacement in ('algorithm="hs2019",', ""):
        signature = headers["Signature"].replace('algorithm="rsa-sha256",', replacement)
        verified = verify_request(
            "POST", "/inbox", {**headers, "Signature": signature}, BODY, PUBLIC_PEM, now=NOW
        )
        assert verified.algorithm == "hs2019"


def test_authorization_header_form_is_accepted() -> None:
    headers = signed_post()
    headers["Authorization"] = "Signature " + headers.pop("Signature")
    verify_request("POST", "/inbox", headers, BODY, PUBLIC_PEM, now=NOW)


# --- refusals (draft-cavage) ---------------------------------------------------------


def test_unsigned_request_is_refused() -> None:
    with pytest.raises(MissingSignature) as refused:
        inspect_post(base_headers())
    assert refused.value.public_message == "The request is not signed."


def test_signature_by_another_key_is_refused(other_pair: KeyPair) -> None:
    with pytest.raises(BadSignature):
        verify_signature(inspect_post(signed_post()), other_pair.public_pem)


def test_tampered_signature_bytes_are_refused() -> None:
    headers = signed_post()
    parsed = parse_signature_header(headers["Signature"])
    forged = base64.b64encode(bytes([parsed.signature[0] ^ 1]) + parsed.signature[1:]).decode()
    headers["Signature"] = headers["Signature"].replace(
        base64.b64encode(parsed.signature).decode(), forged
    )
    with pytest.raises(BadSignature):
        verify_request("POST", "/inbox", headers, BODY, PUBLIC_PEM, now=NOW)


def test_replay_to_another_path_is_refused() -> None:
    with pytest.raises(BadSignature):
        verify_request("POST", "/actors/bob/inbox", signed_post(), BODY, PUBLIC_PEM, now=NOW)


def test_unusable_public_key_is_refused() -> None:
    with pytest.raises(BadSignature):
        verify_signature(
            inspect_post(signed_post()),
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        )


def test_body_not_matching_digest_is_refused() -> None:
    with pytest.raises(DigestMismatch) as refused:
        inspect_post(signed_post(), body=BODY + b" ")
    assert "digest" in refused.value.public_message


@pytest.mark.parametrize(
    "digest",
    [None, "MD5=Zm9v", "SHA-256", "SHA-256=not base64!"],
    ids=["absent", "unsupported", "no-value", "bad-base64"],
)
def test_missing_or_unusable_digest_is_refused(digest: str | None) -> None:
    headers = {**base_headers()}
    if digest is None:
        del headers["Digest"]
    else:
        headers["Digest"] = digest
    names = ["(request-target)", "host", "date"] + (["digest"] if digest else [])
    signed = httpsig_sign(names, headers)
    if digest is None:
        signed["signature"] = signed["signature"].replace(
            'headers="(request-target) host date"', 'headers="(request-target) host date digest"'
        )
    with pytest.raises(DigestMismatch):
        inspect_post(signed)


def test_stale_date_is_refused() -> None:
    with pytest.raises(StaleDate, match="too old"):
        inspect_post(signed_post(now=NOW - timedelta(hours=12, seconds=1)))
    inspect_post(signed_post(now=NOW - timedelta(hours=11, minutes=59)))


def test_future_date_is_refused() -> None:
    with pytest.raises(StaleDate, match="future"):
        inspect_post(signed_post(now=NOW + timedelta(hours=1, seconds=1)))
    inspect_post(signed_post(now=NOW + timedelta(minutes=59)))


def test_date_window_is_configurable() -> None:
    headers = signed_post(now=NOW - timedelta(minutes=10))
    with pytest.raises(StaleDate):
        inspect_post(headers, max_past=timedelta(minutes=5))
    with pytest.raises(StaleDate):
        inspect_post(signed_post(now=NOW + timedelta(seconds=31)), max_future=timedelta(seconds=30))


def test_active_boxes_flaw_request_target_only_with_arbitrary_body_is_refused() -> None:
    """A signature over only (request-target) says nothing about the body or the time."""
    body = (
        b'{"type":"Delete","actor":"https://remote.example/users/alice",'
        b'"object":"https://grandest.example/events/1"}'
    )
    headers = httpsig_sign(
        ["(request-target)"],
        {"Host": "grandest.example", "Content-Type": "application/activity+json"},
    )
    with pytest.raises(InsufficientHeaders):
        inspect_post(headers, body=body)


@pytest.mark.parametrize(
    "names",
    [
        ["date"],
        ["(request-target)", "host"],
        ["(request-target)", "date", "digest"],
        ["host", "date", "digest"],
        ["(request-target)", "host", "date"],
    ],
    ids=["date-only", "no-date", "no-host", "no-target", "no-digest-with-body"],
)
def test_insufficient_signed_headers_are_refused(names: list[str]) -> None:
    with pytest.raises(InsufficientHeaders):
        inspect_post(httpsig_sign(names, base_headers()))


def test_signature_without_headers_parameter_defaults_to_date_and_is_refused() -> None:
    signed = httpsig_sign(["date"], base_headers())
    signed["signature"] = signed["signature"].replace('headers="date",', "")
    assert parse_signature_header(signed["signature"]).headers == ("date",)
    with pytest.raises(InsufficientHeaders):
        inspect_post(signed)


def test_get_without_date_is_refused() -> None:
    headers = {"Host": "grandest.example", "Accept": "application/activity+json"}
    signed = httpsig_sign(
        ["(request-target)", "host", "accept"], headers, method="GET", path="/actors/a"
    )
    with pytest.raises(InsufficientHeaders):
        inspect_request("GET", "/actors/a", signed, None, now=NOW)


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "hmac-sha256", "rsa-sha1"])
def test_unsupported_algorithm_is_refused(algorithm: str) -> None:
    names = ["(request-target)", "host", "date", "digest"]
    secret = PRIVATE_PEM if algorithm.startswith("rsa") else "secret"
    signer = httpsig.HeaderSigner(
        KEY_ID, secret, algorithm=algorithm, headers=names, sign_header="signature"
    )
    signed = dict(signer.sign(base_headers(), method="POST", path="/inbox"))
    with pytest.raises(UnsupportedAlgorithm):
        inspect_post(signed)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        'keyId="k",signature="not base64!!",headers="date"',
        'signature="AAAA",headers="date"',
        'keyId="k",keyId="j",signature="AAAA"',
        'keyId="k",signature=""',
        'keyId="k" signature="AAAA"',
        'keyId="k",signature="AAAA",created=soon',
        'keyId="k",signature="AAAA",headers=""',
        'keyId="' + "k" * 9000 + '",signature="AAAA"',
    ],
)
def test_malformed_signature_header_is_refused(value: str) -> None:
    with pytest.raises(MalformedSignature):
        parse_signature_header(value)
    with pytest.raises(MalformedSignature):
        inspect_post({**base_headers(), "Signature": value})


def test_parse_signature_header_reads_quoted_values() -> None:
    parsed = parse_signature_header(
        ' keyId="https://a.example/u#k" , algorithm="hs2019",created=1700000000,'
        'headers="(request-target) (created) host",signature="AAAA"'
    )
    assert parsed.key_id == "https://a.example/u#k"
    assert parsed.algorithm == "hs2019"
    assert parsed.created == 1700000000
    assert parsed.headers == ("(request-target)", "(created)", "host")
    assert parsed.signature == b"\x00\x00\x00"
    # Backslash escapes inside quotes (quoted-string), and a quote never closed.
    escaped = parse_signature_header('keyId="a\\"b\\\\c,d",signature="AAAA"')
    assert escaped.key_id == 'a"b\\c,d'
    with pytest.raises(MalformedSignature):
        parse_signature_header('keyId="a\\",signature="AAAA"')


def test_unparsable_date_and_absent_signed_header_are_malformed() -> None:
    signed = httpsig_sign(
        ["(request-target)", "host", "date", "digest"], {**base_headers(), "Date": "yesterday"}
    )
    with pytest.raises(MalformedSignature):
        inspect_post(signed)
    signed = httpsig_sign(
        ["(request-target)", "host", "date", "digest", "content-type"], base_headers()
    )
    del signed["content-type"]
    with pytest.raises(MalformedSignature):
        inspect_post(signed)


def test_header_with_line_break_is_malformed() -> None:
    with pytest.raises(MalformedSignature):
        inspect_post({**signed_post(), "Content-Type": "application/activity+json\ndate: x"})


def test_every_error_has_a_distinct_safe_public_message() -> None:
    classes = [
        MissingSignature,
        MalformedSignature,
        UnsupportedAlgorithm,
        InsufficientHeaders,
        StaleDate,
        DigestMismatch,
        BadSignature,
    ]
    messages = {cls.public_message for cls in classes}
    assert len(messages) == len(classes)
    error = BadSignature("signature by 'https://x' does not verify")
    assert isinstance(error, SignatureError)
    assert "https://x" not in error.public_message
    assert error.detail == str(error)


# --- RFC 9421 on input, cross-checked with http-message-signatures ---------------------


def rfc9421_request(
    components: tuple[str, ...],
    *,
    method: str = "POST",
    url: str = INBOX,
    body: bytes | None = BODY,
    created: datetime = NOW,
    algorithm: type[algorithms.HTTPSignatureAlgorithm] = algorithms.RSA_V1_5_SHA256,
    **options: Any,
) -> httpx2.Request:
    """Sign a request with the independent http-message-signatures library."""
    request = httpx2.Request(
        method,
        url,
        headers={"Date": http_date(created), "Content-Type": "application/activity+json"},
        content=body,
    )
    signer = HTTPMessageSigner(
        signature_algorithm=algorithm,
        key_resolver=MappingKeyResolver(
            public_keys={}, private_keys={KEY_ID: PRIVATE_PEM.encode()}
        ),
    )
    signer.sign(
        adapt_message(request),
        key_id=KEY_ID,
        created=created,
        covered_component_ids=components,
        body=body,
        **options,
    )
    return request


def inspect_rfc9421(request: httpx2.Request, **options: Any) -> SignatureRequest:
    options.setdefault("now", NOW)
    body = request.content if request.method == "POST" else None
    return inspect_request(
        request.method, request.url.raw_path.decode("ascii"), request.headers, body, **options
    )


@pytest.mark.parametrize(
    "components",
    [
        ("@method", "@target-uri"),
        ("@method", "@authority", "@path", "date", "content-type"),
        ("@method", "@request-target", "host"),
    ],
)
def test_we_verify_what_http_message_signatures_signs(components: tuple[str, ...]) -> None:
    request = rfc9421_request(components)
    assert "Content-Digest" in request.headers
    verified = verify_signature(inspect_rfc9421(request), PUBLIC_PEM)
    assert verified.scheme == "rfc9421"
    assert verified.algorithm == "rsa-v1_5-sha256"
    assert verified.key_id == KEY_ID
    assert "content-digest" in verified.signed_headers


def test_rfc9421_signed_get_with_query_nonce_tag_and_port() -> None:
    request = rfc9421_request(
        ("@method", "@authority", "@path", "@query", "@scheme"),
        method="GET",
        url="https://grandest.example:8443/actors/a?page=2&x=%20y",
        body=None,
        nonce="n-1",
        tag="fedi",
        expires=NOW + timedelta(minutes=5),
    )
    verified = verify_signature(inspect_rfc9421(request), PUBLIC_PEM)
    assert verified.signed_headers == ("@method", "@authority", "@path", "@query", "@scheme")
    with pytest.raises(BadSignature):
        verify_signature(
            inspect_request("GET", "/actors/a?page=3&x=%20y", request.headers, None, now=NOW),
            PUBLIC_PEM,
        )


def test_rfc9421_tampered_body_is_refused() -> None:
    request = rfc9421_request(("@method", "@target-uri"))
    with pytest.raises(DigestMismatch):
        inspect_request("POST", "/inbox", request.headers, BODY + b"x", now=NOW)
    headers = httpx2.Headers(request.headers)
    headers["Content-Digest"] = (
        "sha-256=:" + base64.b64encode(hashlib.sha256(BODY + b"x").digest()).decode() + ":"
    )
    with pytest.raises(BadSignature):
        verify_signature(
            inspect_request("POST", "/inbox", headers, BODY + b"x", now=NOW), PUBLIC_PEM
        )


def test_rfc9421_signature_by_another_key_is_refused(other_pair: KeyPair) -> None:
    with pytest.raises(BadSignature):
        verify_signature(
            inspect_rfc9421(rfc9421_request(("@method", "@target-uri"))), other_pair.public_pem
        )


def test_rfc9421_stale_future_and_expired_are_refused() -> None:
    with pytest.raises(StaleDate):
        inspect_rfc9421(
            rfc9421_request(("@method", "@target-uri"), created=NOW - timedelta(hours=13))
        )
    with pytest.raises(StaleDate):
        inspect_rfc9421(
            rfc9421_request(("@method", "@target-uri"), created=NOW + timedelta(hours=2))
        )
    expiring = rfc9421_request(
        ("@method", "@target-uri"),
        created=NOW - timedelta(minutes=10),
        expires=NOW - timedelta(minutes=5),
    )
    with pytest.raises(StaleDate, match="expired"):
        inspect_rfc9421(expiring)


@pytest.mark.parametrize(
    ("components", "method", "url"),
    [
        (("@method", "@path"), "POST", INBOX),
        (("@target-uri",), "POST", INBOX),
        (("@method", "@authority", "@path"), "GET", INBOX + "?page=1"),
    ],
    ids=["no-authority", "no-method", "path-without-query"],
)
def test_rfc9421_insufficient_components_are_refused(
    components: tuple[str, ...], method: str, url: str
) -> None:
    body = BODY if method == "POST" else None
    request = rfc9421_request(components, method=method, url=url, body=body)
    with pytest.raises(InsufficientHeaders):
        inspect_rfc9421(request)


def test_rfc9421_without_created_or_date_is_refused() -> None:
    headers = {
        **base_headers(),
        "Content-Digest": "sha-256=:"
        + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
        + ":",
        "Signature-Input": 'sig1=("@method" "@target-uri" "content-digest");keyid="k"',
        "Signature": "sig1=:AAAA:",
    }
    with pytest.raises(InsufficientHeaders, match="created"):
        inspect_post(headers)


@pytest.mark.parametrize(
    ("content_digest", "accepted"),
    [
        ("sha-512=:" + base64.b64encode(hashlib.sha512(BODY).digest()).decode() + ":", True),
        (
            "md5=:AAAA:, sha-256=:"
            + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
            + ":",
            True,
        ),
        ("md5=:AAAA:", False),
        ("sha-256=:" + base64.b64encode(hashlib.sha256(b"other").digest()).decode() + ":", False),
        ('sha-256="not bytes"', False),
        ("sha-256=:AAAA", False),
    ],
)
def test_rfc9421_content_digest_algorithms(content_digest: str, accepted: bool) -> None:
    headers = {
        **base_headers(),
        "Content-Digest": content_digest,
        "Signature-Input": (
            'sig1=("@method" "@target-uri" "content-digest");created=1740830400;keyid="k"'
        ),
        "Signature": "sig1=:AAAA:",
    }
    if accepted:
        assert inspect_post(headers).key_id == "k"
    else:
        with pytest.raises(DigestMismatch):
            inspect_post(headers)


def test_rfc9421_without_digest_coverage_is_refused() -> None:
    request = rfc9421_request(("@method", "@target-uri"), body=None)
    with pytest.raises(InsufficientHeaders):
        inspect_request("POST", "/inbox", request.headers, BODY, now=NOW)


def test_rfc9421_unsupported_algorithm_is_refused() -> None:
    request = rfc9421_request(("@method", "@target-uri"), algorithm=algorithms.RSA_PSS_SHA512)
    with pytest.raises(UnsupportedAlgorithm):
        inspect_rfc9421(request)


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [
        ('sig1=("@method" "@target-uri");created=1740830400;keyid="k"', None),
        ("sig1=(", "sig1=:AAAA:"),
        ('sig1=("@method" "@target-uri");created=1740830400;keyid="k"', "sig2=:AAAA:"),
        ('sig1=("@method" "@target-uri");created=1740830400', "sig1=:AAAA:"),
        (
            'sig1=("@method" "@target-uri" "content-digest";sf);created=1740830400;keyid="k"',
            "sig1=:AAAA:",
        ),
        (
            'sig1=("@method" "@target-uri" "@query-param";name="a");created=1740830400;keyid="k"',
            "sig1=:AAAA:",
        ),
        ('sig1=("@method" "@target-uri");created=1740830400;keyid="k"', 'sig1="AAAA"'),
        ('sig1=("@method" "@target-uri" "@method");created=1740830400;keyid="k"', "sig1=:AAAA:"),
        ('sig1=("@method" "@target-uri");created="now";keyid="k"', "sig1=:AAAA:"),
    ],
    ids=[
        "no-signature",
        "bad-sf",
        "label-mismatch",
        "no-keyid",
        "component-params",
        "query-param",
        "signature-not-bytes",
        "duplicate-component",
        "created-not-int",
    ],
)
def test_rfc9421_malformed_or_missing_is_refused(
    signature_input: str, signature: str | None
) -> None:
    headers = {**base_headers(), "Signature-Input": signature_input}
    if signature is not None:
        headers["Signature"] = signature
    expected: type[SignatureError] = MissingSignature if signature is None else MalformedSignature
    with pytest.raises(expected):
        inspect_post(headers)
