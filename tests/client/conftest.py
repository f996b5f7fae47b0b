"""The real app served by uvicorn on a free local port, and SDK clients pointed at it."""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from reviewdesk.app import UVICORN_OPTIONS, create_app
from reviewdesk.client import Client
from reviewdesk.config import Settings
from reviewdesk.store.database import Database
from tests.conftest import ADMIN_KEY, settings_for_tests

STARTUP_SECONDS = 60


@contextmanager
def serve(db: Database, settings: Settings | None = None) -> Iterator[str]:
    """Serve the app over `db` (with `settings`, the tests' own by default) from a background
    thread; yield its base URL."""
    app = create_app(settings or settings_for_tests(), db=db)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False, **UVICORN_OPTIONS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


@pytest.fixture(scope="session")
def server_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server on its own SQLite file for the whole session (tests keep to their own names)."""
    path = tmp_path_factory.mktemp("client") / "reviewdesk.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    with serve(db) as url:
        yield url
    db.dispose()


@pytest.fixture
def fresh_server_url(db: Database) -> Iterator[str]:
    """A server over the `db` fixture: an empty SQLite file, then the emptied PostgreSQL database."""
    with serve(db) as url:
        yield url


@pytest.fixture
def admin(server_url: str) -> Iterator[Client]:
    """An admin SDK client whose queue only sends on flush() (or when 100 runs are waiting)."""
    with Client(server_url, ADMIN_KEY, flush_interval=3600) as sdk:
        yield sdk


@pytest.fixture
def run_id(admin: Client) -> uuid.UUID:
    """A finished run, stored, to put feedback on."""
    with admin.trace("answer", inputs={"q": "?"}) as run:
        run.end(outputs={"a": "!"})
    admin.flush()
    return run.id
