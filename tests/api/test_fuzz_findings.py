"""Inputs the schemathesis run (.ci/fuzz_api.py) answered with a 500, each now a 4xx or a success."""

from __future__ import annotations

import uuid

from tests.factories import run_payload


def _error_field(response, status=400):
    assert response.status_code == status, response.text
    return response.json()["error"]["field"]


def test_a_numeric_feedback_value_reads_back(client):
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    created = client.post("/api/v1/feedback", json={"run_id": run["id"], "key": "latency_ok", "value": 5})
    assert created.status_code == 201, created.text
    listed = client.get("/api/v1/feedback", params={"run_id": run["id"]})
    assert listed.status_code == 200 and listed.json()["items"][0]["value"] == 5


def test_an_empty_project_name_is_the_default_project(client):
    run = run_payload(project="")
    assert client.post("/api/v1/runs", json=run).status_code == 202
    assert client.get(f"/api/v1/runs/{run['id']}").json()["project"] == "default"


def test_values_of_the_wrong_json_type_are_refused_by_name(client):
    assert _error_field(client.post("/api/v1/runs", json=run_payload(run_type={"a": 1}))).endswith("run_type")
    client.post(
        "/api/v1/feedback-configs", json={"key": "tone", "type": "categorical", "options": ["ok", "rude"]}
    )
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    bad = client.post("/api/v1/feedback", json={"run_id": run["id"], "key": "tone", "value": ["ok"]})
    assert _error_field(bad) == "value"
    assert _error_field(client.post("/api/v1/runs/search", json={"trace_id": "not-a-uuid"})) == "trace_id"


def test_user_updates_of_the_wrong_type_are_refused(client, make_user):
    user = make_user("member")
    assert _error_field(client.patch(f"/api/v1/users/{user.id}", json={"role": {"admin": True}})) == "role"
    assert _error_field(client.patch(f"/api/v1/users/{user.id}", json={"name": None})) == "name"


def test_a_langsmith_example_with_list_metadata_is_refused(client):
    dataset = client.post("/langsmith/datasets", json={"name": "set"}).json()
    body = {"dataset_id": str(dataset["id"]), "inputs": {"q": 1}, "metadata": [None, None]}
    assert _error_field(client.post("/langsmith/examples", json=body)) == "[0].metadata"


def test_a_langsmith_example_with_an_empty_split_has_none(client):
    dataset = client.post("/langsmith/datasets", json={"name": "set"}).json()
    body = {"dataset_id": str(dataset["id"]), "inputs": {"q": 1}, "split": ""}
    created = client.post("/langsmith/examples", json=body)
    assert created.status_code == 200, created.text
    assert "dataset_split" not in created.json()["metadata"]


def test_an_audit_cursor_past_any_id_is_refused(client):
    assert _error_field(client.get("/api/v1/audit", params={"cursor": 2**70})) == "cursor"
    assert client.get("/api/v1/audit", params={"cursor": str(uuid.uuid4().int % 1000)}).status_code == 200


def test_an_example_split_of_the_wrong_type_is_refused(client):
    dataset = client.post("/api/v1/datasets", json={"name": "split-types"}).json()
    added = client.post(
        f"/api/v1/datasets/{dataset['id']}/examples",
        json={"examples": [{"inputs": {"q": "hi"}, "outputs": {"a": "hello"}}]},
    )
    assert added.status_code in (200, 201), added.text
    example_id = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"][0]["id"]
    url = f"/api/v1/datasets/{dataset['id']}/examples/{example_id}"
    for split in ({"a": 1}, ["train"]):
        assert _error_field(client.patch(url, json={"split": split})) == "split"
    assert client.patch(url, json={"split": "test"}).status_code == 200


def test_otlp_log_requests_with_non_object_entries_are_refused_by_name(client):
    for body, field in (
        ({"resourceLogs": ["x"]}, "resourceLogs[0]"),
        ({"resourceLogs": [{"scopeLogs": [None]}]}, "resourceLogs[0].scopeLogs[0]"),
        (
            {"resourceLogs": [{"scopeLogs": [{"logRecords": [[1]]}]}]},
            "resourceLogs[0].scopeLogs[0].logRecords[0]",
        ),
    ):
        assert _error_field(client.post("/otlp/v1/logs", json=body)) == field


def test_a_langsmith_example_reads_back_whatever_key_order_the_database_keeps(client):
    dataset = client.post("/langsmith/datasets", json={"name": "key-order"}).json()
    example = {
        "dataset_id": dataset["id"],
        "inputs": {"question_text": "hi", "a": 1},
        "outputs": {"zz": 1, "b": 2},
    }
    created = client.post("/langsmith/examples", json=example)
    assert created.status_code == 200, created.text
    assert created.json()["inputs"] == example["inputs"]


def test_token_counts_past_the_integer_columns_are_refused_by_name(client):
    run = run_payload(total_tokens=154_543_668_605)
    assert _error_field(client.post("/api/v1/runs", json=run)).endswith("total_tokens")
    both = run_payload(prompt_tokens=2**31 - 1, completion_tokens=2**31 - 1)
    assert _error_field(client.post("/api/v1/runs", json=both)).endswith("total_tokens")
    assert client.post("/api/v1/runs", json=run_payload(total_tokens=2**31 - 1)).status_code == 202


