"""Score configs: reusable definitions of one feedback key."""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.score_configs import normalize_config
from reviewdesk.errors import Conflict, Invalid, NotFound
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
        current = {k: row[k] for k in ("key", "type", "options", "min", "max", "max_length", "description")}
        config = normalize_config({**current, **changes})
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


def delete_config(db: Database, actor: Actor, key: str) -> None:
    actor.require(Permission.MANAGE_CONFIGS)
    with db.write() as conn:
        row = configs_store.get(conn, key)
        if row is None:
            raise NotFound(f"no score config {key!r}", field="key")
        configs_store.delete(conn, key)
        audit.record(conn, actor, "feedback_config.delete", "feedback_config", key, None)
