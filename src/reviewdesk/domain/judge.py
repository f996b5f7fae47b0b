"""LLM judges without I/O: the prompt from a template, the request body, and a tolerant reading of
the answer (JSON object, fenced JSON, a JSON object inside prose, a tool call, or a bare label)."""

from __future__ import annotations

import json
import re
from typing import Any

from reviewdesk.domain.chat_transcript import run_transcript

# How the judge is asked for its score: a JSON Schema `response_format`, a function it is forced to
# call (for endpoints that support tools but not response_format), or the prompt alone.
STRUCTURED_OUTPUTS = ("json_schema", "tool_call", "none")
JUDGEMENT_FUNCTION = "record_judgement"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}")
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.S)
REFUSAL_HINTS = ("i can't", "i cannot", "i won't", "i'm sorry", "i am sorry", "unable to help")


class JudgeAnswerError(Exception):
    """The judge answered, but not with a usable score (malformed, refused, off-scale)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def render_prompt(template: str, run: dict[str, Any]) -> str:
    """{{inputs}}, {{outputs}}, {{reference}}, {{metadata.x}} (and any run field) filled in as text;
    {{messages}} is the run's conversation (inputs and reply, whatever the client's shape) as a transcript."""

    def fill(match: re.Match[str]) -> str:
        if match.group(1) == "messages" and "messages" not in run:
            return run_transcript(run.get("inputs"), run.get("outputs"))
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
    structured = spec.get("structured_output") or "json_schema"
    answer_in = f"Answer by calling {JUDGEMENT_FUNCTION}." if structured == "tool_call" else "Answer in JSON."
    body: dict[str, Any] = {
        "model": spec["model"],
        "messages": [
            {"role": "system", "content": spec.get("system") or f"You are a careful evaluator. {answer_in}"},
            {"role": "user", "content": prompt},
        ],
        "temperature": spec.get("temperature", 0.0),
        "max_tokens": spec.get("max_tokens", 512),
    }
    if structured == "json_schema":
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "judgement", "schema": answer_schema(config), "strict": True},
        }
    elif structured == "tool_call":
        function = {
            "name": JUDGEMENT_FUNCTION,
            "description": "Record your judgement: your reasoning first, then the score.",
            "parameters": answer_schema(config),
            "strict": True,
        }
        body["tools"] = [{"type": "function", "function": function}]
        body["tool_choice"] = {"type": "function", "function": {"name": JUDGEMENT_FUNCTION}}
    return body


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


def _judgement_arguments(calls: Any) -> str | None:
    """The arguments of the call to the judgement function (else of the first call), as text."""
    functions = [c.get("function") for c in calls or [] if isinstance(c, dict)]
    functions = [f for f in functions if isinstance(f, dict)]
    chosen = next((f for f in functions if f.get("name") == JUDGEMENT_FUNCTION), None) or next(
        iter(functions), None
    )
    if chosen is None:
        return None
    arguments = chosen.get("arguments")
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def parse_answer(response: dict[str, Any]) -> tuple[Any, str]:
    """(score or label, reasoning) from a chat-completions response; JudgeAnswerError otherwise."""
    try:
        message = response["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise JudgeAnswerError("malformed", "no choices[0].message in the answer") from None
    if message.get("refusal"):
        raise JudgeAnswerError("refusal", f"the judge refused: {message['refusal']}")
    text = _judgement_arguments(message.get("tool_calls")) or message.get("content") or ""
    if not isinstance(text, str):
        raise JudgeAnswerError("malformed", f"the answer is not text: {str(text)[:200]!r}")
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
