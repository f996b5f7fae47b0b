"""Calibration sessions: N items that every chosen reviewer scores, blind, through the ordinary
next/submit flow of a queue of their own; a report per field against the session's thresholds, an
alert (webhook `calibration.alert`) when a field breaks them, and the trend over sessions."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.calibration import field_alert, most_disputed, reviewer_distances
from reviewdesk.domain.permissions import SYSTEM_ACTOR, Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import audit, webhooks
from reviewdesk.services.agreement import field_agreement, group_ratings, measurement_level
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import load_manageable, load_visible
from reviewdesk.services.queue_items import insert_items, item_row
from reviewdesk.store import agreement as agreement_store
from reviewdesk.store import calibrations as calibrations_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import queues as queues_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store import users as users_store
from reviewdesk.store.database import Database

DEFAULT_ITEMS = 20
MAX_ITEMS = 500
DEFAULT_MAX_DISAGREEMENT = 0.2
DEFAULT_MIN_ALPHA = 0.667
ALERT_EVENT = "calibration.alert"


def public_calibration(row: dict[str, Any]) -> dict[str, Any]:
    body = {
        k: row[k]
        for k in (
            "id",
            "name",
            "queue_id",
            "source_queue_id",
            "reviewers",
            "max_disagreement",
            "min_alpha",
            "created_at",
            "completed_at",
        )
    }
    body["alert_fields"] = row["alert_fields"] or []
    body["alert"] = bool(row["alert_fields"])
    return body


def _number(payload: dict[str, Any], field: str, default: float, low: float, high: float) -> float:
    value = payload.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise Invalid(f"must be a number from {low:g} to {high:g}", field=field)
    return float(value)


def _run_ids(conn: Connection, payload: dict[str, Any], source_id: uuid.UUID, seed: uuid.UUID) -> list:
    if payload.get("run_ids") is not None:
        raw = payload["run_ids"]
        if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_ITEMS:
            raise Invalid(f"must be a list of 2 to {MAX_ITEMS} run ids", field="run_ids")
        ids = list(dict.fromkeys(parse_uuid(r, f"run_ids[{i}]", required=True) for i, r in enumerate(raw)))
        missing = set(ids) - {r["id"] for r in runs_store.fetch_by_ids(conn, ids)}
        if missing:
            raise Invalid(f"no run {sorted(missing, key=str)[0]}", field="run_ids")
        return ids
    count = payload.get("item_count", DEFAULT_ITEMS)
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_ITEMS:
        raise Invalid(f"must be an integer from 2 to {MAX_ITEMS}", field="item_count")
    candidates = calibrations_store.candidate_runs(conn, source_id)
    if len(candidates) < 2:
        raise Invalid("the queue has fewer than 2 runs to calibrate on; give run_ids", field="item_count")
    return random.Random(seed.int).sample(candidates, min(count, len(candidates)))


def _reviewers(conn: Connection, payload: dict[str, Any], source: dict[str, Any]) -> list[uuid.UUID]:
    raw = payload.get("reviewers")
    if raw is None:
        ids = queues_store.reviewer_ids(conn, source["id"])
    elif isinstance(raw, list):
        ids = list(dict.fromkeys(parse_uuid(u, f"reviewers[{i}]", required=True) for i, u in enumerate(raw)))
    else:
        raise Invalid("must be a list of user ids", field="reviewers")
    for i, user_id in enumerate(ids):
        if users_store.get(conn, user_id) is None:
            raise Invalid(f"no user {user_id}", field=f"reviewers[{i}]")
    if len(ids) < 2:
        raise Invalid("a calibration needs at least 2 reviewers", field="reviewers")
    return ids


def create_calibration(db: Database, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """`{"name", "queue_id", "item_count": 20 | "run_ids", "reviewers", "max_disagreement",
    "min_alpha"}` → the session, whose `queue_id` is the queue its reviewers work through."""
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 150:
        raise Invalid("must be a non-empty string of at most 150 characters", field="name")
    source_id = parse_uuid(payload.get("queue_id"), "queue_id", required=True)
    max_disagreement = _number(payload, "max_disagreement", DEFAULT_MAX_DISAGREEMENT, 0, 1)
    min_alpha = _number(payload, "min_alpha", DEFAULT_MIN_ALPHA, -1, 1)
    calibration_id = uuid.uuid4()
    now = utcnow()
    with db.write() as conn:
        source = load_manageable(conn, actor, source_id)
        if source["kind"] != "single":
            raise Invalid("calibration is for single-run queues", field="queue_id")
        reviewers = _reviewers(conn, payload, source)
        run_ids = _run_ids(conn, payload, source_id, calibration_id)
        queue = _calibration_queue(conn, source, name, reviewers, calibration_id, now)
        rows = [item_row(queue["id"], actor, "manual", f"calibration {name}", 0, run_id=r) for r in run_ids]
        insert_items(conn, actor, queue, rows)
        row = {
            "id": calibration_id,
            "name": name,
            "queue_id": queue["id"],
            "source_queue_id": source_id,
            "reviewers": [str(r) for r in reviewers],
            "max_disagreement": max_disagreement,
            "min_alpha": min_alpha,
            "created_by": actor.user_id,
            "created_at": now,
            "completed_at": None,
            "alert_fields": None,
        }
        calibrations_store.insert(conn, row)
        audit.record(
            conn, actor, "calibration.create", "calibration", calibration_id, {**row, "items": len(run_ids)}
        )
        return {**public_calibration(row), "items": len(run_ids)}


def _calibration_queue(
    conn: Connection,
    source: dict[str, Any],
    name: str,
    reviewers: list[uuid.UUID],
    calibration_id: uuid.UUID,
    now: Any,
) -> dict[str, Any]:
    """The session's own queue: the source's rubric, blind, every reviewer on every item."""
    row = {
        "id": uuid.uuid4(),
        "name": f"Calibration · {source['name'][:80]} · {name[:80]} · {str(calibration_id)[:8]}",
        "description": f"Calibration session **{name}** of {source['name']}: score each item on your own."
        + (f"\n\n{source['description']}" if source.get("description") else ""),
        "kind": "single",
        "rubric": source["rubric"],
        "rubric_version": 1,
        "reviewers_per_item": len(reviewers),
        "reservation_seconds": source["reservation_seconds"],
        "reviewer_access": "assigned",
        "blind": True,
        "variant_field": None,
        "backlog_alert_days": source["backlog_alert_days"],
        "default_dataset_id": None,
        "archived": False,
        "gold_rate": 0.0,
        "calibration_of": source["id"],
        "calibration_cadence_days": source["calibration_cadence_days"],
        "created_at": now,
        "updated_at": now,
    }
    queues_store.insert(conn, row)
    queues_store.add_rubric_version(
        conn, {"queue_id": row["id"], "version": 1, "rubric": row["rubric"], "created_at": now}
    )
    queues_store.set_reviewers(conn, row["id"], reviewers)
    return row


def _report(conn: Connection, calibration: dict[str, Any], *, bootstrap: int = 1000) -> dict[str, Any]:
    queue = queues_store.get(conn, calibration["queue_id"])
    if queue is None:
        raise NotFound("the calibration's queue is gone", field="id")
    rows = agreement_store.human_ratings(conn, queue["id"])
    configs = configs_store.get_many(conn, [f["key"] for f in queue["rubric"]])
    grouped, _unreadable = group_ratings(rows, configs)
    fields = []
    for f in queue["rubric"]:
        key, config = f["key"], configs.get(f["key"])
        by_item = grouped.get(key, {})
        figures = field_agreement(key, config, by_item, bootstrap=bootstrap)
        level, order = measurement_level(config)
        pa = figures["percent_agreement"]
        alerts = (
            []
            if level == "text"
            else field_alert(
                pa, figures["krippendorff_alpha"], calibration["max_disagreement"], calibration["min_alpha"]
            )
        )
        span = (config["max"] - config["min"]) if config and level == "interval" else None
        fields.append(
            {
                "key": key,
                "level": level,
                "items_rated": figures["items_rated"],
                "percent_agreement": pa,
                "percent_agreement_reason": figures["percent_agreement_reason"],
                "all_agree_share": figures["all_agree_share"],
                "disagreement": None if pa is None else 1 - pa,
                "krippendorff_alpha": figures["krippendorff_alpha"],
                "krippendorff_alpha_interval": figures.get("krippendorff_alpha_interval"),
                "krippendorff_alpha_reason": figures["krippendorff_alpha_reason"],
                "most_disputed": most_disputed(by_item),
                "reviewers": reviewer_distances(by_item, level, order, span),
                "alert": bool(alerts),
                "alert_reasons": alerts,
            }
        )
    counts = calibrations_store.open_items(conn, queue["id"])
    return {
        "calibration": public_calibration(calibration),
        "queue_id": queue["id"],
        "source_queue_id": calibration["source_queue_id"],
        "complete": counts == 0,
        "items_open": counts,
        "fields": fields,
        "alert": any(f["alert"] for f in fields),
        "alert_fields": [f["key"] for f in fields if f["alert"]],
    }


def _visible(conn: Connection, actor: Actor, calibration_id: uuid.UUID) -> dict[str, Any]:
    calibration = calibrations_store.get(conn, calibration_id)
    if calibration is None:
        raise NotFound(f"no calibration {calibration_id}", field="id")
    load_visible(conn, actor, calibration["queue_id"])
    return calibration


def report(db: Database, actor: Actor, calibration_id: uuid.UUID) -> dict[str, Any]:
    actor.require(Permission.READ_FEEDBACK)
    with db.read() as conn:
        calibration = _visible(conn, actor, calibration_id)
        return _report(conn, calibration)


def report_with_history(
    db: Database, actor: Actor, calibration_id: uuid.UUID, *, history: int = 12
) -> dict[str, Any]:
    """The report, the source queue's name, and each field's figures in the source queue's sessions up
    to this one (the newest `history`, oldest first), for the report page's trend."""
    actor.require(Permission.READ_FEEDBACK)
    with db.read() as conn:
        calibration = _visible(conn, actor, calibration_id)
        body = _report(conn, calibration)
        trend = []
        for row in calibrations_store.history_until(conn, calibration, history):
            summary = body if row["id"] == calibration_id else _report(conn, row, bootstrap=0)
            fields = {
                f["key"]: {k: f[k] for k in ("percent_agreement", "krippendorff_alpha", "alert")}
                for f in summary["fields"]
            }
            trend.append(
                {"id": row["id"], "name": row["name"], "created_at": row["created_at"], "fields": fields}
            )
        source = queues_store.get(conn, calibration["source_queue_id"])
    return {"report": body, "source_queue_name": source["name"] if source else None, "history": trend}


