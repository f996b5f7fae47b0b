"""What a routing rule would do: a preview over stored history, and a backfill that applies it."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from reviewdesk.domain.backlog import DEFAULT_ITEMS_PER_HOUR, per_reviewer
from reviewdesk.domain.filters import to_sql
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.routing import sampled
from reviewdesk.domain.run_payload import parse_time
from reviewdesk.errors import Invalid
from reviewdesk.services import audit, routing
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import load_manageable
from reviewdesk.services.rules import check_rule_settings
from reviewdesk.services.runs import filter_targets
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import queue_stats as stats_store
from reviewdesk.store import rules as rules_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store import tables
from reviewdesk.store.database import Database

MAX_PREVIEW_DAYS = 90
BACKFILL_CHUNK = 500
SAMPLE_SIZE = 20


def _where(db: Database, rule: dict[str, Any]) -> list:
    """The rule's filter as SQL, without its `random_sample` term (sampling is `sampled`, per run)."""
    node = routing.compiled_filter(rule["filter"])
    where = [] if node is None else [to_sql(node, filter_targets(db))]
    where.append(tables.runs.c.end_time.is_not(None))
    if rule["roots_only"]:
        where.append(tables.runs.c.is_root.is_(True))
    return where


def _queue_speed(conn: Any, queue_id: uuid.UUID) -> tuple[float, bool]:
    """Median items per hour of this queue's reviewers, or the planning default without history."""
    speeds = [
        r["items_per_hour"]
        for r in per_reviewer(stats_store.finished_reviews(conn, queue_id)).values()
        if r["items_per_hour"]
    ]
    return (statistics.median(speeds), True) if speeds else (DEFAULT_ITEMS_PER_HOUR, False)


def preview(
    db: Database, actor: Actor, queue_id: uuid.UUID, payload: dict[str, Any], rule_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """Matches per day over the last N days, items per day after sampling and cap, reviewer-hours."""
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    days = payload.get("days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_PREVIEW_DAYS:
        raise Invalid(f"must be an integer from 1 to {MAX_PREVIEW_DAYS}", field="days")
    now = utcnow()
    with db.read() as conn:
        load_manageable(conn, actor, queue_id)
        stored = rules_store.get(conn, rule_id) if rule_id else None
        if rule_id and (stored is None or stored["queue_id"] != queue_id):
            raise Invalid("no such rule on this queue", field="rule_id")
        draft = {k: v for k, v in payload.items() if k != "days"}
        rule = {
            "id": rule_id or uuid.uuid4(),
            "sample_rate": 1.0,
            "daily_cap": None,
            "roots_only": True,
            **(
                {k: stored[k] for k in ("filter", "sample_rate", "daily_cap", "roots_only")} if stored else {}
            ),
            **check_rule_settings(draft, stored=stored),
        }
        if "filter" not in rule:
            raise Invalid("is required", field="filter")
        since = datetime.combine(
            (now - timedelta(days=days - 1)).date(), datetime.min.time(), tzinfo=now.tzinfo
        )
        matches: Counter[str] = Counter()
        picked: Counter[str] = Counter()
        sample: list[uuid.UUID] = []
        for run_id, start in runs_store.matching_ids_and_start_times(conn, _where(db, rule), since):
            day = start.date().isoformat()
            matches[day] += 1
            if sampled(run_id, rule["id"], routing.sample_rate_of(rule)):
                picked[day] += 1
                if len(sample) < SAMPLE_SIZE:
                    sample.append(run_id)
        speed, measured = _queue_speed(conn, queue_id)
    cap = rule["daily_cap"]
    per_day = []
    for offset in range(days):
        day = (since + timedelta(days=offset)).date().isoformat()
        items = picked[day] if cap is None else min(picked[day], cap)
        per_day.append({"day": day, "matches": matches[day], "items": items})
    mean_items = sum(d["items"] for d in per_day) / days
    return {
        "days": days,
        "per_day": per_day,
        "matches_per_day": sum(matches.values()) / days,
        "items_per_day": mean_items,
        "items_per_reviewer_hour": speed,
        "speed_measured": measured,
        "reviewer_hours_per_day": mean_items / speed,
        "sample_run_ids": sample,
    }


def backfill(db: Database, actor: Actor, queue_id: uuid.UUID, rule_id: uuid.UUID, payload: dict) -> dict:
    """Apply a rule to stored runs since a time: sampling holds; the daily cap guards live traffic only."""
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    since = parse_time(payload.get("since"), "since")
    if since is None:
        raise Invalid("is required (an ISO-8601 time)", field="since")
    with db.read() as conn:
        load_manageable(conn, actor, queue_id)
        rule = rules_store.get(conn, rule_id)
    if rule is None or rule["queue_id"] != queue_id:
        raise Invalid("no such rule on this queue", field="rule_id")
    where = _where(db, rule)
    node = routing.compiled_filter(rule["filter"])
    added = matched = 0
    after = None
    while True:
        with db.read() as conn:
            chunk = runs_store.search(
                conn, [*where, tables.runs.c.start_time >= since], limit=BACKFILL_CHUNK, after=after
            )
        if not chunk:
            break
        after = (chunk[-1]["start_time"], chunk[-1]["id"])
        picked = [r for r in chunk if sampled(r["id"], rule["id"], routing.sample_rate_of(rule))]
        if not picked:
            continue
        with db.write() as conn:
            feedback = feedback_store.for_runs(conn, [r["id"] for r in picked])
            views = [
                {**routing.run_view(r, r["project"]), "feedback": feedback.get(r["id"], [])} for r in picked
            ]
            # SQL already selected these; the evaluator re-check keeps backfill and live routing identical.
            views = [v for v in views if node is None or routing.evaluate(node, v)]
            matched += len(views)
            added += routing.enqueue_matches(
                conn, {rule_id: rule}, {rule_id: views}, utcnow(), respect_cap=False
            )
    with db.write() as conn:
        audit.record(
            conn,
            actor,
            "rule.backfill",
            "routing_rule",
            rule_id,
            {"since": since.isoformat(), "matched": matched, "added": added},
        )
    return {"matched": matched, "added": added, "already_present": matched - added}
