"""The destination policy's address rules: spellings normalised, every non-public range refused."""

from __future__ import annotations

import ipaddress

import pytest

from reviewdesk.domain.destinations import (
    DestinationPolicy,
    address_refusal,
    name_refusal,
    parse_ip_host,
    parse_policy,
)

STRICT = DestinationPolicy()
ALLOW_ALL = parse_policy("true")


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("10.1", "10.0.0.1"),
        ("3232235777", "192.168.1.1"),
        ("169.254.43518", "169.254.169.254"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("[FD00:EC2::254]", "fd00:ec2::254"),
    ],
)
def test_ip_spellings_are_read_as_the_c_resolver_reads_them(host, address):
    assert parse_ip_host(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "08.1",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.65536",
        "4294967296",
        "0xg.1",
        "a.b",
        "1..2",
        ":::",
    ],
)
def test_names_and_invalid_spellings_are_not_addresses(host):
    assert parse_ip_host(host) is None


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.3.4", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.9.8.7", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.10", "private"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.127.255.254", "shared (CGNAT)"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fc00::1", "unique-local"),
        ("fdab:cdef::1", "unique-local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata address (169.254.169.254 carried in IPv6)"),
        ("::ffff:169.254.1.1", "link-local"),
        ("64:ff9b::a00:1", "private"),
        ("2002:7f00:1::", "loopback"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_non_public_addresses_are_refused_by_default_saying_what_they_are(address, kind):
    reason = address_refusal(ipaddress.ip_address(address), STRICT)
    assert reason is not None and kind in reason


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address), STRICT) is None


def test_true_lets_private_ranges_through_but_never_metadata():
    for address in ("127.0.0.1", "10.0.0.1", "fe80::1", "fc00::1", "::ffff:192.168.1.1"):
        assert address_refusal(ipaddress.ip_address(address), ALLOW_ALL) is None
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"):
        assert "metadata" in address_refusal(ipaddress.ip_address(address), ALLOW_ALL)
    assert "metadata" in name_refusal("metadata.google.internal.", ALLOW_ALL)
    assert "metadata" in name_refusal("METADATA.google.internal", STRICT)


def test_a_network_list_lets_through_exactly_its_networks():
    policy = parse_policy(" 127.0.0.1/32, 10.20.0.0/16 ,fd12::/16")
    assert policy.allowed_networks == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("fd12::/16"),
    )
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), policy) is None
    assert address_refusal(ipaddress.ip_address("::ffff:127.0.0.1"), policy) is None
    assert address_refusal(ipaddress.ip_address("10.20.3.4"), policy) is None
    assert address_refusal(ipaddress.ip_address("fd12::9"), policy) is None
    assert address_refusal(ipaddress.ip_address("127.0.0.2"), policy) is not None
    assert address_refusal(ipaddress.ip_address("10.21.0.1"), policy) is not None
    assert address_refusal(ipaddress.ip_address("169.254.169.254"), policy) is not None
    # Metadata passes only when an operator lists it on purpose.
    assert (
        address_refusal(ipaddress.ip_address("169.254.169.254"), parse_policy("169.254.169.254/32")) is None
    )


def test_localhost_names_follow_the_loopback_rule():
    assert "loopback" in name_refusal("localhost", STRICT)
    assert "loopback" in name_refusal("api.localhost.", STRICT)
    assert name_refusal("localhost", ALLOW_ALL) is None
    assert name_refusal("localhost", parse_policy("127.0.0.0/8")) is None
    assert name_refusal("example.com", STRICT) is None


@pytest.mark.parametrize("text", ["", "false", "off", "0", None])
def test_off_spellings_are_the_strict_policy(text):
    assert parse_policy(text) == STRICT


def test_a_bad_network_in_the_setting_is_named():
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        parse_policy("127.0.0.1/32,10.0.0.0/33")
    with pytest.raises(ValueError, match="'yes please'"):
        parse_policy("yes please")
