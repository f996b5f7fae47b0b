"""Score configs: reusable definitions of one feedback key."""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.score_configs import normalize_config, refused_change
from reviewdesk.errors import Conflict, InUse, Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store.database import Database


def public_config(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: row[k]
        for k in (
            "key",
            "type",
            "options",
            "min",
            "max",
            "max_length",
            "description",
            "ordered",
            "created_at",
            "updated_at",
        )
    }


def create_config(db: Database, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    actor.require(Permission.MANAGE_CONFIGS)
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    config = normalize_config(payload)
    now = utcnow()
    row = {**config, "created_at": now, "updated_at": now}
    with db.write() as conn:
        if configs_store.get(conn, config["key"]) is not None:
            raise Conflict(f"a score config for {config['key']!r} exists", field="key")
        configs_store.insert(conn, row)
        audit.record(conn, actor, "feedback_config.create", "feedback_config", config["key"], config)
    return public_config(row)


def list_configs(db: Database, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.READ_CONFIGS)
    with db.read() as conn:
        return [public_config(r) for r in configs_store.list_all(conn)]


def get_config(db: Database, actor: Actor, key: str) -> dict[str, Any]:
    actor.require(Permission.READ_CONFIGS)
    with db.read() as conn:
        row = configs_store.get(conn, key)
    if row is None:
        raise NotFound(f"no score config {key!r}", field="key")
    return public_config(row)


def update_config(db: Database, actor: Actor, key: str, changes: dict[str, Any]) -> dict[str, Any]:
    actor.require(Permission.MANAGE_CONFIGS)
    if not isinstance(changes, dict):
        raise Invalid("must be a JSON object", field="body")
    if "key" in changes and changes["key"] != key:
        raise Invalid("a config's key cannot change", field="key")
    with db.write() as conn:
        row = configs_store.get(conn, key)
        if row is None:
            raise NotFound(f"no score config {key!r}", field="key")
        current = {k: row[k] for k in _EDITABLE}
        if "type" in changes and changes["type"] != row["type"]:
            for name in ("options", "min", "max", "max_length", "ordered"):  # the old type's settings
                current.pop(name)
        config = normalize_config({**current, **changes})
        _refuse_if_in_use(conn, key, row, config)
        configs_store.update(conn, key, {**config, "updated_at": utcnow()})
        audit.record(
            conn,
            actor,
            "feedback_config.update",
            "feedback_config",
            key,
            {"before": current, "after": config},
        )
        return public_config({**row, **config})


_EDITABLE = ("key", "type", "options", "min", "max", "max_length", "description", "ordered")


def _refuse_if_in_use(conn: Any, key: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Refuse (409, with the number of rows) an edit that would leave given feedback unreadable."""
    refused = refused_change(before, after)
    if refused is None:
        return
    kind, field = refused
    if kind == "type":
        n = configs_store.count_of_key(conn, key)
        message = f"{n} feedback rows of {key!r} were given as {before['type']}; the type cannot change"
    elif kind == "options":
        kept = {o["value"] for o in after["options"]}
        used = configs_store.values_in_use(conn, key)
        removed = sorted(v for v in (o["value"] for o in before["options"]) if v not in kept and used.get(v))
        n = sum(used[v] for v in removed)
        message = f"{n} feedback rows of {key!r} use the options {', '.join(map(repr, removed))}"
    else:
        n = configs_store.count_scores_outside(conn, key, after["min"], after["max"])
        message = f"{n} feedback rows of {key!r} lie outside [{after['min']:g}, {after['max']:g}]"
    if n:
        raise InUse(message + "; add options or edit descriptions instead", affected_rows=n, field=field)


def delete_config(db: Database, actor: Actor, key: str) -> None:
    actor.require(Permission.MANAGE_CONFIGS)
    with db.write() as conn:
        row = configs_store.get(conn, key)
        if row is None:
            raise NotFound(f"no score config {key!r}", field="key")
        configs_store.delete(conn, key)
        audit.record(conn, actor, "feedback_config.delete", "feedback_config", key, None)
