"""Score configs (feedback configs): their own validation and the validation of feedback against them."""

from __future__ import annotations

import math
from typing import Any

from reviewdesk.domain.limits import MAX_STRING_CHARS
from reviewdesk.errors import Invalid

CONFIG_TYPES = ("categorical", "continuous", "boolean", "freeform")
DEFAULT_FREEFORM_MAX_LENGTH = 5000
KEY_MAX_LENGTH = 200


def validate_key(key: Any, field: str = "key") -> str:
    if not isinstance(key, str) or not key.strip():
        raise Invalid("must be a non-empty string", field=field)
    if len(key) > KEY_MAX_LENGTH:
        raise Invalid(f"must be at most {KEY_MAX_LENGTH} characters", field=field)
    return key


def _options(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise Invalid("a categorical config needs at least two options", field="options")
    options: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict) or not isinstance(item.get("value"), str) or not item["value"]:
            raise Invalid("each option is a string or {value, description}", field=f"options[{i}]")
        score = item.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise Invalid("must be a number", field=f"options[{i}].score")
        description = item.get("description")
        if description is not None and not isinstance(description, str):
            raise Invalid("must be a string", field=f"options[{i}].description")
        options.append({"value": item["value"], "description": description, "score": score})
    values = [o["value"] for o in options]
    if len(set(values)) != len(values):
        raise Invalid("option values must be unique", field="options")
    return options


def normalize_config(raw: dict[str, Any]) -> dict[str, Any]:
    """Check a score config as a client sends it; return the stored form."""
    key = validate_key(raw.get("key"))
    kind = raw.get("type")
    if kind not in CONFIG_TYPES:
        raise Invalid(f"must be one of {', '.join(CONFIG_TYPES)}", field="type")
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise Invalid("must be a string", field="description")
    config: dict[str, Any] = {
        "key": key,
        "type": kind,
        "options": None,
        "min": None,
        "max": None,
        "max_length": None,
        "description": description,
        "ordered": None,
    }
    if kind == "categorical":
        config["options"] = _options(raw.get("options"))
        ordered = raw.get("ordered", False)
        if ordered is None:
            ordered = False
        if not isinstance(ordered, bool):
            raise Invalid("must be true (ranked options: ordinal) or false (nominal)", field="ordered")
        config["ordered"] = ordered
    elif raw.get("ordered") not in (None, False):
        raise Invalid("only a categorical config can be ordered", field="ordered")
    elif kind == "continuous":
        low, high = raw.get("min"), raw.get("max")
        for name, value in (("min", low), ("max", high)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise Invalid("a continuous config needs a finite number", field=name)
        if not low < high:
            raise Invalid("min must be less than max", field="min")
        config["min"], config["max"] = float(low), float(high)
    elif kind == "freeform":
        limit = raw.get("max_length", DEFAULT_FREEFORM_MAX_LENGTH)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_STRING_CHARS:
            raise Invalid(f"must be an integer from 1 to {MAX_STRING_CHARS}", field="max_length")
        config["max_length"] = limit
    return config


def check_feedback(config: dict[str, Any], score: Any, value: Any) -> tuple[float | None, Any]:
    """Validate a (score, value) pair against a config and return it normalized."""
    kind = config["type"]
    if kind == "categorical":
        options = {o["value"]: o for o in config["options"]}
        if value is None and score is not None:
            by_score = [o for o in config["options"] if o.get("score") == score]
            if not by_score:
                raise Invalid(f"score {score!r} matches no option of {config['key']!r}", field="score")
            value = by_score[0]["value"]
        if isinstance(value, dict | list) or value not in options:
            allowed = ", ".join(repr(v) for v in options)
            raise Invalid(f"must be one of {allowed} for {config['key']!r}", field="value")
        return options[value].get("score"), value
    if kind == "continuous":
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise Invalid(f"{config['key']!r} needs a numeric score", field="score")
        if not config["min"] <= score <= config["max"]:
            raise Invalid(
                f"must lie in [{config['min']:g}, {config['max']:g}] for {config['key']!r}", field="score"
            )
        return float(score), value
    if kind == "boolean":
        if isinstance(value, bool):
            return (1.0 if value else 0.0), value
        if score in (0, 1) and not isinstance(score, bool) and value is None:
            return float(score), bool(score)
        if isinstance(score, bool):
            return (1.0 if score else 0.0), score
        raise Invalid(f"{config['key']!r} needs true or false", field="value")
    if not isinstance(value, str):
        raise Invalid(f"{config['key']!r} needs a text value", field="value")
    if len(value) > config["max_length"]:
        raise Invalid(f"must be at most {config['max_length']} characters", field="value")
    return None, value


def refused_change(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, str] | None:
    """What an edit would take away from feedback already given under `before`, as (kind, field):
    ("type", …) a type change, ("options", …) removed options, ("range", …) a narrower range. Adding
    options, reordering them, ranking them (`ordered`) and editing descriptions take nothing away."""
    if before["type"] != after["type"]:
        return "type", "type"
    if before["type"] == "categorical":
        kept = {o["value"] for o in after["options"]}
        if any(o["value"] not in kept for o in before["options"]):
            return "options", "options"
    if before["type"] == "continuous" and (after["min"] > before["min"] or after["max"] < before["max"]):
        return "range", "min" if after["min"] > before["min"] else "max"
    return None
