"""Evaluator jobs against a misbehaving judge: failures recorded on the job, retried with backoff or
dead-lettered with the reason; leases bring a dead worker's jobs back; online enqueue rules."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from reviewdesk.services import evaluator_jobs
from reviewdesk.services.clock import utcnow
from reviewdesk.store import evaluators as evaluators_store
from tests.evaluators.conftest import judge_evaluator as _judge
from tests.factories import run_payload
from tests.fake_openai_server import PROMPT_TOKENS


def _jobs(client, evaluator):
    return client.get(f"/api/v1/evaluators/{evaluator['id']}/jobs").json()["items"]


def test_each_failure_is_recorded_and_retried_until_done(client, judge, drain, later):
    evaluator = _judge(client, judge)
    judge.script = ["429", "500", "malformed", "refusal"]
    client.post("/api/v1/runs/batch", json={"post": [run_payload(outputs={"answer": "wrong"})]})
    seen = []
    for _ in range(4):
        assert drain() == ["pending"]
        (job,) = _jobs(client, evaluator)
        seen.append(job["last_error"].split(":")[0])
        later(600)
    assert seen == ["rate_limited", "server_error", "malformed", "refusal"]
    assert drain() == ["done"]
    (job,) = _jobs(client, evaluator)
    assert job["status"] == "done" and job["attempts"] == 5
    scores = client.get("/api/v1/feedback", params={"key": "quality", "source": "model"}).json()["items"]
    assert [(s["value"], s["score"]) for s in scores] == [("bad", 0.0)]


def test_retry_after_is_obeyed_and_backoff_delays_the_next_attempt(client, judge, drain, later):
    _judge(client, judge)
    judge.script = ["500"]
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["pending"]
    assert drain() == []  # not due yet: 2 s of backoff
    later(3)
    assert drain() == ["done"]
    judge.script = ["429"]  # Retry-After: 1
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["pending"]
    assert drain() == []
    later(1.5)
    assert drain() == ["done"]


def test_dead_letter_after_max_attempts_with_the_reason(client, judge, drain, later):
    evaluator = _judge(client, judge)
    judge.script = ["500"] * 5
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    for _ in range(5):
        drain()
        later(600)
    (job,) = _jobs(client, evaluator)
    assert job["status"] == "dead" and job["attempts"] == 5
    assert job["last_error"] == "server_error: 500 from the judge"
    assert client.get("/api/v1/feedback", params={"key": "quality"}).json()["items"] == []


def test_timeout_is_a_recorded_retry(client, judge, drain):
    evaluator = _judge(client, judge, timeout_s=0.3)
    judge.slow_seconds = 1.5
    judge.script = ["slow"]
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["pending"]
    assert _jobs(client, evaluator)[0]["last_error"] == "timeout: no answer within 0.3 s"


def test_prose_with_fenced_json_is_read_and_reasoning_kept(client, judge, drain):
    _judge(client, judge)
    judge.script = ["prose"]
    run = run_payload(outputs={"answer": "this is wrong"})
    client.post("/api/v1/runs/batch", json={"post": [run]})
    assert drain() == ["done"]
    (score,) = client.get("/api/v1/feedback", params={"run_id": run["id"]}).json()["items"]
    assert score["comment"] == "prose mode" and score["source"] == "model"


def test_a_killed_workers_jobs_come_back_after_the_lease(client, judge, db, drain, later):
    evaluator = _judge(client, judge)
    client.post("/api/v1/runs/batch", json={"post": [run_payload(), run_payload()]})
    now = utcnow()
    with db.write() as conn:  # a worker claims both jobs, then is killed (kill -9) before finishing
        claimed = evaluators_store.claim(conn, now, now + timedelta(seconds=300), 10)
    assert len(claimed) == 2
    assert drain() == []  # still leased: nobody else takes them
    later(301)
    assert drain() == ["done", "done"]
    assert {j["status"] for j in _jobs(client, evaluator)} == {"done"}
    assert {j["attempts"] for j in _jobs(client, evaluator)} == {2}


def test_online_enqueue_is_idempotent_filtered_and_sampled(client, judge, drain):
    evaluator = _judge(client, judge)
    client.patch(
        f"/api/v1/evaluators/{evaluator['id']}",
        json={"online": {"filter": 'eq(name, "answer_question")', "sample_rate": 1.0}},
    )
    run = run_payload()
    other = run_payload(name="other_chain")
    client.post("/api/v1/runs/batch", json={"post": [run, other]})
    client.post("/api/v1/runs/batch", json={"patch": [{"id": run["id"], "outputs": {"answer": "again"}}]})
    jobs = _jobs(client, evaluator)
    assert [(j["run_id"], j["evaluator_version"]) for j in jobs] == [(run["id"], 2)]
    client.patch(f"/api/v1/evaluators/{evaluator['id']}", json={"online": {"filter": "", "sample_rate": 0.0}})
    client.post("/api/v1/runs/batch", json={"post": [run_payload() for _ in range(5)]})
    assert len(_jobs(client, evaluator)) == 1
    unfinished = run_payload(end_time=None)
    client.post("/api/v1/runs/batch", json={"post": [unfinished]})
    assert len(_jobs(client, evaluator)) == 1


def test_daily_budget_skips_jobs_once_spent(client, judge, drain):
    evaluator = _judge(client, judge, price_per_1k_input=1000 / PROMPT_TOKENS)  # $1 a call
    client.patch(
        f"/api/v1/evaluators/{evaluator['id']}",
        json={"online": {"filter": "", "sample_rate": 1.0, "daily_budget_usd": 1.5}},
    )
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["done"]
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["done"]  # $1 spent < $1.5
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["skipped"]
    assert _jobs(client, evaluator)[0]["last_error"] == "daily budget reached"


def test_api_key_comes_from_the_named_environment_variable(client, judge, drain, monkeypatch):
    _judge(client, judge, api_key_env="JUDGE_KEY_FOR_TEST")
    monkeypatch.setenv("JUDGE_KEY_FOR_TEST", "sk-test-123")
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == ["done"]
    assert judge.requests[-1]["auth"] == "Bearer sk-test-123"
    body = judge.requests[-1]["body"]
    assert body["response_format"]["type"] == "json_schema" and body["temperature"] == 0.0


def test_the_worker_thread_in_the_app_scores_runs(db, judge):
    from fastapi.testclient import TestClient

    from reviewdesk.app import create_app
    from tests.conftest import ADMIN_KEY, settings_for_tests

    settings = settings_for_tests(
        allow_private_destinations="127.0.0.1/32", evaluator_worker=True, evaluator_poll_seconds=0.05
    )
    with TestClient(create_app(settings, db=db), headers={"x-api-key": ADMIN_KEY}) as client:
        _judge(client, judge)
        run = run_payload()
        client.post("/api/v1/runs/batch", json={"post": [run]})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            items = client.get("/api/v1/feedback", params={"run_id": run["id"]}).json()["items"]
            if items:
                break
            time.sleep(0.05)
        assert [i["source"] for i in items] == ["model"]


def test_jobs_of_a_deleted_evaluator_are_not_run(client, judge, drain):
    evaluator = _judge(client, judge)
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert client.delete(f"/api/v1/evaluators/{evaluator['id']}").status_code == 204
    assert drain() == ["dead"]
    assert judge.requests == []
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert drain() == []  # no longer online


def test_a_slow_claim_keeps_its_lease_so_no_judge_is_paid_twice(client, judge, db):
    """Three slow judge calls under a one-second lease: the claim re-leases the jobs it has not run
    yet, so a second worker that comes by meanwhile takes none of them."""
    evaluator = _judge(client, judge)
    judge.slow_seconds = 0.6
    judge.script = ["slow", "slow", "slow"]
    client.post("/api/v1/runs/batch", json={"post": [run_payload() for _ in range(3)]})
    guard = client.app.state.destination_guard
    first: list[str] = []
    worker = threading.Thread(target=lambda: first.extend(evaluator_jobs.run_due(db, guard, lease_s=1.0)))
    worker.start()
    time.sleep(1.3)  # past the first lease: without renewal the third job (and the second) is claimable
    second = evaluator_jobs.run_due(db, guard, lease_s=1.0)
    worker.join(10)
    assert second == [] and first == ["done", "done", "done"]
    assert len(judge.requests) == 3
    assert {(j["status"], j["attempts"]) for j in _jobs(client, evaluator)} == {("done", 1)}
