"""Calling an LLM judge: one chat-completions request through the destination guard, its failures
sorted into kinds the job table records (timeout, rate_limited, server_error, malformed, refusal …)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

from reviewdesk.domain.judge import JudgeAnswerError, parse_answer, render_prompt, request_body
from reviewdesk.services.destinations import DestinationBlocked, DestinationGuard


class JudgeCallError(Exception):
    def __init__(
        self, kind: str, message: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass(frozen=True)
class Judgement:
    raw_score: Any
    reasoning: str
    prompt_tokens: int
    completion_tokens: int
    cost: float


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def call_judge(
    guard: DestinationGuard, spec: dict[str, Any], run: dict[str, Any], config: dict | None
) -> Judgement:
    prompt = render_prompt(spec["prompt"], run)
    headers = {"content-type": "application/json"}
    if spec.get("api_key_env"):
        key = os.environ.get(spec["api_key_env"])
        if not key:
            raise JudgeCallError("no_api_key", f"environment variable {spec['api_key_env']} is not set")
        headers["authorization"] = f"Bearer {key}"
    try:
        with guard.client(timeout=spec.get("timeout_s", 30.0)) as client:
            response = client.post(
                f"{spec['base_url']}/chat/completions",
                json=request_body(spec, prompt, config),
                headers=headers,
            )
    except DestinationBlocked as exc:
        raise JudgeCallError("refused_destination", str(exc), permanent=True) from None
    except httpx.TimeoutException:
        raise JudgeCallError("timeout", f"no answer within {spec.get('timeout_s', 30.0):g} s") from None
    except httpx.HTTPError as exc:
        raise JudgeCallError("connection", f"{type(exc).__name__}: {exc}") from None
    if response.status_code == 429:
        raise JudgeCallError("rate_limited", "429 Too Many Requests", retry_after=_retry_after(response))
    if response.status_code >= 500:
        raise JudgeCallError(
            "server_error", f"{response.status_code} from the judge", retry_after=_retry_after(response)
        )
    if response.status_code >= 400:
        raise JudgeCallError("client_error", f"{response.status_code}: {response.text[:200]}", permanent=True)
    try:
        body = response.json()
    except ValueError:
        raise JudgeCallError("malformed", f"the answer is not JSON: {response.text[:200]!r}") from None
    try:
        raw, reasoning = parse_answer(body)
    except JudgeAnswerError as exc:
        raise JudgeCallError(exc.kind, str(exc)) from None
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    prompt_tokens = int(usage.get("prompt_tokens") or 0)
    completion_tokens = int(usage.get("completion_tokens") or 0)
    cost = (
        prompt_tokens * spec.get("price_per_1k_input", 0.0)
        + completion_tokens * spec.get("price_per_1k_output", 0.0)
    ) / 1000
    return Judgement(raw, reasoning, prompt_tokens, completion_tokens, cost)
