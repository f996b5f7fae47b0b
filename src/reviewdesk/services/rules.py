"""Routing rules of a queue: validated filters, sample rate, daily cap."""

from __future__ import annotations

import math
import uuid
from typing import Any

from reviewdesk.domain.filters import parse, split_sample_rate
from reviewdesk.domain.limits import MAX_INT32
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import FilterSyntaxError, Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.queue_access import load_manageable
from reviewdesk.store import rules as rules_store
from reviewdesk.store.database import Database

_FIELDS = ("name", "filter", "sample_rate", "daily_cap", "roots_only", "enabled")


def public_rule(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "queue_id", *_FIELDS, "created_at", "updated_at")}


def _filter_rate(text: str) -> float | None:
    """The rate of the filter's `random_sample == r` term, or None without one."""
    try:
        return split_sample_rate(parse(text))[1]
    except FilterSyntaxError as exc:
        raise FilterSyntaxError(exc.message, position=exc.position) from None


def _same_rate(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_rule_settings(values: dict[str, Any], stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validated changes to a rule (`stored`, when it exists), with `sample_rate` kept in step.

    A filter's `random_sample == r` term (the tutorial's `random_sample == 0.05`) and the rule's
    `sample_rate` are one setting: the term sets `sample_rate`, a different `sample_rate` given with
    it (or later, while the filter has the term) is a 400 on `sample_rate`, and a new filter without
    the term puts back the rate of 1 the term had replaced, unless `sample_rate` is given.
    """
    unknown = sorted(set(values) - set(_FIELDS))
    if unknown:
        raise Invalid(f"unknown rule setting; allowed: {', '.join(_FIELDS)}", field=unknown[0])
    out = dict(values)
    if "name" in out and (not isinstance(out["name"], str) or not out["name"].strip()):
        raise Invalid("must be a non-empty string", field="name")
    if "filter" in out and (not isinstance(out["filter"], str) or not out["filter"].strip()):
        raise Invalid("must be a filter expression", field="filter")
    if "sample_rate" in out:
        rate = out["sample_rate"]
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not math.isfinite(rate)
            or not 0 <= rate <= 1
        ):
            raise Invalid("must be a number from 0 to 1", field="sample_rate")
        out["sample_rate"] = float(rate)
    _reconcile_sample_rate(out, stored)
    if out.get("daily_cap") is not None:
        cap = out["daily_cap"]
        if isinstance(cap, bool) or not isinstance(cap, int) or not 0 <= cap <= MAX_INT32:
            raise Invalid(f"must be an integer from 0 to {MAX_INT32} or null", field="daily_cap")
    for flag in ("roots_only", "enabled"):
        if flag in out and not isinstance(out[flag], bool):
            raise Invalid("must be true or false", field=flag)
    return out


def _reconcile_sample_rate(out: dict[str, Any], stored: dict[str, Any] | None) -> None:
    new_filter = "filter" in out
    text = out["filter"] if new_filter else (stored or {}).get("filter")
    if text is None:
        return
    rate = _filter_rate(text)
    if rate is None:
        if new_filter and "sample_rate" not in out and stored and _filter_rate(stored["filter"]) is not None:
            out["sample_rate"] = 1.0  # the term that set the old rate is gone
        return
    given = out.get("sample_rate")
    if given is not None and not _same_rate(given, rate):
        raise Invalid(
            f"{given:g} contradicts `random_sample == {rate:g}` in the filter: give the rate in one "
            "place (or the same rate in both)",
            field="sample_rate",
        )
    out["sample_rate"] = rate


def create_rule(db: Database, actor: Actor, queue_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict) or "filter" not in payload:
        raise Invalid("is required", field="filter")
    values = check_rule_settings(
        {
            "name": payload.get("name") or "rule",
            "daily_cap": None,
            "roots_only": True,
            "enabled": True,
            **payload,
        }
    )
    values.setdefault("sample_rate", 1.0)
    now = utcnow()
    row = {**values, "id": uuid.uuid4(), "queue_id": queue_id, "created_at": now, "updated_at": now}
    with db.write() as conn:
        queue = load_manageable(conn, actor, queue_id)
        if queue["kind"] != "single":
            raise Invalid(
                "routing rules fill single-run queues; a pairwise queue takes pairs", field="queue_id"
            )
        rules_store.insert(conn, row)
        audit.record(conn, actor, "rule.create", "routing_rule", row["id"], {k: row[k] for k in _FIELDS})
    return public_rule(row)


def list_rules(db: Database, actor: Actor, queue_id: uuid.UUID) -> list[dict[str, Any]]:
    with db.read() as conn:
        load_manageable(conn, actor, queue_id)
        return [public_rule(r) for r in rules_store.of_queue(conn, queue_id)]


def _load(conn: Any, actor: Actor, queue_id: uuid.UUID, rule_id: uuid.UUID) -> dict[str, Any]:
    load_manageable(conn, actor, queue_id)
    rule = rules_store.get(conn, rule_id)
    if rule is None or rule["queue_id"] != queue_id:
        raise NotFound(f"no rule {rule_id} on this queue", field="rule_id")
    return rule


def update_rule(db: Database, actor: Actor, queue_id: uuid.UUID, rule_id: uuid.UUID, changes: dict) -> dict:
    if not isinstance(changes, dict):
        raise Invalid("must be a JSON object", field="body")
    with db.write() as conn:
        rule = _load(conn, actor, queue_id, rule_id)
        values = check_rule_settings(changes, stored=rule)
        rules_store.update(conn, rule_id, {**values, "updated_at": utcnow()})
        audit.record(
            conn,
            actor,
            "rule.update",
            "routing_rule",
            rule_id,
            {"before": {k: rule[k] for k in values}, "after": values},
        )
        return public_rule({**rule, **values})


def delete_rule(db: Database, actor: Actor, queue_id: uuid.UUID, rule_id: uuid.UUID) -> None:
    with db.write() as conn:
        rule = _load(conn, actor, queue_id, rule_id)
        rules_store.delete(conn, rule_id)
        audit.record(conn, actor, "rule.delete", "routing_rule", rule_id, {"name": rule["name"]})
