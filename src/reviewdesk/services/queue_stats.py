"""Progress and backlog of a queue."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from reviewdesk.domain.backlog import backlog_days, daily_series, has_history, per_reviewer
from reviewdesk.domain.pairwise import summarize, variant_of
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.rubric import PAIRWISE_KEY
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import load_visible
from reviewdesk.services.runs import public_run
from reviewdesk.store import queue_stats as stats_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database

SERIES_DAYS = 14


def stats(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any]:
    now = utcnow()
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        counts = stats_store.status_counts(conn, queue_id)
        reviews = stats_store.finished_reviews(conn, queue_id)
        recent = stats_store.added_and_completed(conn, queue_id, now - timedelta(days=SERIES_DAYS))
    series = daily_series(recent, now.date(), SERIES_DAYS)
    completed_7 = sum(day["completed"] for day in series[-7:])
    pending = counts.get("pending", 0)
    days = backlog_days(pending, completed_7)
    judged = has_history(queue["created_at"], now, completed_7)
    alert = judged and pending > 0 and (days is None or days > queue["backlog_alert_days"])
    body = {
        "queue_id": queue_id,
        "counts": {s: counts.get(s, 0) for s in ("pending", "completed", "flagged", "removed")},
        "total": sum(n for s, n in counts.items() if s not in ("removed", "gold")),
        "reviewers": per_reviewer(reviews),
        "per_day": series,
        "backlog_days": days,
        "backlog_alert": alert,
        "backlog_alert_days": queue["backlog_alert_days"],
        "backlog_alert_reason": None if judged else "not enough history to judge the backlog yet",
    }
    if queue["kind"] == "pairwise":
        body["pairwise"] = _pairwise(db, queue)
    return body


def _pairwise(db: Database, queue: dict[str, Any]) -> dict[str, Any]:
    with db.read() as conn:
        outcomes = stats_store.pairwise_outcomes(conn, queue["id"])
        run_ids = {r for o in outcomes for r in (o["run_id"], o["run_b_id"])}
        runs = {r["id"]: public_run(r) for r in runs_store.fetch_by_ids(conn, list(run_ids))}
    field = queue["variant_field"]
    return {
        "variant_field": field,
        **summarize(
            {
                "answer": (o["answers"] or {}).get(PAIRWISE_KEY),
                "shown_order": o["shown_order"],
                "variant_a": variant_of(runs.get(o["run_id"]), field),
                "variant_b": variant_of(runs.get(o["run_b_id"]), field),
            }
            for o in outcomes
            if (o["answers"] or {}).get(PAIRWISE_KEY)
        ),
    }
