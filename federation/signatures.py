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

Errors — every one carries ``public_message`` (safe to send to a peer) and
``detail`` (for logs)::

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

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from typing import ClassVar, Literal, NoReturn
from urllib.parse import SplitResult, urlsplit

import httpx2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from federation.keys import InvalidKey, load_private_key, load_public_key

DEFAULT_MAX_PAST = timedelta(hours=12)
DEFAULT_MAX_FUTURE = timedelta(hours=1)
MAX_SIGNATURE_HEADER_LENGTH = 8192
CAVAGE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
RFC9421_ALGORITHMS = frozenset({"rsa-v1_5-sha256"})
BODILESS_METHODS = frozenset({"GET", "HEAD"})

SignatureScheme = Literal["cavage", "rfc9421"]

_DIGESTS: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
}
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_CAVAGE_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*')


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


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """The parameters of a draft-cavage ``Signature`` header."""

    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes = field(repr=False)
    created: int | None = None
    expires: int | None = None


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


# --- signing ---------------------------------------------------------------


def digest_header(body: bytes) -> str:
    """Return the draft-cavage ``Digest`` header value for ``body`` (``SHA-256=<base64>``)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def http_date(moment: datetime) -> str:
    """Format an aware datetime as an HTTP date (``Tue, 07 Jun 2022 20:51:35 GMT``)."""
    return format_datetime(_as_utc(moment), usegmt=True)


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign a request with draft-cavage rsa-sha256 and return the headers to add.

    The returned ``Date``, ``Host``, ``Digest`` (when ``body`` is not None) and
    ``Signature`` headers supersede any of the same name in ``headers``. The
    signature covers ``(request-target) host date``, plus ``digest`` and
    ``content-type`` (when present) for a body, or ``accept`` (when present)
    without one. ``Host`` is taken from ``headers`` when present, else from ``url``.
    """
    if '"' in key_id or "\\" in key_id:
        raise ValueError("key_id must not contain quotes or backslashes")
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"cannot sign a request to {url!r}")
    existing = _normalise_headers(headers)
    added = {
        "Date": http_date(now if now is not None else datetime.now(UTC)),
        "Host": existing.get("host") or _authority_of(parts),
    }
    values = {"host": added["Host"], "date": added["Date"]}
    names = ["(request-target)", "host", "date"]
    if body is not None:
        added["Digest"] = values["digest"] = digest_header(body)
        names.append("digest")
        optional = "content-type"
    else:
        optional = "accept"
    if optional in existing:
        values[optional] = existing[optional]
        names.append(optional)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    base = _cavage_base(tuple(names), method, target, values, created=None, expires=None)
    signature = load_private_key(private_key_pem).sign(base, PKCS1v15(), SHA256())
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return added


class SignatureAuth(httpx2.Auth):
    """Sign every outgoing ``httpx2`` request as ``key_id`` (draft-cavage, rsa-sha256)."""

    requires_request_body = True

    def __init__(self, key_id: str, private_key_pem: str) -> None:
        self.key_id = key_id
        self.private_key_pem = private_key_pem

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        """Add Date, Host, Digest and Signature headers to ``request`` and send it."""
        body: bytes | None = request.content
        if request.method.upper() in BODILESS_METHODS and not body:
            body = None
        request.headers.update(
            sign_request(
                request.method,
                str(request.url),
                request.headers,
                body,
                self.key_id,
                self.private_key_pem,
            )
        )
        yield request

    def __repr__(self) -> str:
        return f"SignatureAuth(key_id={self.key_id!r})"


# --- verification ----------------------------------------------------------


