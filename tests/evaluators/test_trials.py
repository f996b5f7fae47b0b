"""Trying an evaluator on one run: the prompt as sent, the raw answer and the parsed score, with
nothing written; errors of the judge shown rather than raised; the same access as the evaluators."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reviewdesk.app import create_app
from tests.conftest import ADMIN_KEY, settings_for_tests
from tests.factories import run_payload

OPTIONS = [{"value": "good", "score": 1}, {"value": "bad", "score": 0}]


def _setup(client, judge, text="The refund policy is wrong."):  # type: ignore[no-untyped-def]
    client.post(
        "/api/v1/feedback-configs", json={"key": "quality", "type": "categorical", "options": OPTIONS}
    )
    run = run_payload(outputs={"answer": text})
    client.post("/api/v1/runs/batch", json={"post": [run]})
    spec = {"base_url": judge.base_url, "model": "judge-careful", "prompt": "Rate this answer: {{outputs}}"}
    return run["id"], spec


def _nothing_written(client, judge_id=None):  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/feedback", params={"key": "quality"}).json()["items"] == []
    if judge_id:
        assert client.get(f"/api/v1/evaluators/{judge_id}/jobs").json()["items"] == []


def test_draft_judge_shows_prompt_raw_answer_and_score_and_writes_nothing(client, judge):
    run_id, spec = _setup(client, judge)
    body = {"kind": "llm_judge", "key": "quality", "spec": spec, "run_id": run_id}
    response = client.post("/api/v1/evaluators/try", json=body)
    assert response.status_code == 200, response.text
    trial = response.json()
    prompt = 'Rate this answer: {"answer": "The refund policy is wrong."}'
    assert trial["messages"][-1] == {"role": "user", "content": prompt}
    assert trial["http_status"] == 200
    assert '"score": "bad"' in trial["answer"] and "chat.completion" in trial["raw_answer"]
    assert (trial["score"], trial["value"]) == (0.0, "bad")
    assert trial["comment"] == "judge-careful finds it bad"
    assert trial["tokens"]["prompt"] > 0 and trial["tokens"]["completion"] > 0  # the server's usage
    assert trial["error"] is None
    assert len(judge.requests) == 1
    _nothing_written(client)


def test_saved_judge_is_tried_at_the_version_asked(client, judge):
    run_id, spec = _setup(client, judge, "Subtly wrong: returns take 90 days.")
    body = {"name": "j", "key": "quality", "kind": "llm_judge", "spec": {**spec, "model": "judge-naive"}}
    judge_id = client.post("/api/v1/evaluators", json=body).json()["id"]
    client.patch(f"/api/v1/evaluators/{judge_id}", json={"spec": spec})
    newest = client.post(f"/api/v1/evaluators/{judge_id}/try", json={"run_id": run_id}).json()
    first = client.post(f"/api/v1/evaluators/{judge_id}/try", json={"run_id": run_id, "version": 1}).json()
    assert (newest["version"], newest["value"]) == (2, "bad")
    assert (first["version"], first["value"]) == (1, "good")
    _nothing_written(client, judge_id)


def test_a_malformed_answer_is_shown_with_its_reason(client, judge):
    run_id, spec = _setup(client, judge)
    judge.script = ["malformed"]
    trial = client.post(
        "/api/v1/evaluators/try", json={"kind": "llm_judge", "key": "quality", "spec": spec, "run_id": run_id}
    ).json()
    assert trial["error"]["kind"] == "malformed" and trial["score"] is None
    assert trial["raw_answer"].startswith('{"choices"') and trial["answer"] is None


def test_unset_api_key_variable_shows_the_prompt_and_sends_nothing(client, judge, monkeypatch):
    monkeypatch.delenv("REVIEWDESK_TEST_JUDGE_KEY", raising=False)
    run_id, spec = _setup(client, judge)
    spec["api_key_env"] = "REVIEWDESK_TEST_JUDGE_KEY"
    trial = client.post(
        "/api/v1/evaluators/try", json={"kind": "llm_judge", "key": "quality", "spec": spec, "run_id": run_id}
    ).json()
    assert trial["error"] == {
        "kind": "no_api_key",
        "message": "environment variable REVIEWDESK_TEST_JUDGE_KEY is not set",
    }
    assert "The refund policy is wrong." in trial["messages"][0]["content"]
    assert trial["http_status"] is None and judge.requests == []


def test_code_checks_show_each_outcome(client):
    run = run_payload(outputs={"answer": "Mail me at ann@example.com"})
    client.post("/api/v1/runs/batch", json={"post": [run]})
    spec = {"checks": [{"type": "pii", "kinds": ["email"]}, {"type": "length", "max": 100}]}
    body = {"kind": "code", "key": "no_pii", "spec": spec, "run_id": run["id"]}
    trial = client.post("/api/v1/evaluators/try", json=body).json()
    assert trial["checks"] == [
        {"type": "pii", "passed": False, "why": "found email"},
        {"type": "length", "passed": True, "why": "length 26"},
    ]
    assert trial["score"] == 0.0
    assert client.get("/api/v1/feedback", params={"key": "no_pii"}).json()["items"] == []


def test_bad_input_names_the_field_and_reviewers_are_refused(client, judge, make_user):
    run_id, spec = _setup(client, judge)
    draft = {"kind": "llm_judge", "key": "quality", "spec": spec}
    cases = [
        (draft, 400, "run_id"),
        ({**draft, "run_id": "not-a-uuid"}, 400, "run_id"),
        ({**draft, "run_id": "00000000-0000-0000-0000-000000000001"}, 404, "run_id"),
        ({**draft, "spec": {**spec, "temperature": 5}, "run_id": run_id}, 400, "spec.temperature"),
        ({**draft, "run_id": run_id, "extra": 1}, 400, "extra"),
    ]
    for body, status, field in cases:
        response = client.post("/api/v1/evaluators/try", json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (status, field), body
    judge_id = client.post("/api/v1/evaluators", json={"name": "j", **draft}).json()["id"]
    unknown_version = client.post(f"/api/v1/evaluators/{judge_id}/try", json={"run_id": run_id, "version": 9})
    assert unknown_version.json()["error"]["field"] == "version"
    reviewer = make_user("reviewer")
    for url, body in (
        ("/api/v1/evaluators/try", {**draft, "run_id": run_id}),
        (f"/api/v1/evaluators/{judge_id}/try", {"run_id": run_id}),
    ):
        assert client.post(url, json=body, headers=reviewer.headers).status_code == 403
    assert judge.requests == []


def test_a_private_judge_is_refused_without_the_setting(db, judge):  # type: ignore[no-untyped-def]
    app = create_app(settings_for_tests(), db=db)
    with TestClient(app, headers={"x-api-key": ADMIN_KEY}) as strict:
        run_id, spec = _setup(strict, judge)
        body = {"kind": "llm_judge", "key": "quality", "spec": spec, "run_id": run_id}
        response = strict.post("/api/v1/evaluators/try", json=body)
    assert response.status_code == 400 and response.json()["error"]["field"] == "spec.base_url"
    assert judge.requests == []
