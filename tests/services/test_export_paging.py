"""Exports read page by page; every row comes out once, in order, however many pages there are."""

from __future__ import annotations

import json

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import exports, feedback, ingest
from tests.factories import run_payload


def test_feedback_exports_walk_every_page(db, monkeypatch):
    monkeypatch.setattr(exports, "PAGE", 3)
    runs = [run_payload() for _ in range(5)]
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=runs, patch=None)
    created = []
    for run in runs:
        for key in ("a", "b"):
            created.append(
                feedback.create_feedback(db, SYSTEM_ACTOR, {"run_id": run["id"], "key": key, "score": 1})[
                    "id"
                ]
            )
    rows = [
        json.loads(line)
        for line in b"".join(
            exports.encode(exports.feedback_rows(db, SYSTEM_ACTOR, {}), "jsonl")
        ).splitlines()
    ]
    assert [r["feedback_id"] for r in rows] == [str(i) for i in created]  # oldest first, none twice
    pivot = list(exports.feedback_pivot(db, SYSTEM_ACTOR, {}))
    assert sorted(r["run_id"] for r in pivot) == sorted(r["id"] for r in runs)
    # Feedback with no user behind it (here: the system) is attributed to its source.
    assert all(r["api:a"] == 1.0 and r["api:b"] == 1.0 for r in pivot)
