"""Reviewer speed from active review time, and when a backlog can be judged at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviewdesk.domain.backlog import has_history, per_reviewer

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _review(start_min: float, seconds: float, reviewer: str = "r") -> dict:
    start = T0 + timedelta(minutes=start_min)
    return {
        "reviewer_id": reviewer,
        "status": "submitted",
        "started_at": start,
        "submitted_at": start + timedelta(seconds=seconds),
    }


def test_speed_from_active_time_with_idle_gaps_capped():
    # Four items at 60 s each, then one left open over lunch (3 hours): lunch counts as 15 min at most.
    reviews = [_review(i * 2, 60) for i in range(4)] + [_review(10, 3 * 3600)]
    figures = per_reviewer(reviews)["r"]
    assert figures["done"] == 5 and figures["timed_reviews"] == 5
    assert figures["active_seconds"] == 4 * 60 + 15 * 60
    assert figures["minutes_per_item"] == (4 * 60 + 15 * 60) / 5 / 60
    assert 15 < figures["items_per_hour"] < 20


def test_instant_submits_give_no_absurd_speed():
    # A demo or an import that submits everything in the same instant: no timing, no speed figure.
    instant = [_review(0, 0.001) for _ in range(500)]
    figures = per_reviewer(instant)["r"]
    assert figures["done"] == 500
    assert figures["items_per_hour"] is None and figures["minutes_per_item"] is None


def test_overlapping_reservations_are_not_counted_twice():
    # Items reserved together and submitted one after another: each counts from the previous submit.
    reviews = [_review(0, 60 * (i + 1)) for i in range(5)]
    figures = per_reviewer(reviews)["r"]
    assert figures["active_seconds"] == 5 * 60
    assert figures["items_per_hour"] == 60


def test_backlog_is_judged_only_with_history():
    now = T0 + timedelta(days=30)
    assert not has_history(now - timedelta(days=1), now, completed_last_7_days=3)
    assert has_history(now - timedelta(days=1), now, completed_last_7_days=25)
    assert has_history(now - timedelta(days=10), now, completed_last_7_days=0)
