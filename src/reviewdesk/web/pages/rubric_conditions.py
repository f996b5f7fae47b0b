"""Rubric conditions in the queue settings form: per field and rule, a trigger field picked from the
score configs and the answers of it that make the rule hold (its options, true/false, or whole steps
of a small scale; numbers typed for a wide scale). Read back into the `visible_if` / `required_if`
the queues service checks (domain/rubric._condition): equality with one of the answers, the only
kind of condition the rubric has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.rubric import PAIRWISE_KEY, PREFERENCES
from reviewdesk.errors import Invalid

RULES = ("visible_if", "required_if")
RULE_LABELS = {"visible_if": "shown only if", "required_if": "required if"}
MAX_TICKED_STEPS = 10  # a continuous scale of at most this many whole steps is ticked, else typed


@dataclass
class Trigger:
    """A field a condition may name, and the answers offered for it (empty: numbers are typed)."""

    key: str
    type: str
    answers: list[str]


@dataclass
class ConditionDraft:
    """One rule of one rubric field as the form shows it: saved, or as typed before a refusal."""

    trigger: str = ""  # "" : no condition
    ticked: list[str] = field(default_factory=list)
    typed: str = ""  # numbers of a wide scale, "3, 4.5"
    error: str | None = None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def triggers_of(configs: list[dict[str, Any]], *, pairwise: bool = False) -> list[Trigger]:
    """Every score config a condition can test: categorical, boolean and continuous (free text has
    no answers to pick); in a pairwise queue also the preference (A, B, tie, both bad)."""
    triggers = [Trigger(key=PAIRWISE_KEY, type="categorical", answers=list(PREFERENCES))] if pairwise else []
    for config in configs:
        kind = config["type"]
        if kind == "categorical":
            answers = [o["value"] if isinstance(o, dict) else str(o) for o in config.get("options") or []]
        elif kind == "boolean":
            answers = ["true", "false"]
        elif kind == "continuous":
            low, high = config.get("min"), config.get("max")
            whole = (
                low is not None and high is not None and float(low).is_integer() and float(high).is_integer()
            )
            steps = whole and high - low < MAX_TICKED_STEPS
            answers = [str(v) for v in range(int(low), int(high) + 1)] if steps else []
        else:
            continue
        triggers.append(Trigger(key=config["key"], type=kind, answers=answers))
    return triggers


def draft_of_condition(condition: dict[str, Any] | None, trigger: Trigger | None) -> ConditionDraft:
    if not condition:
        return ConditionDraft()
    values = [condition["equals"]] if "equals" in condition else list(condition.get("in") or [])
    shown = [_shown(v) for v in values]
    if trigger is not None and trigger.type == "continuous" and not trigger.answers:
        return ConditionDraft(trigger=condition["field"], typed=", ".join(shown))
    return ConditionDraft(trigger=condition["field"], ticked=shown)


def draft_of_form(form: ImmutableMultiDict[str, str], rule: str, key: str) -> ConditionDraft:
    trigger = (form.get(f"{rule}.{key}") or "").strip()
    if not trigger:
        return ConditionDraft()
    answers = form.getlist(f"{rule}.{key}.{trigger}")
    return ConditionDraft(trigger=trigger, ticked=answers, typed=answers[0] if len(answers) == 1 else "")


def _value(text: str, trigger: Trigger, where: str) -> Any:
    if trigger.type == "boolean":
        if text not in ("true", "false"):
            raise Invalid(f"{text!r}: pick true or false", field=where)
        return text == "true"
    if trigger.type == "continuous":
        try:
            number = float(text)
        except ValueError:
            raise Invalid(f"{text!r} is not a number", field=where) from None
        return int(number) if number.is_integer() else number
    return text  # categorical: the service checks it is one of the options


def parse_condition(
    form: ImmutableMultiDict[str, str], rule: str, key: str, triggers: dict[str, Trigger]
) -> dict[str, Any] | None:
    """The rule's trigger and answers as a condition; None when no trigger is picked. Errors name
    the form's control (`visible_if.<key>`) so the page shows them beside it."""
    where = f"{rule}.{key}"
    name = (form.get(where) or "").strip()
    if not name:
        return None
    trigger = triggers.get(name)
    if trigger is None:
        raise Invalid(f"{name!r} is not a field a condition can test", field=where)
    if name == key:
        raise Invalid("a field cannot depend on its own answer", field=where)
    raw = form.getlist(f"{where}.{name}")
    texts = [t.strip() for r in raw for t in (r.split(",") if not trigger.answers else [r]) if t.strip()]
    if not texts:
        what = "type at least one number" if not trigger.answers else "tick at least one answer"
        raise Invalid(f"{what} of {name}", field=where)
    return {"field": name, "in": list(dict.fromkeys(_value(t, trigger, where) for t in texts))}


def condition_errors_in_place(exc: Invalid, rubric: list[dict[str, Any]]) -> Invalid:
    """The service names a refused condition by its place in the rubric it was given
    (`rubric[1].visible_if.in`); the form names it by field and rule (`visible_if.helpfulness`)."""
    for i, rubric_field in enumerate(rubric):
        for rule in RULES:
            if (exc.field or "").startswith(f"rubric[{i}].{rule}"):
                return Invalid(exc.message, field=f"{rule}.{rubric_field['key']}")
    return exc
