"""Rubrics: the ordered fields a queue asks reviewers to answer, and checking answers against them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.score_configs import check_feedback, validate_key
from reviewdesk.errors import Invalid

RECOMMENDED_MAX_FIELDS = 5
CONDITIONS = ("visible_if", "required_if")  # {"field": an earlier key, "equals": v} or {"field", "in": [v]}
PAIRWISE_KEY = "preference"
PREFERENCES = ("A", "B", "tie", "both_bad")


def normalize_rubric(
    raw: Any, configs: Mapping[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the stored rubric and warnings; every field must name an existing score config."""
    if not isinstance(raw, list):
        raise Invalid("must be a list of fields", field="rubric")
    fields: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"key": item}
        if not isinstance(item, dict):
            raise Invalid("each field is {key, required, instructions}", field=f"rubric[{i}]")
        key = validate_key(item.get("key"), f"rubric[{i}].key")
        if key in seen:
            raise Invalid(f"{key!r} appears twice", field=f"rubric[{i}].key")
        if key not in configs:
            raise Invalid(f"no score config {key!r}: create it first", field=f"rubric[{i}].key")
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise Invalid("must be true or false", field=f"rubric[{i}].required")
        instructions = item.get("instructions")
        if instructions is not None and not isinstance(instructions, str):
            raise Invalid("must be a string", field=f"rubric[{i}].instructions")
        field = {"key": key, "required": required, "instructions": instructions}
        for rule in CONDITIONS:
            if item.get(rule) is not None:
                field[rule] = _condition(item[rule], f"rubric[{i}].{rule}", seen, configs)
        seen.add(key)
        fields.append(field)
    warnings = []
    if len(fields) > RECOMMENDED_MAX_FIELDS:
        warnings.append(
            f"the rubric has {len(fields)} fields; more than {RECOMMENDED_MAX_FIELDS} tires reviewers "
            "and makes scores less consistent"
        )
    return fields, warnings


def _condition(
    raw: Any, where: str, earlier: set[str], configs: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """A condition on an earlier field's answer, its values checked against that field's config."""
    if not isinstance(raw, dict) or not isinstance(raw.get("field"), str):
        raise Invalid(
            'must be {"field": key, "equals": value} or {"field": key, "in": [values]}', field=where
        )
    unknown = sorted(set(raw) - {"field", "equals", "in"})
    if unknown:
        raise Invalid(f"unknown part {unknown[0]!r}", field=f"{where}.{unknown[0]}")
    target = raw["field"]
    if target not in earlier and target != PAIRWISE_KEY:
        raise Invalid(
            f"must name a field that comes earlier in the rubric, not {target!r}", field=f"{where}.field"
        )
    if ("equals" in raw) == ("in" in raw):
        raise Invalid('give exactly one of "equals" and "in"', field=where)
    values = [raw["equals"]] if "equals" in raw else raw["in"]
    if not isinstance(values, list) or not values:
        raise Invalid("must be a non-empty list", field=f"{where}.in")
    config = (
        configs.get(target) if target != PAIRWISE_KEY else {"type": "categorical", "options": PREFERENCES}
    )
    for value in values:
        _check_trigger_value(config or {}, value, f"{where}.{'equals' if 'equals' in raw else 'in'}")
    return {"field": target, "in": values}


def _check_trigger_value(config: dict[str, Any], value: Any, where: str) -> None:
    kind = config.get("type")
    if kind == "categorical":
        options = [o["value"] if isinstance(o, dict) else o for o in config.get("options") or []]
        if value not in options:
            raise Invalid(
                f"{value!r} is not an option of that field ({', '.join(map(str, options))})", field=where
            )
    elif kind == "boolean" and not isinstance(value, bool):
        raise Invalid("must be true or false (that field is boolean)", field=where)
    elif kind == "continuous" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise Invalid("must be a number (that field is continuous)", field=where)


def _matches(answer: Any, values: list[Any]) -> bool:
    for value in values:
        numbers = isinstance(answer, int | float) and isinstance(value, int | float)
        if numbers and not isinstance(answer, bool) and not isinstance(value, bool):
            if float(answer) == float(value):
                return True
        elif answer == value:
            return True
    return False


def condition_holds(condition: dict[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """True without a condition; else whether the named field's answer is one of the values."""
    if condition is None:
        return True
    answer = answers.get(condition["field"])
    return answer is not None and _matches(answer, condition["in"])


def field_state(field: dict[str, Any], answers: Mapping[str, Any]) -> tuple[bool, bool]:
    """(visible, required) of a rubric field given the answers so far."""
    visible = condition_holds(field.get("visible_if"), answers)
    required = visible and (
        bool(field.get("required"))
        or (field.get("required_if") is not None and condition_holds(field["required_if"], answers))
    )
    return visible, required


def check_answers(
    rubric: list[dict[str, Any]],
    configs: Mapping[str, dict[str, Any]],
    answers: Any,
    *,
    pairwise: bool = False,
) -> dict[str, tuple[float | None, Any]]:
    """Validate answers ({key: value}) against the rubric; return {key: (score, value)} for answered keys."""
    if not isinstance(answers, dict):
        raise Invalid("must be an object mapping rubric keys to values", field="answers")
    known = {f["key"] for f in rubric} | ({PAIRWISE_KEY} if pairwise else set())
    unknown = sorted(set(answers) - known)
    if unknown:
        raise Invalid(f"{unknown[0]!r} is not in this queue's rubric", field=f"answers.{unknown[0]}")
    checked: dict[str, tuple[float | None, Any]] = {}
    if pairwise:
        preference = answers.get(PAIRWISE_KEY)
        if preference not in PREFERENCES:
            raise Invalid(f"must be one of {', '.join(PREFERENCES)}", field=f"answers.{PAIRWISE_KEY}")
        checked[PAIRWISE_KEY] = (None, preference)
    for field in rubric:
        key = field["key"]
        value = answers.get(key)
        visible, required = field_state(field, answers)
        if value is None or value == "":
            if required:
                why = (
                    ""
                    if field["required"]
                    else f" when {field['required_if']['field']} is {_shown(field['required_if'])}"
                )
                raise Invalid(f"is required{why}", field=f"answers.{key}")
            continue
        if not visible:
            condition = field["visible_if"]
            raise Invalid(
                f"is asked only when {condition['field']} is {_shown(condition)}", field=f"answers.{key}"
            )
        config = configs[key]
        try:
            if config["type"] == "continuous":
                checked[key] = check_feedback(config, value, None)
            else:
                checked[key] = check_feedback(config, None, value)
        except Invalid as exc:
            raise Invalid(exc.message, field=f"answers.{key}") from None
    return checked


def kept_answers(checked: Mapping[str, tuple[float | None, Any]]) -> dict[str, Any]:
    """The answers as a review (or an adjudication, or a gold item) keeps them: each field's value, or
    its score where the field has no value (a continuous field's answer is its score)."""
    return {key: score if value is None else value for key, (score, value) in checked.items()}


def _shown(condition: dict[str, Any]) -> str:
    return " or ".join(str(v) for v in condition["in"])
