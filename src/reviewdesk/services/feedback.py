"""Feedback on runs: create (validated against its score config), read, list, amend, delete."""

from __future__ import annotations

import math
import uuid
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.domain.score_configs import check_feedback, validate_key
from reviewdesk.errors import Conflict, Forbidden, Invalid, NotFound
from reviewdesk.services import audit, routing
from reviewdesk.services.clock import utcnow
from reviewdesk.services.paging import check_limit, decode_cursor, encode_cursor
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database

SOURCES = ("human", "model", "api", "user")
LIST_FILTERS = ("run_id", "trace_id", "key", "source", "queue_id", "created_by")
_UUID_FILTERS = {"run_id", "trace_id", "queue_id", "created_by"}


def public_feedback(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: row[k]
        for k in (
            "id",
            "run_id",
            "trace_id",
            "key",
            "score",
            "value",
            "comment",
            "correction",
            "source",
            "created_by",
            "queue_id",
            "rubric_version",
            "created_at",
            "updated_at",
            "evaluator_id",
            "evaluator_version",
        )
    } | _evaluator_usage(row)


def _evaluator_usage(row: dict[str, Any]) -> dict[str, Any]:
    """What the judge call behind an evaluator's score used, as evaluator_jobs keeps it in `extra`
    (`extra` is also any client's, so only well-formed values are passed on)."""
    extra = row.get("extra") if row["evaluator_id"] is not None else None
    if not isinstance(extra, dict):
        return {"tokens": None, "cost": None}
    tokens, cost = extra.get("tokens"), extra.get("cost")
    counts_ok = isinstance(tokens, dict) and all(
        isinstance(tokens.get(k), int) and not isinstance(tokens.get(k), bool)
        for k in ("prompt", "completion")
    )
    cost_ok = isinstance(cost, int | float) and not isinstance(cost, bool) and math.isfinite(cost)
    return {
        "tokens": {"prompt": tokens["prompt"], "completion": tokens["completion"]} if counts_ok else None,
        "cost": float(cost) if cost_ok else None,
    }


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("must be a finite number or null", field="score")
    return float(value)


def _validated(conn: Connection, key: str, score: Any, value: Any) -> tuple[float | None, Any]:
    config = configs_store.get(conn, key)
    score = _score(score)
    if config is None:
        if value is not None and not isinstance(value, str | bool | int | float | dict | list):
            raise Invalid("must be a string, number, boolean or JSON", field="value")
        return score, value
    return check_feedback(config, score, value)


