"""The evaluator editor: a code evaluator's checks or an LLM judge's endpoint and prompt, and the
online block, as a form; what was typed comes back with the error when a save is refused."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.code_checks import CHECKS, PII_KINDS
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import evaluator_trials, feedback_configs
from reviewdesk.services import evaluators as evaluators_service
from reviewdesk.services.destinations import DestinationGuard

CHECK_LABELS = {
    "regex": "Regular expression",
    "contains": "Contains any / all",
    "valid_json": "Valid JSON",
    "json_schema": "Matches a JSON Schema",
    "length": "Length between",
    "latency_ms": "Latency at most (ms)",
    "total_tokens": "Total tokens at most",
    "cost": "Cost at most (USD)",
    "pii": "No personal data",
    "reference_match": "Matches the reference output",
}
CHECK_CHOICES = {kind: CHECK_LABELS.get(kind, kind) for kind in CHECKS}  # a new built-in shows up too
TEXT_CHECKS = ("regex", "contains", "valid_json", "json_schema", "length", "pii")
STRUCTURED_OUTPUTS = {
    "json_schema": "JSON Schema (response_format)",
    "tool_call": "Tool call",
    "none": "Prompt only (tolerant parser)",
}
_JUDGE_NUMBERS = ("temperature", "timeout_s", "max_tokens", "price_per_1k_input", "price_per_1k_output")
_CHECK_TYPE = re.compile(r"^checks-(\d+)-type$")


@dataclass
class CheckDraft:
    type: str = ""
    target: str = "outputs"  # the run field a text check reads
    pattern: str = ""
    must_match: bool = True
    values: str = ""  # one per line
    contains_mode: str = "any"
    case_sensitive: bool = False
    schema: str = ""
    min: str = ""
    max: str = ""
    kinds: list[str] = field(default_factory=lambda: list(PII_KINDS))
    match_mode: str = "exact"
    threshold: str = ""


@dataclass
class EvaluatorDraft:
    """The editor's values, all as typed: the evaluator's, a new one's, or a refused save's."""

    name: str = ""
    key: str = ""
    kind: str = "llm_judge"
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    system: str = ""
    prompt: str = "Question: {{inputs}}\nAnswer: {{outputs}}\n\nIs the answer correct and helpful?"
    structured_output: str = "json_schema"
    temperature: str = "0"
    timeout_s: str = "30"
    max_tokens: str = "512"
    price_per_1k_input: str = "0"
    price_per_1k_output: str = "0"
    checks: list[CheckDraft] = field(default_factory=list)
    online: bool = False
    online_filter: str = ""
    sample_rate: str = "1"
    daily_budget_usd: str = ""


def _text(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _check_draft(check: dict[str, Any]) -> CheckDraft:
    kind = check["type"]
    return CheckDraft(
        type=kind,
        target=check.get("field", "outputs"),
        pattern=check.get("pattern", ""),
        must_match=check.get("must_match", True),
        values="\n".join(check.get("values", [])),
        contains_mode=check.get("mode", "any") if kind == "contains" else "any",
        case_sensitive=check.get("case_sensitive", False),
        schema=json.dumps(check["schema"], indent=2) if "schema" in check else "",
        min=_text(check.get("min")),
        max=_text(check.get("max")),
        kinds=list(check.get("kinds", PII_KINDS)),
        match_mode=check.get("mode", "exact") if kind == "reference_match" else "exact",
        threshold=_text(check.get("threshold")),
    )


def draft_of(evaluator: dict[str, Any]) -> EvaluatorDraft:
    spec, online = evaluator["spec"], evaluator["online"]
    draft = EvaluatorDraft(name=evaluator["name"], key=evaluator["key"], kind=evaluator["kind"])
    if evaluator["kind"] == "code":
        draft.checks = [_check_draft(c) for c in spec["checks"]]
    else:
        for name in ("base_url", "model", "prompt", "structured_output", *_JUDGE_NUMBERS):
            if spec.get(name) is not None:
                setattr(draft, name, _text(spec[name]))
        draft.api_key_env = spec.get("api_key_env") or ""
        draft.system = spec.get("system") or ""
    if online is not None:
        draft.online = True
        draft.online_filter = online.get("filter") or ""
        draft.sample_rate = _text(online.get("sample_rate", 1.0))
        draft.daily_budget_usd = _text(online.get("daily_budget_usd"))
    return draft


def typed_draft(form: ImmutableMultiDict[str, str]) -> EvaluatorDraft:
    draft = EvaluatorDraft(
        **{
            name: form.get(name) or ""
            for name in (
                "name",
                "key",
                "base_url",
                "model",
                "api_key_env",
                "system",
                "prompt",
                "online_filter",
            )
        },
        kind=form.get("kind") or "llm_judge",
        structured_output=form.get("structured_output") or "json_schema",
        online=form.get("online") is not None,
        sample_rate=form.get("sample_rate") or "",
        daily_budget_usd=form.get("daily_budget_usd") or "",
        **{name: form.get(name) or "" for name in _JUDGE_NUMBERS},
    )
    rows = sorted(int(m.group(1)) for k in form if (m := _CHECK_TYPE.match(k)))
    for i in rows:
        get = lambda name, default="", i=i: form.get(f"checks-{i}-{name}", default)  # noqa: E731
        draft.checks.append(
            CheckDraft(
                type=get("type"),
                target=get("field", "outputs"),
                pattern=get("pattern"),
                must_match=get("must_match", None) is not None,
                values=get("values"),
                contains_mode=get("contains_mode", "any"),
                case_sensitive=get("case_sensitive", None) is not None,
                schema=get("schema"),
                min=get("min"),
                max=get("max"),
                kinds=form.getlist(f"checks-{i}-kinds"),
                match_mode=get("match_mode", "exact"),
                threshold=get("threshold"),
            )
        )
    return draft


def _number(raw: str, field: str, *, integer: bool = False) -> float | int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw) if integer else float(raw)
    except ValueError:
        raise Invalid("must be a number" if not integer else "must be a whole number", field=field) from None


def _check_payload(d: CheckDraft, where: str) -> dict[str, Any]:
    check: dict[str, Any] = {"type": d.type}
    if d.type in TEXT_CHECKS:
        check["field"] = d.target if d.target in ("outputs", "inputs") else "outputs"
    if d.type == "regex":
        check |= {"pattern": d.pattern, "must_match": d.must_match}
    elif d.type == "contains":
        values = [line.strip() for line in d.values.splitlines() if line.strip()]
        check |= {"values": values, "mode": d.contains_mode, "case_sensitive": d.case_sensitive}
    elif d.type == "json_schema":
        try:
            check["schema"] = json.loads(d.schema or "null")
        except ValueError as exc:
            raise Invalid(f"is not JSON: {exc}", field=f"{where}.schema") from None
    elif d.type == "length":
        for bound in ("min", "max"):
            value = _number(getattr(d, bound), f"{where}.{bound}", integer=True)
            if value is not None:
                check[bound] = value
    elif d.type in ("latency_ms", "total_tokens", "cost"):
        check["max"] = _number(d.max, f"{where}.max")
    elif d.type == "pii":
        check["kinds"] = d.kinds
    elif d.type == "reference_match":
        check["mode"] = d.match_mode
        threshold = _number(d.threshold, f"{where}.threshold")
        if threshold is not None:
            check["threshold"] = threshold
    return check


def _spec_payload(draft: EvaluatorDraft) -> dict[str, Any]:
    if draft.kind == "code":
        chosen = [c for c in draft.checks if c.type]
        return {"checks": [_check_payload(c, f"spec.checks[{i}]") for i, c in enumerate(chosen)]}
    spec: dict[str, Any] = {
        "base_url": draft.base_url.strip(),
        "model": draft.model.strip(),
        "prompt": draft.prompt,
        "structured_output": draft.structured_output,
    }
    if draft.api_key_env.strip():
        spec["api_key_env"] = draft.api_key_env.strip()
    if draft.system.strip():
        spec["system"] = draft.system
    for name in _JUDGE_NUMBERS:
        value = _number(getattr(draft, name), f"spec.{name}", integer=name == "max_tokens")
        if value is not None:
            spec[name] = value
    return spec


def evaluator_payload(draft: EvaluatorDraft) -> dict[str, Any]:
    """The API's body for the draft; Invalid names the field of a number that is not one."""
    online = None
    if draft.online:
        online = {
            "filter": draft.online_filter,
            "sample_rate": _number(draft.sample_rate, "online.sample_rate") if draft.sample_rate else 1.0,
            "daily_budget_usd": _number(draft.daily_budget_usd, "online.daily_budget_usd"),
        }
    return {
        "name": draft.name,
        "key": draft.key.strip(),
        "kind": draft.kind,
        "spec": _spec_payload(draft),
        "online": online,
    }


