"""Built-in code checks an evaluator runs on a run: pure functions of (params, run) → (passed, why).

A check never raises on odd run content (a missing output is a failed check with its reason); bad
*parameters* are refused when the evaluator is saved (`validate_checks`)."""

from __future__ import annotations

import difflib
import json
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


def validate_checks(checks: Any) -> list[dict[str, Any]]:
    """The checks list of a code evaluator, each with its parameters checked; Invalid names the field."""
    if not isinstance(checks, list) or not checks:
        raise Invalid("must be a non-empty list of checks", field="spec.checks")
    for i, check in enumerate(checks):
        where = f"spec.checks[{i}]"
        if not isinstance(check, dict) or check.get("type") not in CHECKS:
            raise Invalid(f"type must be one of {', '.join(CHECKS)}", field=f"{where}.type")
        kind = check["type"]
        if kind == "regex":
            try:
                re.compile(check.get("pattern") if isinstance(check.get("pattern"), str) else "(")
            except re.error as exc:
                raise Invalid(f"not a regular expression: {exc}", field=f"{where}.pattern") from None
        if kind == "contains" and (
            not isinstance(check.get("values"), list)
            or not check["values"]
            or not all(isinstance(v, str) for v in check["values"])
        ):
            raise Invalid("must be a non-empty list of strings", field=f"{where}.values")
        if kind == "json_schema":
            try:
                jsonschema.Draft202012Validator.check_schema(check.get("schema"))
            except jsonschema.exceptions.SchemaError as exc:
                raise Invalid(f"not a JSON Schema: {exc.message}", field=f"{where}.schema") from None
        if kind in ("latency_ms", "total_tokens", "cost") and (
            isinstance(check.get("max"), bool) or not isinstance(check.get("max"), int | float)
        ):
            raise Invalid("must be a number", field=f"{where}.max")
        if kind == "pii" and not set(check.get("kinds", PII_KINDS)) <= set(PII_KINDS):
            raise Invalid(f"kinds must be among {', '.join(PII_KINDS)}", field=f"{where}.kinds")
    return checks


def run_checks(checks: list[dict[str, Any]], run: Run) -> tuple[float, str]:
    """Score 1.0 when every check passes, else 0.0; the comment lists each check's outcome."""
    lines, passed_all = [], True
    for check in checks:
        passed, why = CHECKS[check["type"]](check, run)
        passed_all &= passed
        lines.append(f"{'pass' if passed else 'FAIL'} {check['type']}: {why}")
    return (1.0 if passed_all else 0.0), "\n".join(lines)