def build_row(conn: Connection, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    run_id = parse_uuid(payload.get("run_id"), "run_id", required=True)
    key = validate_key(payload.get("key"))
    source = payload.get("source") or "api"
    if source not in SOURCES:
        raise Invalid(f"must be one of {', '.join(SOURCES)}", field="source")
    comment = payload.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise Invalid("must be a string", field="comment")
    correction = payload.get("correction")
    if correction is not None and not isinstance(correction, dict | list | str):
        raise Invalid("must be JSON (an object, list or string)", field="correction")
    score, value = _validated(conn, key, payload.get("score"), payload.get("value"))
    now = utcnow()
    trace_ids = runs_store.trace_ids_of(conn, [run_id])
    row = {
        "id": parse_uuid(payload.get("id"), "id") or uuid.uuid4(),
        "run_id": run_id,
        "trace_id": trace_ids.get(run_id),
        "key": key,
        "score": score,
        "value": value,
        "comment": comment,
        "correction": correction,
        "source": source,
        "created_by": actor.user_id,
        "queue_id": None,
        "rubric_version": None,
        "extra": payload.get("extra") if isinstance(payload.get("extra"), dict) else None,
        "created_at": now,
        "updated_at": now,
    }
    return {**row, **feedback_store.evaluator_columns(row)}


def insert(conn: Connection, actor: Actor, row: dict[str, Any]) -> None:
    if feedback_store.get(conn, row["id"]) is not None:
        raise Conflict(f"feedback {row['id']} exists", field="id")
    feedback_store.insert(conn, row)
    routing.route_run_ids(conn, [row["run_id"]])  # a late thumbs-down still routes its run
    audit.record(
        conn,
        actor,
        "feedback.create",
        "feedback",
        row["id"],
        {"run_id": str(row["run_id"]), "key": row["key"], "score": row["score"], "value": row["value"]},
    )


def create_feedback(db: Database, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """Each call adds a row: feedback from several authors on one run and key sits side by side."""
    actor.require(Permission.WRITE_FEEDBACK)
    with db.write() as conn:
        row = build_row(conn, actor, payload)
        insert(conn, actor, row)
    return public_feedback(row)


def get_feedback(db: Database, actor: Actor, feedback_id: uuid.UUID) -> dict[str, Any]:
    actor.require(Permission.READ_FEEDBACK)
    with db.read() as conn:
        row = feedback_store.get(conn, feedback_id)
    if row is None:
        raise NotFound(f"no feedback {feedback_id}", field="id")
    return public_feedback(row)


def list_feedback(
    db: Database, actor: Actor, *, filters: dict[str, Any], limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    actor.require(Permission.READ_FEEDBACK)
    limit = check_limit(limit)
    clean: dict[str, Any] = {}
    for name, value in filters.items():
        if value is None or value == []:
            continue
        if name not in LIST_FILTERS:
            raise Invalid(f"unknown filter; allowed: {', '.join(LIST_FILTERS)}", field=name)
        values = value if isinstance(value, list) else [value]
        if name in _UUID_FILTERS:
            values = [parse_uuid(v, name, required=True) for v in values]
        clean[name] = values
    with db.read() as conn:
        rows = feedback_store.list_page(conn, filters=clean, limit=limit + 1, after=decode_cursor(cursor))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more and rows else None
    return [public_feedback(r) for r in rows], next_cursor


_AMENDABLE = ("score", "value", "comment", "correction")


def update_feedback(db: Database, actor: Actor, feedback_id: uuid.UUID, changes: dict[str, Any]) -> dict:
    actor.require(Permission.WRITE_FEEDBACK)
    if not isinstance(changes, dict):
        raise Invalid("must be a JSON object", field="body")
    unknown = set(changes) - set(_AMENDABLE)
    if unknown:
        raise Invalid(f"cannot be changed; allowed: {', '.join(_AMENDABLE)}", field=sorted(unknown)[0])
    with db.write() as conn:
        row = feedback_store.get(conn, feedback_id)
        if row is None:
            raise NotFound(f"no feedback {feedback_id}", field="id")
        if row["created_by"] != actor.user_id and actor.role != "admin":
            raise Forbidden("only the author or an admin may amend feedback")
        merged = {**row, **changes}
        if (
            "comment" in changes
            and changes["comment"] is not None
            and not isinstance(changes["comment"], str)
        ):
            raise Invalid("must be a string", field="comment")
        score, value = _validated(conn, row["key"], merged["score"], merged["value"])
        values = {
            "score": score,
            "value": value,
            "comment": merged["comment"],
            "correction": merged["correction"],
            "updated_at": utcnow(),
        }
        feedback_store.update(conn, feedback_id, values)
        routing.route_run_ids(conn, [row["run_id"]])
        audit.record(
            conn,
            actor,
            "feedback.update",
            "feedback",
            feedback_id,
            {"before": {k: row[k] for k in _AMENDABLE}, "after": {k: values[k] for k in _AMENDABLE}},
        )
        return public_feedback({**row, **values})


def delete_feedback(db: Database, actor: Actor, feedback_id: uuid.UUID) -> None:
    actor.require(Permission.WRITE_FEEDBACK)
    with db.write() as conn:
        row = feedback_store.get(conn, feedback_id)
        if row is None:
            raise NotFound(f"no feedback {feedback_id}", field="id")
        if row["created_by"] != actor.user_id and actor.role != "admin":
            raise Forbidden("only the author or an admin may delete feedback")
        feedback_store.delete(conn, feedback_id)
        audit.record(
            conn,
            actor,
            "feedback.delete",
            "feedback",
            feedback_id,
            {"run_id": str(row["run_id"]), "key": row["key"], "score": row["score"], "value": row["value"]},
        )
