"""Rubric conditions in the queue settings form: `field = value, value` in a text box, read back
into the `visible_if` / `required_if` the queues service checks (domain/rubric._condition)."""

from __future__ import annotations

from typing import Any

from reviewdesk.errors import Invalid

RULES = ("visible_if", "required_if")
_TRUE, _FALSE = {"true", "yes"}, {"false", "no"}


def condition_text(condition: dict[str, Any] | None) -> str:
    """`overall_quality = bad, acceptable` for {"field": …, "in": [bad, acceptable]}; '' for none."""
    if not condition:
        return ""
    values = [condition["equals"]] if "equals" in condition else list(condition.get("in") or [])
    shown = [("true" if v else "false") if isinstance(v, bool) else str(v) for v in values]
    return f"{condition['field']} = {', '.join(shown)}"


def _value(text: str, kind: str | None) -> Any:
    if kind == "boolean":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
    if kind == "continuous":
        try:
            number = float(text)
        except ValueError:
            return text  # the service names what is wrong with it
        return int(number) if number.is_integer() else number
    return text


def parse_condition(text: str, where: str, types: dict[str, str]) -> dict[str, Any] | None:
    """The form's text as a condition; None when empty. `types`: each score config's type."""
    text = text.strip()
    if not text:
        return None
    target, sep, rest = text.partition("=")
    values = [v.strip() for v in rest.split(",") if v.strip()]
    if not sep or not target.strip() or not values:
        raise Invalid("write it as: field = value (or field = value, value)", field=where)
    target = target.strip()
    typed = [_value(v, types.get(target)) for v in values]
    return {"field": target, "equals": typed[0]} if len(typed) == 1 else {"field": target, "in": typed}
