"""Evaluators: create, read, list, change (every change is a new version) and delete."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from reviewdesk.domain.evaluators import validate_online, validate_spec
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.score_configs import validate_key
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.store import evaluators as store
from reviewdesk.store.database import Database

_FIELDS = ("name", "key", "kind", "spec", "online")


def public(row: dict[str, Any], counts: dict[str, int] | None = None) -> dict[str, Any]:
    out = {
        k: row[k]
        for k in ("id", "name", "key", "kind", "version", "spec", "online", "created_at", "updated_at")
    }
    if counts is not None:
        out["jobs"] = counts
    return out


def _validated(payload: dict[str, Any], guard: DestinationGuard | None) -> dict[str, Any]:
    name = payload.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise Invalid("must be a non-empty string of at most 200 characters", field="name")
    spec = validate_spec(payload.get("kind"), payload.get("spec"))
    if payload["kind"] == "llm_judge" and guard is not None:
        guard.check_url(spec["base_url"], field="spec.base_url")
    return {
        "name": name.strip(),
        "key": validate_key(payload.get("key")),
        "kind": payload["kind"],
        "spec": spec,
        "online": validate_online(payload.get("online")),
    }


def _version_row(evaluator_id: uuid.UUID, number: int, clean: dict[str, Any], actor: Actor, now: Any) -> dict:
    return {
        "evaluator_id": evaluator_id,
        "version": number,
        **clean,
        "created_by": actor.user_id,
        "created_at": now,
    }


def create_evaluator(
    db: Database, actor: Actor, payload: Any, guard: DestinationGuard | None
) -> dict[str, Any]:
    actor.require(Permission.MANAGE_CONFIGS)
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    unknown = set(payload) - set(_FIELDS)
    if unknown:
        raise Invalid(f"unknown field; allowed: {', '.join(_FIELDS)}", field=sorted(unknown)[0])
    clean = _validated(payload, guard)
    now = utcnow()
    row = {
        "id": uuid.uuid4(),
        **clean,
        "version": 1,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }
    with db.write() as conn:
        store.insert(conn, row)
        store.add_version(conn, _version_row(row["id"], 1, clean, actor, now))
        audit.record(
            conn,
            actor,
            "evaluator.create",
            "evaluator",
            row["id"],
            {"name": row["name"], "kind": row["kind"]},
        )
    return public(row)


def _load(conn: Any, evaluator_id: uuid.UUID) -> dict[str, Any]:
    row = store.get(conn, evaluator_id)
    if row is None:
        raise NotFound(f"no evaluator {evaluator_id}", field="id")
    return row


def get_evaluator(db: Database, actor: Actor, evaluator_id: uuid.UUID) -> dict[str, Any]:
    actor.require(Permission.MANAGE_CONFIGS)
    with db.read() as conn:
        row = _load(conn, evaluator_id)
        counts = store.status_counts(conn, evaluator_id)
        versions = store.versions(conn, evaluator_id)
    out = public(row, counts)
    out["versions"] = [
        {"version": v["version"], "spec": v["spec"], "online": v["online"], "created_at": v["created_at"]}
        for v in versions
    ]
    return out


def list_evaluators(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """By name, each with its jobs by status and what it spent today (UTC), as its budget counts."""
    actor.require(Permission.MANAGE_CONFIGS)
    now = utcnow()
    day_start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    with db.read() as conn:
        rows = store.list_all(conn)
        return [
            {
                **public(r, store.status_counts(conn, r["id"])),
                "cost_today_usd": store.cost_since(conn, r["id"], day_start),
            }
            for r in rows
        ]


def update_evaluator(
    db: Database, actor: Actor, evaluator_id: uuid.UUID, changes: Any, guard: DestinationGuard | None
) -> dict[str, Any]:
    actor.require(Permission.MANAGE_CONFIGS)
    if not isinstance(changes, dict):
        raise Invalid("must be a JSON object", field="body")
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise Invalid(f"cannot be changed; allowed: {', '.join(_FIELDS)}", field=sorted(unknown)[0])
    with db.write() as conn:
        row = _load(conn, evaluator_id)
        clean = _validated({**{k: row[k] for k in _FIELDS}, **changes}, guard)
        now = utcnow()
        number = row["version"] + 1
        store.update(conn, evaluator_id, {**clean, "version": number, "updated_at": now})
        store.add_version(conn, _version_row(evaluator_id, number, clean, actor, now))
        audit.record(conn, actor, "evaluator.update", "evaluator", evaluator_id, {"version": number})
    return public({**row, **clean, "version": number, "updated_at": now})


def delete_evaluator(db: Database, actor: Actor, evaluator_id: uuid.UUID) -> None:
    """Soft: its versions stay so the scores it wrote keep their provenance."""
    actor.require(Permission.MANAGE_CONFIGS)
    with db.write() as conn:
        _load(conn, evaluator_id)
        store.update(conn, evaluator_id, {"deleted_at": utcnow(), "online": None})
        audit.record(conn, actor, "evaluator.delete", "evaluator", evaluator_id, {})
