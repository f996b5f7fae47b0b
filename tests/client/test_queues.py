"""Annotation queues through the SDK against the real server: the tutorial's flow, reviewers, errors."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from reviewdesk.client import Client, Conflict, InvalidRequest, NotFound, PermissionDenied
from tests.factories import run_payload

RUBRIC = [
    {"key": "overall_quality", "required": True, "instructions": "Would you ship this answer?"},
    {"key": "groundedness", "required": True},
    "reviewer_note",
]
GOOD = {"overall_quality": "good", "groundedness": "grounded", "reviewer_note": "fine"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def rubric_configs(admin: Client) -> None:
    """The tutorial's score configs (shared by every test on the session's server)."""
    definitions = [
        ("overall_quality", "categorical", {"options": ["good", "acceptable", "bad"]}),
        ("groundedness", "categorical", {"options": ["grounded", "hallucinated", "partially_grounded"]}),
        ("reviewer_note", "freeform", {}),
    ]
    for key, kind, fields in definitions:
        with contextlib.suppress(Conflict):
            admin.create_feedback_config(key, kind, **fields)


class Reviewer:
    def __init__(self, user: dict, sdk: Client) -> None:
        self.id = user["id"]
        self.sdk = sdk


@pytest.fixture
def make_reviewer(admin: Client, server_url: str) -> Iterator:
    """Users with the reviewer role, each with its own key and SDK client, made by the admin."""
    clients: list[Client] = []

    def make() -> Reviewer:
        user = admin.create_user(f"{unique('reviewer')}@example.com", "reviewer")
        key = admin.create_api_key(user["id"], name="review")
        sdk = Client(server_url, key["key"], flush_interval=3600)
        clients.append(sdk)
        return Reviewer(user, sdk)

    yield make
    for sdk in clients:
        sdk.close()


def stored_runs(admin: Client, n: int, project: str | None = None, **fields) -> list[str]:
    runs = [run_payload(project=project or unique("queue-runs"), **fields) for _ in range(n)]
    assert admin.log_runs(post=runs) == n
    return [r["id"] for r in runs]


def test_the_tutorial_queue_from_add_runs_to_stats(admin: Client, rubric_configs, make_reviewer) -> None:
    rita = make_reviewer()
    name = unique("production-rag-review")
    queue = admin.create_queue(name, rubric=RUBRIC, reviewers=[uuid.UUID(rita.id)], description="RAG")
    assert (queue["rubric_version"], queue["reviewers"], queue["blind"]) == (1, [rita.id], True)
    assert [f["key"] for f in queue["rubric"]] == ["overall_quality", "groundedness", "reviewer_note"]
    assert admin.get_queue(queue_name=name)["id"] == queue["id"]
    assert admin.get_queue(uuid.UUID(queue["id"]))["name"] == name
    assert queue["id"] in {q["id"] for q in admin.list_queues()}
    assert [q["id"] for q in rita.sdk.list_queues()] == [queue["id"]]  # only what is assigned

    run_ids = stored_runs(admin, 3)
    first = admin.add_runs(
        queue_name=name, run_ids=[uuid.UUID(r) for r in run_ids[:2]], reason="Low confidence: 0.41"
    )
    assert first == {"added": 2, "already_present": 0}
    again = admin.add_runs(queue["id"], run_ids=run_ids, comment="again", priority=5)
    assert again == {"added": 1, "already_present": 2}
    items = list(admin.list_queue_items(queue["id"], page_size=2))  # two pages of offset paging
    assert sorted(i["run_id"] for i in items) == sorted(run_ids)
    assert {i["reason"] for i in items} == {"Low confidence: 0.41", "again"}
    assert len(list(admin.list_queue_items(queue["id"], limit=1))) == 1

    # The reviewer works the queue: next → submit until nothing is left.
    held = rita.sdk.next_item(queue["id"])
    assert held is not None and held["queue"]["name"] == name
    assert rita.sdk.heartbeat(held["item"]["id"])["reserved_until"]
    rita.sdk.release(held["item"]["id"])
    reviewed = []
    while (view := rita.sdk.next_item(queue["id"])) is not None:
        assert [f["key"] for f in view["rubric"]] == ["overall_quality", "groundedness", "reviewer_note"]
        assert view["rubric"][0]["options"][0]["value"] == "good"
        result = rita.sdk.submit(view["item"]["id"], GOOD, comment="checked the sources")
        assert (result["status"], result["item_status"]) == ("submitted", "completed")
        assert len(result["feedback_ids"]) == 3
        reviewed.append(view["runs"][0]["id"])
    assert sorted(reviewed) == sorted(run_ids)

    rows = list(admin.list_feedback(queue_id=queue["id"], key="overall_quality"))
    assert sorted(r["run_id"] for r in rows) == sorted(run_ids)
    assert {(r["source"], r["value"], r["created_by"]) for r in rows} == {("human", "good", rita.id)}
    history = rita.sdk.review_history(queue["id"])
    assert [h["status"] for h in history] == ["submitted"] * 3
    stats = admin.queue_stats(queue["id"])
    assert stats["counts"] == {"pending": 0, "completed": 3, "flagged": 0, "removed": 0}
    assert stats["total"] == 3 and stats["reviewers"][rita.id]["done"] == 3


def test_skip_flag_and_resolve(admin: Client, rubric_configs, make_reviewer) -> None:
    rita = make_reviewer()
    queue = admin.create_queue(unique("triage"), rubric=RUBRIC, reviewers=[rita.id])
    admin.add_runs(queue["id"], run_ids=stored_runs(admin, 2))
    first = rita.sdk.next_item(queue["id"])
    assert rita.sdk.skip(first["item"]["id"], "not my area")["status"] == "skipped"
    second = rita.sdk.next_item(queue["id"])
    assert second["item"]["id"] != first["item"]["id"]
    with pytest.raises(InvalidRequest) as no_reason:
        rita.sdk.flag(second["item"]["id"], "")
    assert no_reason.value.field == "reason"
    assert rita.sdk.flag(second["item"]["id"], "PII in output")["status"] == "flagged"
    assert rita.sdk.next_item(queue["id"]) is None  # skipped never returns; flagged is out for all

    flagged = list(admin.list_queue_items(queue["id"], status="flagged"))
    assert [i["flag_reason"] for i in flagged] == ["PII in output"]
    stats = admin.queue_stats(queue["id"])
    assert stats["counts"] == {"pending": 1, "completed": 0, "flagged": 1, "removed": 0}
    with pytest.raises(PermissionDenied):
        rita.sdk.resolve_flag(flagged[0]["id"], "pending")
    assert admin.resolve_flag(flagged[0]["id"], "pending")["status"] == "pending"
    assert admin.flag(flagged[0]["id"], "still PII")["status"] == "flagged"  # an admin may review too
    assert admin.resolve_flag(flagged[0]["id"], "remove") is None
    # A removed item stays as a tombstone, so no rule or bulk add brings it back.
    assert admin.queue_stats(queue["id"])["counts"] == {
        "pending": 1,
        "completed": 0,
        "flagged": 0,
        "removed": 1,
    }


def test_errors_are_typed(admin: Client, rubric_configs, make_reviewer) -> None:
    rita, stranger = make_reviewer(), make_reviewer()
    name = unique("errors")
    queue = admin.create_queue(name, rubric=RUBRIC, reviewers=[rita.id])
    admin.add_runs(queue_name=name, run_ids=stored_runs(admin, 1))
    item_id = rita.sdk.next_item(queue["id"])["item"]["id"]

    with pytest.raises(InvalidRequest) as bad:
        rita.sdk.submit(item_id, {**GOOD, "overall_quality": "great"})
    assert (bad.value.status, bad.value.field) == (400, "answers.overall_quality")
    with pytest.raises(InvalidRequest) as missing:
        rita.sdk.submit(item_id, {"overall_quality": "good"})
    assert missing.value.field == "answers.groundedness"

    with pytest.raises(PermissionDenied) as denied:
        stranger.sdk.next_item(queue["id"])
    assert (denied.value.status, denied.value.code) == (403, "forbidden")
    with pytest.raises(PermissionDenied):
        stranger.sdk.add_runs(queue["id"], run_ids=[str(uuid.uuid4())])
    with pytest.raises(NotFound) as no_queue:
        admin.add_runs(queue_name=unique("no-such-queue"), run_ids=[str(uuid.uuid4())])
    assert no_queue.value.field == "queue_name"
    with pytest.raises(NotFound):
        stranger.sdk.get_queue(queue_name=name)  # a reviewer cannot see a queue not assigned to it
    with pytest.raises(TypeError):
        admin.get_queue()
    with pytest.raises(TypeError):
        admin.add_runs(queue["id"], queue_name=name, run_ids=[])
    with pytest.raises(TypeError):
        admin.add_runs(queue["id"], run_ids=[], reason="a", comment="b")
    with pytest.raises(Conflict) as taken:
        admin.create_queue(name, rubric=RUBRIC)
    assert taken.value.field == "name"
    with pytest.raises(InvalidRequest) as unknown_key:
        admin.create_queue(unique("bad-rubric"), rubric=[{"key": unique("nope")}])
    assert unknown_key.value.field == "rubric[0].key"
    with pytest.raises(InvalidRequest) as bad_id:
        admin.add_runs(queue["id"], run_ids=["not-a-uuid"])
    assert bad_id.value.field == "run_ids[0]"


def test_filters_updates_removal_pairs_and_deletion(admin: Client, rubric_configs, make_reviewer) -> None:
    project = unique("filtered")
    low = stored_runs(admin, 3, project, metadata={"eval_score": 0.1})
    stored_runs(admin, 4, project, metadata={"eval_score": 0.9})
    name = unique("bulk")
    queue = admin.create_queue(name, rubric=RUBRIC)
    added = admin.add_runs_by_filter(
        queue_name=name, filter="metadata.eval_score < 0.5", project=project, reason="bulk"
    )
    assert added == {"added": 3, "already_present": 0}
    items = list(admin.list_queue_items(queue["id"], status="pending"))
    assert sorted(i["run_id"] for i in items) == sorted(low)
    admin.remove_queue_item(queue["id"], items[0]["id"])
    assert len(list(admin.list_queue_items(queue["id"]))) == 2
    with pytest.raises(NotFound):
        admin.remove_queue_item(queue["id"], items[0]["id"])

    rita = make_reviewer()
    updated = admin.update_queue(queue["id"], rubric=[*RUBRIC[:2]], reviewers=[uuid.UUID(rita.id)])
    assert (updated["rubric_version"], updated["reviewers"]) == (2, [rita.id])
    assert rita.sdk.get_queue(queue["id"])["name"] == name
    assert admin.update_queue(queue["id"], archived=True)["archived"] is True
    assert queue["id"] not in {q["id"] for q in admin.list_queues()}
    assert queue["id"] in {q["id"] for q in admin.list_queues(include_archived=True)}

    pairwise = admin.create_queue(unique("ab-test"), kind="pairwise", reviewers=[rita.id])
    a, b = stored_runs(admin, 2)
    assert admin.add_pairs(pairwise["id"], [(uuid.UUID(a), b)]) == {"added": 1, "already_present": 0}
    assert admin.add_pairs(pairwise["id"], [[a, b]]) == {"added": 0, "already_present": 1}
    view = rita.sdk.next_item(pairwise["id"])
    assert sorted(r["id"] for r in view["runs"]) == sorted([a, b])
    assert rita.sdk.submit(view["item"]["id"], {"preference": "tie"})["item_status"] == "completed"

    admin.delete_queue(queue["id"])
    with pytest.raises(NotFound):
        admin.get_queue(queue["id"])
    with pytest.raises(NotFound):
        admin.delete_queue(queue["id"])
