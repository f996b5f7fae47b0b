"""Annotation queues from the LangSmith SDK: a rubric from `rubric_items`, runs added by id and by key,
a ReviewDesk reviewer working the queue through /api/v1, and the SDK reading the outcome back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import langsmith as ls
import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts, feedback_configs, queue_items, queues
from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import (
    SDK_WARNINGS,
    LiveServer,
    live_server,
    reset_sdk_globals,
    sdk_client,
    stored_runs,
)
from tests.conftest import ADMIN_KEY

pytestmark = SDK_WARNINGS

RUBRIC = [
    {
        "feedback_key": "correctness",
        "description": "Does the answer match the order system?",
        "value_descriptions": {"wrong": "Contradicts the order status", "right": "Matches it"},
        "is_required": True,
    },
    {"feedback_key": "helpfulness", "score_descriptions": {"1": "Useless", "5": "Solves it"}},
    {"feedback_key": "note", "description": "Anything else"},
]


@dataclass
class Setup:
    server: LiveServer
    client: ls.Client
    runs: list[uuid.UUID]


@ls.traceable(name="answer")
def answer(question: str) -> str:
    return f"About {question}: shipped."


@pytest.fixture
def setup(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    reset_sdk_globals(monkeypatch)
    with live_server(db) as server, sdk_client(server, auto_batch_tracing=False) as client:
        run_ids = [uuid.uuid4() for _ in range(3)]
        with ls.tracing_context(client=client, enabled=True, project_name="queue-bot"):
            for i, run_id in enumerate(run_ids):
                answer(f"order {i}", langsmith_extra={"run_id": run_id})
        yield Setup(server, client, run_ids)


def _reviewer(db: Database) -> tuple[uuid.UUID, dict[str, str]]:
    user = accounts.create_user(
        db, SYSTEM_ACTOR, email="rita@example.com", role="reviewer", password="password-123"
    )
    key = accounts.create_api_key(db, SYSTEM_ACTOR, user["id"])["key"]
    return user["id"], {"x-api-key": key}


def test_a_queue_from_the_sdk_is_worked_by_a_reviewdesk_reviewer(setup: Setup) -> None:
    client, db, runs = setup.client, setup.server.db, setup.runs
    made = client.create_annotation_queue(
        name="Order answers",
        description="Answers about orders",
        rubric_instructions="Check the order system before scoring.",
        rubric_items=RUBRIC,
    )
    # What ReviewDesk stored: our rubric, configs for the keys that had none, one description.
    queue = queues.get_queue(db, SYSTEM_ACTOR, made.id)
    assert [(f["key"], f["required"]) for f in queue["rubric"]] == [
        ("correctness", True),
        ("helpfulness", False),
        ("note", False),
    ]
    assert queue["rubric"][0]["instructions"] == "Does the answer match the order system?"
    assert queue["description"].startswith("Answers about orders")
    assert queue["description"].endswith("Check the order system before scoring.")
    correctness = feedback_configs.get_config(db, SYSTEM_ACTOR, "correctness")
    assert correctness["type"] == "categorical"
    assert [(o["value"], o["score"], o["description"]) for o in correctness["options"]] == [
        ("wrong", 0.0, "Contradicts the order status"),
        ("right", 1.0, "Matches it"),
    ]
    helpfulness = feedback_configs.get_config(db, SYSTEM_ACTOR, "helpfulness")
    assert (helpfulness["type"], helpfulness["min"], helpfulness["max"]) == ("continuous", 1.0, 5.0)
    # A bare key says nothing of a score: the tutorial's reviewer note is free text.
    assert feedback_configs.get_config(db, SYSTEM_ACTOR, "note")["type"] == "freeform"

    read = client.read_annotation_queue(made.id)
    assert read.rubric_instructions == "Check the order system before scoring."
    assert read.description == "Answers about orders"
    assert [i["feedback_key"] for i in read.rubric_items] == ["correctness", "helpfulness", "note"]
    assert read.rubric_items[0]["value_descriptions"] == {
        "wrong": "Contradicts the order status",
        "right": "Matches it",
    }
    assert read.rubric_items[0]["feedback_config"].feedback_config["type"] == "categorical"

    client.add_runs_to_annotation_queue(made.id, run_ids=runs[:2])
    project_id = stored_runs(db, "queue-bot")[0]["project_id"]
    client.add_runs_to_annotation_queue(
        made.id, runs=[{"run_id": runs[2], "session_id": project_id, "start_time": "2026-01-01T00:00:00Z"}]
    )
    client.add_runs_to_annotation_queue(made.id, run_ids=runs[:1])  # already there: no duplicate
    items = queue_items.list_items(db, SYSTEM_ACTOR, made.id, status=None, limit=10, offset=0)
    assert sorted(i["run_id"] for i in items) == sorted(runs) and {i["source"] for i in items} == {"api"}

    listed = list(client.list_runs_from_annotation_queue(made.id))
    assert sorted(r.id for r in listed) == sorted(runs) and all(r.added_at for r in listed)
    assert client.get_run_from_annotation_queue(made.id, index=0).id in runs

    # A ReviewDesk reviewer works the queue through /api/v1.
    reviewer_id, reviewer = _reviewer(db)
    api = f"{setup.server.url}/api/v1"
    admin = {"x-api-key": ADMIN_KEY}
    assert httpx.patch(
        f"{api}/queues/{made.id}", json={"reviewers": [str(reviewer_id)]}, headers=admin
    ).is_success
    claimed = httpx.post(f"{api}/queues/{made.id}/next", headers=reviewer)
    assert claimed.status_code == 200
    item = claimed.json()["item"]
    submitted = httpx.post(
        f"{api}/items/{item['id']}/submit",
        json={
            "answers": {"correctness": "right", "helpfulness": 4, "note": "Quoted the wrong date."},
            "comment": "fine",
        },
        headers=reviewer,
    )
    assert submitted.status_code == 200, submitted.text

    done = list(client.list_runs_from_annotation_queue(made.id, status="completed"))
    assert [r.id for r in done] == [uuid.UUID(item["run_id"])] and done[0].last_reviewed_time is not None
    assert len(list(client.list_runs_from_annotation_queue(made.id, status="needs_my_review"))) == 2
    scores = {f.key: f for f in client.list_feedback(run_ids=[item["run_id"]])}
    assert (scores["correctness"].value, scores["correctness"].score) == ("right", 1.0)
    assert scores["helpfulness"].score == 4.0 and scores["helpfulness"].feedback_source.type == "human"
    assert scores["correctness"].extra["queue_id"] == str(made.id)
    assert scores["note"].value == "Quoted the wrong date."

    left = next(r for r in runs if r != uuid.UUID(item["run_id"]))
    client.delete_run_from_annotation_queue(made.id, run_id=left)
    assert left not in {r.id for r in client.list_runs_from_annotation_queue(made.id)}
    removed = queue_items.list_items(db, SYSTEM_ACTOR, made.id, status="removed", limit=10, offset=0)
    assert [i["run_id"] for i in removed] == [left]


def test_update_list_and_delete_queues_with_the_v2_fields(setup: Setup) -> None:
    client, db = setup.client, setup.server.db
    made = client.create_annotation_queue(name="Second look", rubric_items=[{"feedback_key": "ok"}])
    client.update_annotation_queue(made.id, name="Second look (v2)", rubric_instructions="Be strict.")
    stored = queues.get_queue(db, SYSTEM_ACTOR, made.id)
    assert stored["name"] == "Second look (v2)" and stored["description"].endswith("Be strict.")
    assert stored["rubric_version"] == 1
    client.update_annotation_queue(made.id, rubric_items=[{"feedback_key": "ok", "is_required": True}])
    assert queues.get_queue(db, SYSTEM_ACTOR, made.id)["rubric_version"] == 2

    v2 = client.request_with_retries(
        "POST",
        "/annotation-queues",
        json={
            "name": "Calibration",
            "num_reviewers_per_item": 3,
            "enable_reservations": True,
            "reservation_minutes": 5,
            "reviewer_access_mode": "any",
        },
    ).json()
    stored = queues.get_queue(db, SYSTEM_ACTOR, uuid.UUID(v2["id"]))
    assert (stored["reviewers_per_item"], stored["reservation_seconds"], stored["reviewer_access"]) == (
        3,
        300,
        "any",
    )
    assert (v2["num_reviewers_per_item"], v2["reservation_minutes"], v2["enable_reservations"]) == (
        3,
        5,
        True,
    )
    with pytest.raises(ls.utils.LangSmithError, match="reservations are always on"):
        client.request_with_retries(
            "PATCH", f"/annotation-queues/{v2['id']}", json={"enable_reservations": False}
        )

    assert [q.name for q in client.list_annotation_queues(name_contains="v2")] == ["Second look (v2)"]
    assert len(list(client.list_annotation_queues(limit=1))) == 1
    assert {q.name for q in client.list_annotation_queues()} == {"Second look (v2)", "Calibration"}
    client.delete_annotation_queue(made.id)
    assert [q["name"] for q in queues.list_queues(db, SYSTEM_ACTOR)] == ["Calibration"]
