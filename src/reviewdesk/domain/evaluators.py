"""Evaluator definitions: what a `code` or `llm_judge` evaluator and its online settings may hold."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from reviewdesk.domain.code_checks import validate_checks
from reviewdesk.domain.filters import parse
from reviewdesk.domain.judge import STRUCTURED_OUTPUTS
from reviewdesk.errors import Invalid

KINDS = ("code", "llm_judge")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def _number(spec: dict[str, Any], name: str, low: float, high: float, default: float) -> float:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise Invalid(f"must be a number in [{low:g}, {high:g}]", field=f"spec.{name}")
    return value


def validate_judge(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise Invalid("must be an object", field="spec")
    if "api_key" in spec:
        raise Invalid(
            "is never stored: give api_key_env, the NAME of an environment variable", field="spec.api_key"
        )
    url = spec.get("base_url")
    if (
        not isinstance(url, str)
        or urlsplit(url).scheme not in ("http", "https")
        or not urlsplit(url).hostname
    ):
        raise Invalid("must be an http or https URL", field="spec.base_url")
    for name in ("model", "prompt"):
        if not isinstance(spec.get(name), str) or not spec[name].strip():
            raise Invalid("must be a non-empty string", field=f"spec.{name}")
    structured = spec.get("structured_output", "json_schema")
    if structured not in STRUCTURED_OUTPUTS:
        raise Invalid(f"must be one of {', '.join(STRUCTURED_OUTPUTS)}", field="spec.structured_output")
    env = spec.get("api_key_env")
    if env is not None and (not isinstance(env, str) or not _ENV_NAME.match(env)):
        raise Invalid("must be an environment variable name", field="spec.api_key_env")
    clean = {
        "base_url": url.rstrip("/"),
        "model": spec["model"],
        "prompt": spec["prompt"],
        "api_key_env": env,
        "system": spec.get("system") if isinstance(spec.get("system"), str) else None,
        "structured_output": structured,
        "temperature": _number(spec, "temperature", 0, 2, 0.0),
        "timeout_s": _number(spec, "timeout_s", 0.1, 240, 30.0),  # within the job lease (300 s)
        "max_tokens": int(_number(spec, "max_tokens", 1, 100_000, 512)),
        "price_per_1k_input": _number(spec, "price_per_1k_input", 0, 1000, 0.0),
        "price_per_1k_output": _number(spec, "price_per_1k_output", 0, 1000, 0.0),
    }
    return clean


def validate_spec(kind: Any, spec: Any) -> dict[str, Any]:
    if kind not in KINDS:
        raise Invalid(f"must be one of {', '.join(KINDS)}", field="kind")
    if kind == "code":
        if not isinstance(spec, dict):
            raise Invalid("must be an object with checks", field="spec")
        return {"checks": validate_checks(spec.get("checks"))}
    return validate_judge(spec)


def validate_online(online: Any) -> dict[str, Any] | None:
    """None (offline only) or {"filter", "sample_rate", "daily_budget_usd"}."""
    if online is None:
        return None
    if not isinstance(online, dict):
        raise Invalid("must be an object or null", field="online")
    unknown = set(online) - {"filter", "sample_rate", "daily_budget_usd"}
    if unknown:
        raise Invalid("unknown setting", field=f"online.{sorted(unknown)[0]}")
    text = online.get("filter") or ""
    if not isinstance(text, str):
        raise Invalid("must be a filter string", field="online.filter")
    if text:
        try:
            parse(text)
        except Invalid as exc:
            raise Invalid(exc.message, field="online.filter") from None
    rate = online.get("sample_rate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise Invalid("must be a number in [0, 1]", field="online.sample_rate")
    budget = online.get("daily_budget_usd")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int | float) or budget < 0):
        raise Invalid("must be a non-negative number or null", field="online.daily_budget_usd")
    return {"filter": text, "sample_rate": float(rate), "daily_budget_usd": budget}


def retry_delay_s(attempts: int, retry_after: float | None = None) -> float:
    """Backoff before the next attempt: the server's Retry-After when given, else 2, 4, 8 … s (≤ 5 min)."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), 3600.0)
    return min(2.0 ** max(attempts, 1), 300.0)
