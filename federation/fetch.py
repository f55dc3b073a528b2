"""Remote lookups built on ``RemoteClient``: handles, WebFinger, actor documents, objects.

Nothing is stored here. Every document is checked against the origin that served it: an
object whose ``id`` names another origin (scheme's host and port) than the URL it finally came
from — after redirects — is refused as ``ForgedObject``, because only a server may speak for
its own ids. The caller still compares the returned ``id`` with the one it expected.

Errors are the ``FetchError`` tree documented in ``federation.client.errors``; this module adds
``InvalidHandle``, ``InvalidRemoteObject`` and its subclass ``ForgedObject``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from federation.client import FetchError, RemoteClient, Signer
from federation.vocab.jsonld import as_list, id_of, is_activity_json

ACTOR_TYPES = frozenset({"Person", "Organization", "Group", "Application", "Service"})

_USER = re.compile(r"[A-Za-z0-9_.~+-]{1,255}")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidHandle(FetchError):
    public_message = "The account handle is not of the form user@host."


class InvalidRemoteObject(FetchError):
    public_message = "The remote document is not a usable ActivityPub object."


class ForgedObject(InvalidRemoteObject):
    public_message = "The remote object claims an id on another host than the one that served it."


def parse_handle(handle: str) -> tuple[str, str]:
    """Split ``@user@host``, ``user@host`` or ``acct:user@host`` into ``(user, host)``.

    The host is lower-cased and may carry a port (``127.0.0.1:8001``) or be a bracketed IPv6
    literal; internationalised names are returned in their ASCII (punycode) form. Raises
    ``InvalidHandle``.
    """
    text = handle.strip()
    if text[:5].lower() == "acct:":
        text = text[5:]
    text = text.removeprefix("@")
    user, at, host = text.partition("@")
    if not at or not _USER.fullmatch(user):
        raise InvalidHandle(f"not a user@host handle: {handle!r}")
    return user, _normalise_host(host, handle)


def _normalise_host(host: str, handle: str) -> str:
    if "@" in host:
        raise InvalidHandle(f"more than one @ in {handle!r}")
    try:
        parts = urlsplit(f"//{host}")
        port = parts.port
    except ValueError as exc:
        raise InvalidHandle(f"bad host in {handle!r}: {exc}") from exc
    name = parts.hostname or ""
    if parts.netloc != host or not name or parts.path or parts.query or parts.fragment:
        raise InvalidHandle(f"bad host in {handle!r}")
    if host.startswith("["):  # IPv6 literal; urlsplit validated the brackets and port
        return host.lower()
    try:
        name = name.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidHandle(f"bad host name in {handle!r}: {exc}") from exc
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
        raise InvalidHandle(f"bad host name in {handle!r}")
    return f"{name}:{port}" if port is not None else name


async def webfinger(client: RemoteClient, handle: str, *, scheme: str = "https") -> str:
    """Resolve a handle to its actor URL: the JRD's ``self`` link with an AS2 media type.

    ``scheme="http"`` is for loopback tests only. Raises ``InvalidHandle``, the
    ``RemoteClient`` errors (``RemoteStatus`` with ``gone`` for an unknown account), or
    ``InvalidRemoteObject`` when the JRD has no usable ``self`` link.
    """
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"scheme must be http or https, not {scheme!r}")
    user, host = parse_handle(handle)
    query = urlencode({"resource": f"acct:{user}@{host}"})
    url = f"{scheme}://{host}/.well-known/webfinger?{query}"
    jrd = await client.get_jrd(url)
    for link in as_list(jrd.get("links")):
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        kind, href = link.get("type"), link.get("href")
        if isinstance(kind, str) and is_activity_json(kind) and _is_http_url(href):
            return str(href)
    raise InvalidRemoteObject(f"no ActivityStreams self link for {user}@{host}", url=url)


async def fetch_object(client: RemoteClient, url: str, signer: Signer | None) -> dict[str, Any]:
    """Fetch an object whose ``id`` is on the origin that served it; raise a FetchError."""
    fetched = await client.get_document(url, signer=signer)
    document = fetched.document
    ident = document.get("id")
    if not isinstance(ident, str) or not _is_http_url(ident):
        raise InvalidRemoteObject("the object has no http(s) id", url=url)
    if _origin(ident) != _origin(fetched.final_url):
        raise ForgedObject(f"id {ident} served by {fetched.final_url}", url=url)
    return document


async def fetch_actor_document(
    client: RemoteClient, url: str, signer: Signer | None
) -> dict[str, Any]:
    """Fetch an actor: same-origin ``id``, an actor ``type``, an ``inbox`` and a public key.

    The key (``publicKey``, one object or a list) must carry ``publicKeyPem``, and its
    ``owner``, when given, must be the actor. Raises ``ForgedObject``,
    ``InvalidRemoteObject`` or another FetchError.
    """
    document = await fetch_object(client, url, signer)
    ident = document["id"]
    types = {kind for kind in as_list(document.get("type")) if isinstance(kind, str)}
    if not types & ACTOR_TYPES:
        raise InvalidRemoteObject(f"{ident} is a {sorted(types)}, not an actor", url=url)
    if not _is_http_url(id_of(document.get("inbox"))):
        raise InvalidRemoteObject(f"actor {ident} has no inbox", url=url)
    keys = [key for key in as_list(document.get("publicKey")) if isinstance(key, dict)]
    if not any(
        isinstance(key.get("publicKeyPem"), str) and key.get("owner", ident) == ident
        for key in keys
    ):
        raise InvalidRemoteObject(f"actor {ident} has no public key of its own", url=url)
    return document


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return parts.scheme in _DEFAULT_PORTS and bool(parts.hostname)


def _origin(url: str) -> tuple[str, int]:
    """Host and effective port of an http(s) URL; the scheme counts through its default port."""
    parts = urlsplit(url)
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
    return (parts.hostname or "").rstrip(".").lower(), port


APPLICATION_REL = "https://www.w3.org/ns/activitystreams#Application"


async def instance_actor_url(client: RemoteClient, base_url: str) -> str:
    """Another instance's actor: the FEP-2677 link in its NodeInfo discovery document, else
    the conventional ``/actor`` (Mastodon and echofed) when that document has none."""
    base = base_url.rstrip("/")
    discovery = await client.get_jrd(f"{base}/.well-known/nodeinfo")
    for link in discovery.get("links", []):
        if isinstance(link, dict) and link.get("rel") == APPLICATION_REL:
            href = link.get("href")
            if isinstance(href, str) and href.startswith(("https://", "http://")):
                return href
    return f"{base}/actor"
