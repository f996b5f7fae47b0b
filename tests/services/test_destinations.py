"""The destination guard: refusals by resolution never connect; allowed calls go to the checked address.

Every lookup goes through a TableResolver (no DNS packet leaves the machine) and every connection
that is actually made goes to 127.0.0.1. Refused requests are shown not to connect by an inner
transport that records what reaches it.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from reviewdesk.config import Settings
from reviewdesk.domain.destinations import DestinationPolicy, parse_policy
from reviewdesk.errors import DestinationRefused, Invalid
from reviewdesk.services.destinations import (
    DestinationBlocked,
    DestinationGuard,
    GuardedTransport,
    check_destination,
    guard_for,
)
from tests.factories import TableResolver

PUBLIC = "93.184.215.14"  # never connected to: only ever reaches a recording inner transport
NAMES = {
    "hooks.example.com": [PUBLIC],
    "mixed.example.com": [PUBLIC, "10.0.0.7"],
    "rebind.example.com": ["127.0.0.1"],
    "six.example.com": ["2606:4700::1111", "::ffff:192.168.0.1"],
    "meta.example.com": ["169.254.169.254"],
    "loop.test": ["127.0.0.1"],
}


class Recorder(httpx.BaseTransport):
    """The way out of a GuardedTransport in these tests: records what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(204)


def guard(policy: str = "", table: dict | None = None) -> DestinationGuard:
    return DestinationGuard(parse_policy(policy), TableResolver(NAMES if table is None else table))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:9/x", "loopback"),
        ("http://127.1/x", "loopback"),
        ("http://0x7f.1/x", "loopback"),
        ("http://2130706433/x", "loopback"),
        ("http://0.0.0.0:8700/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://[::1]:8080/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://100.64.1.1/", "CGNAT"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://localhost:8700/", "loopback"),
        ("https://mixed.example.com/hook", "mixed.example.com resolves to 10.0.0.7 is a private address"),
        ("https://six.example.com/hook", "six.example.com resolves to ::ffff:c0a8:1"),
        ("https://meta.example.com/hook", "metadata"),
    ],
)
def test_refused_destinations_name_the_reason(url, says):
    with pytest.raises(DestinationRefused) as refused:
        guard().check_url(url)
    assert refused.value.field == "url" and refused.value.code == "destination_refused"
    assert says in refused.value.message


def test_a_public_name_passes_and_an_unknown_name_is_a_400_not_a_lookup_of_the_world():
    resolver = TableResolver(NAMES)
    check_destination("https://hooks.example.com/x", DestinationPolicy(), resolve=resolver)
    with pytest.raises(Invalid, match="nowhere.example.com does not resolve") as unresolved:
        check_destination("https://nowhere.example.com/x", DestinationPolicy(), resolve=resolver)
    assert unresolved.value.field == "url"
    assert resolver.calls == [("hooks.example.com", 443), ("nowhere.example.com", 443)]


def test_literal_addresses_and_refused_names_are_decided_without_a_lookup():
    resolver = TableResolver(NAMES)
    for url in ("http://127.1/", "http://metadata.google.internal/", "http://localhost/"):
        with pytest.raises(DestinationRefused):
            check_destination(url, DestinationPolicy(), resolve=resolver)
    check_destination("http://8.8.8.8/", DestinationPolicy(), resolve=resolver)
    assert resolver.calls == []


def test_the_setting_lets_loopback_and_private_names_through():
    guard("true").check_url("http://127.1:8700/")
    guard("true").check_url("https://mixed.example.com/")
    guard("127.0.0.1/32").check_url("http://rebind.example.com/")
    with pytest.raises(DestinationRefused):
        guard("127.0.0.1/32").check_url("https://mixed.example.com/")
    with pytest.raises(DestinationRefused, match="metadata"):
        guard("true").check_url("http://169.254.169.254/")


def test_a_refused_request_never_reaches_the_network():
    recorder = Recorder()
    transport = GuardedTransport(guard(), inner=recorder)
    with httpx.Client(transport=transport) as http:
        for url in ("http://rebind.example.com/", "https://mixed.example.com/", "http://0x7f.1:8700/"):
            with pytest.raises(DestinationBlocked, match="blocked by policy") as blocked:
                http.post(url, content=b"{}")
            assert isinstance(blocked.value, httpx.ConnectError)
        with pytest.raises(httpx.ConnectError, match="does not resolve"):
            http.get("http://nowhere.example.com/")
    assert recorder.sent == []


def test_an_allowed_request_goes_to_the_checked_address_with_its_name_kept():
    recorder = Recorder()
    with httpx.Client(transport=GuardedTransport(guard(), inner=recorder)) as http:
        assert http.post("https://hooks.example.com:8443/in?x=1", content=b"hi").status_code == 204
        http.get("http://[2606:4700::1111]/")
    pinned, literal = recorder.sent
    assert str(pinned.url) == f"https://{PUBLIC}:8443/in?x=1"
    assert pinned.headers["host"] == "hooks.example.com:8443"
    assert pinned.extensions["sni_hostname"] == "hooks.example.com"  # TLS verifies the name
    assert pinned.read() == b"hi"
    assert literal.url.host == "2606:4700::1111" and "sni_hostname" not in literal.extensions


