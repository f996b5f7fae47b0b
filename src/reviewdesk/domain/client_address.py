"""Which address a request came from, believing X-Forwarded-For only from proxies we were told to trust."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(address: str, trusted: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[IPNetwork]) -> str:
    """The peer's address unless the peer is a trusted proxy; then the nearest address in
    X-Forwarded-For that is not itself a trusted proxy, read from the right (the left end is whatever
    the client wrote). Nothing is trusted by default."""
    address = peer or "unknown"
    if not forwarded_for or not _trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed hop: stop at the last address a trusted proxy vouched for
        address = hop
        if not _trusted(hop, trusted):
            return hop
    return address
