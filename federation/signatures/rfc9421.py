"""RFC 9421 HTTP message signatures (``Signature-Input`` + ``Signature``), rsa-v1_5-sha256.

``inspect_rfc9421`` picks the first signature whose label appears in both fields, checks
that it covers the method, target, authority, a creation time and (with a body) a digest,
and rebuilds the signing base from the covered components.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from federation.signatures.digests import check_content_digest, check_digest
from federation.signatures.errors import (
    InsufficientHeaders,
    MalformedSignature,
    MissingSignature,
    StaleDate,
    UnsupportedAlgorithm,
)
from federation.signatures.freshness import check_date, check_moment, from_timestamp
from federation.signatures.message import (
    DEFAULT_PORTS,
    MAX_SIGNATURE_HEADER_LENGTH,
    SignatureRequest,
    encode_signing_base,
)
from federation.signatures.structured_fields import Token, parse_dictionary, serialize_inner_list

RFC9421_ALGORITHMS = frozenset({"rsa-v1_5-sha256"})


def inspect_rfc9421(
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
    needs_digest: bool,
    moment: datetime,
    window: tuple[datetime, datetime],
    scheme: str,
) -> SignatureRequest:
    """Check an RFC 9421 request (headers already normalised); see ``inspect_request``."""
    signature_field = headers.get("signature")
    if signature_field is None:
        raise MissingSignature("Signature-Input without Signature")
    if max(len(signature_field), len(headers["signature-input"])) > MAX_SIGNATURE_HEADER_LENGTH:
        raise MalformedSignature("signature header is too long")
    try:
        inputs = parse_dictionary(headers["signature-input"])
        signatures = parse_dictionary(signature_field)
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
        if not isinstance(component, str) or isinstance(component, Token) or component_params:
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
        check_moment(from_timestamp(created), window, "created")
    if "date" in covered:
        check_date(headers.get("date"), window)
    if isinstance(expires, int) and from_timestamp(expires) < moment:
        raise StaleDate("signature has expired")
    if "content-digest" in covered or (needs_digest and "digest" not in covered):
        check_content_digest(headers.get("content-digest"), body)
    elif "digest" in covered:
        check_digest(headers.get("digest"), body)

    lines = [
        f'"{name}": {_component_value(name, method, path_with_query, headers, scheme)}'
        for name in covered
    ]
    lines.append(f'"@signature-params": {serialize_inner_list(components, params)}')
    return SignatureRequest(
        scheme="rfc9421",
        key_id=key_id,
        algorithm=algorithm,
        covered=tuple(covered),
        signing_base=encode_signing_base(lines),
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
    default_port = DEFAULT_PORTS.get(scheme.lower())
    if default_port is not None and authority.endswith(f":{default_port}"):
        authority = authority[: -len(default_port) - 1]
    if name == "@authority":
        return authority
    if name == "@target-uri":
        return f"{scheme.lower()}://{authority}{path_with_query}"
    raise MalformedSignature(f"unsupported derived component {name!r}")
