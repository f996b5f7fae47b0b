"""Ingest, read and search runs through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.factories import BASE_TIME, run_payload, trace_payload


def test_batch_ingest_then_read_a_run_and_its_trace(client):
    runs = trace_payload()
    response = client.post("/api/v1/runs/batch", json={"post": runs})
    assert response.status_code == 202
    assert response.json() == {"accepted": 3}

    root = client.get(f"/api/v1/runs/{runs[0]['id']}").json()
    assert root["name"] == "rag_chain"
    assert root["project"] == "support-rag"
    assert root["is_root"] is True
    assert root["status"] == "success"
    assert root["latency_ms"] == 3000.0
    assert root["metadata"] == {"eval_score": 0.9}

    llm = client.get(f"/api/v1/runs/{runs[2]['id']}").json()
    assert llm["usage"] == {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    assert llm["trace_id"] == runs[0]["id"]

    trace = client.get(f"/api/v1/traces/{runs[0]['id']}").json()
    assert trace["run_count"] == 3
    assert [r["id"] for r in trace["roots"]] == [runs[0]["id"]]
    assert sorted(c["name"] for c in trace["roots"][0]["children"]) == ["ChatOpenAI", "retrieve"]


def test_ingest_is_idempotent_and_a_patch_never_erases_with_null(client):
    run = run_payload(outputs=None, end_time=None)
    assert client.post("/api/v1/runs/batch", json={"post": [run]}).status_code == 202
    assert client.post("/api/v1/runs/batch", json={"post": [run]}).status_code == 202
    stored = client.get(f"/api/v1/runs/{run['id']}").json()
    assert stored["status"] == "pending"
    assert stored["latency_ms"] is None

    end = (BASE_TIME + timedelta(seconds=2)).isoformat()
    patch = {
        "id": run["id"],
        "name": None,
        "run_type": None,
        "inputs": None,
        "outputs": {"answer": "done"},
        "end_time": end,
        "tags": None,
    }
    assert client.post("/api/v1/runs/batch", json={"patch": [patch]}).status_code == 202
    stored = client.get(f"/api/v1/runs/{run['id']}").json()
    assert stored["name"] == "answer_question"
    assert stored["inputs"] == {"question": "Where is my order?"}
    assert stored["outputs"] == {"answer": "done"}
    assert stored["tags"] == ["production"]
    assert stored["latency_ms"] == 2000.0
    assert stored["status"] == "success"


def test_a_patch_may_come_before_its_post(client):
    run_id = str(uuid.uuid4())
    end = (BASE_TIME + timedelta(seconds=4)).isoformat()
    client.post("/api/v1/runs/batch", json={"patch": [{"id": run_id, "outputs": {"a": 1}, "end_time": end}]})
    client.post("/api/v1/runs/batch", json={"post": [run_payload(id=run_id, outputs=None, end_time=None)]})
    stored = client.get(f"/api/v1/runs/{run_id}").json()
    assert stored["outputs"] == {"a": 1}
    assert stored["inputs"] == {"question": "Where is my order?"}
    assert stored["latency_ms"] == 4000.0
    assert stored["trace_id"] == run_id


def test_single_run_post_and_patch_without_trace_id(client):
    parent = run_payload(end_time=None)
    del parent["project"]
    assert client.post("/api/v1/runs", json=parent).status_code == 202
    child = run_payload(parent_run_id=parent["id"], name="tool_call", run_type="tool")
    assert client.post("/api/v1/runs", json=child).status_code == 202
    stored_child = client.get(f"/api/v1/runs/{child['id']}").json()
    assert stored_child["trace_id"] == parent["id"]
    assert stored_child["is_root"] is False
    response = client.patch(f"/api/v1/runs/{parent['id']}", json={"error": "ValueError: boom"})
    assert response.status_code == 202
    stored_parent = client.get(f"/api/v1/runs/{parent['id']}").json()
    assert stored_parent["status"] == "error"
    assert stored_parent["project"] == "default"


def test_langsmith_style_runs_are_understood(client):
    run_id = str(uuid.uuid4())
    payload = {
        "id": run_id,
        "trace_id": run_id,
        "dotted_order": f"20261101T120000000000Z{run_id}",
        "session_name": "ls-project",
        "name": "ChatOpenAI",
        "run_type": "llm",
        "start_time": "2026-11-01T12:00:00.000000",
        "end_time": "2026-11-01T12:00:01.500000",
        "inputs": {"messages": []},
        "outputs": {"generations": []},
        "extra": {
            "metadata": {
                "ls_model_name": "gpt-4o",
                "usage_metadata": {"input_tokens": 10, "output_tokens": 5},
            }
        },
        "total_cost": "0.0003",
    }
    assert client.post("/api/v1/runs/batch", json={"post": [payload]}).status_code == 202
    stored = client.get(f"/api/v1/runs/{run_id}").json()
    assert stored["project"] == "ls-project"
    assert stored["metadata"]["ls_model_name"] == "gpt-4o"
    assert stored["usage"]["total_tokens"] == 15
    assert stored["cost"] == 0.0003
    assert stored["start_time"].startswith("2026-11-01T12:00:00")
    assert stored["latency_ms"] == 1500.0


def test_a_project_named_by_a_run_is_created_on_first_sight(client):
    client.post("/api/v1/runs/batch", json={"post": [run_payload(project="brand-new")]})
    names = [p["name"] for p in client.get("/api/v1/projects").json()["items"]]
    assert "brand-new" in names
    one = client.get("/api/v1/projects", params={"name": "brand-new"}).json()["items"]
    assert len(one) == 1
    assert client.get(f"/api/v1/projects/{one[0]['id']}").json()["name"] == "brand-new"


def test_search_with_filter_project_roots_and_stable_cursor_paging(client):
    runs = []
    for i in range(25):
        start = BASE_TIME + timedelta(minutes=i)
        runs += trace_payload(start=start)
        runs[-3]["metadata"] = {"eval_score": i / 25}
    client.post("/api/v1/runs/batch", json={"post": runs})

    page = client.post(
        "/api/v1/runs/search", json={"filter": "metadata.eval_score < 0.5", "is_root": True, "limit": 5}
    ).json()
    seen = [r["id"] for r in page["items"]]
    while page["next_cursor"]:
        page = client.post(
            "/api/v1/runs/search",
            json={
                "filter": "metadata.eval_score < 0.5",
                "is_root": True,
                "limit": 5,
                "cursor": page["next_cursor"],
            },
        ).json()
        seen += [r["id"] for r in page["items"]]
    expected = [r["id"] for i, r in enumerate(runs) if i % 3 == 0 and r["metadata"]["eval_score"] < 0.5]
    assert seen == list(reversed(expected))  # newest first, no gaps, no repeats

    llms = client.post("/api/v1/runs/search", json={"filter": 'run_type == "llm"', "limit": 100}).json()
    assert len(llms["items"]) == 25
    assert llms["next_cursor"] is None
    other = client.post("/api/v1/runs/search", json={"project": "nope"}).json()
    assert other["items"] == []


def test_search_speaks_langsmith_function_spelling(client):
    runs = trace_payload()
    runs[0]["tags"] = ["experimental"]
    client.post("/api/v1/runs/batch", json={"post": runs})
    found = client.post(
        "/api/v1/runs/search",
        json={"filter": 'and(eq(run_type, "chain"), has(tags, "experimental"), gt(latency, 2))'},
    ).json()
    assert [r["id"] for r in found["items"]] == [runs[0]["id"]]
