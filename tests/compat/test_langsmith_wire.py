"""Wire details the SDK relies on, sent by hand: multipart parts in any order, idempotent re-sends,
refused attachments and compression, project ids, response hygiene, offset pages that end."""

from __future__ import annotations

import uuid

import orjson
from fastapi.testclient import TestClient

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import queues
from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import stored_runs

LS = "/langsmith"


def _json(value: object) -> tuple[None, bytes, str]:
    return (None, orjson.dumps(value), "application/json")


def _run(run_id: uuid.UUID, **fields: object) -> dict:
    return {
        "id": str(run_id),
        "trace_id": str(run_id),
        "dotted_order": f"20260101T000000000000Z{run_id}",
        "name": "wire",
        "run_type": "chain",
        "start_time": "2026-01-01T00:00:00",  # naive: UTC
        "session_name": "wire",
        **fields,
    }


def test_multipart_patch_before_post_with_feedback_and_a_resend(client: TestClient, db: Database) -> None:
    run_id, feedback_id = uuid.uuid4(), uuid.uuid4()
    parts = [
        (
            f"patch.{run_id}",
            _json({"id": str(run_id), "end_time": "2026-01-01T00:00:02+00:00", "name": None}),
        ),
        (f"patch.{run_id}.outputs", _json({"answer": "42"})),
        (f"post.{run_id}", _json(_run(run_id))),
        (f"post.{run_id}.inputs", _json({"q": "meaning?"})),
        (f"post.{run_id}.extra", _json({"metadata": {"k": "v"}, "runtime": {"sdk": "langsmith-py"}})),
        (f"post.{run_id}.error", (None, b"null", "application/json; charset=utf-8")),
        (
            f"feedback.{feedback_id}",
            _json(
                {
                    "id": str(feedback_id),
                    "run_id": str(run_id),
                    "trace_id": str(run_id),
                    "key": "k",
                    "score": 1,
                }
            ),
        ),
    ]
    for _ in range(2):  # the SDK re-sends a batch after a timeout: the second time changes nothing
        response = client.post(f"{LS}/runs/multipart", files=parts)
        assert response.status_code == 202, response.text
    (run,) = stored_runs(db, "wire")
    assert run["name"] == "wire" and run["inputs"] == {"q": "meaning?"} and run["outputs"] == {"answer": "42"}
    assert run["meta"] == {"k": "v"} and run["status"] == "success" and run["latency_ms"] == 2000
    feedback, _ = feedback_service.list_feedback(
        db, SYSTEM_ACTOR, filters={"run_id": [run_id]}, limit=10, cursor=None
    )
    assert [(f["id"], f["trace_id"], f["score"]) for f in feedback] == [(feedback_id, run_id, 1.0)]


def test_attachments_and_compression_are_refused_and_nothing_is_stored(
    client: TestClient, db: Database
) -> None:
    run_id = uuid.uuid4()
    parts = [
        (f"post.{run_id}", _json(_run(run_id))),
        (f"attachment.{run_id}.note", (None, b"hello", "text/plain")),
    ]
    refused = client.post(f"{LS}/runs/multipart", files=parts)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "attachments_unsupported"
    assert "does not store run attachments" in refused.json()["error"]["message"]
    compressed = client.post(f"{LS}/runs/multipart", files=parts[:1], headers={"Content-Encoding": "zstd"})
    assert compressed.status_code == 415 and "zstd" in compressed.json()["error"]["message"]
    not_json = client.post(f"{LS}/runs/multipart", files=[(f"post.{run_id}", (None, b"{}", "text/plain"))])
    assert not_json.status_code == 415
    assert client.get(f"{LS}/sessions", params={"name": "wire"}).json() == []


def test_a_run_may_name_its_project_by_id(client: TestClient, db: Database) -> None:
    project = client.post(f"{LS}/sessions", json={"name": "by-id", "id": str(uuid.uuid4())}).json()
    run_id = uuid.uuid4()
    body = {k: v for k, v in _run(run_id).items() if k != "session_name"}
    assert client.post(f"{LS}/runs", json={**body, "session_id": project["id"]}).status_code == 202
    (run,) = stored_runs(db, "by-id")
    assert str(run["project_id"]) == project["id"] and run["session_id"] is None
    unknown = client.post(
        f"{LS}/runs", json={**body, "id": str(uuid.uuid4()), "session_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 400 and "session_name" in unknown.json()["error"]["message"]

    read = client.get(f"{LS}/runs/{run_id}").json()
    assert "attachments" not in read and read["trace_id"] == str(run_id) and read["dotted_order"]
    assert read["session_id"] == project["id"]


def test_sessions_pages_end_and_names_answer_lists(client: TestClient) -> None:
    for i in range(5):
        client.post(f"{LS}/sessions", json={"name": f"p{i}"})
    assert client.post(f"{LS}/sessions", json={"name": "p0"}).status_code == 409
    assert client.post(f"{LS}/sessions?upsert=True", json={"name": "p0"}).status_code == 200
    pages = [client.get(f"{LS}/sessions", params={"limit": 2, "offset": o}).json() for o in (0, 2, 4, 6)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert all(s["tenant_id"] and "reference_dataset_id" in s for p in pages for s in p)
    (found,) = client.get(
        f"{LS}/sessions", params={"name": "p3", "limit": 1, "include_stats": "False"}
    ).json()
    assert found["name"] == "p3"
    assert client.get(f"{LS}/sessions", params={"name_contains": "P1"}).json()[0]["name"] == "p1"


def test_both_prefixes_and_the_platform_paths(client: TestClient, db: Database) -> None:
    run_id = uuid.uuid4()
    client.post(f"{LS}/api/v1/runs/batch", json={"post": [_run(run_id, inputs={"q": 1})]})
    queue = client.post(f"{LS}/api/v1/annotation-queues", json={"name": "platform"}).json()
    for prefix in ("/langsmith/v1/platform", "/langsmith/api/v1/platform"):
        response = client.post(
            f"{prefix}/annotation-queues/{queue['id']}/items",
            json={"items": [{"item_type": "RUN", "run_id": str(run_id)}]},
        )
        assert response.status_code == 200, response.text
    assert queues.get_queue(db, SYSTEM_ACTOR, uuid.UUID(queue["id"]))["name"] == "platform"
    items = client.get(f"{LS}/annotation-queues/{queue['id']}/runs").json()
    assert [i["id"] for i in items] == [str(run_id)]
    assert "attachments" not in items[0]
