"""The SDK imports and builds a Client with the server's dependencies made unimportable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import reviewdesk

SRC = Path(reviewdesk.__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import sys

    BLOCKED = {"fastapi", "sqlalchemy", "pydantic", "pydantic_core", "starlette", "orjson",
               "alembic", "uvicorn", "psycopg", "jinja2", "argon2", "lark", "click", "rich"}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked server dependency: {name}")
            return None

    sys.meta_path.insert(0, Blocker())
    sys.path.insert(0, sys.argv[1])

    try:  # the blocker works
        import fastapi  # noqa: F401
    except ImportError:
        pass
    else:
        raise AssertionError("fastapi was importable")

    import reviewdesk
    from reviewdesk.client import Client, ConnectionFailed, NotFound, ReviewDeskError

    # Nothing listens on port 9: the queued run fails to send at once (no retries) and close() says so.
    client = reviewdesk.Client("http://127.0.0.1:9", api_key="rd_x", max_retries=0)

    @client.trace
    def traced(x):
        return x

    assert traced(1) == 1
    try:
        client.close()
    except ConnectionFailed:
        pass
    assert issubclass(NotFound, ReviewDeskError)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, loaded
    ours = sorted(m for m in sys.modules if m.startswith("reviewdesk") and not m.startswith("reviewdesk.client"))
    assert ours == ["reviewdesk"], ours
    print("ok", type(client).__name__)
    """
)


def test_client_imports_with_only_httpx() -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(SRC)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "Client"]