def parse_signature_header(value: str) -> ParsedSignature:
    """Parse a draft-cavage ``Signature`` header value (``keyId="…",signature="…",…``).

    A missing ``algorithm`` reads as ``hs2019`` and missing ``headers`` as
    ``date``, as the draft says. Raises ``MalformedSignature``.
    """
    if len(value) > MAX_SIGNATURE_HEADER_LENGTH:
        raise MalformedSignature("signature header is too long")
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _CAVAGE_PARAM.match(value, position)
        if match is None:
            raise MalformedSignature(f"unparsable signature parameter at {position}")
        name, raw = match.group(1).lower(), match.group(2)
        if name in params:
            raise MalformedSignature(f"duplicate signature parameter {name!r}")
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[name] = raw
        position = match.end()
        if position < len(value):
            if value[position] != ",":
                raise MalformedSignature(f"expected ',' at {position}")
            position += 1
    key_id = params.get("keyid", "")
    if not key_id:
        raise MalformedSignature("signature has no keyId")
    headers = tuple(params.get("headers", "date").lower().split())
    if not headers:
        raise MalformedSignature("signature covers no headers")
    try:
        signature = base64.b64decode(params.get("signature", ""), validate=True)
        created = int(params["created"]) if "created" in params else None
        expires = int(params["expires"]) if "expires" in params else None
    except (binascii.Error, ValueError) as exc:
        raise MalformedSignature(f"bad signature parameter: {exc}") from exc
    if not signature:
        raise MalformedSignature("signature parameter is empty")
    return ParsedSignature(
        key_id=key_id,
        algorithm=params.get("algorithm", "hs2019").lower(),
        headers=headers,
        signature=signature,
        created=created,
        expires=expires,
    )


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
        normalised = _normalise_headers(headers)
    except ValueError as exc:
        raise MalformedSignature(str(exc)) from exc
    moment = _as_utc(now) if now is not None else datetime.now(UTC)
    window = (moment - max_past, moment + max_future)
    needs_digest = method.upper() not in BODILESS_METHODS or bool(body)
    if "signature-input" in normalised:
        return _inspect_rfc9421(
            method, path_with_query, normalised, body or b"", needs_digest, moment, window, scheme
        )
    raw = normalised.get("signature")
    if raw is None:
        authorization = normalised.get("authorization", "")
        if authorization[:10].lower() == "signature ":
            raw = authorization[10:]
    if raw is None:
        raise MissingSignature("no Signature header")
    parsed = parse_signature_header(raw)
    if parsed.algorithm not in CAVAGE_ALGORITHMS:
        raise UnsupportedAlgorithm(f"algorithm {parsed.algorithm!r}")
    required = {"(request-target)", "host", "date"} | ({"digest"} if needs_digest else set())
    missing = required - set(parsed.headers)
    if missing:
        raise InsufficientHeaders(f"signature does not cover {', '.join(sorted(missing))}")
    _check_date(normalised.get("date"), window)
    if parsed.created is not None:
        _check_moment(_from_timestamp(parsed.created), window, "created")
    if parsed.expires is not None and _from_timestamp(parsed.expires) < moment:
        raise StaleDate("signature has expired")
    if needs_digest or "digest" in normalised:
        _check_legacy_digest(normalised.get("digest"), body or b"")
    base = _cavage_base(
        parsed.headers, method, path_with_query, normalised, parsed.created, parsed.expires
    )
    return SignatureRequest(
        scheme="cavage",
        key_id=parsed.key_id,
        algorithm=parsed.algorithm,
        covered=parsed.headers,
        signing_base=base,
        signature=parsed.signature,
    )


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


# --- internals -------------------------------------------------------------


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


