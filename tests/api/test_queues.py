"""Queues and the review flow through the real API."""

from __future__ import annotations

import pytest

from tests.factories import run_payload


@pytest.fixture
def rubric_configs(client):
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "overall_quality", "type": "categorical", "options": ["good", "acceptable", "bad"]},
    )
    client.post(
        "/api/v1/feedback-configs",
        json={
            "key": "groundedness",
            "type": "categorical",
            "options": ["grounded", "hallucinated", "partially_grounded"],
        },
    )
    client.post("/api/v1/feedback-configs", json={"key": "reviewer_note", "type": "freeform"})
    client.post(
        "/api/v1/feedback-configs", json={"key": "helpfulness", "type": "continuous", "min": 1, "max": 5}
    )


RUBRIC = [
    {"key": "overall_quality", "required": True, "instructions": "Would you ship this answer?"},
    {"key": "groundedness", "required": True},
    {"key": "reviewer_note"},
]


def _queue(client, **body):
    response = client.post("/api/v1/queues", json={"name": "production-rag-review", "rubric": RUBRIC, **body})
    assert response.status_code == 201, response.text
    return response.json()


def _runs(client, n):
    runs = [run_payload() for _ in range(n)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    return [r["id"] for r in runs]


def test_create_queue_validates_rubric_and_warns_on_long_ones(client, rubric_configs):
    queue = _queue(client)
    assert queue["rubric_version"] == 1
    assert queue["reviewers_per_item"] == 1 and queue["reservation_seconds"] == 600 and queue["blind"] is True
    missing = client.post("/api/v1/queues", json={"name": "q2", "rubric": [{"key": "nope"}]})
    assert missing.status_code == 400
    assert missing.json()["error"]["field"] == "rubric[0].key"
    for i in range(3):
        client.post("/api/v1/feedback-configs", json={"key": f"extra{i}", "type": "boolean"})
    long = client.post(
        "/api/v1/queues", json={"name": "long", "rubric": [*RUBRIC, "helpfulness", "extra0", "extra1"]}
    )
    assert long.status_code == 201
    assert "6 fields" in long.json()["warnings"][0]
    taken = client.post("/api/v1/queues", json={"name": "production-rag-review", "rubric": RUBRIC})
    assert taken.status_code == 409


def test_a_single_queue_needs_a_rubric_field_and_a_pairwise_one_does_not(client, rubric_configs):
    for body in ({"name": "empty"}, {"name": "empty", "rubric": []}, {"name": "empty", "kind": "single"}):
        refused = client.post("/api/v1/queues", json=body)
        assert refused.status_code == 400, body
        assert refused.json()["error"]["field"] == "rubric"
    assert client.get("/api/v1/queues").json()["items"] == []
    pairwise = client.post("/api/v1/queues", json={"name": "ab", "kind": "pairwise"})
    assert pairwise.status_code == 201 and pairwise.json()["rubric"] == []
    queue = _queue(client)
    emptied = client.patch(f"/api/v1/queues/{queue['id']}", json={"rubric": []})
    assert emptied.status_code == 400 and emptied.json()["error"]["field"] == "rubric"
    assert client.get(f"/api/v1/queues/{queue['id']}").json()["rubric_version"] == 1
    assert client.patch(f"/api/v1/queues/{queue['id']}", json={"description": "guide"}).status_code == 200


def test_rubric_changes_bump_the_version_and_feedback_keeps_its_own(client, rubric_configs, make_user):
    queue = _queue(client)
    (run_id,) = _runs(client, 1)
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run_id]})
    item = client.post(f"/api/v1/queues/{queue['id']}/next").json()
    client.post(
        f"/api/v1/items/{item['item']['id']}/submit",
        json={"answers": {"overall_quality": "good", "groundedness": "grounded"}},
    )
    updated = client.patch(f"/api/v1/queues/{queue['id']}", json={"rubric": [*RUBRIC, "helpfulness"]}).json()
    assert updated["rubric_version"] == 2
    rows = client.get("/api/v1/feedback", params={"queue_id": queue["id"]}).json()["items"]
    assert {r["rubric_version"] for r in rows} == {1}
    assert {r["key"] for r in rows} == {"overall_quality", "groundedness"}
    assert all(r["source"] == "human" for r in rows)


