"""X-Forwarded-For believed only from trusted proxies, read from the right."""

from __future__ import annotations

import pytest

from reviewdesk.config import Settings, parse_networks
from reviewdesk.domain.client_address import client_address

PROXIES = parse_networks("10.0.0.0/8, 2001:db8::/32 127.0.0.1")


def test_nothing_is_trusted_by_default():
    assert Settings.from_env({}).trusted_proxies == ()
    assert client_address("127.0.0.1", "192.0.2.1", ()) == "127.0.0.1"


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", "192.0.2.1", "203.0.113.9"),  # an untrusted peer's header is ignored
        ("10.0.0.2", "192.0.2.1", "192.0.2.1"),
        ("10.0.0.2", "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # the left end is the client's own text
        ("10.0.0.2", "192.0.2.1, 10.0.0.7", "192.0.2.1"),  # a chain of trusted proxies is skipped
        ("10.0.0.2", "10.0.0.9, 10.0.0.7", "10.0.0.9"),  # all trusted: the farthest one
        ("10.0.0.2", "not-an-ip, 192.0.2.1", "192.0.2.1"),
        ("10.0.0.2", "192.0.2.1, garbage", "10.0.0.2"),  # malformed where our proxy wrote: stop
        ("2001:db8::1", "2001:db8:ffff::1, 2a00::5", "2a00::5"),
        ("127.0.0.1", "", "127.0.0.1"),
        (None, "192.0.2.1", "unknown"),
    ],
)
def test_the_nearest_untrusted_hop_is_the_client(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_a_bad_network_stops_the_start():
    with pytest.raises(ValueError, match="REVIEWDESK_TRUSTED_PROXIES"):
        Settings.from_env({"REVIEWDESK_TRUSTED_PROXIES": "10.0.0.0/8, nonsense"})