def list_calibrations(
    db: Database, actor: Actor, queue_id: uuid.UUID | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Sessions oldest first, each with its per-field figures, so a field's drift shows."""
    actor.require(Permission.READ_FEEDBACK)
    with db.read() as conn:
        if queue_id is not None:
            load_visible(conn, actor, queue_id)
        out = []
        for row in calibrations_store.list_for(conn, queue_id, limit):
            summary = _report(conn, row, bootstrap=0)
            fields = [
                {k: f[k] for k in ("key", "percent_agreement", "disagreement", "krippendorff_alpha", "alert")}
                for f in summary["fields"]
            ]
            out.append({**public_calibration(row), "complete": summary["complete"], "fields": fields})
        return out


def on_item_completed(conn: Connection, queue: dict[str, Any]) -> None:
    """Called in the submit that completes an item of a calibration queue: when it was the last one,
    record the session's verdict and, if a field alerts, fire `calibration.alert` on the source queue."""
    if calibrations_store.open_items(conn, queue["id"]):
        return
    calibration = calibrations_store.of_queue(conn, queue["id"])
    if calibration is None:
        return
    verdict = _report(conn, calibration, bootstrap=0)
    now = utcnow()
    if not calibrations_store.mark_complete(conn, calibration["id"], now, verdict["alert_fields"]):
        return
    if verdict["alert"]:
        payload = {
            "calibration_id": str(calibration["id"]),
            "name": calibration["name"],
            "queue_id": str(calibration["source_queue_id"]),
            "calibration_queue_id": str(queue["id"]),
            "alert_fields": verdict["alert_fields"],
            "fields": [
                {
                    k: f[k]
                    for k in (
                        "key",
                        "percent_agreement",
                        "disagreement",
                        "krippendorff_alpha",
                        "alert_reasons",
                    )
                }
                for f in verdict["fields"]
                if f["alert"]
            ],
            "completed_at": now.isoformat(),
        }
        webhooks.enqueue(conn, calibration["source_queue_id"], ALERT_EVENT, payload)
        audit.record(conn, SYSTEM_ACTOR, ALERT_EVENT, "calibration", calibration["id"], payload)


def calibration_status(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any]:
    """When the queue was last calibrated, whether that session alerted, and whether one is due."""
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        latest = calibrations_store.latest_for(conn, queue_id, completed=True)
        running = calibrations_store.latest_for(conn, queue_id, completed=False)
    now = utcnow()
    cadence = timedelta(days=queue["calibration_cadence_days"])
    last_at = latest["completed_at"] if latest else None
    since = last_at or queue["created_at"]
    return {
        "queue_id": queue_id,
        "is_calibration": queue["calibration_of"] is not None,
        "last_calibration": public_calibration(latest) if latest else None,
        "in_progress": public_calibration(running) if running else None,
        "last_calibrated_at": last_at,
        "cadence_days": queue["calibration_cadence_days"],
        "due_at": since + cadence,
        "overdue": now > since + cadence,
    }
