"""Routing: run every enabled rule over runs that ended or whose feedback changed, in the caller's
transaction, and put matches into queues (once per queue, every matching rule recorded)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.filters import Node, evaluate, parse, split_sample_rate

__all__ = [
    "compiled_filter",
    "enqueue_matches",
    "evaluate",
    "route_run_ids",
    "route_runs",
    "run_view",
    "sample_rate_of",
]
from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.domain.routing import allowed_today, sampled
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_items import insert_items, item_row
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import projects as projects_store
from reviewdesk.store import queue_contents as contents_store
from reviewdesk.store import rules as rules_store
from reviewdesk.store import runs as runs_store


@lru_cache(maxsize=1024)
def _filter_parts(text: str) -> tuple[Node | None, float | None]:
    return split_sample_rate(parse(text))


def compiled_filter(text: str) -> Node | None:
    """The rule's filter without its `random_sample` term."""
    return _filter_parts(text)[0]


def sample_rate_of(rule: dict[str, Any]) -> float:
    """The filter's `random_sample` rate when it has one (rules saved before the two were kept in step
    could disagree), else the rule's `sample_rate`."""
    rate = _filter_parts(rule["filter"])[1]
    return rule["sample_rate"] if rate is None else rate


def run_view(row: dict[str, Any], project: str) -> dict[str, Any]:
    """A stored run row in the shape the filter evaluator reads."""
    view = {k: v for k, v in row.items() if k not in ("meta", "project_id")}
    view["metadata"] = row["meta"]
    view["project"] = project
    return view


def route_runs(conn: Connection, runs: list[dict[str, Any]], now: datetime | None = None) -> int:
    """Evaluate enabled rules on the runs that have ended; returns how many items were added."""
    ended = [r for r in runs if r.get("end_time") is not None]
    if not ended:
        return 0
    rules = rules_store.enabled_for_single_queues(conn)
    if not rules:
        return 0
    now = now or utcnow()
    feedback = feedback_store.for_runs(conn, [r["id"] for r in ended])
    matched: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for rule in rules:
        node = compiled_filter(rule["filter"])
        for run in ended:
            if rule["roots_only"] and not run.get("is_root"):
                continue
            if not sampled(run["id"], rule["id"], sample_rate_of(rule)):
                continue
            if node is None or evaluate(node, {**run, "feedback": feedback.get(run["id"], [])}):
                matched[rule["id"]].append(run)
    if not matched:
        return 0
    return enqueue_matches(conn, {r["id"]: r for r in rules}, matched, now)


def enqueue_matches(
    conn: Connection,
    rules: dict[uuid.UUID, dict[str, Any]],
    matched: dict[uuid.UUID, list[dict[str, Any]]],
    now: datetime,
    *,
    respect_cap: bool = True,
) -> int:
    day_start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    today = rules_store.matches_since(
        conn, [i for i in matched if rules[i]["daily_cap"] is not None], day_start
    )
    added = 0
    for rule_id, runs in matched.items():
        rule = rules[rule_id]
        keys = [str(r["id"]) for r in runs]
        existing = contents_store.ids_by_target(conn, rule["queue_id"], keys)
        already = rules_store.items_matched_by(conn, rule_id, list(existing.values()))
        fresh = [r for r in runs if existing.get(str(r["id"])) not in already]
        room = allowed_today(rule["daily_cap"], today.get(rule_id, 0)) if respect_cap else None
        if room is not None:
            fresh = fresh[:room]
        if not fresh:
            continue
        reason = f"rule {rule['name']!r}: {rule['filter']}"
        rows = [item_row(rule["queue_id"], SYSTEM_ACTOR, "rule", reason, 0, run_id=r["id"]) for r in fresh]
        added += insert_items(conn, SYSTEM_ACTOR, {"id": rule["queue_id"]}, rows)
        ids = contents_store.ids_by_target(conn, rule["queue_id"], [str(r["id"]) for r in fresh])
        rules_store.record_matches(
            conn,
            [
                {"item_id": ids[str(r["id"])], "rule_id": rule_id, "matched_at": now, "reason": reason}
                for r in fresh
                if str(r["id"]) in ids
            ],
        )
    return added


def route_run_ids(conn: Connection, run_ids: list[uuid.UUID]) -> int:
    """Route stored runs again (feedback on them was created, changed or deleted)."""
    rows = [row for row in (runs_store.fetch_for_update(conn, run_ids) or {}).values()]
    if not rows:
        return 0
    names = projects_store.names_by_id(conn, {r["project_id"] for r in rows})
    return route_runs(conn, [run_view(r, names.get(r["project_id"], "")) for r in rows])