def test_items_enter_a_queue_once(client, rubric_configs):
    queue = _queue(client)
    ids = _runs(client, 3)
    first = client.post(
        f"/api/v1/queues/{queue['id']}/items", json={"run_ids": ids[:2], "reason": "low score"}
    )
    assert first.json() == {"added": 2, "already_present": 0}
    again = client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": ids, "reason": "again"})
    assert again.json() == {"added": 1, "already_present": 2}
    items = client.get(f"/api/v1/queues/{queue['id']}/items").json()["items"]
    assert sorted(i["run_id"] for i in items) == sorted(ids)
    assert {i["reason"] for i in items} == {"low score", "again"}


def test_add_by_filter_honours_the_filter(client, rubric_configs):
    queue = _queue(client)
    low = [run_payload(metadata={"eval_score": 0.1}) for _ in range(5)]
    high = [run_payload(metadata={"eval_score": 0.9}) for _ in range(7)]
    client.post("/api/v1/runs/batch", json={"post": low + high})
    added = client.post(
        f"/api/v1/queues/{queue['id']}/items", json={"filter": "metadata.eval_score < 0.5", "reason": "bulk"}
    ).json()
    assert added == {"added": 5, "already_present": 0}
    items = client.get(f"/api/v1/queues/{queue['id']}/items").json()["items"]
    assert sorted(i["run_id"] for i in items) == sorted(r["id"] for r in low)


def test_review_flow_with_two_reviewers_per_item(client, rubric_configs, make_user):
    alice, bob, carol = make_user("reviewer"), make_user("reviewer"), make_user("reviewer")
    queue = _queue(client, reviewers_per_item=2, reviewers=[str(alice.id), str(bob.id), str(carol.id)])
    (run_id,) = _runs(client, 1)
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run_id]})
    a = client.post(f"/api/v1/queues/{queue['id']}/next", headers=alice.headers).json()
    b = client.post(f"/api/v1/queues/{queue['id']}/next", headers=bob.headers).json()
    assert a["item"]["id"] == b["item"]["id"]
    assert a["runs"][0]["id"] == run_id
    assert [f["key"] for f in a["rubric"]] == ["overall_quality", "groundedness", "reviewer_note"]
    assert a["rubric"][0]["options"][0]["value"] == "good"
    # Both slots are held: the third reviewer gets nothing.
    assert client.post(f"/api/v1/queues/{queue['id']}/next", headers=carol.headers).status_code == 204
    item_id = a["item"]["id"]
    bad = client.post(
        f"/api/v1/items/{item_id}/submit",
        json={"answers": {"overall_quality": "great"}},
        headers=alice.headers,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "answers.overall_quality"
    required = client.post(
        f"/api/v1/items/{item_id}/submit",
        json={"answers": {"overall_quality": "good"}},
        headers=alice.headers,
    )
    assert required.json()["error"]["field"] == "answers.groundedness"
    answers = {"overall_quality": "good", "groundedness": "grounded", "reviewer_note": "fine"}
    first = client.post(f"/api/v1/items/{item_id}/submit", json={"answers": answers}, headers=alice.headers)
    assert first.json()["item_status"] == "pending"
    again = client.post(f"/api/v1/items/{item_id}/submit", json={"answers": answers}, headers=alice.headers)
    assert again.json()["amended"] is False
    # Blind: bob does not see alice's feedback before he submits.
    b_view = client.get(f"/api/v1/items/{item_id}", headers=bob.headers).json()
    assert all(f["source"] != "human" for f in b_view["feedback"])
    second = client.post(
        f"/api/v1/items/{item_id}/submit",
        json={"answers": {"overall_quality": "bad", "groundedness": "hallucinated"}},
        headers=bob.headers,
    )
    assert second.json()["item_status"] == "completed"
    rows = client.get("/api/v1/feedback", params={"run_id": run_id, "key": "overall_quality"}).json()["items"]
    assert sorted(r["value"] for r in rows) == ["bad", "good"]
    assert len({r["created_by"] for r in rows}) == 2
    # Alice amends her review; the amendment replaces her rows and is audited.
    amended = client.post(
        f"/api/v1/items/{item_id}/submit",
        json={"answers": {**answers, "overall_quality": "acceptable"}},
        headers=alice.headers,
    )
    assert amended.json()["amended"] is True
    rows = client.get("/api/v1/feedback", params={"run_id": run_id, "key": "overall_quality"}).json()["items"]
    assert sorted(r["value"] for r in rows) == ["acceptable", "bad"]
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["items"]]
    assert "review.amend" in actions and actions.count("review.submit") == 2
    stats = client.get(f"/api/v1/queues/{queue['id']}/stats").json()
    assert stats["counts"] == {"pending": 0, "completed": 1, "flagged": 0, "removed": 0}
    assert stats["reviewers"][str(alice.id)]["done"] == 1


