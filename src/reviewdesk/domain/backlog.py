"""Queue progress arithmetic: per-reviewer speed, daily throughput and backlog in days."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

DEFAULT_ITEMS_PER_HOUR = 40.0  # the tutorial's planning figure, used until a queue has history
# Time on one item runs from its reservation to its submit, never counting idle time: the span is
# capped (a longer one was a break) and, for a reviewer working item after item, starts no earlier
# than its previous submit. Spans under MIN_SECONDS_PER_ITEM (bulk imports, scripted submits) are no
# measure of human speed and are left out of the timing, so speed is never absurd.
MAX_SECONDS_PER_ITEM = 15 * 60
MIN_SECONDS_PER_ITEM = 5
MIN_TIMED_REVIEWS = 3  # fewer timed reviews than this give no speed figure
# A backlog alert needs a throughput to judge by: a queue younger than this with few completions
# has none, so it gets no alert yet.
HISTORY_DAYS = 7
HISTORY_COMPLETIONS = 20


def timed_spans(reviews: Iterable[Mapping[str, Any]]) -> list[float]:
    """Active seconds of each submitted review that can be timed (see above)."""
    submitted = sorted(
        (r for r in reviews if r.get("submitted_at") and r.get("started_at")),
        key=lambda r: r["submitted_at"],
    )
    spans = []
    previous: datetime | None = None
    for r in submitted:
        start = r["started_at"] if previous is None else max(r["started_at"], previous)
        seconds = (r["submitted_at"] - start).total_seconds()
        previous = r["submitted_at"]
        if seconds >= MIN_SECONDS_PER_ITEM:
            spans.append(min(seconds, MAX_SECONDS_PER_ITEM))
    return spans


def active_seconds(reviews: Iterable[Mapping[str, Any]]) -> float:
    return float(sum(timed_spans(reviews)))


def per_reviewer(reviews: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Done, skipped, flagged, median seconds and minutes per item, items per hour of active time."""
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for review in reviews:
        grouped[str(review["reviewer_id"])].append(review)
    out = {}
    for reviewer, rows in grouped.items():
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("submitted", "skipped", "flagged")}
        spans = timed_spans([r for r in rows if r["status"] == "submitted"])
        timed = len(spans) >= MIN_TIMED_REVIEWS
        out[reviewer] = {
            "done": counts["submitted"],
            "skipped": counts["skipped"],
            "flagged": counts["flagged"],
            "timed_reviews": len(spans),
            "active_seconds": sum(spans),
            "median_seconds": statistics.median(spans) if timed else None,
            "minutes_per_item": sum(spans) / len(spans) / 60 if timed else None,
            "items_per_hour": 3600 * len(spans) / sum(spans) if timed else None,
        }
    return out


def has_history(created_at: datetime, now: datetime, completed_last_7_days: int) -> bool:
    """Whether a queue's throughput can judge its backlog: old enough, or busy enough."""
    return now - created_at >= timedelta(days=HISTORY_DAYS) or completed_last_7_days >= HISTORY_COMPLETIONS


def daily_series(rows: Iterable[Mapping[str, Any]], today: date, days: int) -> list[dict[str, Any]]:
    """Items added and completed on each of the last `days` days (oldest first)."""
    series = {today - timedelta(days=i): {"added": 0, "completed": 0} for i in range(days)}
    for row in rows:
        for field, name in (("added_at", "added"), ("completed_at", "completed")):
            at: datetime | None = row.get(field)
            if at is not None and at.date() in series:
                series[at.date()][name] += 1
    return [{"day": day.isoformat(), **series[day]} for day in sorted(series)]


def backlog_days(pending: int, completed_last_7_days: int) -> float | None:
    """Pending ÷ mean daily completions over the last 7 days; None when nothing was completed."""
    if pending == 0:
        return 0.0
    if completed_last_7_days == 0:
        return None
    return pending / (completed_last_7_days / 7)
