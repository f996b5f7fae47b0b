"""Which network destinations ReviewDesk may send to: the address rules of every outbound call.

Pure rules, no I/O: a host spelled as an IP address (in any of the spellings the C resolver
accepts, `127.1`, `0x7f.1`, `2130706433`) is normalised here; names are resolved by
`services/destinations.py`, which then asks `address_refusal` about every address. By default
only public addresses pass. `REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS` lets more through:
`true` lets through every address except cloud metadata endpoints; a comma list of networks
(`127.0.0.1/32,10.20.0.0/16`) lets through exactly the addresses inside them, metadata ones
included when a listed network contains them. `REVIEWDESK_OUTBOUND_ONLY_TO` is the other way round, an
egress allowlist: when set, nothing outside its networks is sent to, public addresses included.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services hand out cloud credentials: never reachable through `true`.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, Azure, GCP, OpenStack, DigitalOcean, Oracle
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (legacy)
    )
)
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
# (network, what it is), checked in order; the first that contains an address names the refusal.
_NON_PUBLIC: tuple[tuple[IPNetwork, str], ...] = (
    (_V4("0.0.0.0/8"), "an unspecified address"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("10.0.0.0/8"), "a private address"),
    (_V4("172.16.0.0/12"), "a private address"),
    (_V4("192.168.0.0/16"), "a private address"),
    (_V4("100.64.0.0/10"), "a shared (CGNAT) address"),
    (_V4("169.254.0.0/16"), "a link-local address"),
    (_V4("192.0.0.0/24"), "an IETF protocol address"),
    (_V4("198.18.0.0/15"), "a benchmarking address"),
    (_V4("224.0.0.0/4"), "a multicast address"),
    (_V4("240.0.0.0/4"), "a reserved address"),  # 255.255.255.255 (broadcast) included
    (_V6("::/128"), "an unspecified address"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("fe80::/10"), "a link-local address"),
    (_V6("fc00::/7"), "a unique-local address"),
    (_V6("fec0::/10"), "a site-local address"),
    (_V6("ff00::/8"), "a multicast address"),
    (_V6("100::/64"), "a discard-only address"),
)
# IPv6 forms that carry an IPv4 address a packet may end up at.
_NAT64 = (_V6("64:ff9b::/96"), _V6("64:ff9b:1::/48"))
_SIX_TO_FOUR = _V6("2002::/16")
_IPV4_COMPATIBLE = _V6("::/96")


@dataclass(frozen=True)
class DestinationPolicy:
    """What `REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS` says; the default refuses every non-public address."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    # REVIEWDESK_OUTBOUND_ONLY_TO: when not empty, the only networks anything is sent to.
    only_networks: tuple[IPNetwork, ...] = ()

    def describe(self) -> str:
        if self.allow_private:
            return "true"
        return ",".join(str(n) for n in self.allowed_networks)


def parse_policy(text: str | None, only_to: str | None = None) -> DestinationPolicy:
    """`""`/`false` (public only), `true` (all but metadata), or a comma list of networks; `only_to`,
    a comma list of networks, restricts every destination to them.

    Raises ValueError naming the bad entry, so a mistyped setting stops the server at start.
    """
    only = _networks(only_to or "", "REVIEWDESK_OUTBOUND_ONLY_TO")
    value = (text or "").strip()
    if value.lower() in ("", "false", "0", "off", "no"):
        return DestinationPolicy(only_networks=only)
    if value.lower() in ("true", "1", "on", "yes"):
        return DestinationPolicy(allow_private=True, only_networks=only)
    return DestinationPolicy(
        allowed_networks=_networks(value, "REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS"), only_networks=only
    )


def _networks(text: str, setting: str) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{setting}: {entry!r} is not a network (e.g. 10.0.0.0/8)") from None
    return tuple(networks)


def _ipv4_part(text: str) -> int | None:
    """One dotted part as inet_aton reads it: 0x hex, leading-0 octal, or decimal."""
    if text[:2].lower() == "0x":
        digits, base = text[2:], 16
        if digits == "":
            return 0
    elif len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    allowed = "0123456789abcdef"[:base]
    if not digits or any(c not in allowed for c in digits.lower()):
        return None
    return int(digits, base)


def _legacy_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """`127.1`, `0x7f.0.0.1`, `017700000001`, `2130706433`: the C library's inet_aton spellings."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or any(p == "" for p in parts):
        return None
    numbers = [_ipv4_part(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = numbers
    if any(n > 0xFF for n in head) or last >= 1 << (8 * (5 - len(parts))):  # type: ignore[operator]
        return None
    value = 0
    for n in head:
        value = (value << 8) | n  # type: ignore[operator]
    value = (value << (8 * (5 - len(parts)))) | last  # type: ignore[operator]
    return ipaddress.IPv4Address(value)


def parse_ip_host(host: str) -> IPAddress | None:
    """The address a URL's host stands for when it is an IP literal in any spelling; None for a name."""
    text = host.strip().strip("[]").rstrip(".").lower()
    if ":" in text:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # a zone id (`fe80::1%eth0`) goes
        except ValueError:
            return None
        return address
    return _legacy_ipv4(text)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, -compatible, NAT64 or 6to4 IPv6 address."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in net for net in _NAT64) or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _kind(address: IPAddress) -> str | None:
    """What makes an address non-public, or None for a public one."""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    inner = embedded_ipv4(address)
    if inner is not None:
        kind = _kind(inner)
        return f"{kind} ({inner} carried in IPv6)" if kind else None
    for network, kind in _NON_PUBLIC:
        if address.version == network.version and address in network:
            return kind
    return None


def _listed(address: IPAddress, policy: DestinationPolicy) -> bool:
    candidates = [address]
    inner = embedded_ipv4(address)
    if inner is not None:
        candidates.append(inner)
    return any(a.version == n.version and a in n for a in candidates for n in policy.allowed_networks)


def address_refusal(address: IPAddress, policy: DestinationPolicy) -> str | None:
    """Why the policy refuses to send to `address`, or None when it may."""
    if policy.only_networks and not any(address in network for network in policy.only_networks):
        return f"{address} is outside REVIEWDESK_OUTBOUND_ONLY_TO"
    kind = _kind(address)
    if kind is None or _listed(address, policy):
        return None
    if policy.allow_private and "metadata" not in kind:
        return None
    hint = "" if "metadata" in kind else " (REVIEWDESK_ALLOW_PRIVATE_DESTINATIONS lets it through)"
    return f"{address} is {kind}{hint}"


def name_refusal(host: str, policy: DestinationPolicy) -> str | None:
    """Names refused before any lookup: metadata services, and `localhost` unless loopback is allowed."""
    name = host.strip().rstrip(".").lower()
    if name in METADATA_NAMES:
        return f"{name} is a cloud metadata service"
    if name == "localhost" or name.endswith(".localhost"):
        return address_refusal(ipaddress.IPv4Address("127.0.0.1"), policy)
    return None