class _Redirector(BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
        if self.path == "/final":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"arrived")
            return
        self.send_response(302)
        self.send_header("location", self.target)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def redirector() -> Iterator[tuple[str, type[_Redirector]]]:
    handler = type("Handler", (_Redirector,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_every_redirect_hop_is_checked(redirector):
    base, handler = redirector
    loopback_only = guard("127.0.0.1/32")
    with loopback_only.client(follow_redirects=True, timeout=5) as http:
        handler.target = f"{base}/final"
        assert http.get(f"{base}/start").text == "arrived"
        for target in ("http://10.0.0.1/", "http://meta.example.com/", "http://[::ffff:169.254.169.254]/"):
            handler.target = target
            with pytest.raises(DestinationBlocked):
                http.get(f"{base}/start")
    # Without follow_redirects (the default) a 3xx is just the answer.
    with loopback_only.client(timeout=5) as http:
        assert http.get(f"{base}/start").status_code == 302


def test_the_async_client_applies_the_same_policy(redirector):
    base, handler = redirector
    handler.target = f"{base}/final"

    async def calls() -> tuple[str, str]:
        async with guard("127.0.0.1/32").async_client(follow_redirects=True, timeout=5) as http:
            arrived = (await http.get(f"{base}/start")).text
        async with guard().async_client(timeout=5) as strict:
            try:
                await strict.get(f"{base}/final")
            except DestinationBlocked as exc:
                return arrived, str(exc)
        return arrived, "sent"

    arrived, refusal = asyncio.run(calls())
    assert arrived == "arrived"
    assert refusal.startswith("blocked by policy: refused destination: 127.0.0.1 is a loopback address")


@pytest.fixture
def tls_receiver(tmp_path) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An HTTPS server on 127.0.0.1 whose certificate names hooks.example.com only (made by openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=hooks.example.com",
            "-addext",
            "subjectAltName=DNS:hooks.example.com",
        ],
        check=True,
        capture_output=True,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
            body = self.headers["host"].encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    server.socket = server_side.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    trusting = ssl.create_default_context(cafile=str(cert))
    yield server.server_address[1], trusting
    server.shutdown()
    server.server_close()


def test_a_pinned_https_call_verifies_the_certificate_against_the_name(tls_receiver):
    port, trusting = tls_receiver
    pinned = DestinationGuard(
        parse_policy("127.0.0.1/32"), TableResolver({"hooks.example.com": ["127.0.0.1"]})
    )
    with pinned.client(verify=trusting, timeout=5) as http:
        answer = http.get(f"https://hooks.example.com:{port}/")
        assert answer.status_code == 200 and answer.text == f"hooks.example.com:{port}"
        # The same server by address: the certificate does not name 127.0.0.1, so TLS refuses it.
        with pytest.raises(httpx.ConnectError, match="certificate"):
            http.get(f"https://127.0.0.1:{port}/")


def test_with_name_resolution_off_no_name_is_looked_up(monkeypatch):
    def no_lookup(*args, **kwargs):
        raise AssertionError(f"a name was looked up: {args[0]!r}")

    monkeypatch.setattr("socket.getaddrinfo", no_lookup)
    guard = guard_for(Settings(resolve_hostnames=False, allow_private_destinations="127.0.0.1/32"))
    with pytest.raises(Invalid) as refused:
        guard.check_url("https://judge.example.com/v1", field="spec.base_url")
    assert refused.value.field == "spec.base_url"
    assert "REVIEWDESK_RESOLVE_HOSTNAMES=off" in refused.value.message
    guard.check_url("http://localhost:8080/v1")
    guard.check_url("http://127.0.0.1:8080/v1")
    with pytest.raises(DestinationRefused):
        guard.check_url("http://10.0.0.7/v1")


def test_an_egress_allowlist_refuses_public_addresses_outside_it():
    guard = guard_for(
        Settings(allow_private_destinations="127.0.0.1/32", outbound_only_to="127.0.0.1/32, 203.0.113.0/24")
    )
    guard.check_url("http://127.0.0.1:9/v1")
    guard.check_url("https://203.0.113.9/v1")
    with pytest.raises(DestinationRefused) as refused:
        guard.check_url("https://8.8.8.8/v1", field="spec.base_url")
    assert refused.value.field == "spec.base_url"
    assert "outside REVIEWDESK_OUTBOUND_ONLY_TO" in refused.value.message
    with pytest.raises(ValueError, match="REVIEWDESK_OUTBOUND_ONLY_TO: 'nope'"):
        parse_policy("", "nope")
