"""The demo loads through the real services as a month of use: traces and feedback arrive over 30 days,
rules route them, three reviewers work weekday sessions at human pace, a model judges keys humans
also score, and pairwise reviewers differ."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import adjudication, calibrations, dashboards, demo, gold, queue_stats, queues
from reviewdesk.services.runs import search_runs

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # a Friday afternoon


def test_demo_is_a_month_of_human_paced_work(db, monkeypatch):
    summary = demo.load_demo(db, seed=3, n_traces=300, now=NOW)
    assert summary["traces"] == 300 and summary["reviews"] > 50
    assert demo.is_loaded(db)
    by_name = {q["name"]: q for q in queues.list_queues(db, SYSTEM_ACTOR)}
    assert {"production-rag-review", "quality-sample-5pct", "gpt-4o-vs-gpt-4o-mini"} < set(by_name)
    assert any(name.startswith("Calibration · production-rag-review") for name in by_name)
    routed = search_runs(
        db,
        SYSTEM_ACTOR,
        is_root=True,
        limit=1000,
        filter='metadata.eval_score < 0.5 or feedback.user_rating == "negative"',
    )[0]
    monkeypatch.setattr(queue_stats, "utcnow", lambda: NOW)
    rag = queue_stats.stats(db, SYSTEM_ACTOR, by_name["production-rag-review"]["id"])
    assert rag["total"] == len([r for r in routed if r["end_time"] is not None])
    assert rag["counts"]["completed"] > 0
    for reviewer in rag["reviewers"].values():  # human pace, not thousands an hour
        assert 10 < reviewer["items_per_hour"] < 60
        assert 60 < reviewer["median_seconds"] < 600
    assert not rag["backlog_alert"]
    active_days = [d for d in rag["per_day"] if d["completed"]]
    assert len(active_days) >= 5  # work spread over the weeks, not one instant
    pairwise = queue_stats.stats(db, SYSTEM_ACTOR, by_name["gpt-4o-vs-gpt-4o-mini"]["id"])
    assert pairwise["total"] == summary["pairs"] > 20
    assert len(pairwise["pairwise"]["answers"]) >= 3  # reviewers pick differently


def test_demo_plants_disagreement_and_model_scores(db):
    demo.load_demo(db, seed=5, n_traces=400, now=NOW)
    window = {"since": NOW - timedelta(days=30), "until": NOW}
    (rag,) = [
        q
        for q in dashboards.agreement_panel(db, SYSTEM_ACTOR, window)
        if q["name"] == "production-rag-review"
    ]
    alpha = {f["key"]: f["krippendorff_alpha"] for f in rag["fields"]}
    assert alpha["overall_quality"] > 0.6
    # The planted disagreement. Which reviewer draws which item varies from load to load (ids are
    # random), so α does too: from −0.1 to 0.3 in nine loads of 400 traces (overall quality 0.69–0.96);
    # 0.45 is still far below any usable level.
    assert alpha["groundedness"] < 0.45 and alpha["overall_quality"] - alpha["groundedness"] > 0.25
    hvm = dashboards.human_vs_model_panel(db, SYSTEM_ACTOR, {**window, "key": "overall_quality"})
    assert hvm["pairs"] > 20 and hvm["accuracy"] > 0.5
    scatter = dashboards.human_vs_model_panel(db, SYSTEM_ACTOR, {**window, "key": "helpfulness"})
    assert len(scatter["points"]) > 5
    # Two calibration sessions a fortnight apart show the drift: the first agrees on every field; the
    # later one alerts on the planted field and on nothing else (in a session the reviewers score
    # overall quality with care, so it agrees whatever the seed).
    rag_id = queues.get_queue_by_name(db, SYSTEM_ACTOR, "production-rag-review")["id"]
    first, *_, session = calibrations.list_calibrations(db, SYSTEM_ACTOR, rag_id)
    assert first["created_at"] + timedelta(days=7) < session["created_at"]
    assert first["complete"] and first["alert_fields"] == []
    assert session["complete"] and session["alert_fields"] == ["groundedness"]
    fields = {f["key"]: f for f in session["fields"]}
    assert fields["overall_quality"]["percent_agreement"] == 1.0 and not fields["overall_quality"]["alert"]
    assert fields["groundedness"]["disagreement"] > session["max_disagreement"]
    earlier = {f["key"]: f for f in first["fields"]}
    assert earlier["groundedness"]["disagreement"] < fields["groundedness"]["disagreement"]


def test_demo_mixes_gold_items_into_the_review_and_leaves_disagreements_to_settle(db):
    demo.load_demo(db, seed=5, n_traces=400, now=NOW)
    rag_id = queues.get_queue_by_name(db, SYSTEM_ACTOR, "production-rag-review")["id"]
    quality = gold.reviewer_quality(db, SYSTEM_ACTOR, rag_id)
    assert quality["gold_items"] == demo.GOLD_ITEMS
    served = [r for r in quality["reviewers"] if r["gold_items_reviewed"]]
    assert served, quality["reviewers"]
    assert all(0 <= r["gold_accuracy"] <= 1 for r in served)
    assert all(r["consensus_agreement"] is not None for r in quality["reviewers"])
    assert adjudication.list_adjudications(db, SYSTEM_ACTOR, rag_id)["open"] > 0
    # The dashboard's reviewers panel carries the same quality figures over the month.
    window = {"since": NOW - timedelta(days=31), "until": NOW}
    panel = {p["email"]: p for p in dashboards.reviewer_panel(db, SYSTEM_ACTOR, window)}
    for row in served:
        assert panel[row["email"]]["gold_accuracy"] == row["gold_accuracy"]
    assert all(0 < p["consensus_agreement"] < 1 for p in panel.values())
    # Gold items are handed out only by the gold draw: they are not work added to the queue.
    (activity,) = [
        q for q in dashboards.queue_activity(db, SYSTEM_ACTOR, window) if q["name"] == "production-rag-review"
    ]
    total = queue_stats.stats(db, SYSTEM_ACTOR, rag_id)["total"]
    assert sum(d["added"] for d in activity["per_day"]) == total
    assert all(d["depth"] >= 0 for d in activity["per_day"])
    # Calibration sessions have their own report and trend panel: the all-queues depth and agreement
    # panels show the working queues only, while a session's queue keeps its own dashboard.
    sessions = {c["queue_id"] for c in calibrations.list_calibrations(db, SYSTEM_ACTOR)}
    assert sessions
    shown = {q["queue_id"] for q in dashboards.queue_activity(db, SYSTEM_ACTOR, window)}
    shown |= {q["queue_id"] for q in dashboards.agreement_panel(db, SYSTEM_ACTOR, window)}
    assert shown and not shown & sessions
    one = next(iter(sessions))
    assert [
        q["queue_id"] for q in dashboards.queue_activity(db, SYSTEM_ACTOR, {**window, "queue_id": str(one)})
    ] == [one]
