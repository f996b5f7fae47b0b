"""Admin pages: score configs, users with their queues and API keys, the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import accounts, audit, feedback_configs, queues

AUDIT_PAGE = 50


@dataclass
class ConfigsPage:
    configs: list[dict[str, Any]]
    error: str | None = None
    notice: str | None = None
    draft: dict[str, str] = field(default_factory=dict)  # the new-config form as typed
    editing: str | None = None  # the config whose edit was refused: its form opens with the error
    edit_error: str | None = None
    edit_draft: dict[str, str] = field(default_factory=dict)

    def options_text(self, config: dict[str, Any]) -> str:
        if self.editing == config["key"] and "options" in self.edit_draft:
            return self.edit_draft["options"]
        return "\n".join(
            o["value"] + (f" | {o['description']}" if o.get("description") else "")
            for o in config.get("options") or []
        )

    def typed(self, config: dict[str, Any], name: str) -> str:
        if self.editing == config["key"] and name in self.edit_draft:
            return self.edit_draft[name]
        value = config.get(name)
        return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def build_configs_page(
    db: Any,
    actor: Actor,
    *,
    error: str | None = None,
    notice: str | None = None,
    draft: ImmutableMultiDict[str, str] | None = None,
    editing: str | None = None,
    edit_error: str | None = None,
    edit_draft: ImmutableMultiDict[str, str] | None = None,
) -> ConfigsPage:
    return ConfigsPage(
        configs=feedback_configs.list_configs(db, actor),
        error=error,
        notice=notice,
        draft=dict(draft or {}),
        editing=editing,
        edit_error=edit_error,
        edit_draft=dict(edit_draft or {}),
    )


def update_config(db: Any, actor: Actor, key: str, form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    """The edit form of one config: description always; options or the range by its type."""
    config = feedback_configs.get_config(db, actor, key)
    changes: dict[str, Any] = {"description": (form.get("description") or "").strip() or None}
    if config["type"] == "categorical":
        changes["options"] = _options(form.get("options") or "")
    elif config["type"] == "continuous":
        changes["min"] = _float_or_none(form.get("min"), "min")
        changes["max"] = _float_or_none(form.get("max"), "max")
    return feedback_configs.update_config(db, actor, key, changes)


def _options(text: str) -> list[dict[str, Any]]:
    """One option a line: `value` or `value | what it means`."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        value, _, description = line.partition("|")
        options.append({"value": value.strip(), "description": description.strip() or None})
    return options


def _float_or_none(raw: str | None, field_name: str) -> float | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Invalid("must be a number", field=field_name) from None


def create_config(db: Any, actor: Actor, form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    kind = form.get("type") or ""
    payload: dict[str, Any] = {
        "key": (form.get("key") or "").strip(),
        "type": kind,
        "description": (form.get("description") or "").strip() or None,
    }
    if kind == "categorical":
        payload["options"] = _options(form.get("options") or "")
    elif kind == "continuous":
        payload["min"] = _float_or_none(form.get("min"), "min")
        payload["max"] = _float_or_none(form.get("max"), "max")
    return feedback_configs.create_config(db, actor, payload)


@dataclass
class UserRow:
    user: dict[str, Any]
    keys: list[dict[str, Any]]
    queue_names: list[str]


@dataclass
class UsersPage:
    users: list[UserRow]
    queues: list[dict[str, Any]]
    new_key: dict[str, Any] | None = None  # shown once, right after it was made
    error: str | None = None
    notice: str | None = None
    draft: dict[str, Any] = field(default_factory=dict)  # the new-user form as typed

    def key_owner(self) -> str | None:
        if not self.new_key:
            return None
        return next(
            (r.user["email"] for r in self.users if str(r.user["id"]) == self.new_key["user_id"]), None
        )


def build_users_page(
    db: Any,
    actor: Actor,
    *,
    new_key: dict[str, Any] | None = None,
    error: str | None = None,
    notice: str | None = None,
    draft: ImmutableMultiDict[str, str] | None = None,
) -> UsersPage:
    users = accounts.list_users(db, actor)
    all_queues = queues.list_queues(db, actor, include_archived=True)
    rows = [
        UserRow(
            user=u,
            keys=accounts.list_api_keys(db, actor, u["id"]),
            queue_names=[q["name"] for q in all_queues if u["id"] in q["reviewers"]],
        )
        for u in users
    ]
    typed: dict[str, Any] = {}
    if draft is not None:
        typed = {k: draft.get(k) or "" for k in ("email", "name", "role")}
        typed["queue_ids"] = set(draft.getlist("queue_id"))
    return UsersPage(users=rows, queues=all_queues, new_key=new_key, error=error, notice=notice, draft=typed)


def create_user(db: Any, actor: Actor, form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    """The user, then its queue assignments (each queue's reviewer list gains it)."""
    user = accounts.create_user(
        db,
        actor,
        email=(form.get("email") or "").strip(),
        role=form.get("role") or "",
        password=form.get("password") or None,
        name=(form.get("name") or "").strip() or None,
    )
    for raw in form.getlist("queue_id"):
        queue_id = uuid.UUID(raw)
        queue = queues.get_queue(db, actor, queue_id)
        queues.update_queue(
            db, actor, queue_id, {"reviewers": [*map(str, queue["reviewers"]), str(user["id"])]}
        )
    return user


def update_user(
    db: Any, actor: Actor, user_id: uuid.UUID, form: ImmutableMultiDict[str, str]
) -> dict[str, Any]:
    changes: dict[str, Any] = {"role": form.get("role"), "disabled": form.get("disabled") is not None}
    if form.get("password"):
        changes["password"] = form["password"]
    return accounts.update_user(db, actor, user_id, changes)


@dataclass
class AuditPage:
    events: list[dict[str, Any]]
    next_before: int | None
    verification: dict[str, Any]
    filters: dict[str, str] = field(default_factory=dict)


def build_audit_page(
    db: Any, actor: Actor, *, before: int | None, action: str, actor_email: str
) -> AuditPage:
    filters = {k: v for k, v in (("action", action), ("actor", actor_email)) if v}
    events, next_before = audit.list_events(db, actor, limit=AUDIT_PAGE, before_id=before, filters=filters)
    return AuditPage(
        events=events, next_before=next_before, verification=audit.verify(db, actor), filters=filters
    )