def test_skip_flag_and_resolve(client, rubric_configs, make_user):
    rev = make_user("reviewer")
    queue = _queue(client, reviewers=[str(rev.id)])
    ids = _runs(client, 2)
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": ids})
    first = client.post(f"/api/v1/queues/{queue['id']}/next", headers=rev.headers).json()
    assert (
        client.post(
            f"/api/v1/items/{first['item']['id']}/skip", json={"reason": "not my area"}, headers=rev.headers
        ).status_code
        == 200
    )
    second = client.post(f"/api/v1/queues/{queue['id']}/next", headers=rev.headers).json()
    assert second["item"]["id"] != first["item"]["id"]
    no_reason = client.post(f"/api/v1/items/{second['item']['id']}/flag", json={}, headers=rev.headers)
    assert no_reason.status_code == 400 and no_reason.json()["error"]["field"] == "reason"
    client.post(
        f"/api/v1/items/{second['item']['id']}/flag", json={"reason": "PII in output"}, headers=rev.headers
    )
    # Skipped never comes back to this reviewer; flagged is out for everyone.
    assert client.post(f"/api/v1/queues/{queue['id']}/next", headers=rev.headers).status_code == 204
    flagged = client.get(f"/api/v1/queues/{queue['id']}/items", params={"status": "flagged"}).json()["items"]
    assert [i["flag_reason"] for i in flagged] == ["PII in output"]
    assert (
        client.post(
            f"/api/v1/items/{flagged[0]['id']}/resolve", json={"action": "pending"}, headers=rev.headers
        ).status_code
        == 403
    )
    resolved = client.post(f"/api/v1/items/{flagged[0]['id']}/resolve", json={"action": "pending"})
    assert resolved.json()["status"] == "pending"


def test_reservations_heartbeat_release_and_lapse(client, rubric_configs, make_user):
    alice, bob = make_user("reviewer"), make_user("reviewer")
    queue = _queue(client, reviewers=[str(alice.id), str(bob.id)], reservation_seconds=10)
    _runs_ids = _runs(client, 1)
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": _runs_ids})
    held = client.post(f"/api/v1/queues/{queue['id']}/next", headers=alice.headers).json()
    item_id = held["item"]["id"]
    # Asking again hands back the same reservation.
    assert (
        client.post(f"/api/v1/queues/{queue['id']}/next", headers=alice.headers).json()["item"]["id"]
        == item_id
    )
    assert client.post(f"/api/v1/queues/{queue['id']}/next", headers=bob.headers).status_code == 204
    beat = client.post(f"/api/v1/items/{item_id}/heartbeat", headers=alice.headers)
    assert beat.status_code == 200 and beat.json()["reserved_until"] >= held["reserved_until"]
    assert client.post(f"/api/v1/items/{item_id}/heartbeat", headers=bob.headers).status_code == 409
    assert client.post(f"/api/v1/items/{item_id}/release", headers=alice.headers).status_code == 204
    assert (
        client.post(f"/api/v1/queues/{queue['id']}/next", headers=bob.headers).json()["item"]["id"] == item_id
    )


