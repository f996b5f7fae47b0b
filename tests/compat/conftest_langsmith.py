"""Helpers for the LangSmith SDK tests: a live server that records the requests it answered, SDK
clients pointed at its /langsmith prefix, and the SDK's environment set and reset per test.

Imported explicitly by tests/compat/test_langsmith_*.py (tests/compat/conftest.py belongs to the OTel tests).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import langsmith
import pytest
import uvicorn
from langsmith import run_trees
from langsmith import utils as ls_utils
from langsmith._internal import _context
from starlette.types import ASGIApp, Receive, Scope, Send

from reviewdesk.app import create_app
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import langsmith_runs, projects
from reviewdesk.store.database import Database
from tests.conftest import ADMIN_KEY, settings_for_tests

FLUSH_SECONDS = 30


@dataclass
class LiveServer:
    url: str
    db: Database
    requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"{self.url}/langsmith"

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p in self.requests if method is None or m == method]


class _Recorder:
    """Keeps (method, path) of every request, to tell which transport the SDK chose."""

    def __init__(self, app: ASGIApp, seen: list[tuple[str, str]]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


@contextmanager
def live_server(db: Database) -> Iterator[LiveServer]:
    app = create_app(settings_for_tests(), db=db)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server_info = LiveServer(url=f"http://127.0.0.1:{port}", db=db)
    config = uvicorn.Config(
        _Recorder(app, server_info.requests), lifespan="on", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield server_info
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def reset_sdk_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK caches its project name, its environment reads (whether tracing is on, among them) and a
    process-wide client: start each test from none of them. A stale `LANGSMITH_TRACING` read by any
    earlier test in the process silently turned tracing off for the next."""
    ls_utils.get_tracer_project.cache_clear()
    ls_utils.get_env_var.cache_clear()
    monkeypatch.setattr(run_trees, "_CLIENT", None)
    monkeypatch.setattr(_context, "_GLOBAL_CLIENT", None, raising=False)


def set_sdk_env(monkeypatch: pytest.MonkeyPatch, server: LiveServer, project: str) -> None:
    for name in list(os.environ):
        if name.startswith(("LANGSMITH_", "LANGCHAIN_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LANGSMITH_ENDPOINT", server.endpoint)
    monkeypatch.setenv("LANGSMITH_API_KEY", ADMIN_KEY)
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGSMITH_PROJECT", project)
    # Tracing threads must not keep the test process alive.
    monkeypatch.setenv("LANGSMITH_USE_DAEMON", "true")
    reset_sdk_globals(monkeypatch)


@contextmanager
def sdk_client(server: LiveServer, *, path: str = "/langsmith", **kwargs: Any) -> Iterator[langsmith.Client]:
    client = langsmith.Client(api_url=f"{server.url}{path}", api_key=ADMIN_KEY, **kwargs)
    try:
        yield client
    finally:
        client.close(timeout=FLUSH_SECONDS)


def project_id(db: Database, name: str) -> Any:
    found, _ = projects.list_projects(db, SYSTEM_ACTOR, name=name, limit=1, cursor=None)
    assert found, f"no project {name!r} was created"
    return found[0]["id"]


def stored_runs(db: Database, project: str | None = None, **conditions: Any) -> list[dict[str, Any]]:
    """What ReviewDesk stored, read through the same service the adapter uses."""
    if project is not None:
        conditions["project_ids"] = [project_id(db, project)]
    rows, _ = langsmith_runs.query_runs(db, SYSTEM_ACTOR, langsmith_runs.RunQuery(limit=1000, **conditions))
    return rows


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows}


# The SDK's v1 methods the tutorial uses (list_runs, read_run, the queue run methods) warn that v2
# replaces them; they are what we test, and the session_id hint on run feedback is LangSmith-specific.
SDK_WARNINGS = [
    pytest.mark.filterwarnings("ignore:.* is deprecated and will be removed after:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::langsmith.utils.LangSmithWarning"),
]
