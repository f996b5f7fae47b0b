"""Client programs run against a live ReviewDesk and the fake OpenAI server, and what they stored.

`run_program` starts a program (a file in tests/compat/apps/ or code from the docs) in a fresh
interpreter of this venv with only loopback traffic allowed, and returns its stdout. Helpers read
what ReviewDesk stored through the services, as a user of the trace view would see it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import runs as runs_service
from reviewdesk.store.database import Database

APPS = Path(__file__).parent / "apps"
PROGRAM_SECONDS = 180
# Telemetry and cloud features of the clients, off (the loopback guard would refuse them anyway).
QUIET = {
    "TRACELOOP_TELEMETRY": "false",
    "LANGFUSE_MEDIA_UPLOAD_ENABLED": "false",
    "ANONYMIZED_TELEMETRY": "false",
    "DO_NOT_TRACK": "1",
    "POSTHOG_DISABLED": "1",
    "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "",
}


def run_program(program: Path, env: dict[str, str], tmp_path: Path, *, python: str | None = None) -> str:
    """Run `program` with `env` on top of a scrubbed environment; its stdout, or the failure shown."""
    refused = tmp_path / f"refused-{program.stem}.log"
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LANGFUSE_", "LANGSMITH_", "LANGCHAIN_", "TRACELOOP_", "OTEL_", "OPENAI_"))
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    full = {
        **base,
        **QUIET,
        **env,
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONPATH": str(Path(__file__).parents[2]),
        "REVIEWDESK_COMPAT_REFUSED_LOG": str(refused),
    }
    done = subprocess.run(
        [python or sys.executable, str(APPS / "_run.py"), str(program)],
        env=full,
        capture_output=True,
        text=True,
        timeout=PROGRAM_SECONDS,
        cwd=tmp_path,
    )
    assert done.returncode == 0, f"{program.name} failed:\n{done.stdout}\n{done.stderr}"
    # Every OTel exporter (spans, logs, metrics) logs this when ReviewDesk refuses what it sent.
    assert "Failed to export" not in done.stderr, done.stderr
    attempts = refused.read_text() if refused.exists() else ""
    assert attempts == "", f"{program.name} tried to reach beyond 127.0.0.1: {attempts}"
    return done.stdout


def openai_env(fake_url: str) -> dict[str, str]:
    return {"OPENAI_BASE_URL": f"{fake_url}/v1", "OPENAI_API_KEY": "sk-test-not-a-real-key"}


def runs_of_trace(db: Database, trace_id: Any) -> list[dict[str, Any]]:
    items, _ = runs_service.search_runs(db, SYSTEM_ACTOR, trace_id=trace_id, limit=1000)
    return items


def feedback_on(db: Database, trace_id: Any) -> list[dict[str, Any]]:
    rows, _ = feedback_service.list_feedback(
        db, SYSTEM_ACTOR, filters={"trace_id": str(trace_id)}, limit=100, cursor=None
    )
    return rows


def children_of(runs: list[dict[str, Any]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((r for r in runs if r["parent_run_id"] == parent["id"]), key=lambda r: r["start_time"])


def root_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    (root,) = [r for r in runs if r["parent_run_id"] is None]
    return root


def queue_with_rule(
    db: Database, name: str, rule_filter: str, rubric_key: str = "reviewer_note"
) -> dict[str, Any]:
    """A queue with a free-text rubric field and one routing rule on root runs, made before any run."""
    from reviewdesk.services import feedback_configs, queues, rules

    feedback_configs.create_config(db, SYSTEM_ACTOR, {"key": rubric_key, "type": "freeform"})
    queue = queues.create_queue(
        db, SYSTEM_ACTOR, {"name": name, "rubric": [{"key": rubric_key, "required": True}]}
    )
    rules.create_rule(db, SYSTEM_ACTOR, queue["id"], {"name": name, "filter": rule_filter})
    return queue


def review_once(db: Database, url: str, queue: dict[str, Any], note: str) -> dict[str, Any]:
    """A reviewer assigned to the queue claims the next item over the REST API and submits a note;
    returns what the claim showed it (item, runs)."""
    import httpx

    from reviewdesk.services import accounts

    user = accounts.create_user(
        db,
        SYSTEM_ACTOR,
        email=f"rev-{queue['id'].hex[:6]}@example.com",
        role="reviewer",
        password="password-123",
    )
    key = accounts.create_api_key(db, SYSTEM_ACTOR, user["id"])["key"]
    from tests.conftest import ADMIN_KEY

    api = f"{url}/api/v1"
    assigned = httpx.patch(
        f"{api}/queues/{queue['id']}", json={"reviewers": [str(user["id"])]}, headers={"x-api-key": ADMIN_KEY}
    )
    assert assigned.is_success, assigned.text
    claimed = httpx.post(f"{api}/queues/{queue['id']}/next", headers={"x-api-key": key})
    assert claimed.status_code == 200, claimed.text
    shown = claimed.json()
    submitted = httpx.post(
        f"{api}/items/{shown['item']['id']}/submit",
        json={"answers": {queue["rubric"][0]["key"]: note}},
        headers={"x-api-key": key},
    )
    assert submitted.status_code == 200, submitted.text
    return shown
