"""Loading the demo: synthetic traces and feedback through the same services as real clients."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from reviewdesk.domain.demo_data import generate_demo
from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor
from reviewdesk.domain.run_payload import parse_time
from reviewdesk.errors import Conflict
from reviewdesk.services import demo_setup, feedback_configs, ingest
from reviewdesk.services import feedback as feedback_service
from reviewdesk.store import settings_kv
from reviewdesk.store.database import Database

DEMO_MARKER = "demo_loaded"
DEMO_ACTOR = Actor(user_id=None, email="demo", role=SYSTEM_ACTOR.role)
DEMO_CONFIGS: list[dict[str, Any]] = [
    {
        "key": "user_rating",
        "type": "categorical",
        "description": "The end user's thumbs up or down in the app.",
        "options": [
            {"value": "positive", "score": 1, "description": "thumbs up"},
            {"value": "negative", "score": 0, "description": "thumbs down"},
        ],
    },
    {
        "key": "correctness",
        "type": "continuous",
        "min": 0,
        "max": 1,
        "description": "An LLM judge's estimate that the answer is correct (0 = wrong, 1 = right).",
    },
]
BATCH_TRACES = 200


def is_loaded(db: Database) -> bool:
    with db.read() as conn:
        return settings_kv.get(conn, DEMO_MARKER) is not None


def _ensure_configs(db: Database) -> None:
    for config in DEMO_CONFIGS:
        with contextlib.suppress(Conflict):
            feedback_configs.create_config(db, DEMO_ACTOR, config)


def _write_feedback(db: Database, items: list[dict[str, Any]]) -> None:
    with db.write() as conn:
        for item in items:
            row = feedback_service.build_row(conn, DEMO_ACTOR, item)
            created = parse_time(item.get("created_at"), "created_at")
            if created is not None:
                row["created_at"] = row["updated_at"] = created
            feedback_service.insert(conn, DEMO_ACTOR, row)


def load_demo(
    db: Database, *, seed: int, n_traces: int, now: datetime, on_progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    _ensure_configs(db)
    setup = demo_setup.create_queues(db)
    totals = {"traces": 0, "runs": 0, "feedback": 0}
    runs: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []

    def flush() -> None:
        if runs:
            ingest.ingest_batch(db, DEMO_ACTOR, post=runs, patch=None)
        if feedback:
            _write_feedback(db, feedback)
        totals["runs"] += len(runs)
        totals["feedback"] += len(feedback)
        runs.clear()
        feedback.clear()
        if on_progress:
            on_progress(totals["traces"])

    for trace in generate_demo(seed, n_traces, now):
        runs.extend(trace.runs)
        feedback.extend(trace.feedback)
        totals["traces"] += 1
        if totals["traces"] % BATCH_TRACES == 0:
            flush()
    flush()
    totals["pairs"] = demo_setup.add_model_comparison(db, setup["pairwise"], now)
    totals["reviews"] = demo_setup.review_some(db, setup, seed=seed)
    with db.write() as conn:
        settings_kv.put_if_absent(conn, DEMO_MARKER, now.isoformat())
    return totals