def input_name(error_field: str | None) -> str | None:
    """The form input a service's error field stands for (spec.checks[1].max → checks-1-max)."""
    if not error_field:
        return None
    if m := re.match(r"^spec\.checks\[(\d+)\]\.(\w+)$", error_field):
        return f"checks-{m.group(1)}-{m.group(2)}"
    if error_field == "online.filter":
        return "online_filter"
    return error_field.rsplit(".", 1)[-1]


@dataclass
class EditorPage:
    evaluator: dict[str, Any] | None  # None: a new evaluator
    draft: EvaluatorDraft
    configs: list[dict[str, Any]]
    try_run_id: str = ""
    error: str | None = None
    error_input: str | None = None
    check_labels: dict[str, str] = field(default_factory=lambda: CHECK_CHOICES)
    structured_outputs: dict[str, str] = field(default_factory=lambda: STRUCTURED_OUTPUTS)
    pii_kinds: tuple[str, ...] = PII_KINDS
    text_checks: tuple[str, ...] = TEXT_CHECKS


def build_editor_page(
    db: Any,
    actor: Actor,
    evaluator_id: uuid.UUID | None,
    *,
    typed: EvaluatorDraft | None = None,
    error: Invalid | None = None,
    try_run_id: str = "",
    add_check: bool = False,
) -> EditorPage:
    actor.require(Permission.MANAGE_CONFIGS)  # as saving would: no empty editor for those who cannot
    evaluator = evaluators_service.get_evaluator(db, actor, evaluator_id) if evaluator_id else None
    draft = typed or (draft_of(evaluator) if evaluator else EvaluatorDraft())
    draft.checks = [c for c in draft.checks if c.type] + [CheckDraft() for _ in range(1 + add_check)]
    message = None
    if error is not None:
        message = f"{error.field}: {error.message}" if error.field else error.message
    return EditorPage(
        evaluator=evaluator,
        draft=draft,
        configs=feedback_configs.list_configs(db, actor),
        try_run_id=try_run_id,
        error=message,
        error_input=input_name(error.field) if error is not None else None,
    )


def save(
    db: Any, actor: Actor, guard: DestinationGuard, evaluator_id: uuid.UUID | None, draft: EvaluatorDraft
) -> dict:
    payload = evaluator_payload(draft)
    if evaluator_id is None:
        return evaluators_service.create_evaluator(db, actor, payload, guard)
    return evaluators_service.update_evaluator(db, actor, evaluator_id, payload, guard)


@dataclass
class TrialView:
    result: dict[str, Any] | None
    error: str | None = None


def try_draft(
    db: Any, actor: Actor, guard: DestinationGuard, form: ImmutableMultiDict[str, str]
) -> TrialView:
    """The editor's "try on this run": what is typed, not what is saved."""
    try:
        payload = evaluator_payload(typed_draft(form))
        body = {k: payload[k] for k in ("kind", "key", "spec")} | {
            "run_id": (form.get("try_run_id") or "").strip()
        }
        return TrialView(result=evaluator_trials.try_draft(db, actor, guard, body))
    except (Invalid, NotFound) as exc:
        return TrialView(result=None, error=f"{exc.field}: {exc.message}" if exc.field else exc.message)