def test_reviewer_sees_only_assigned_queues(client, rubric_configs, make_user):
    rev, other = make_user("reviewer"), make_user("reviewer")
    mine = _queue(client, reviewers=[str(rev.id)])
    theirs = client.post(
        "/api/v1/queues", json={"name": "other", "rubric": RUBRIC, "reviewers": [str(other.id)]}
    ).json()
    listed = client.get("/api/v1/queues", headers=rev.headers).json()["items"]
    assert [q["name"] for q in listed] == [mine["name"]]
    assert client.get(f"/api/v1/queues/{theirs['id']}", headers=rev.headers).status_code == 403
    assert client.post(f"/api/v1/queues/{theirs['id']}/next", headers=rev.headers).status_code == 403
    assert (
        client.post(
            f"/api/v1/queues/{mine['id']}/items", json={"run_ids": []}, headers=rev.headers
        ).status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/queues/{mine['id']}", json={"blind": False}, headers=rev.headers).status_code
        == 403
    )


def test_a_reviewer_reads_the_traces_of_its_items_and_nothing_else(client, rubric_configs, make_user):
    from tests.factories import trace_payload

    rev = make_user("reviewer")
    queue = _queue(client, reviewers=[str(rev.id)])
    mine, other = trace_payload(), trace_payload()
    client.post("/api/v1/runs/batch", json={"post": mine + other})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [mine[0]["id"]]})
    assert client.get(f"/api/v1/traces/{mine[0]['id']}", headers=rev.headers).json()["run_count"] == 3
    assert client.get(f"/api/v1/runs/{mine[2]['id']}", headers=rev.headers).status_code == 200
    assert client.get(f"/api/v1/traces/{other[0]['id']}", headers=rev.headers).status_code == 403
    assert client.get(f"/api/v1/runs/{other[1]['id']}", headers=rev.headers).status_code == 403
    assert client.post("/api/v1/runs/search", json={}, headers=rev.headers).status_code == 403


def test_a_session_item_shows_the_conversation(client, rubric_configs):
    from datetime import timedelta

    from tests.factories import BASE_TIME

    queue = _queue(client)
    turns = [run_payload(session_id="conv-7", start_time=BASE_TIME + timedelta(minutes=i)) for i in range(3)]
    client.post("/api/v1/runs/batch", json={"post": turns})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"session_ids": ["conv-7"]})
    view = client.post(f"/api/v1/queues/{queue['id']}/next").json()
    assert view["item"]["target_kind"] == "session"
    assert [r["id"] for r in view["runs"]] == [t["id"] for t in turns]


def test_a_continuous_answer_is_kept_on_the_review_and_can_be_amended(client, rubric_configs, make_user):
    """The review kept only each answer's value, which a continuous field has none of (its answer is a
    score): the number read back as null, and changing only that number was taken as no change."""
    rita = make_user("reviewer")
    rubric = [{"key": "overall_quality", "required": True}, {"key": "helpfulness"}]
    queue = _queue(client, rubric=rubric, reviewers=[str(rita.id)])
    (run_id,) = _runs(client, 1)
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run_id]})
    item_id = client.post(f"/api/v1/queues/{queue['id']}/next", headers=rita.headers).json()["item"]["id"]
    answers = {"overall_quality": "good", "helpfulness": 4}
    client.post(f"/api/v1/items/{item_id}/submit", json={"answers": answers}, headers=rita.headers)
    view = client.get(f"/api/v1/items/{item_id}", headers=rita.headers).json()
    assert view["review"]["answers"] == answers
    changed = client.post(
        f"/api/v1/items/{item_id}/submit",
        json={"answers": {**answers, "helpfulness": 2}},
        headers=rita.headers,
    )
    assert changed.json()["amended"] is True
    scores = client.get("/api/v1/feedback", params={"run_id": run_id, "key": "helpfulness"}).json()["items"]
    assert [s["score"] for s in scores] == [2.0]
