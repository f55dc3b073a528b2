"""Refuse remote URLs that lead to private, loopback or otherwise non-public addresses.

Every outgoing federation request (key fetch, delivery, remote object fetch)
goes through ``check_url`` first, so that a remote actor cannot make this
server call its own admin ports or the operator's internal network (SSRF).
``allow_private`` is the development and test switch that lets two instances
talk over loopback; it is passed in by the caller, never read here.

Resolution checks *every* address a name resolves to: if any one is not
public the host is refused, since the HTTP client could connect to any of them.

Errors — each carries ``public_message`` (safe to show) and ``detail`` (for logs)::

    UnsafeAddress          a resolved or literal address is not public
    ├── InvalidURL         not http(s), no host, userinfo present, bad port
    └── UnresolvableHost   DNS gave no address for the host
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import ClassVar
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeAddress(Exception):
    """A remote address that federation must not connect to."""

    public_message: ClassVar[str] = "The remote address is not a public Internet address."

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidURL(UnsafeAddress):
    public_message = "The remote URL is not an acceptable http(s) URL."


class UnresolvableHost(UnsafeAddress):
    public_message = "The remote host name could not be resolved."


def is_public_address(address: str | IPAddress) -> bool:
    """Tell whether ``address`` is a globally routable unicast address.

    Refuses private, loopback, link-local, multicast, reserved, unspecified,
    shared (100.64.0.0/10), IPv6 unique-local and site-local addresses, and
    IPv6 forms that embed an IPv4 address (mapped, 6to4, NAT64) of those kinds.
    Raises ``ValueError`` when ``address`` is not an IP address.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.is_site_local:
            return False
    elif ip in _SHARED_ADDRESS_SPACE:
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _check_without_dns(host: str, allow_private: bool) -> str | None:
    """What can be refused before DNS: a non-public literal address, an empty name,
    ``localhost`` and ``*.localhost``. Returns the literal address, or None for a name."""
    literal = _literal_address(host)
    if literal is not None:
        if not allow_private and not is_public_address(literal):
            raise UnsafeAddress(f"{host} is not a public address")
        return str(literal)
    name = host.rstrip(".").lower()
    if not name:
        raise InvalidURL("empty host name")
    if not allow_private and (name == "localhost" or name.endswith(".localhost")):
        raise UnsafeAddress(f"{host} is a loopback name")
    return None


async def resolve_public(host: str, port: int, *, allow_private: bool = False) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing any non-public one.

    A literal IP is checked without DNS; ``localhost`` and ``*.localhost`` are
    refused without DNS. Names are resolved with the running loop's
    ``getaddrinfo``. With ``allow_private`` nothing is refused. Raises
    ``UnsafeAddress`` (or ``UnresolvableHost`` when DNS gives nothing).
    """
    literal = _check_without_dns(host, allow_private)
    if literal is not None:
        return [literal]
    name = host.rstrip(".").lower()
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(f"cannot resolve {host}: {exc}") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = str(sockaddr[0]).partition("%")[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHost(f"{host} resolved to no address")
    if not allow_private:
        refused = [address for address in addresses if not is_public_address(address)]
        if refused:
            raise UnsafeAddress(f"{host} resolves to non-public {', '.join(refused)}")
    return addresses


def check_url_form(url: str, *, allow_private: bool = False) -> tuple[str, int]:
    """The checks of ``check_url`` that need no DNS; returns the host and port.

    The URL must be http or https, name a host, carry no userinfo and have a valid port; a
    literal address must be public and ``localhost`` is refused (unless ``allow_private``). A
    host *name* is left to whoever resolves it (``resolve_public``). Raises ``InvalidURL`` or
    another ``UnsafeAddress``.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"unparsable URL {url!r}: {exc}") from exc
    if parts.scheme not in _DEFAULT_PORTS:
        raise InvalidURL(f"scheme {parts.scheme!r} is not http or https")
    if "@" in parts.netloc:
        raise InvalidURL("URL carries user information")
    if not parts.hostname:
        raise InvalidURL(f"URL {url!r} has no host")
    _check_without_dns(parts.hostname, allow_private)
    return parts.hostname, port or _DEFAULT_PORTS[parts.scheme]


async def check_url(url: str, *, allow_private: bool = False) -> list[str]:
    """Validate an outgoing URL and return the addresses its host resolves to.

    ``check_url_form``, then the host must resolve only to public addresses (unless
    ``allow_private``). Raises ``InvalidURL`` or another ``UnsafeAddress``.
    """
    host, port = check_url_form(url, allow_private=allow_private)
    return await resolve_public(host, port, allow_private=allow_private)
