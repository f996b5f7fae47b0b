"""Annotation queues: settings, rubric versions, reviewers, and the items in them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor, Permission, Role
from reviewdesk.domain.rubric import normalize_rubric
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import can_view, load_manageable, load_visible
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import queues as queues_store
from reviewdesk.store import users as users_store
from reviewdesk.store.database import Database

KINDS = ("single", "pairwise")
MAX_BLIND_KEYS = 50
ACCESS_MODES = ("assigned", "any")
_DEFAULTS: dict[str, Any] = {
    "description": None,
    "kind": "single",
    "rubric": [],
    "reviewers_per_item": 1,
    "reservation_seconds": 600,
    "reviewer_access": "assigned",
    "blind": True,
    "variant_field": None,
    "default_dataset_id": None,
    "backlog_alert_days": 3.0,
    "archived": False,
    "reviewers": [],
    "blind_metadata_keys": None,  # None: domain/blinding.DEFAULT_BLIND_KEYS
    "blind_hides_scores": False,
    "gold_rate": 0.0,
    "calibration_cadence_days": 42.0,
}
_SETTABLE = set(_DEFAULTS) | {"name"}


def public_queue(row: dict[str, Any], reviewers: list[uuid.UUID], warnings: list[str] | None = None) -> dict:
    body = {
        k: row.get(k)
        for k in (
            "id",
            "name",
            "description",
            "kind",
            "rubric",
            "rubric_version",
            "reviewers_per_item",
            "reservation_seconds",
            "reviewer_access",
            "default_dataset_id",
            "blind",
            "variant_field",
            "backlog_alert_days",
            "archived",
            "gold_rate",
            "calibration_of",
            "calibration_cadence_days",
            "created_at",
            "updated_at",
        )
    }
    body["blind_metadata_keys"] = row.get("blind_metadata_keys")
    body["blind_hides_scores"] = bool(row.get("blind_hides_scores"))
    body["reviewers"] = reviewers
    if warnings:
        body["warnings"] = warnings
    return body


def _int_in(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(f"must be an integer from {low} to {high}", field=field)
    return value


def _check_settings(conn: Connection, values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    unknown = sorted(set(values) - _SETTABLE)
    if unknown:
        raise Invalid(f"unknown queue setting; allowed: {', '.join(sorted(_SETTABLE))}", field=unknown[0])
    out = dict(values)
    if "name" in out and (
        not isinstance(out["name"], str) or not out["name"].strip() or len(out["name"]) > 200
    ):
        raise Invalid("must be a non-empty string of at most 200 characters", field="name")
    if "description" in out and out["description"] is not None and not isinstance(out["description"], str):
        raise Invalid("must be a string (markdown)", field="description")
    if "kind" in out and out["kind"] not in KINDS:
        raise Invalid(f"must be one of {', '.join(KINDS)}", field="kind")
    if "reviewer_access" in out and out["reviewer_access"] not in ACCESS_MODES:
        raise Invalid(f"must be one of {', '.join(ACCESS_MODES)}", field="reviewer_access")
    for flag in ("blind", "archived", "blind_hides_scores"):
        if flag in out and not isinstance(out[flag], bool):
            raise Invalid("must be true or false", field=flag)
    keys = out.get("blind_metadata_keys")
    if keys is not None and (
        not isinstance(keys, list)
        or len(keys) > MAX_BLIND_KEYS
        or not all(isinstance(k, str) and 0 < len(k) <= 200 for k in keys)
    ):
        raise Invalid(
            f"must be a list of at most {MAX_BLIND_KEYS} key names, or null", field="blind_metadata_keys"
        )
    if "reviewers_per_item" in out:
        _int_in(out["reviewers_per_item"], "reviewers_per_item", 1, 100)
    if "reservation_seconds" in out:
        _int_in(out["reservation_seconds"], "reservation_seconds", 10, 7 * 24 * 3600)
    if "backlog_alert_days" in out:
        days = out["backlog_alert_days"]
        if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
            raise Invalid("must be a positive number of days", field="backlog_alert_days")
        out["backlog_alert_days"] = float(days)
    if "gold_rate" in out:
        rate = out["gold_rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise Invalid("must be a share from 0 to 1 of the items handed out", field="gold_rate")
        out["gold_rate"] = float(rate)
    if "calibration_cadence_days" in out:
        days = out["calibration_cadence_days"]
        if isinstance(days, bool) or not isinstance(days, int | float) or not 1 <= days <= 366:
            raise Invalid("must be a number of days from 1 to 366", field="calibration_cadence_days")
        out["calibration_cadence_days"] = float(days)
    if (
        "variant_field" in out
        and out["variant_field"] is not None
        and not isinstance(out["variant_field"], str)
    ):
        raise Invalid("must be a field path such as metadata.model", field="variant_field")
    if out.get("default_dataset_id") is not None:
        dataset_id = parse_uuid(out["default_dataset_id"], "default_dataset_id", required=True)
        if datasets_store.get(conn, dataset_id) is None:
            raise Invalid(f"no dataset {dataset_id}", field="default_dataset_id")
        out["default_dataset_id"] = dataset_id
    warnings: list[str] = []
    if "rubric" in out:
        raw = out["rubric"]
        keys = [f.get("key") if isinstance(f, dict) else f for f in raw] if isinstance(raw, list) else []
        configs = configs_store.get_many(conn, [k for k in keys if isinstance(k, str)])
        out["rubric"], warnings = normalize_rubric(raw, configs)
    if "reviewers" in out:
        if not isinstance(out["reviewers"], list):
            raise Invalid("must be a list of user ids", field="reviewers")
        ids = [parse_uuid(u, f"reviewers[{i}]", required=True) for i, u in enumerate(out["reviewers"])]
        for i, user_id in enumerate(ids):
            if users_store.get(conn, user_id) is None:
                raise Invalid(f"no user {user_id}", field=f"reviewers[{i}]")
        out["reviewers"] = ids
    return out, warnings


def require_rubric_field(actor: Actor, kind: str, rubric: list[Any]) -> None:
    """A single-run queue without a rubric field would collect nothing, so every queue made through
    our API and screens needs one. A pairwise queue asks its built-in preference anyway, so its
    rubric may be empty. The LangSmith adapter creates queues with no rubric items (the SDK's
    `create_annotation_queue` sends none) and passes `rubric_optional=True` to skip this rule."""
    actor.require(Permission.MANAGE_QUEUES)
    if kind != "pairwise" and not rubric:
        raise Invalid("choose at least one rubric field", field="rubric")


def create_queue(
    db: Database, actor: Actor, payload: dict[str, Any], *, rubric_optional: bool = False
) -> dict[str, Any]:
    actor.require(Permission.MANAGE_QUEUES)
    if not isinstance(payload, dict) or "name" not in payload:
        raise Invalid("is required", field="name")
    now = utcnow()
    settings = {k: v for k, v in payload.items() if k != "id"}
    # Clients that mint their own ids (the LangSmith SDK does) get to keep them.
    queue_id = parse_uuid(payload.get("id"), "id") or uuid.uuid4()
    with db.write() as conn:
        values, warnings = _check_settings(conn, {**_DEFAULTS, **settings})
        if not rubric_optional:
            require_rubric_field(actor, values["kind"], values["rubric"])
        if queues_store.by_name(conn, values["name"]) is not None:
            raise Conflict(f"a queue named {values['name']!r} exists", field="name")
        if queues_store.get(conn, queue_id) is not None:
            raise Conflict(f"a queue with id {queue_id} exists", field="id")
        reviewers = values.pop("reviewers")
        row = {**values, "id": queue_id, "rubric_version": 1, "created_at": now, "updated_at": now}
        queues_store.insert(conn, row)
        queues_store.add_rubric_version(
            conn, {"queue_id": row["id"], "version": 1, "rubric": row["rubric"], "created_at": now}
        )
        queues_store.set_reviewers(conn, row["id"], reviewers)
        audit.record(
            conn,
            actor,
            "queue.create",
            "queue",
            row["id"],
            {
                "name": row["name"],
                "kind": row["kind"],
                "rubric": row["rubric"],
                "reviewers": [str(r) for r in reviewers],
            },
        )
        return public_queue(row, reviewers, warnings)


def get_queue(db: Database, actor: Actor, queue_id: uuid.UUID) -> dict[str, Any]:
    with db.read() as conn:
        queue = load_visible(conn, actor, queue_id)
        return public_queue(queue, queues_store.reviewer_ids(conn, queue_id))


def get_queue_by_name(db: Database, actor: Actor, name: str) -> dict[str, Any]:
    with db.read() as conn:
        queue = queues_store.by_name(conn, name)
        if queue is None or not can_view(conn, actor, queue):
            raise NotFound(f"no queue named {name!r}", field="queue_name")
        return public_queue(queue, queues_store.reviewer_ids(conn, queue["id"]))


def list_queues(db: Database, actor: Actor, *, include_archived: bool = False) -> list[dict[str, Any]]:
    with db.read() as conn:
        only = None
        if actor.role == Role.REVIEWER:
            only = queues_store.queue_ids_of_reviewer(conn, actor.user_id) if actor.user_id else []
        # Archived queues are closed to their reviewers (services/queue_access.can_view).
        archived_too = include_archived and actor.role != Role.REVIEWER
        rows = queues_store.list_all(conn, include_archived=archived_too, only_ids=only)
        return [public_queue(r, queues_store.reviewer_ids(conn, r["id"])) for r in rows]


def update_queue(
    db: Database,
    actor: Actor,
    queue_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    rubric_optional: bool = False,
) -> dict[str, Any]:
    if not isinstance(changes, dict):
        raise Invalid("must be a JSON object", field="body")
    with db.write() as conn:
        queue = load_manageable(conn, actor, queue_id)
        if "kind" in changes and changes["kind"] != queue["kind"]:
            raise Invalid("a queue's kind cannot change once created", field="kind")
        values, warnings = _check_settings(conn, changes)
        if "rubric" in values and not rubric_optional:
            require_rubric_field(actor, queue["kind"], values["rubric"])
        if (
            "name" in values
            and values["name"] != queue["name"]
            and queues_store.by_name(conn, values["name"])
        ):
            raise Conflict(f"a queue named {values['name']!r} exists", field="name")
        reviewers = values.pop("reviewers", None)
        now = utcnow()
        if "rubric" in values and values["rubric"] != queue["rubric"]:
            values["rubric_version"] = queue["rubric_version"] + 1
            queues_store.add_rubric_version(
                conn,
                {
                    "queue_id": queue_id,
                    "version": values["rubric_version"],
                    "rubric": values["rubric"],
                    "created_at": now,
                },
            )
        queues_store.update(conn, queue_id, {**values, "updated_at": now})
        if reviewers is not None:
            queues_store.set_reviewers(conn, queue_id, reviewers)
        details = {k: (v if k != "reviewers" else [str(r) for r in v]) for k, v in changes.items()}
        audit.record(conn, actor, "queue.update", "queue", queue_id, details)
        updated = queues_store.get(conn, queue_id) or queue
        return public_queue(updated, queues_store.reviewer_ids(conn, queue_id), warnings)


def delete_queue(db: Database, actor: Actor, queue_id: uuid.UUID) -> None:
    with db.write() as conn:
        queue = load_manageable(conn, actor, queue_id)
        queues_store.delete(conn, queue_id)
        audit.record(conn, actor, "queue.delete", "queue", queue_id, {"name": queue["name"]})
