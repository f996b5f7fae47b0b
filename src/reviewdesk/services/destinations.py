"""Outbound calls under the destination policy: name resolution, the check, and guarded httpx clients.

Every outbound HTTP call ReviewDesk makes (webhooks, LLM judges, …) goes through a
`DestinationGuard` built once from the settings: `check_url` when a URL is saved, and
`guard.client()` / `guard.async_client()` when it is called. The guarded transports resolve the
host themselves, refuse the request when ANY address it resolves to is refused (before a socket is
opened), then connect to the address they checked (the Host header and TLS name stay the URL's), so
a name cannot resolve to something else between check and connect. Each redirect hop is a new
request through the same transport; the clients do not follow redirects unless asked.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import anyio.to_thread
import httpx

from reviewdesk.config import Settings
from reviewdesk.domain.destinations import (
    DestinationPolicy,
    IPAddress,
    address_refusal,
    name_refusal,
    parse_ip_host,
    parse_policy,
)
from reviewdesk.errors import DestinationRefused, Invalid

# (host, port) -> every address the name stands for; raises OSError when it does not resolve.
Resolver = Callable[[str, int], Sequence[IPAddress]]
_DEFAULT_PORTS = {"http": 80, "https": 443}


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The operating system's answer (DNS, /etc/hosts), every address once, in its order."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def no_lookup_resolver(host: str, port: int) -> list[IPAddress]:
    """REVIEWDESK_RESOLVE_HOSTNAMES=off: only `localhost` has an address; other names are not looked up."""
    if host.lower().rstrip(".") == "localhost":
        return [ip_address("127.0.0.1")]
    raise OSError("name resolution is off (REVIEWDESK_RESOLVE_HOSTNAMES=off): use an IP address")


class Unresolvable(Exception):
    """The name has no address right now: not a policy matter, the same as an unreachable host."""


class DestinationBlocked(httpx.ConnectError):
    """Raised by the guarded transports instead of connecting; httpx callers see a connect error."""

    def __init__(self, refusal: DestinationRefused, request: httpx.Request) -> None:
        super().__init__(f"blocked by policy: {refusal.message}", request=request)
        self.refusal = refusal


@dataclass(frozen=True)
class DestinationGuard:
    """The policy plus the resolver it is applied through (tests inject one that never sends a packet)."""

    policy: DestinationPolicy = field(default_factory=DestinationPolicy)
    resolve: Resolver = system_resolver

    def addresses_for(self, host: str, port: int, *, field: str = "url") -> list[IPAddress]:
        """Every address `host` stands for, all allowed; DestinationRefused or Unresolvable otherwise."""
        literal = parse_ip_host(host)
        if literal is not None:
            reason = address_refusal(literal, self.policy)
            if reason:
                raise DestinationRefused(f"refused destination: {reason}", field=field)
            return [literal]
        reason = name_refusal(host, self.policy)
        if reason:
            raise DestinationRefused(f"refused destination: {reason}", field=field)
        try:
            addresses = list(self.resolve(host, port))
        except (OSError, UnicodeError) as exc:
            raise Unresolvable(f"{host} does not resolve: {exc}") from None
        if not addresses:
            raise Unresolvable(f"{host} does not resolve")
        for address in addresses:
            reason = address_refusal(address, self.policy)
            if reason:
                raise DestinationRefused(f"refused destination: {host} resolves to {reason}", field=field)
        return addresses

    def check_url(self, url: str, *, field: str = "url") -> None:
        """For a URL about to be saved: refused (or unresolvable) destinations are a 400 on `field`."""
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise Invalid("must be an http or https URL naming a host", field=field)
        try:
            self.addresses_for(parts.hostname, parts.port or _DEFAULT_PORTS[parts.scheme], field=field)
        except Unresolvable as exc:
            raise Invalid(str(exc), field=field) from None

    def pinned(self, request: httpx.Request) -> httpx.Request:
        """The request aimed at the first checked address of its host, or DestinationBlocked."""
        return _pin(request, self.checked_addresses(request))

    def checked_addresses(self, request: httpx.Request) -> list[IPAddress]:
        """The addresses a request may go to; DestinationBlocked (an httpx.ConnectError) otherwise."""
        url = request.url
        try:
            return self.addresses_for(url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 80))
        except DestinationRefused as refusal:
            raise DestinationBlocked(refusal, request) from None
        except Unresolvable as exc:
            raise httpx.ConnectError(str(exc), request=request) from None

    def client(self, **options: Any) -> httpx.Client:
        """An httpx.Client whose every request (and redirect hop) passes the policy first.

        Redirects are off unless `follow_redirects=True`; proxies from the environment are ignored
        (a proxy mount would bypass the guarded transport).
        """
        verify = options.pop("verify", True)
        options.setdefault("follow_redirects", False)
        return httpx.Client(transport=GuardedTransport(self, verify=verify), trust_env=False, **options)

    def async_client(self, **options: Any) -> httpx.AsyncClient:
        verify = options.pop("verify", True)
        options.setdefault("follow_redirects", False)
        transport = AsyncGuardedTransport(self, verify=verify)
        return httpx.AsyncClient(transport=transport, trust_env=False, **options)


def guard_for(settings: Settings) -> DestinationGuard:
    """The guard every outbound call of a process goes through, built from its settings."""
    resolve = system_resolver if settings.resolve_hostnames else no_lookup_resolver
    policy = parse_policy(settings.allow_private_destinations, settings.outbound_only_to)
    return DestinationGuard(policy, resolve)


def check_destination(url: str, policy: DestinationPolicy, *, resolve: Resolver = system_resolver) -> None:
    """Raise DestinationRefused (or Invalid) unless `policy` lets ReviewDesk send to `url`."""
    DestinationGuard(policy, resolve).check_url(url)


def _pin(request: httpx.Request, addresses: list[IPAddress]) -> httpx.Request:
    host = request.url.host
    extensions = dict(request.extensions)
    if request.url.scheme == "https" and parse_ip_host(host) is None:
        extensions["sni_hostname"] = host  # the certificate is checked against the name, not the address
    # The Host header was set from the URL when the request was built, so it keeps naming the host.
    return httpx.Request(
        request.method,
        request.url.copy_with(host=str(addresses[0])),
        headers=request.headers,
        stream=request.stream,
        extensions=extensions,
    )


class GuardedTransport(httpx.BaseTransport):
    """httpx transport: check the destination, then send through `inner` to the checked address."""

    def __init__(
        self, guard: DestinationGuard, inner: httpx.BaseTransport | None = None, **options: Any
    ) -> None:
        self.guard = guard
        self.inner = inner or httpx.HTTPTransport(**options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(self.guard.pinned(request))

    def close(self) -> None:
        self.inner.close()


class AsyncGuardedTransport(httpx.AsyncBaseTransport):
    """The same for httpx.AsyncClient; the lookup runs in a worker thread."""

    def __init__(
        self, guard: DestinationGuard, inner: httpx.AsyncBaseTransport | None = None, **options: Any
    ) -> None:
        self.guard = guard
        self.inner = inner or httpx.AsyncHTTPTransport(**options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        addresses = await anyio.to_thread.run_sync(self.guard.checked_addresses, request)
        return await self.inner.handle_async_request(_pin(request, addresses))

    async def aclose(self) -> None:
        await self.inner.aclose()
