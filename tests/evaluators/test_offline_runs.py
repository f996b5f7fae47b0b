"""Offline runs as the UI and the CLI follow them: over a dataset version, their failures (retrying
with the next attempt's time, dead letters, done after a retry), the evaluator's past runs, and the
failed-jobs listing; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import evaluator_jobs, evaluator_runs
from reviewdesk.services.clock import utcnow
from tests.factories import run_payload

OPTIONS = [{"value": "good", "score": 1}, {"value": "bad", "score": 0}]


@pytest.fixture
def judge_id(client, judge):  # type: ignore[no-untyped-def]
    client.post(
        "/api/v1/feedback-configs", json={"key": "quality", "type": "categorical", "options": OPTIONS}
    )
    spec = {"base_url": judge.base_url, "model": "judge-careful", "prompt": "Rate: {{outputs}}"}
    spec |= {"price_per_1k_input": 1.0, "price_per_1k_output": 2.0}
    body = {"name": "judge", "key": "quality", "kind": "llm_judge", "spec": spec}
    return client.post("/api/v1/evaluators", json=body).json()["id"]


def _runs(client, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    runs = [run_payload(outputs={"answer": f"answer {i}"}) for i in range(n)]
    # An evaluator without an online block (stored as JSON null) leaves ingest alone.
    assert client.post("/api/v1/runs/batch", json={"post": runs}).status_code == 202
    return [r["id"] for r in runs]


def test_a_dataset_version_is_scored_as_it_was(client, judge_id):
    first, second = _runs(client, 2)
    dataset = client.post("/api/v1/datasets", json={"name": "golden"}).json()
    client.post(f"/api/v1/datasets/{dataset['id']}/examples", json={"run_ids": [first]})
    client.post(f"/api/v1/datasets/{dataset['id']}/examples", json={"run_ids": [second]})
    url = f"/api/v1/evaluators/{judge_id}/runs"
    at_one = client.post(url, json={"dataset_id": dataset["id"], "dataset_version": 1})
    newest = client.post(url, json={"dataset_id": dataset["id"]})
    assert (at_one.status_code, at_one.json()["total"], newest.json()["total"]) == (202, 1, 2)
    for body, field in (
        ({"dataset_id": dataset["id"], "dataset_version": 7}, "dataset_version"),
        ({"filter": "", "dataset_version": 1}, "dataset_version"),
    ):
        response = client.post(url, json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (400, field)


def test_progress_shows_retries_dead_letters_and_recoveries(client, db, judge, judge_id, monkeypatch):
    _runs(client, 3)
    started = client.post(f"/api/v1/evaluators/{judge_id}/runs", json={"filter": ""}).json()
    guard = client.app.state.destination_guard
    shift = [timedelta(0)]
    monkeypatch.setattr(evaluator_jobs, "utcnow", lambda: utcnow() + shift[0])
    # In claim order: the first two jobs fail and the third is done; on the next pass the first
    # recovers and the second fails again, and then every time until it is dead-lettered.
    judge.script = ["500", "500", "ok", "ok", "500", "500", "500", "500"]
    assert sorted(evaluator_jobs.drain(db, guard)) == ["done", "pending", "pending"]
    progress = client.get(f"/api/v1/evaluators/{judge_id}/runs/{started['id']}").json()
    assert progress["status"] == "running" and progress["counts"] == {"done": 1, "pending": 2}
    retrying = progress["failures"]
    assert [(f["status"], f["attempts"], f["max_attempts"]) for f in retrying] == [("pending", 1, 5)] * 2
    assert all(f["reason"] == "server_error: 500 from the judge" and f["retry_at"] for f in retrying)
    for _ in range(4):  # one job recovers on its second attempt, the other fails every time
        shift[0] += timedelta(minutes=10)
        evaluator_jobs.drain(db, guard)
    progress = client.get(f"/api/v1/evaluators/{judge_id}/runs/{started['id']}").json()
    assert progress["status"] == "done" and progress["counts"] == {"done": 2, "dead": 1}
    assert sorted((f["status"], f["attempts"], f["retry_at"]) for f in progress["failures"]) == [
        ("dead", 5, None),
        ("done", 2, None),
    ]
    failed = client.get(f"/api/v1/evaluators/{judge_id}/jobs", params={"failed": "true"}).json()["items"]
    assert [(j["status"], j["attempts"]) for j in failed] == [("dead", 5)]  # a recovery is no failure
    (listed,) = client.get("/api/v1/evaluators").json()["items"]
    jobs = client.get(f"/api/v1/evaluators/{judge_id}/jobs").json()["items"]
    spent = [j["cost"] for j in jobs if j["status"] == "done"]
    assert len(spent) == 2 and all(cost > 0 for cost in spent)  # a failed call costs nothing
    assert listed["cost_today_usd"] == pytest.approx(sum(spent))
    (batch,) = evaluator_runs.list_batches(db, SYSTEM_ACTOR, uuid.UUID(judge_id))
    assert (batch["id"], batch["version"], batch["total"], batch["status"]) == (started["id"], 1, 3, "done")
