"""The queue settings form (create and edit): its fields, the rubric table with its conditions, and
the form read back into what the queues service takes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import accounts, feedback_configs, queues, rules
from reviewdesk.web.pages.datasets import datasets_or_none
from reviewdesk.web.pages.queues import users_or_none
from reviewdesk.web.pages.rubric_conditions import (
    RULES,
    ConditionDraft,
    Trigger,
    condition_errors_in_place,
    draft_of_condition,
    draft_of_form,
    parse_condition,
    triggers_of,
)


@dataclass
class RubricRow:
    key: str
    type: str
    description: str | None
    included: bool
    required: bool
    instructions: str
    order: int | str
    conditions: dict[str, ConditionDraft] = field(default_factory=dict)  # by rule (visible_if, required_if)


@dataclass
class SettingsDraft:
    """The settings form's values: the saved queue's, the defaults, or what was typed before a
    save failed (so nothing typed is lost)."""

    name: str = ""
    description: str = ""
    kind: str = "single"
    reviewer_ids: set[str] = field(default_factory=set)
    reviewer_lines: str = ""
    reviewer_access: str = "assigned"
    reviewers_per_item: str = "1"
    reservation_minutes: str = "10"
    backlog_alert_days: str = "3"
    blind: bool = True
    archived: bool = False
    default_dataset_id: str = ""
    blind_keys: str = ""  # one per line; empty: the default model-naming keys
    blind_hides_scores: bool = False
    gold_percent: str = "0"
    calibration_cadence_days: str = "42"


def _draft_of_queue(queue: dict[str, Any] | None, emails: dict[str, str]) -> SettingsDraft:
    if queue is None:
        return SettingsDraft()
    return SettingsDraft(
        name=queue["name"],
        description=queue["description"] or "",
        kind=queue["kind"],
        reviewer_ids={str(r) for r in queue["reviewers"]},
        reviewer_lines="\n".join(emails.get(str(r), str(r)) for r in queue["reviewers"]),
        reviewer_access=queue["reviewer_access"],
        reviewers_per_item=str(queue["reviewers_per_item"]),
        reservation_minutes=str(queue["reservation_seconds"] // 60),
        backlog_alert_days=f"{queue['backlog_alert_days']:g}",
        blind=queue["blind"],
        archived=queue["archived"],
        default_dataset_id=str(queue["default_dataset_id"] or ""),
        blind_keys="\n".join(queue.get("blind_metadata_keys") or []),
        blind_hides_scores=bool(queue.get("blind_hides_scores")),
        gold_percent=f"{queue.get('gold_rate', 0.0) * 100:g}",
        calibration_cadence_days=f"{queue.get('calibration_cadence_days', 42.0):g}",
    )


def _draft_of_form(form: ImmutableMultiDict[str, str]) -> SettingsDraft:
    return SettingsDraft(
        name=form.get("name") or "",
        description=form.get("description") or "",
        kind=form.get("kind") or "single",
        reviewer_ids=set(form.getlist("reviewer")),
        reviewer_lines=form.get("reviewer_lines") or "",
        reviewer_access=form.get("reviewer_access") or "assigned",
        reviewers_per_item=form.get("reviewers_per_item") or "",
        reservation_minutes=form.get("reservation_minutes") or "",
        backlog_alert_days=form.get("backlog_alert_days") or "",
        blind=form.get("blind") is not None,
        archived=form.get("archived") is not None,
        default_dataset_id=form.get("default_dataset_id") or "",
        blind_keys=form.get("blind_keys") or "",
        blind_hides_scores=form.get("blind_hides_scores") is not None,
        gold_percent=form.get("gold_percent") or "",
        calibration_cadence_days=form.get("calibration_cadence_days") or "",
    )


@dataclass
class SettingsPage:
    queue: dict[str, Any] | None  # None: the create form
    draft: SettingsDraft
    rubric_rows: list[RubricRow]
    users: list[dict[str, Any]] | None  # None when the caller may not list users
    datasets: list[dict[str, Any]] | None  # None when the caller may not list datasets
    rules_count: int | None
    triggers: list[Trigger] = field(default_factory=list)  # what a rubric condition may test
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    saved: bool = False


def _rubric_rows(
    configs: list[dict[str, Any]],
    queue: dict[str, Any] | None,
    typed: ImmutableMultiDict[str, str] | None,
    error: Invalid | Conflict | None,
    triggers: dict[str, Trigger],
) -> list[RubricRow]:
    current = {f["key"]: (i, f) for i, f in enumerate(queue["rubric"])} if queue else {}
    rows = []
    for config in configs:
        key = config["key"]
        position, chosen = current.get(key, (None, None))
        row = RubricRow(
            key=key,
            type=config["type"],
            description=config["description"],
            included=chosen is not None,
            required=bool(chosen and chosen["required"]),
            instructions=(chosen or {}).get("instructions") or "",
            order=(position + 1) if position is not None else "",  # unused: blank, placed last
            conditions={
                rule: draft_of_condition(condition, triggers.get(condition["field"]) if condition else None)
                for rule in RULES
                for condition in [(chosen or {}).get(rule)]
            },
        )
        if typed is not None:
            row.included = typed.get(f"include.{key}") is not None
            row.required = typed.get(f"required.{key}") is not None
            row.instructions = typed.get(f"instructions.{key}") or ""
            row.order = typed.get(f"order.{key}") or row.order
            row.conditions = {rule: draft_of_form(typed, rule, key) for rule in RULES}
        for rule in RULES:
            if error is not None and error.field == f"{rule}.{key}":
                row.conditions[rule].error = error.message
        rows.append(row)
    rows.sort(key=lambda r: (_order_key(r.order), r.key))
    return rows


def _order_key(order: int | str) -> int:
    try:
        return int(order)
    except ValueError:
        return 1_000_000


def build_settings_page(
    db: Any,
    actor: Actor,
    queue_id: uuid.UUID | None,
    *,
    error: Invalid | Conflict | None = None,
    saved: bool = False,
    typed: ImmutableMultiDict[str, str] | None = None,
) -> SettingsPage:
    """`typed`: the form of a save that failed (`error`), shown again as it was typed."""
    queue = None
    rules_count = None
    if queue_id is not None:
        # list_rules asks the same "may manage this queue" question that saving will ask.
        rules_count = len(rules.list_rules(db, actor, queue_id))
        queue = queues.get_queue(db, actor, queue_id)
    configs = feedback_configs.list_configs(db, actor)
    users = users_or_none(db, actor)
    emails = {str(u["id"]): u["email"] for u in users or []}
    kind = queue["kind"] if queue else (typed or {}).get("kind")
    triggers = triggers_of(configs, pairwise=kind == "pairwise")
    return SettingsPage(
        queue=queue,
        draft=_draft_of_form(typed) if typed is not None else _draft_of_queue(queue, emails),
        rubric_rows=_rubric_rows(configs, queue, typed, error, {t.key: t for t in triggers}),
        users=users,
        datasets=datasets_or_none(db, actor),
        rules_count=rules_count,
        triggers=triggers,
        error=None
        if error is None
        else (f"{error.field}: {error.message}" if error.field else error.message),
        saved=saved,
    )


def _int(form: ImmutableMultiDict[str, str], name: str, default: int) -> int:
    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise Invalid("must be a whole number", field=name) from None


def _float(form: ImmutableMultiDict[str, str], name: str, default: float) -> float:
    raw = (form.get(name) or "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise Invalid("must be a number", field=name) from None


def _rubric_from(form: ImmutableMultiDict[str, str], triggers: dict[str, Trigger]) -> list[dict[str, Any]]:
    chosen = []
    for key in form.getlist("rubric_key"):
        if form.get(f"include.{key}") is None:
            continue
        order = _int(form, f"order.{key}", 1000)
        field_ = {
            "key": key,
            "required": form.get(f"required.{key}") is not None,
            "instructions": (form.get(f"instructions.{key}") or "").strip() or None,
        }
        for rule in RULES:
            condition = parse_condition(form, rule, key, triggers)
            if condition is not None:
                field_[rule] = condition
        chosen.append((order, key, field_))
    return [f for _o, _k, f in sorted(chosen, key=lambda t: (t[0], t[1]))]


def _reviewers_from(db: Any, form: ImmutableMultiDict[str, str]) -> list[str]:
    ids = list(form.getlist("reviewer"))
    for line in (form.get("reviewer_lines") or "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            ids.append(str(uuid.UUID(line)))
        except ValueError:
            try:
                ids.append(str(accounts.get_user_by_email(db, line)["id"]))
            except NotFound:
                raise Invalid(f"no user with email {line}", field="reviewers") from None
    return list(dict.fromkeys(ids))


def settings_payload(
    db: Any, form: ImmutableMultiDict[str, str], *, creating: bool, triggers: list[Trigger] | None = None
) -> dict[str, Any]:
    """The queue settings form as the queues service takes them; `triggers`: the score configs a
    rubric condition may test, to read its answers (true, 0.5) as what they are."""
    payload: dict[str, Any] = {
        "name": (form.get("name") or "").strip(),
        "description": form.get("description") or None,
        "rubric": _rubric_from(form, {t.key: t for t in triggers or []}),
        "reviewers": _reviewers_from(db, form),
        "reviewers_per_item": _int(form, "reviewers_per_item", 1),
        "reservation_seconds": _int(form, "reservation_minutes", 10) * 60,
        "reviewer_access": form.get("reviewer_access") or "assigned",
        "blind": form.get("blind") is not None,
        "blind_hides_scores": form.get("blind_hides_scores") is not None,
        "backlog_alert_days": _float(form, "backlog_alert_days", 3.0),
    }
    if "gold_percent" in form:  # the share of gold items handed out, asked as a percentage
        percent = _float(form, "gold_percent", 0.0)
        if not 0 <= percent <= 100:
            raise Invalid("must be a percentage from 0 to 100", field="gold_percent")
        payload["gold_rate"] = percent / 100
    if "calibration_cadence_days" in form:
        payload["calibration_cadence_days"] = _float(form, "calibration_cadence_days", 42.0)
    if "blind_keys" in form:
        keys = [k.strip() for k in form["blind_keys"].replace(",", "\n").splitlines() if k.strip()]
        payload["blind_metadata_keys"] = keys or None
    if "default_dataset_id" in form:  # only when the form offered the choice
        payload["default_dataset_id"] = form["default_dataset_id"] or None
    if creating:
        payload["kind"] = form.get("kind") or "single"
    else:
        payload["archived"] = form.get("archived") is not None
    return payload


def save_queue(db: Any, actor: Actor, queue_id: uuid.UUID | None, form: ImmutableMultiDict[str, str]) -> dict:
    saved = None if queue_id is None else queues.get_queue(db, actor, queue_id)
    kind = saved["kind"] if saved else form.get("kind") or "single"
    triggers = triggers_of(feedback_configs.list_configs(db, actor), pairwise=kind == "pairwise")
    payload = settings_payload(db, form, creating=queue_id is None, triggers=triggers)
    queues.require_rubric_field(actor, kind or "single", payload["rubric"])
    try:
        if queue_id is None:
            return queues.create_queue(db, actor, payload)
        return queues.update_queue(db, actor, queue_id, payload)
    except Invalid as exc:
        raise condition_errors_in_place(exc, payload["rubric"]) from None
