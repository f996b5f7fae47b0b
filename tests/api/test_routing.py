"""Routing rules fill queues at ingest and again when feedback arrives later."""

from __future__ import annotations

import pytest

from tests.factories import run_payload, trace_payload


@pytest.fixture
def queue(client):
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "user_rating", "type": "categorical", "options": ["positive", "negative"]},
    )
    client.post(
        "/api/v1/feedback-configs",
        json={"key": "overall_quality", "type": "categorical", "options": ["good", "acceptable", "bad"]},
    )
    response = client.post(
        "/api/v1/queues",
        json={"name": "production-rag-review", "rubric": [{"key": "overall_quality", "required": True}]},
    )
    return response.json()


def _rule(client, queue, **body):
    response = client.post(f"/api/v1/queues/{queue['id']}/rules", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _items(client, queue):
    return client.get(f"/api/v1/queues/{queue['id']}/items", params={"limit": 1000}).json()["items"]


def test_late_feedback_routes_and_a_second_rule_does_not_duplicate(client, queue):
    _rule(
        client,
        queue,
        name="low score or thumbs down",
        filter='metadata.eval_score < 0.5 or feedback.user_rating == "negative"',
    )
    good = run_payload(metadata={"eval_score": 0.9})
    client.post("/api/v1/runs/batch", json={"post": [good]})
    assert _items(client, queue) == []
    client.post("/api/v1/feedback", json={"run_id": good["id"], "key": "user_rating", "value": "negative"})
    items = _items(client, queue)
    assert [i["run_id"] for i in items] == [good["id"]]
    assert items[0]["source"] == "rule"
    assert "low score or thumbs down" in items[0]["reason"]
    _rule(client, queue, name="thumbs down", filter='feedback.user_rating == "negative"')
    client.post("/api/v1/feedback", json={"run_id": good["id"], "key": "user_rating", "value": "negative"})
    (item,) = _items(client, queue)
    assert [m["name"] for m in item["matched_rules"]] == ["low score or thumbs down", "thumbs down"]


def test_only_ended_roots_route_by_default(client, queue):
    _rule(client, queue, filter="metadata.eval_score < 0.5")
    runs = trace_payload()
    for run in runs:
        run["metadata"] = {"eval_score": 0.1}
    pending = run_payload(metadata={"eval_score": 0.1}, end_time=None)
    client.post("/api/v1/runs/batch", json={"post": [*runs, pending]})
    assert [i["run_id"] for i in _items(client, queue)] == [runs[0]["id"]]
    client.patch(f"/api/v1/runs/{pending['id']}", json={"end_time": "2026-11-01T12:00:05+00:00"})
    assert {i["run_id"] for i in _items(client, queue)} == {runs[0]["id"], pending["id"]}


def test_sampling_is_deterministic_and_the_daily_cap_holds(client, queue):
    rule = _rule(client, queue, filter="random_sample == 0.3 and latency > 1")
    assert rule["sample_rate"] == 0.3
    runs = [run_payload() for _ in range(200)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    first = {i["run_id"] for i in _items(client, queue)}
    assert 30 <= len(first) <= 90  # ~60 expected
    # A replay of the same runs routes exactly the same ones (and adds nothing).
    client.post("/api/v1/runs/batch", json={"post": runs})
    assert {i["run_id"] for i in _items(client, queue)} == first

    capped = client.post("/api/v1/queues", json={"name": "capped", "rubric": ["overall_quality"]}).json()
    _rule(client, capped, filter="latency > 1", daily_cap=7)
    more = [run_payload() for _ in range(20)]
    client.post("/api/v1/runs/batch", json={"post": more[:10]})
    client.post("/api/v1/runs/batch", json={"post": more[10:]})
    assert len(_items(client, capped)) == 7


def test_rule_filters_are_validated_on_save(client, queue):
    bad = client.post(f"/api/v1/queues/{queue['id']}/rules", json={"filter": "metadata.eval_score <"})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "filter"
    assert "column" in bad.json()["error"]["message"]
    rate = client.post(
        f"/api/v1/queues/{queue['id']}/rules", json={"filter": "latency > 1", "sample_rate": 2}
    )
    assert rate.json()["error"]["field"] == "sample_rate"
    rule = _rule(client, queue, filter="latency > 1")
    disabled = client.patch(f"/api/v1/queues/{queue['id']}/rules/{rule['id']}", json={"enabled": False})
    assert disabled.json()["enabled"] is False
    client.post("/api/v1/runs/batch", json={"post": [run_payload()]})
    assert _items(client, queue) == []
    assert [r["id"] for r in client.get(f"/api/v1/queues/{queue['id']}/rules").json()["items"]] == [
        rule["id"]
    ]
    assert client.delete(f"/api/v1/queues/{queue['id']}/rules/{rule['id']}").status_code == 204


def test_preview_counts_matches_per_day_and_reviewer_hours(client, queue):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    runs = []
    for day in range(3):
        for i in range(10):
            start = now - timedelta(days=day, minutes=5 + i)
            runs.append(
                run_payload(
                    start_time=start,
                    end_time=start + timedelta(seconds=2),
                    metadata={"eval_score": 0.2 if i < 4 else 0.8},
                )
            )
    client.post("/api/v1/runs/batch", json={"post": runs})
    rule = _rule(client, queue, filter="metadata.eval_score < 0.5", enabled=False)
    preview = client.post(f"/api/v1/queues/{queue['id']}/rules/{rule['id']}/preview", json={"days": 7}).json()
    assert preview["matches_per_day"] == 12 / 7
    assert sum(d["matches"] for d in preview["per_day"]) == 12
    assert preview["items_per_reviewer_hour"] == 40
    assert abs(preview["reviewer_hours_per_day"] - (12 / 7) / 40) < 1e-9
    capped = client.post(
        f"/api/v1/queues/{queue['id']}/rules/preview",
        json={"filter": "metadata.eval_score < 0.5", "daily_cap": 2, "days": 7},
    ).json()
    assert sum(d["items"] for d in capped["per_day"]) == 6
    bad = client.post(f"/api/v1/queues/{queue['id']}/rules/preview", json={"filter": "eval_score <"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "filter"


def test_backfill_applies_a_rule_to_stored_runs(client, queue):
    low = [run_payload(metadata={"eval_score": 0.1}) for _ in range(6)]
    high = [run_payload(metadata={"eval_score": 0.9}) for _ in range(4)]
    client.post("/api/v1/runs/batch", json={"post": low + high})
    rule = _rule(client, queue, filter="metadata.eval_score < 0.5", daily_cap=1)
    assert _items(client, queue) == []  # rules route new arrivals, not history
    result = client.post(
        f"/api/v1/queues/{queue['id']}/rules/{rule['id']}/backfill", json={"since": "2026-01-01T00:00:00Z"}
    ).json()
    assert result == {"matched": 6, "added": 6, "already_present": 0}
    assert {i["run_id"] for i in _items(client, queue)} == {r["id"] for r in low}
    again = client.post(
        f"/api/v1/queues/{queue['id']}/rules/{rule['id']}/backfill", json={"since": "2026-01-01T00:00:00Z"}
    ).json()
    assert again["added"] == 0


def test_a_removed_item_is_not_brought_back_by_a_rule(client, queue):
    _rule(client, queue, filter='feedback.user_rating == "negative"')
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    client.post("/api/v1/feedback", json={"run_id": run["id"], "key": "user_rating", "value": "negative"})
    (item,) = _items(client, queue)
    assert client.delete(f"/api/v1/queues/{queue['id']}/items/{item['id']}").status_code == 204
    client.post("/api/v1/feedback", json={"run_id": run["id"], "key": "user_rating", "value": "negative"})
    assert _items(client, queue) == []
    removed = client.get(f"/api/v1/queues/{queue['id']}/items", params={"status": "removed"}).json()["items"]
    assert [i["run_id"] for i in removed] == [run["id"]]


def test_random_sample_and_sample_rate_cannot_contradict(client, queue):
    rules = f"/api/v1/queues/{queue['id']}/rules"
    both = client.post(rules, json={"filter": "random_sample == 0.3 and latency > 1", "sample_rate": 1.0})
    assert both.status_code == 400
    error = both.json()["error"]
    assert error["field"] == "sample_rate" and "random_sample == 0.3" in error["message"]
    assert client.get(rules).json()["items"] == []
    same = _rule(client, queue, filter="random_sample == 0.3 and latency > 1", sample_rate=0.3)
    assert same["sample_rate"] == 0.3
    rule = f"{rules}/{same['id']}"
    # While the filter has the term, a different rate alone is the same contradiction.
    changed = client.patch(rule, json={"sample_rate": 0.5})
    assert changed.status_code == 400 and changed.json()["error"]["field"] == "sample_rate"
    assert client.patch(rule, json={"filter": "random_sample == 0.2"}).json()["sample_rate"] == 0.2
    # A filter without the term puts back the rate the term had set, unless one is given.
    assert client.patch(rule, json={"filter": "latency > 1"}).json()["sample_rate"] == 1.0
    assert client.patch(rule, json={"sample_rate": 0.4}).json()["sample_rate"] == 0.4
    assert client.patch(rule, json={"filter": "latency > 2"}).json()["sample_rate"] == 0.4
    preview = client.post(f"{rules}/preview", json={"filter": "random_sample == 0.1", "sample_rate": 0.9})
    assert preview.status_code == 400 and preview.json()["error"]["field"] == "sample_rate"


@pytest.mark.parametrize("written", ["random_sample == 0.3", "random_sample == 0.3 and latency > 1"])
def test_backfill_and_preview_work_for_a_sampling_rule(client, queue, written):
    from uuid import UUID

    from reviewdesk.domain.routing import sampled

    runs = [run_payload() for _ in range(120)]
    client.post("/api/v1/runs/batch", json={"post": runs})
    rule = _rule(client, queue, filter=written, enabled=False)
    expected = {r["id"] for r in runs if sampled(UUID(r["id"]), UUID(rule["id"]), 0.3)}
    assert 15 <= len(expected) <= 60
    preview = client.post(f"/api/v1/queues/{queue['id']}/rules/{rule['id']}/preview", json={"days": 90})
    assert preview.status_code == 200, preview.text
    assert sum(d["matches"] for d in preview.json()["per_day"]) == 120
    assert sum(d["items"] for d in preview.json()["per_day"]) == len(expected)
    draft = client.post(f"/api/v1/queues/{queue['id']}/rules/preview", json={"filter": written, "days": 90})
    assert draft.status_code == 200, draft.text
    backfill = client.post(
        f"/api/v1/queues/{queue['id']}/rules/{rule['id']}/backfill", json={"since": "2026-01-01T00:00:00Z"}
    )
    assert backfill.status_code == 200, backfill.text
    assert backfill.json() == {"matched": len(expected), "added": len(expected), "already_present": 0}
    # The same runs live routing picks for this rule: sampling is a hash of (run, rule).
    assert {i["run_id"] for i in _items(client, queue)} == expected


def test_a_stored_rule_whose_rate_disagrees_with_its_filter_samples_by_the_filter(client, db, queue):
    """A rule saved before the two were kept in step (filter 0.3, sample_rate 1.0) must not route all."""
    import uuid

    from reviewdesk.store import rules as rules_store

    rule = _rule(client, queue, filter="random_sample == 0.3 and latency > 1")
    with db.write() as conn:
        rules_store.update(conn, uuid.UUID(rule["id"]), {"sample_rate": 1.0})
    client.post("/api/v1/runs/batch", json={"post": [run_payload() for _ in range(120)]})
    assert 15 <= len(_items(client, queue)) <= 60  # ~36, never all 120


def test_an_admin_and_a_member_read_any_item_a_reviewer_only_its_own(client, queue, make_user):
    reviewer, outsider, member = make_user("reviewer"), make_user("reviewer"), make_user("member")
    client.patch(f"/api/v1/queues/{queue['id']}", json={"reviewers": [str(reviewer.id)], "blind": True})
    run = run_payload()
    client.post("/api/v1/runs/batch", json={"post": [run]})
    client.post(f"/api/v1/queues/{queue['id']}/items", json={"run_ids": [run["id"]]})
    (item,) = _items(client, queue)
    path = f"/api/v1/items/{item['id']}"
    held = client.get(path, headers=reviewer.headers)
    assert held.status_code == 409  # holds nothing yet: `next` first
    view = client.post(f"/api/v1/queues/{queue['id']}/next", headers=reviewer.headers).json()
    assert view["item"]["id"] == item["id"]
    client.post(f"{path}/submit", json={"answers": {"overall_quality": "good"}}, headers=reviewer.headers)
    for headers in ({}, member.headers):
        read = client.get(path, headers=headers)
        assert read.status_code == 200, read.text
        body = read.json()
        assert body["item"]["id"] == item["id"] and body["review"] is None
        assert [r["id"] for r in body["runs"]] == [run["id"]]
        assert any(f["source"] == "human" for f in body["feedback"])  # overseers are not blind
    own = client.get(path, headers=reviewer.headers).json()
    assert own["review"]["status"] == "submitted" and own["review"]["answers"] == {"overall_quality": "good"}
    assert client.get(path, headers=outsider.headers).status_code == 403
    missing = client.get("/api/v1/items/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "item_id"
