"""LLM judges without I/O: the prompt from a template, the request body, and a tolerant reading of
the answer (JSON object, fenced JSON, a JSON object inside prose, a tool call, or a bare label)."""

from __future__ import annotations

import json
import re
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}")
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.S)
REFUSAL_HINTS = ("i can't", "i cannot", "i won't", "i'm sorry", "i am sorry", "unable to help")


class JudgeAnswerError(Exception):
    """The judge answered, but not with a usable score (malformed, refused, off-scale)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def render_prompt(template: str, run: dict[str, Any]) -> str:
    """{{inputs}}, {{outputs}}, {{reference}}, {{metadata.x}} (and any run field) filled in as text."""

    def fill(match: re.Match[str]) -> str:
        path = match.group(1).split(".")
        value: Any = run
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)

    return _PLACEHOLDER.sub(fill, template)


def answer_schema(config: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON Schema the judge is asked to answer in, in the score config's type."""
    if config and config["type"] == "categorical":
        score: dict[str, Any] = {"enum": [o["value"] for o in config["options"]]}
    elif config and config["type"] == "boolean":
        score = {"type": "boolean"}
    else:
        score = {"type": "number"}
        if config and config.get("min") is not None:
            score |= {"minimum": config["min"], "maximum": config["max"]}
    return {
        "type": "object",
        "properties": {"reasoning": {"type": "string"}, "score": score},
        "required": ["reasoning", "score"],
        "additionalProperties": False,
    }


def request_body(spec: dict[str, Any], prompt: str, config: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "model": spec["model"],
        "messages": [
            {
                "role": "system",
                "content": spec.get("system") or "You are a careful evaluator. Answer in JSON.",
            },
            {"role": "user", "content": prompt},
        ],
        "temperature": spec.get("temperature", 0.0),
        "max_tokens": spec.get("max_tokens", 512),
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "judgement", "schema": answer_schema(config), "strict": True},
        },
    }


def _object_in(text: str) -> dict[str, Any] | None:
    for candidate in (text, *(m.group(1) for m in _FENCE.finditer(text))):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        try:
            value = json.loads(text[start : end + 1])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return None


def parse_answer(response: dict[str, Any]) -> tuple[Any, str]:
    """(score or label, reasoning) from a chat-completions response; JudgeAnswerError otherwise."""
    try:
        message = response["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise JudgeAnswerError("malformed", "no choices[0].message in the answer") from None
    if message.get("refusal"):
        raise JudgeAnswerError("refusal", f"the judge refused: {message['refusal']}")
    text = message.get("content") or ""
    for call in message.get("tool_calls") or []:
        text = call.get("function", {}).get("arguments") or text
    found = _object_in(text)
    if found is not None and "score" in found:
        return found["score"], str(found.get("reasoning") or found.get("reason") or "")
    bare = text.strip().strip('."').strip()
    if bare and len(bare) < 40 and "{" not in bare:
        return bare, ""
    if any(hint in text.lower() for hint in REFUSAL_HINTS):
        raise JudgeAnswerError("refusal", f"the judge refused: {text[:200]}")
    raise JudgeAnswerError("malformed", f"no score in the answer: {text[:200]!r}")


def coerce_score(raw: Any, config: dict[str, Any] | None) -> tuple[float | None, Any]:
    """(score, value) in the config's type; JudgeAnswerError when the answer is off the scale."""
    kind = (config or {}).get("type", "continuous")
    if kind == "categorical":
        options = {str(o["value"]).lower(): o for o in config["options"]}  # type: ignore[index]
        option = options.get(str(raw).strip().lower())
        if option is None:
            raise JudgeAnswerError("malformed", f"{raw!r} is not one of the config's options")
        return option.get("score"), option["value"]
    if kind == "boolean":
        truth = {
            "true": True,
            "yes": True,
            "pass": True,
            "1": True,
            "false": False,
            "no": False,
            "fail": False,
            "0": False,
        }
        value = raw if isinstance(raw, bool) else truth.get(str(raw).strip().lower())
        if value is None:
            raise JudgeAnswerError("malformed", f"{raw!r} is not true or false")
        return (1.0 if value else 0.0), value
    try:
        score = float(raw)
    except (TypeError, ValueError):
        raise JudgeAnswerError("malformed", f"{raw!r} is not a number") from None
    if config and config.get("min") is not None and not config["min"] <= score <= config["max"]:
        raise JudgeAnswerError("malformed", f"{score:g} is outside [{config['min']:g}, {config['max']:g}]")
    return score, None
