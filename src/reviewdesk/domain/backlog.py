"""Queue progress arithmetic: per-reviewer speed, daily throughput and backlog in days."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

DEFAULT_ITEMS_PER_HOUR = 40.0  # the tutorial's planning figure, used until a queue has history
# Gaps longer than this between two finished reviews are a break, not time spent on an item.
MAX_SECONDS_PER_ITEM = 30 * 60


def per_reviewer(reviews: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Done, skipped, flagged, median seconds per item and items per hour of active time."""
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for review in reviews:
        grouped[str(review["reviewer_id"])].append(review)
    out = {}
    for reviewer, rows in grouped.items():
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("submitted", "skipped", "flagged")}
        seconds = [
            min((r["submitted_at"] - r["started_at"]).total_seconds(), MAX_SECONDS_PER_ITEM)
            for r in rows
            if r["status"] == "submitted" and r["submitted_at"] and r["started_at"]
        ]
        median = statistics.median(seconds) if seconds else None
        out[reviewer] = {
            "done": counts["submitted"],
            "skipped": counts["skipped"],
            "flagged": counts["flagged"],
            "median_seconds": median,
            "items_per_hour": (3600 * len(seconds) / sum(seconds)) if seconds and sum(seconds) > 0 else None,
        }
    return out


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
