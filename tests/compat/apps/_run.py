"""Run a client program (`python _run.py PROGRAM.py`) with every outbound connection except to
127.0.0.1 refused and recorded: the clients' telemetry (PostHog, their clouds) must never leave.

Each program runs in its own interpreter, so one instrumentation's patches of `openai` and one SDK's
global tracer provider never leak into the next client's test.
"""

from __future__ import annotations

import os
import runpy
import socket
import sys

_LOG = os.environ["REVIEWDESK_COMPAT_REFUSED_LOG"]
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host in ("127.0.0.1", "::1", "localhost") or host.startswith("/"))


def _refuse(target: object) -> None:
    with open(_LOG, "a") as log:
        log.write(f"{target}\n")
    raise ConnectionRefusedError(f"compat tests talk to 127.0.0.1 only, not {target}")


def _connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        _refuse(address)
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        _refuse(address)
    return _real_connect_ex(self, address)


def _getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    if host not in (None, "127.0.0.1", "::1", "localhost") and not (
        isinstance(host, str) and host.startswith("127.")
    ):
        _refuse(host)
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _connect  # type: ignore[method-assign]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]

program = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(program, run_name="__main__")