def test_langsmith_queue_positions_past_any_queue_are_refused(client):
    client.post("/api/v1/feedback-configs", json={"key": "note", "type": "freeform"})
    queue = client.post("/api/v1/queues", json={"name": "positions", "rubric": [{"key": "note"}]})
    assert queue.status_code == 201, queue.text
    queue_id = queue.json()["id"]
    huge = 7228017387186437196518336233472
    assert _error_field(client.get(f"/langsmith/api/v1/annotation-queues/{queue_id}/run/{huge}")) == "index"
    assert (
        _error_field(client.get(f"/langsmith/api/v1/annotation-queues/{queue_id}/runs?offset={huge}"))
        == "offset"
    )


def test_an_evaluator_without_online_settings_leaves_ingest_alone(client):
    created = client.post(
        "/api/v1/evaluators",
        json={
            "name": "offline",
            "key": "format_ok",
            "kind": "code",
            "spec": {"checks": [{"type": "valid_json"}]},
        },
    )
    assert created.status_code == 201, created.text
    run = run_payload()
    assert client.post("/api/v1/runs/batch", json={"post": [run]}).status_code == 202
    ended = client.patch(f"/api/v1/runs/{run['id']}", json={"end_time": "2026-11-01T12:00:05Z"})
    assert ended.status_code in (200, 202), ended.text
    assert client.get(f"/api/v1/evaluators/{created.json()['id']}/jobs").json()["items"] == []


def test_a_queue_filter_that_is_not_a_string_is_refused_by_name(client):
    client.post(
        "/api/v1/feedback-configs", json={"key": "quality", "type": "categorical", "options": ["ok", "bad"]}
    )
    queue = client.post("/api/v1/queues", json={"name": "q", "rubric": [{"key": "quality"}]}).json()
    for bad in ({}, ["x"], 3):
        assert (
            _error_field(client.post(f"/api/v1/queues/{queue['id']}/items", json={"filter": bad})) == "filter"
        )


def test_an_item_priority_past_a_32_bit_integer_is_refused_by_name(client):
    client.post(
        "/api/v1/feedback-configs", json={"key": "quality", "type": "categorical", "options": ["ok", "bad"]}
    )
    queue = client.post("/api/v1/queues", json={"name": "q", "rubric": [{"key": "quality"}]}).json()
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    for body in ({"filter": "", "priority": 2**31}, {"run_ids": [run["id"]], "priority": -(2**31) - 1}):
        assert _error_field(client.post(f"/api/v1/queues/{queue['id']}/items", json=body)) == "priority"
    added = client.post(
        f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run["id"]], "priority": 2**31 - 1}
    )
    assert added.status_code == 200 and added.json()["added"] == 1


def test_evaluator_versions_past_a_32_bit_integer_are_unknown_versions(client):
    created = client.post(
        "/api/v1/evaluators",
        json={
            "name": "json",
            "key": "format_ok",
            "kind": "code",
            "spec": {"checks": [{"type": "valid_json"}]},
        },
    ).json()
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    base = f"/api/v1/evaluators/{created['id']}"
    started = client.post(f"{base}/runs", json={"filter": "", "version": 2**31})
    assert _error_field(started) == "version"
    tried = client.post(f"{base}/try", json={"run_id": run["id"], "version": 2**31})
    assert tried.status_code in (400, 404) and tried.json()["error"]["field"] == "version"
    client.post(
        "/api/v1/feedback-configs", json={"key": "format_ok", "type": "categorical", "options": ["yes", "no"]}
    )
    queue = client.post("/api/v1/queues", json={"name": "q", "rubric": [{"key": "format_ok"}]}).json()
    aligned = client.get(f"{base}/alignment", params={"queue_id": queue["id"], "version": 2**31})
    assert aligned.status_code in (400, 404) and aligned.json()["error"]["field"] == "version"
    assert client.post(f"{base}/runs", json={"filter": "", "version": 1}).status_code == 202


def test_counts_past_a_32_bit_integer_are_refused_by_name(client):
    freeform = {"key": "note", "type": "freeform", "max_length": 2**31}
    assert _error_field(client.post("/api/v1/feedback-configs", json=freeform)) == "max_length"
    client.post(
        "/api/v1/feedback-configs", json={"key": "quality", "type": "categorical", "options": ["ok", "bad"]}
    )
    queue = client.post("/api/v1/queues", json={"name": "q", "rubric": [{"key": "quality"}]}).json()
    rule = {"name": "slow", "filter": "latency > 1", "daily_cap": 2**31}
    assert _error_field(client.post(f"/api/v1/queues/{queue['id']}/rules", json=rule)) == "daily_cap"
    kept = client.post(f"/api/v1/queues/{queue['id']}/rules", json={**rule, "daily_cap": 2**31 - 1})
    assert kept.status_code == 201, kept.text
