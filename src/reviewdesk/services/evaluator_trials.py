"""Trying an evaluator on one run before trusting it: the prompt as sent, the judge's raw answer and
the parsed score (or each code check's outcome). Nothing is written: no feedback, no job."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, fields
from typing import Any

import httpx

from reviewdesk.domain.code_checks import CHECKS, run_checks
from reviewdesk.domain.evaluators import validate_spec
from reviewdesk.domain.judge import JudgeAnswerError, coerce_score, render_prompt
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.domain.score_configs import check_feedback, validate_key
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services.destinations import DestinationGuard
from reviewdesk.services.evaluator_jobs import run_for_judging
from reviewdesk.services.judge_client import JudgeCallError, call_judge
from reviewdesk.store import evaluators as store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store.database import Database

MAX_SHOWN_CHARS = 20_000  # of the judge's HTTP answer: enough to see what went wrong, not a download


@dataclass(frozen=True)
class _RecordingGuard(DestinationGuard):
    """The same destination policy, keeping each HTTP exchange so the trial can show what was sent
    and what came back, even when call_judge could not read a score from it."""

    exchanges: list[httpx.Response] = field(default_factory=list)

    def client(self, **options: Any) -> httpx.Client:
        options.setdefault("event_hooks", {}).setdefault("response", []).append(self._record)
        return super().client(**options)

    def _record(self, response: httpx.Response) -> None:
        response.read()
        self.exchanges.append(response)


def _object(payload: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    unknown = set(payload) - allowed
    if unknown:
        raise Invalid(f"unknown field; allowed: {', '.join(sorted(allowed))}", field=sorted(unknown)[0])
    return payload


def try_evaluator(
    db: Database, actor: Actor, guard: DestinationGuard, evaluator_id: uuid.UUID, payload: Any
) -> dict[str, Any]:
    """A saved evaluator (its newest version unless `version` is given) on `run_id`."""
    actor.require(Permission.MANAGE_CONFIGS)
    body = _object(payload, {"run_id", "version"})
    run_id = parse_uuid(body.get("run_id"), "run_id", required=True)
    with db.read() as conn:
        evaluator = store.get(conn, evaluator_id)
        if evaluator is None:
            raise NotFound(f"no evaluator {evaluator_id}", field="id")
        number = body.get("version", evaluator["version"])
        found = None
        if not isinstance(number, bool) and isinstance(number, int):
            found = store.version(conn, evaluator_id, number)
        if found is None:
            raise Invalid(f"no version {number!r} of this evaluator", field="version")
    result = _trial(db, actor, guard, found["kind"], found["key"], found["spec"], run_id)  # type: ignore[arg-type]
    return {"evaluator_id": str(evaluator_id), "version": number, **result}


def try_draft(db: Database, actor: Actor, guard: DestinationGuard, payload: Any) -> dict[str, Any]:
    """An unsaved definition ({kind, key, spec}) on `run_id`: the editor's "try" before saving."""
    actor.require(Permission.MANAGE_CONFIGS)
    body = _object(payload, {"kind", "key", "spec", "run_id"})
    spec = validate_spec(body.get("kind"), body.get("spec"))
    if body["kind"] == "llm_judge":
        guard.check_url(spec["base_url"], field="spec.base_url")
    key = validate_key(body.get("key"))
    run_id = parse_uuid(body.get("run_id"), "run_id", required=True)
    return _trial(db, actor, guard, body["kind"], key, spec, run_id)  # type: ignore[arg-type]


def _trial(
    db: Database,
    actor: Actor,
    guard: DestinationGuard,
    kind: str,
    key: str,
    spec: dict[str, Any],
    run_id: uuid.UUID,
) -> dict[str, Any]:
    actor.require(Permission.READ_RUNS)
    with db.read() as conn:
        run = run_for_judging(conn, run_id)
        config = configs_store.get(conn, key)
    if run is None:
        raise NotFound(f"no run {run_id}", field="run_id")
    base = {"kind": kind, "key": key, "run_id": str(run_id), "config_type": (config or {}).get("type")}
    if kind == "code":
        return {**base, **_code_trial(spec, run, config)}
    return {**base, **_judge_trial(guard, spec, run, config)}


def _code_trial(spec: dict[str, Any], run: dict[str, Any], config: dict | None) -> dict[str, Any]:
    checks = []
    for check in spec["checks"]:
        passed, why = CHECKS[check["type"]](check, run)
        checks.append({"type": check["type"], "passed": passed, "why": why})
    score, comment = run_checks(spec["checks"], run)
    value: Any = None
    error = None
    if config is not None:
        try:
            score, value = check_feedback(config, score, None if config["type"] != "boolean" else bool(score))
        except Invalid as exc:
            error = {"kind": "config", "message": f"score does not fit the config: {exc.message}"}
    return {
        "checks": checks,
        "score": score,
        "value": value,
        "comment": comment,
        "tokens": None,
        "cost": 0.0,
        "error": error,
    }


def _judge_trial(
    guard: DestinationGuard, spec: dict[str, Any], run: dict[str, Any], config: dict | None
) -> dict[str, Any]:
    recorder = _RecordingGuard(**{f.name: getattr(guard, f.name) for f in fields(guard)})
    out: dict[str, Any] = {"score": None, "value": None, "comment": None, "tokens": None, "cost": None}
    out["error"] = None
    try:
        judgement = call_judge(recorder, spec, run, config)
        out["score"], out["value"] = coerce_score(judgement.raw_score, config)
        out["comment"] = judgement.reasoning
        out["tokens"] = {"prompt": judgement.prompt_tokens, "completion": judgement.completion_tokens}
        out["cost"] = judgement.cost
    except (JudgeCallError, JudgeAnswerError) as exc:
        out["error"] = {"kind": exc.kind, "message": str(exc)}
    out |= _exchange(recorder.exchanges[-1] if recorder.exchanges else None, spec, run)
    return out


def _exchange(response: httpx.Response | None, spec: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """What was sent (the chat messages) and what came back, as text."""
    if response is None:  # nothing was sent (no API key, refused destination): show the prompt anyway
        messages = [{"role": "user", "content": render_prompt(spec["prompt"], run)}]
        return {"messages": messages, "http_status": None, "answer": None, "raw_answer": None}
    try:
        messages = json.loads(response.request.content).get("messages")
    except (ValueError, AttributeError):
        messages = None
    raw = response.text
    return {
        "messages": messages,
        "http_status": response.status_code,
        "answer": _answer_text(raw),
        "raw_answer": raw[:MAX_SHOWN_CHARS],
        "raw_answer_truncated": len(raw) > MAX_SHOWN_CHARS,
    }


def _answer_text(raw: str) -> str | None:
    """The judge's own words: the message content, or a tool call's arguments."""
    try:
        message = json.loads(raw)["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if not isinstance(message, dict):
        return None
    calls = message.get("tool_calls") or []
    if message.get("content"):
        return str(message["content"])[:MAX_SHOWN_CHARS]
    if calls and isinstance(calls[0], dict):
        return str((calls[0].get("function") or {}).get("arguments") or "")[:MAX_SHOWN_CHARS]
    return message.get("refusal")
