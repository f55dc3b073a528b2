"""Refusal of non-public remote addresses (federation.netsafety).

The network is closed here: only literal addresses and ``localhost`` are used,
so no test asks an Internet resolver anything.
"""

import ipaddress

import pytest

from federation.netsafety import (
    InvalidURL,
    UnsafeAddress,
    check_url,
    is_public_address,
    resolve_public,
)

NON_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "10.255.1.2",
    "172.16.5.4",
    "192.168.1.20",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::",
    "64:ff9b::a00:1",
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


def test_is_public_address_rejects_non_addresses() -> None:
    with pytest.raises(ValueError):
        is_public_address("example.org")


@pytest.mark.parametrize("address", NON_PUBLIC)
async def test_literal_non_public_hosts_are_refused(address: str) -> None:
    with pytest.raises(UnsafeAddress) as refused:
        await resolve_public(address, 443)
    assert refused.value.public_message == "The remote address is not a public Internet address."
    canonical = str(ipaddress.ip_address(address))
    assert await resolve_public(address, 443, allow_private=True) == [canonical]


async def test_literal_public_host_is_accepted_without_dns() -> None:
    assert await resolve_public("93.184.216.34", 443) == ["93.184.216.34"]
    assert await resolve_public("[2606:4700:4700::1111]", 443) == ["2606:4700:4700::1111"]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "api.localhost"])
async def test_localhost_names_are_refused(host: str) -> None:
    with pytest.raises(UnsafeAddress):
        await resolve_public(host, 80)


async def test_localhost_is_allowed_with_allow_private() -> None:
    addresses = await resolve_public("localhost", 8000, allow_private=True)
    assert addresses
    assert all(not is_public_address(address) for address in addresses)


async def test_numeric_host_spellings_resolving_to_loopback_are_refused() -> None:
    # inet_aton spellings of 127.0.0.1, resolved locally by getaddrinfo.
    with pytest.raises(UnsafeAddress):
        await resolve_public("2130706433", 80)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/inbox",
        "https://[::1]/actor",
        "https://10.1.2.3/",
        "https://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "https://[fc00::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://100.64.1.1/",
        "https://localhost/users/a",
    ],
)
async def test_check_url_refuses_private_targets(url: str) -> None:
    with pytest.raises(UnsafeAddress):
        await check_url(url)
    assert await check_url(url, allow_private=True)


async def test_check_url_accepts_public_literal() -> None:
    assert await check_url("https://93.184.216.34/users/alice") == ["93.184.216.34"]
    assert await check_url("http://93.184.216.34:8080/inbox") == ["93.184.216.34"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.216.34/file",
        "file:///etc/passwd",
        "gopher://93.184.216.34/",
        "https:///no-host",
        "https://user:secret@93.184.216.34/",
        "https://user@93.184.216.34/",
        "https://93.184.216.34:99999/",
        "https://93.184.216.34:port/",
        "/relative/path",
    ],
)
async def test_check_url_refuses_invalid_urls(url: str) -> None:
    with pytest.raises(InvalidURL) as refused:
        await check_url(url, allow_private=True)
    assert refused.value.public_message == "The remote URL is not an acceptable http(s) URL."
