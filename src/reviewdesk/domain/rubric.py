"""Rubrics: the ordered fields a queue asks reviewers to answer, and checking answers against them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.score_configs import check_feedback, validate_key
from reviewdesk.errors import Invalid

RECOMMENDED_MAX_FIELDS = 5
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
        seen.add(key)
        fields.append({"key": key, "required": required, "instructions": instructions})
    warnings = []
    if len(fields) > RECOMMENDED_MAX_FIELDS:
        warnings.append(
            f"the rubric has {len(fields)} fields; more than {RECOMMENDED_MAX_FIELDS} tires reviewers "
            "and makes scores less consistent"
        )
    return fields, warnings


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
        if value is None or value == "":
            if field["required"]:
                raise Invalid("is required", field=f"answers.{key}")
            continue
        config = configs[key]
        try:
            if config["type"] == "continuous":
                checked[key] = check_feedback(config, value, None)
            else:
                checked[key] = check_feedback(config, None, value)
        except Invalid as exc:
            raise Invalid(exc.message, field=f"answers.{key}") from None
    return checked
