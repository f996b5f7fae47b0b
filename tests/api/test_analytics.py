"""`GET /api/v1/analytics/scores`: a key's scores over time by queue, reviewer or source, and who sees what."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Role
from reviewdesk.services import analytics, feedback, ingest, queue_items, review
from reviewdesk.services.clock import set_to
from tests.factories import run_payload

DAY1 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday
DAY2 = DAY1 + timedelta(days=1)
WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-04T00:00:00Z"}


def _review_all(db, reviewer, queue_id, answers_by_run, at):
    queue_id = uuid.UUID(str(queue_id))
    with set_to(at):
        while (view := review.next_item(db, reviewer, queue_id)) is not None:
            run_id = view["runs"][0]["id"]
            review.submit(db, reviewer, view["item"]["id"], {"answers": answers_by_run[str(run_id)]})


@pytest.fixture
def history(client, db, make_user):
    """Two days: ana and ben score queue `rag` (both days), chen scores queue `other` (day 2);
    a model and end users score the same runs."""
    client.post(
        "/api/v1/feedback-configs",
        json={
            "key": "overall_quality",
            "type": "categorical",
            "options": [
                {"value": "good", "score": 1},
                {"value": "acceptable", "score": 0.5},
                {"value": "bad", "score": 0},
            ],
        },
    )
    ana, ben, chen = (make_user("reviewer", f"{n}@example.com") for n in ("ana", "ben", "chen"))
    rag = client.post(
        "/api/v1/queues",
        json={
            "name": "rag",
            "reviewers_per_item": 2,
            "reviewers": [str(ana.id), str(ben.id)],
            "rubric": ["overall_quality"],
        },
    ).json()
    other = client.post(
        "/api/v1/queues", json={"name": "other", "reviewers": [str(chen.id)], "rubric": ["overall_quality"]}
    ).json()
    day1 = [run_payload(project="support-rag") for _ in range(4)]
    day2 = [run_payload(project="ops-agent") for _ in range(2)]
    ingest.ingest_batch(db, SYSTEM_ACTOR, post=day1 + day2, patch=None)
    actor = {u.email: Actor(u.id, u.email, Role.REVIEWER) for u in (ana, ben, chen)}
    with set_to(DAY1):
        queue_items.add_items(db, SYSTEM_ACTOR, uuid.UUID(rag["id"]), {"run_ids": [r["id"] for r in day1]})
    # Day 1: ana says good to all four, ben good to two and bad to two → mean 1.0 vs 0.5.
    _review_all(
        db,
        actor["ana@example.com"],
        uuid.UUID(rag["id"]),
        {r["id"]: {"overall_quality": "good"} for r in day1},
        DAY1,
    )
    bens = {r["id"]: {"overall_quality": "good" if i < 2 else "bad"} for i, r in enumerate(day1)}
    _review_all(db, actor["ben@example.com"], uuid.UUID(rag["id"]), bens, DAY1 + timedelta(hours=1))
    with set_to(DAY2):
        queue_items.add_items(db, SYSTEM_ACTOR, uuid.UUID(other["id"]), {"run_ids": [r["id"] for r in day2]})
        for run in day1 + day2:
            feedback.create_feedback(
                db,
                SYSTEM_ACTOR,
                {"run_id": run["id"], "key": "overall_quality", "value": "acceptable", "source": "model"},
            )
        feedback.create_feedback(
            db,
            SYSTEM_ACTOR,
            {"run_id": day2[0]["id"], "key": "overall_quality", "value": "bad", "source": "user"},
        )
    _review_all(
        db,
        actor["chen@example.com"],
        other["id"],
        {r["id"]: {"overall_quality": "acceptable"} for r in day2},
        DAY2,
    )
    return {"rag": rag, "other": other, "ana": ana, "ben": ben, "chen": chen}


def _series(body, label):
    return next(s for s in body["series"] if s["label"] == label)


def _point(series, day):
    return next(p for p in series["points"] if p["t"] == day)


def test_split_by_source_counts_and_means_per_day(client, history):
    body = client.get("/api/v1/analytics/scores", params={"key": "overall_quality", **WINDOW}).json()
    assert body["type"] == "categorical" and body["bucket"] == "day" and body["split"] == "source"
    assert body["values"] == ["good", "acceptable", "bad"]
    assert [p["t"] for p in body["series"][0]["points"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    human = _series(body, "human")
    assert _point(human, "2026-11-02") == {
        "t": "2026-11-02",
        "n": 8,
        "mean": pytest.approx(0.75),
        "counts": {"good": 6, "bad": 2},
    }
    assert _point(human, "2026-11-03")["counts"] == {"acceptable": 2}
    assert _point(human, "2026-11-01") == {"t": "2026-11-01", "n": 0, "mean": None, "counts": {}}
    model = _series(body, "model")
    assert _point(model, "2026-11-03")["n"] == 6 and _point(model, "2026-11-03")["mean"] == pytest.approx(0.5)
    assert _point(_series(body, "user"), "2026-11-03")["counts"] == {"bad": 1}


def test_split_by_reviewer_and_by_queue(client, history):
    by_reviewer = client.get(
        "/api/v1/analytics/scores", params={"key": "overall_quality", "split": "reviewer", **WINDOW}
    ).json()
    assert {s["label"] for s in by_reviewer["series"]} == {
        "ana@example.com",
        "ben@example.com",
        "chen@example.com",
    }
    assert _point(_series(by_reviewer, "ana@example.com"), "2026-11-02")["mean"] == pytest.approx(1.0)
    assert _point(_series(by_reviewer, "ben@example.com"), "2026-11-02")["mean"] == pytest.approx(0.5)
    by_queue = client.get(
        "/api/v1/analytics/scores",
        params={"key": "overall_quality", "split": "queue", "source": "human", **WINDOW},
    ).json()
    assert {s["label"] for s in by_queue["series"]} == {"rag", "other"}
    assert sum(p["n"] for p in _series(by_queue, "rag")["points"]) == 8


def test_week_buckets_and_the_filter_language(client, history):
    week = client.get(
        "/api/v1/analytics/scores", params={"key": "overall_quality", "bucket": "week", **WINDOW}
    ).json()
    human = _series(week, "human")
    assert [p["t"] for p in human["points"]] == ["2026-10-26", "2026-11-02"]
    assert human["points"][1]["n"] == 10
    ops = client.get(
        "/api/v1/analytics/scores",
        params={"key": "overall_quality", "filter": 'project == "ops-agent"', **WINDOW},
    ).json()
    assert sum(p["n"] for s in ops["series"] for p in s["points"]) == 2 + 2 + 1  # chen, model, user


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "key"),
        ({"key": "overall_quality", "bucket": "minute"}, "bucket"),
        ({"key": "overall_quality", "split": "tenant"}, "split"),
        ({"key": "overall_quality", "source": "robot"}, "source"),
        ({"key": "overall_quality", "since": "yesterday"}, "since"),
        (
            {"key": "overall_quality", "since": "2026-11-05T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
            "since",
        ),
        ({"key": "overall_quality", "days": "400"}, "days"),
        ({"key": "overall_quality", "bucket": "hour", "days": "90"}, "bucket"),
        ({"key": "overall_quality", "filter": "latency >"}, "filter"),
    ],
)
def test_bad_parameters_name_the_field(client, params, field):
    response = client.get("/api/v1/analytics/scores", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_a_reviewer_sees_only_its_queues_and_itself(client, history):
    ana = history["ana"]
    body = client.get(
        "/api/v1/analytics/scores", params={"key": "overall_quality", **WINDOW}, headers=ana.headers
    ).json()
    assert [s["label"] for s in body["series"]] == ["human"]  # no model or user rows: not in its queues
    assert sum(p["n"] for p in body["series"][0]["points"]) == 8  # rag only, not chen's queue
    people = client.get(
        "/api/v1/analytics/scores",
        params={"key": "overall_quality", "split": "reviewer", **WINDOW},
        headers=ana.headers,
    ).json()
    assert {s["label"] for s in people["series"]} == {"you", "other reviewers"}
    assert "ben@example.com" not in str(people)
    chen = client.get(
        "/api/v1/analytics/scores",
        params={"key": "overall_quality", **WINDOW},
        headers=history["chen"].headers,
    ).json()
    assert sum(p["n"] for s in chen["series"] for p in s["points"]) == 2
    refused = client.get(
        "/api/v1/analytics/scores",
        params={"key": "overall_quality", "filter": 'project == "ops-agent"'},
        headers=ana.headers,
    )
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "filter"


def test_members_see_everything_and_anonymous_callers_nothing(client, history, make_user):
    member = make_user("member")
    body = client.get(
        "/api/v1/analytics/scores", params={"key": "overall_quality", **WINDOW}, headers=member.headers
    ).json()
    assert {s["label"] for s in body["series"]} == {"human", "model", "user"}
    anonymous = client.get(
        "/api/v1/analytics/scores", params={"key": "overall_quality"}, headers={"x-api-key": ""}
    )
    assert anonymous.status_code == 401


@pytest.mark.parametrize("split", ["source", "reviewer", "queue"])
def test_hourly_counts_follow_amendments_and_deletes(client, history, split):
    """The unfiltered series reads the hourly counts; a filter matching every run reads the raw rows.
    After feedback is amended and deleted the two still agree."""
    rows = client.get("/api/v1/feedback", params={"key": "overall_quality", "limit": 100}).json()["items"]
    model = [r for r in rows if r["source"] == "model"]
    client.patch(f"/api/v1/feedback/{model[0]['id']}", json={"value": "good"})
    client.patch(f"/api/v1/feedback/{model[1]['id']}", json={"value": "bad", "score": 0})
    assert client.delete(f"/api/v1/feedback/{model[2]['id']}").status_code == 204
    params = {"key": "overall_quality", "split": split, **WINDOW}
    counted = client.get("/api/v1/analytics/scores", params=params).json()["series"]
    raw = client.get("/api/v1/analytics/scores", params={**params, "filter": 'run_type == "chain"'}).json()[
        "series"
    ]
    assert counted == raw
    if split == "source":
        model_day = _point(next(s for s in counted if s["label"] == "model"), "2026-11-03")
        assert model_day["n"] == 5 and model_day["counts"] == {"acceptable": 3, "good": 1, "bad": 1}


def test_a_filtered_series_reads_the_newest_rows_and_shows_only_the_buckets_they_cover_wholly(
    client, history, monkeypatch
):
    """Each row of a filtered series is checked against its run, so it reads a bounded number of the
    newest rows: buckets older than those are left out (not shown as empty), and `read_since` says where
    the series starts; the buckets it shows hold every row."""
    params = {"key": "overall_quality", "filter": 'run_type == "chain"', **WINDOW}
    whole = client.get("/api/v1/analytics/scores", params=params).json()
    assert whole["read_since"] is None  # 17 rows: all of them read
    assert [p["t"] for p in whole["series"][0]["points"]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    # Nine rows on 3 Nov, eight on 2 Nov: reading ten reaches into 2 Nov, so only 3 Nov is whole.
    monkeypatch.setattr(analytics, "FILTERED_ROWS", 10)
    capped = client.get("/api/v1/analytics/scores", params=params).json()
    assert capped["read_since"].startswith("2026-11-03T00:00:00")
    assert {s["label"]: s["points"] for s in capped["series"]} == {
        s["label"]: [p for p in s["points"] if p["t"] == "2026-11-03"]
        for s in whole["series"]
        if any(p["n"] for p in s["points"] if p["t"] == "2026-11-03")
    }
    # Fewer rows than the newest bucket holds: that bucket is still read whole.
    monkeypatch.setattr(analytics, "FILTERED_ROWS", 3)
    assert client.get("/api/v1/analytics/scores", params=params).json() == capped
    # Hourly buckets: the hour of the cut is left out, the later hours are whole.
    monkeypatch.setattr(analytics, "FILTERED_ROWS", 12)
    hourly = client.get("/api/v1/analytics/scores", params={**params, "bucket": "hour"}).json()
    assert hourly["read_since"].startswith("2026-11-02T12:00:00")
    human = _series(hourly, "human")
    assert human["points"][0]["t"] == "2026-11-02T12"
    assert sum(p["n"] for p in human["points"]) == 2  # chen's; ana's and ben's hours are before the cut
