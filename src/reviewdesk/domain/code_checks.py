"""Built-in code checks an evaluator runs on a run: pure functions of (params, run) → (passed, why).

A check never raises on odd run content (a missing output is a failed check with its reason); bad
*parameters* are refused when the evaluator is saved (`validate_checks`)."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable
from typing import Any

import jsonschema

from reviewdesk.errors import Invalid

Run = dict[str, Any]
Result = tuple[bool, str]

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}\b")


def text_of(run: Run, field: str = "outputs") -> str:
    """The field as text: a string as is, anything else as compact JSON ('' when absent)."""
    value = run.get(field)
    if value is None:
        return ""
    if isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value.values())), str):
        return next(iter(value.values()))
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    text = candidate.replace(" ", "")
    if not 15 <= len(text) <= 34:
        return False
    moved = text[4:] + text[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def find_pii(text: str, kinds: list[str]) -> list[str]:
    """The kinds of personal data found in text (cards must pass Luhn, IBANs their checksum)."""
    found = []
    if "email" in kinds and _EMAIL.search(text):
        found.append("email")
    if "card" in kinds and any(luhn_ok(re.sub(r"\D", "", m.group())) for m in _CARD.finditer(text)):
        found.append("card")
    if "iban" in kinds and any(iban_ok(m.group()) for m in _IBAN.finditer(text)):
        found.append("iban")
    if "phone" in kinds:
        # Card- and IBAN-shaped numbers are not phone numbers, whatever their checksum says.
        rest = _CARD.sub(" ", _IBAN.sub(" ", text))
        if any(8 <= len(re.sub(r"\D", "", m.group())) <= 15 for m in _PHONE.finditer(rest)):
            found.append("phone")
    return found


def _regex(p: dict[str, Any], run: Run) -> Result:
    hit = re.search(p["pattern"], text_of(run, p.get("field", "outputs"))) is not None
    if p.get("must_match", True):
        return hit, "matches" if hit else f"does not match /{p['pattern']}/"
    return not hit, f"matches forbidden /{p['pattern']}/" if hit else "no forbidden match"


def _contains(p: dict[str, Any], run: Run) -> Result:
    text = text_of(run, p.get("field", "outputs"))
    if not p.get("case_sensitive", False):
        text = text.lower()
    needles = [n if p.get("case_sensitive", False) else n.lower() for n in p["values"]]
    present = [n for n in needles if n in text]
    if p.get("mode", "any") == "all":
        missing = [n for n in needles if n not in present]
        return not missing, f"missing {missing}" if missing else "contains all"
    return bool(present), f"contains {present[0]!r}" if present else "contains none"


def _parsed_json(run: Run, field: str) -> tuple[bool, Any]:
    value = run.get(field)
    if isinstance(value, dict) and set(value) == {"output"} and isinstance(value["output"], str):
        value = value["output"]
    if isinstance(value, str):
        try:
            return True, json.loads(value)
        except ValueError:
            return False, None
    return value is not None, value


def _valid_json(p: dict[str, Any], run: Run) -> Result:
    ok, _ = _parsed_json(run, p.get("field", "outputs"))
    return ok, "valid JSON" if ok else "not valid JSON"


def _json_schema(p: dict[str, Any], run: Run) -> Result:
    ok, value = _parsed_json(run, p.get("field", "outputs"))
    if not ok:
        return False, "not valid JSON"
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(p["schema"]).iter_errors(value))
    return error is None, "matches the schema" if error is None else f"schema: {error.message}"


def _length(p: dict[str, Any], run: Run) -> Result:
    n = len(text_of(run, p.get("field", "outputs")))
    low, high = p.get("min"), p.get("max")
    ok = (low is None or n >= low) and (high is None or n <= high)
    return ok, f"length {n}"


def _threshold(column: str) -> Callable[[dict[str, Any], Run], Result]:
    def check(p: dict[str, Any], run: Run) -> Result:
        value = run.get(column)
        if value is None:
            return False, f"no {column}"
        return float(value) <= p["max"], f"{column} {value:g} (max {p['max']:g})"

    return check


def _pii(p: dict[str, Any], run: Run) -> Result:
    found = find_pii(text_of(run, p.get("field", "outputs")), p.get("kinds", list(PII_KINDS)))
    return not found, f"found {', '.join(found)}" if found else "no personal data found"


def _reference_match(p: dict[str, Any], run: Run) -> Result:
    reference = run.get("reference")
    if reference is None:
        return False, "no reference output"
    got = text_of(run).strip()
    want = text_of({"r": reference}, "r").strip()
    if p.get("mode", "exact") == "exact":
        return got == want, "equals the reference" if got == want else "differs from the reference"
    ratio = difflib.SequenceMatcher(None, got.lower(), want.lower()).ratio()
    return ratio >= p.get("threshold", 0.8), f"similarity {ratio:.2f}"


PII_KINDS = ("email", "phone", "card", "iban")
CHECKS: dict[str, Callable[[dict[str, Any], Run], Result]] = {
    "regex": _regex,
    "contains": _contains,
    "valid_json": _valid_json,
    "json_schema": _json_schema,
    "length": _length,
    "latency_ms": _threshold("latency_ms"),
    "total_tokens": _threshold("total_tokens"),
    "cost": _threshold("cost"),
    "pii": _pii,
    "reference_match": _reference_match,
}


TEXT_FIELDS = ("outputs", "inputs")
Rule = Callable[[Any], str | None]  # a parameter's value → why it is refused, or None


def _one_of(*allowed: Any) -> Rule:
    return lambda v: None if v in allowed else f"must be one of {', '.join(map(str, allowed))}"


def _flag(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _number(v: Any) -> str | None:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    return None if ok else "must be a number"


def _count(v: Any) -> str | None:
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else "must be a whole number ≥ 0"


def _share(v: Any) -> str | None:
    return _number(v) or (None if 0 <= v <= 1 else "must be from 0 to 1")


def _strings(v: Any) -> str | None:
    ok = isinstance(v, list) and v and all(isinstance(x, str) for x in v)
    return None if ok else "must be a non-empty list of strings"


def _pattern(v: Any) -> str | None:
    if not isinstance(v, str):
        return "must be a regular expression (a string)"
    try:
        re.compile(v)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    return None


def _schema(v: Any) -> str | None:
    try:
        jsonschema.Draft202012Validator.check_schema(v)
    except jsonschema.exceptions.SchemaError as exc:
        return f"not a JSON Schema: {exc.message}"
    return None


def _pii_kinds(v: Any) -> str | None:
    ok = _strings(v) is None and set(v) <= set(PII_KINDS)
    return None if ok else f"must be a list of kinds among {', '.join(PII_KINDS)}"


# Every parameter each check takes (`field`: which part of the run a text check reads, outputs unless
# given) and which of them it needs. Anything else is refused by name, so a typo is not a silent
# default and a wrong type is not a job that fails on every run.
_FIELD: Rule = _one_of(*TEXT_FIELDS)
PARAMETERS: dict[str, dict[str, Rule]] = {
    "regex": {"field": _FIELD, "pattern": _pattern, "must_match": _flag},
    "contains": {"field": _FIELD, "values": _strings, "mode": _one_of("any", "all"), "case_sensitive": _flag},
    "valid_json": {"field": _FIELD},
    "json_schema": {"field": _FIELD, "schema": _schema},
    "length": {"field": _FIELD, "min": _count, "max": _count},
    "latency_ms": {"max": _number},
    "total_tokens": {"max": _number},
    "cost": {"max": _number},
    "pii": {"field": _FIELD, "kinds": _pii_kinds},
    "reference_match": {"mode": _one_of("exact", "fuzzy"), "threshold": _share},
}
REQUIRED = {
    "regex": ("pattern",),
    "contains": ("values",),
    "json_schema": ("schema",),
    "latency_ms": ("max",),
    "total_tokens": ("max",),
    "cost": ("max",),
}


def validate_checks(checks: Any) -> list[dict[str, Any]]:
    """The checks list of a code evaluator, each with its parameters checked; Invalid names the field."""
    if not isinstance(checks, list) or not checks:
        raise Invalid("must be a non-empty list of checks", field="spec.checks")
    for i, check in enumerate(checks):
        where = f"spec.checks[{i}]"
        if not isinstance(check, dict) or check.get("type") not in CHECKS:
            raise Invalid(f"type must be one of {', '.join(CHECKS)}", field=f"{where}.type")
        rules = PARAMETERS[check["type"]]
        for name in REQUIRED.get(check["type"], ()):
            if name not in check:
                raise Invalid(f"is required for a {check['type']} check", field=f"{where}.{name}")
        for name, value in check.items():
            if name == "type":
                continue
            if name not in rules:
                allowed = ", ".join(rules) or "none"
                raise Invalid(
                    f"unknown parameter of a {check['type']} check (allowed: {allowed})",
                    field=f"{where}.{name}",
                )
            reason = rules[name](value)
            if reason:
                raise Invalid(reason, field=f"{where}.{name}")
        if check["type"] == "length" and check.get("min", 0) > check.get("max", math.inf):
            raise Invalid("must not be above max", field=f"{where}.min")
    return checks


def run_checks(checks: list[dict[str, Any]], run: Run) -> tuple[float, str]:
    """Score 1.0 when every check passes, else 0.0; the comment lists each check's outcome."""
    lines, passed_all = [], True
    for check in checks:
        passed, why = CHECKS[check["type"]](check, run)
        passed_all &= passed
        lines.append(f"{'pass' if passed else 'FAIL'} {check['type']}: {why}")
    return (1.0 if passed_all else 0.0), "\n".join(lines)
