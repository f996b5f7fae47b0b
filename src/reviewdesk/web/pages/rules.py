"""The rules of a queue: list, editor, and the live preview of a draft."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import FilterSyntaxError, Invalid
from reviewdesk.services import queues, rule_preview, rules

PREVIEW_DAYS = 7


@dataclass
class RuleDraft:
    """The editor's values: the rule's, a new rule's, or what was typed before a save failed."""

    name: str = ""
    filter: str = ""
    sample_rate: str = ""  # empty: 1, or the filter's `random_sample` rate (services/rules.py)
    daily_cap: str = ""
    roots_only: bool = True
    enabled: bool = True


def _draft(rule: dict[str, Any] | None, typed: ImmutableMultiDict[str, str] | None) -> RuleDraft:
    if typed is not None:
        return RuleDraft(
            name=typed.get("name") or "",
            filter=typed.get("filter") or "",
            sample_rate=typed.get("sample_rate") or "",
            daily_cap=typed.get("daily_cap") or "",
            roots_only=typed.get("roots_only") is not None,
            enabled=typed.get("enabled") is not None,
        )
    if rule is None:
        return RuleDraft()
    return RuleDraft(
        name=rule["name"],
        filter=rule["filter"],
        sample_rate=f"{rule['sample_rate']:g}",
        daily_cap="" if rule["daily_cap"] is None else str(rule["daily_cap"]),
        roots_only=rule["roots_only"],
        enabled=rule["enabled"],
    )


@dataclass
class RulesPage:
    queue: dict[str, Any]
    rules: list[dict[str, Any]]
    editing: dict[str, Any] | None  # the rule in the editor; None: a new rule
    draft: RuleDraft
    error: str | None = None
    notice: str | None = None


def build_rules_page(
    db: Any,
    actor: Actor,
    queue_id: uuid.UUID,
    rule_id: uuid.UUID | None = None,
    *,
    error: str | None = None,
    notice: str | None = None,
    typed: ImmutableMultiDict[str, str] | None = None,
) -> RulesPage:
    listed = rules.list_rules(db, actor, queue_id)
    queue = queues.get_queue(db, actor, queue_id)
    editing = next((r for r in listed if r["id"] == rule_id), None)
    return RulesPage(
        queue=queue,
        rules=listed,
        editing=editing,
        draft=_draft(editing, typed),
        error=error,
        notice=notice,
    )


def _number(raw: str | None, field: str, kind: type) -> Any:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise Invalid("must be a number", field=field) from None


def rule_payload(form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    rate = _number(form.get("sample_rate"), "sample_rate", float)
    payload: dict[str, Any] = {
        "name": (form.get("name") or "").strip() or "rule",
        "filter": form.get("filter") or "",
        "daily_cap": _number(form.get("daily_cap"), "daily_cap", int),
        "roots_only": form.get("roots_only") is not None,
        "enabled": form.get("enabled") is not None,
    }
    if rate is not None:
        payload["sample_rate"] = rate
    return payload


def save_rule(
    db: Any, actor: Actor, queue_id: uuid.UUID, rule_id: uuid.UUID | None, form: ImmutableMultiDict[str, str]
) -> dict[str, Any]:
    payload = rule_payload(form)
    if rule_id is None:
        return rules.create_rule(db, actor, queue_id, payload)
    return rules.update_rule(db, actor, queue_id, rule_id, payload)


@dataclass
class PreviewView:
    result: dict[str, Any] | None
    error: str | None = None
    position: int | None = None
    filter: str = ""

    @property
    def caret(self) -> str:
        return " " * (self.position or 0) + "^"


def preview(db: Any, actor: Actor, queue_id: uuid.UUID, form: ImmutableMultiDict[str, str]) -> PreviewView:
    """The one place the editor asks what a draft rule would route (rule_preview.preview)."""
    text = form.get("filter") or ""
    if not text.strip():
        return PreviewView(result=None, error="Write a filter to see what it would route.")
    try:
        payload = {k: v for k, v in rule_payload(form).items() if k not in ("name", "enabled")}
        result = rule_preview.preview(db, actor, queue_id, {**payload, "days": PREVIEW_DAYS})
    except FilterSyntaxError as exc:
        return PreviewView(result=None, error=exc.message, position=exc.position, filter=text)
    except Invalid as exc:
        return PreviewView(result=None, error=f"{exc.field}: {exc.message}" if exc.field else exc.message)
    return PreviewView(result=result)


def backfill(
    db: Any, actor: Actor, queue_id: uuid.UUID, rule_id: uuid.UUID, form: ImmutableMultiDict[str, str]
) -> dict[str, Any]:
    return rule_preview.backfill(db, actor, queue_id, rule_id, {"since": form.get("since") or None})