def _from_timestamp(value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedSignature(f"timestamp {value} out of range") from exc


def _normalise_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names; join repeated fields with ', ' as both specs require."""
    combined: dict[str, list[str]] = {}
    for name, value in headers.items():
        if "\r" in value or "\n" in value:
            raise ValueError(f"header {name!r} contains a line break")
        combined.setdefault(name.strip().lower(), []).append(value.strip())
    return {name: ", ".join(values) for name, values in combined.items()}


def _authority_of(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and str(port) != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{port}"
    return host


def _encode_base(lines: list[str]) -> bytes:
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError as exc:
        raise MalformedSignature("signed values must be ASCII") from exc


def _cavage_base(
    names: tuple[str, ...],
    method: str,
    target: str,
    headers: Mapping[str, str],
    created: int | None,
    expires: int | None,
) -> bytes:
    lines = []
    for name in names:
        value: str | int | None
        if name == "(request-target)":
            value = f"{method.lower()} {target}"
        elif name == "(created)":
            value = created
        elif name == "(expires)":
            value = expires
        else:
            value = headers.get(name)
        if value is None:
            raise MalformedSignature(f"signed header {name!r} is absent")
        lines.append(f"{name}: {value}")
    return _encode_base(lines)


def _check_moment(moment: datetime, window: tuple[datetime, datetime], what: str) -> None:
    if moment < window[0]:
        raise StaleDate(f"{what} {moment.isoformat()} is too old")
    if moment > window[1]:
        raise StaleDate(f"{what} {moment.isoformat()} is in the future")


def _check_date(value: str | None, window: tuple[datetime, datetime]) -> None:
    if value is None:
        raise MalformedSignature("signed Date header is absent")
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise MalformedSignature(f"unparsable Date {value!r}") from exc
    if sent.tzinfo is None:  # "-0000" means UTC with unknown origin
        sent = sent.replace(tzinfo=UTC)
    _check_moment(sent, window, "Date")


def _check_body_digest(algorithm: str, expected: bytes, body: bytes) -> bool:
    """Compare one digest member; return whether ``algorithm`` was one we know."""
    hasher = _DIGESTS.get(algorithm)
    if hasher is None:
        return False
    if not hmac.compare_digest(expected, hasher(body).digest()):
        raise DigestMismatch(f"{algorithm} digest does not match the body")
    return True


def _check_legacy_digest(value: str | None, body: bytes) -> None:
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


def _check_content_digest(value: str | None, body: bytes) -> None:
    if value is None:
        raise DigestMismatch("Content-Digest header is absent")
    try:
        members = _parse_sf_dictionary(value)
    except ValueError as exc:
        raise DigestMismatch(f"malformed Content-Digest: {exc}") from exc
    checked = False
    for algorithm, (expected, _params) in members.items():
        if not isinstance(expected, bytes):
            raise DigestMismatch(f"Content-Digest member {algorithm!r} is not a byte sequence")
        checked = _check_body_digest(algorithm, expected, body) or checked
    if not checked:
        raise DigestMismatch(f"no supported algorithm in Content-Digest {value!r}")


def _inspect_rfc9421(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
    needs_digest: bool,
    moment: datetime,
    window: tuple[datetime, datetime],
    scheme: str,
) -> SignatureRequest:
    signature_field = headers.get("signature")
    if signature_field is None:
        raise MissingSignature("Signature-Input without Signature")
    if max(len(signature_field), len(headers["signature-input"])) > MAX_SIGNATURE_HEADER_LENGTH:
        raise MalformedSignature("signature header is too long")
    try:
        inputs = _parse_sf_dictionary(headers["signature-input"])
        signatures = _parse_sf_dictionary(signature_field)
    except ValueError as exc:
        raise MalformedSignature(str(exc)) from exc
    label = next((name for name in inputs if name in signatures), None)
    if label is None:
        raise MalformedSignature("no Signature member matches a Signature-Input member")
    components, params = inputs[label]
    signature, _ = signatures[label]
    if not isinstance(components, list) or not isinstance(signature, bytes) or not signature:
        raise MalformedSignature(f"signature {label!r} has the wrong structure")
    covered: list[str] = []
    for component, component_params in components:
        if not isinstance(component, str) or isinstance(component, _Token) or component_params:
            raise MalformedSignature(f"unsupported covered component {component!r}")
        if component in covered or component != component.lower():
            raise MalformedSignature(f"invalid covered component {component!r}")
        covered.append(component)
    key_id, algorithm = params.get("keyid"), params.get("alg", "rsa-v1_5-sha256")
    if not isinstance(key_id, str) or not key_id:
        raise MalformedSignature("signature has no keyid")
    if not isinstance(algorithm, str) or algorithm not in RFC9421_ALGORITHMS:
        raise UnsupportedAlgorithm(f"algorithm {algorithm!r}")
    created, expires = params.get("created"), params.get("expires")
    for name, stamp in (("created", created), ("expires", expires)):
        if stamp is not None and type(stamp) is not int:
            raise MalformedSignature(f"{name} is not an integer")

    has_query = bool(path_with_query.partition("?")[2])
    requirements = {
        "@method": "@method" in covered,
        "@target-uri": bool(
            {"@target-uri", "@request-target"} & set(covered)
            or ("@path" in covered and (not has_query or "@query" in covered))
        ),
        "@authority": bool({"@target-uri", "@authority", "host"} & set(covered)),
        "created": created is not None or "date" in covered,
        "content-digest": not needs_digest or bool({"content-digest", "digest"} & set(covered)),
    }
    missing = [name for name, met in requirements.items() if not met]
    if missing:
        raise InsufficientHeaders(f"signature does not cover {', '.join(missing)}")
    if isinstance(created, int):
        _check_moment(_from_timestamp(created), window, "created")
    if "date" in covered:
        _check_date(headers.get("date"), window)
    if isinstance(expires, int) and _from_timestamp(expires) < moment:
        raise StaleDate("signature has expired")
    if "content-digest" in covered or (needs_digest and "digest" not in covered):
        _check_content_digest(headers.get("content-digest"), body)
    elif "digest" in covered:
        _check_legacy_digest(headers.get("digest"), body)

    lines = [
        f'"{name}": {_component_value(name, method, path_with_query, headers, scheme)}'
        for name in covered
    ]
    lines.append(f'"@signature-params": {_serialize_sf_inner_list(components, params)}')
    return SignatureRequest(
        scheme="rfc9421",
        key_id=key_id,
        algorithm=algorithm,
        covered=tuple(covered),
        signing_base=_encode_base(lines),
        signature=signature,
    )


def _component_value(
    name: str, method: str, path_with_query: str, headers: Mapping[str, str], scheme: str
) -> str:
    if not name.startswith("@"):
        value = headers.get(name)
        if value is None:
            raise MalformedSignature(f"covered field {name!r} is absent")
        return value
    path, _, query = path_with_query.partition("?")
    if name == "@method":
        return method
    if name == "@scheme":
        return scheme.lower()
    if name == "@request-target":
        return path_with_query
    if name == "@path":
        return path or "/"
    if name == "@query":
        return "?" + query
    host = headers.get("host")
    if host is None:
        raise MalformedSignature("Host header is absent")
    authority = host.lower()
    default_port = _DEFAULT_PORTS.get(scheme.lower())
    if default_port is not None and authority.endswith(f":{default_port}"):
        authority = authority[: -len(default_port) - 1]
    if name == "@authority":
        return authority
    if name == "@target-uri":
        return f"{scheme.lower()}://{authority}{path_with_query}"
    raise MalformedSignature(f"unsupported derived component {name!r}")


# --- RFC 8941 structured fields, the subset RFC 9421 and RFC 9530 need ------


class _Token(str):
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
        return _Token(self.match(_SF_TOKEN, "item").group(0))

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


def _parse_sf_dictionary(text: str) -> dict[str, _Member]:
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
    if isinstance(value, _Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _serialize_sf_parameters(parameters: _Parameters) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={_serialize_sf_bare_item(value)}"
        for key, value in parameters.items()
    )


def _serialize_sf_inner_list(items: list[_Item], parameters: _Parameters) -> str:
    """Serialise an inner list canonically, as the ``@signature-params`` line requires."""
    inner = " ".join(
        _serialize_sf_bare_item(value) + _serialize_sf_parameters(item_parameters)
        for value, item_parameters in items
    )
    return f"({inner}){_serialize_sf_parameters(parameters)}"
