"""The score series through the SDK against the real server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from reviewdesk.client import Client, InvalidRequest


def test_score_series_splits_and_windows(admin: Client, run_id: uuid.UUID) -> None:
    key = f"tone-{uuid.uuid4().hex[:6]}"
    admin.create_feedback(run_id, key, score=0.25, source="model")
    admin.create_feedback(run_id, key, score=0.75, source="model")
    admin.create_feedback(run_id, key, score=1.0, source="user")
    now = datetime.now(UTC)
    body = admin.score_series(key, since=now - timedelta(days=2), until=now + timedelta(hours=1))
    assert (body["key"], body["bucket"], body["split"]) == (key, "day", "source")
    by_label = {s["label"]: s for s in body["series"]}
    assert set(by_label) == {"model", "user"}
    model = [p for p in by_label["model"]["points"] if p["n"]]
    assert model == [{"t": now.date().isoformat(), "n": 2, "mean": 0.5, "counts": {}}]
    users_only = admin.score_series(key, source=["user"], bucket="week", days=7)
    assert [s["label"] for s in users_only["series"]] == ["user"]
    with pytest.raises(InvalidRequest) as bad:
        admin.score_series(key, split="tenant")
    assert bad.value.field == "split"
