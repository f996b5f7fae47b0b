"""Trace shapes: a tree of spans timed relative to the trace start, turned into ingest-shaped run dicts."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from reviewdesk.domain.demo.models import ModelSpec, count_message_tokens
from reviewdesk.domain.demo.timing import llm_duration_us

Usage = dict[str, int]


@dataclass(slots=True)
class Span:
    name: str
    run_type: str
    inputs: dict[str, Any]
    start_us: int
    end_us: int
    outputs: dict[str, Any] | None = None
    error: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    usage: Usage | None = None
    cost: float | None = None
    children: list[Span] = field(default_factory=list)

    def fail(self, error: str) -> None:
        self.error = error
        self.outputs = None


def usage_of(prompt_tokens: int, completion_tokens: int) -> Usage:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def llm_span(
    rng: random.Random,
    *,
    name: str,
    model: ModelSpec,
    messages: list[dict[str, Any]],
    reply: dict[str, Any],
    start_us: int,
    temperature: float,
    extra_inputs: dict[str, Any] | None = None,
    extra_prompt_tokens: int = 0,
) -> Span:
    """A chat-completion span in OpenAI form whose tokens, cost and duration follow its text."""
    prompt_tokens = count_message_tokens(messages) + extra_prompt_tokens
    completion_tokens = count_message_tokens([reply]) - 3
    duration = llm_duration_us(rng, model, prompt_tokens, completion_tokens)
    finish_reason = "tool_calls" if reply.get("tool_calls") else "stop"
    inputs: dict[str, Any] = {"messages": messages, "model": model.name, "temperature": temperature}
    if extra_inputs:
        inputs.update(extra_inputs)
    return Span(
        name=name,
        run_type="llm",
        inputs=inputs,
        outputs={"choices": [{"index": 0, "message": reply, "finish_reason": finish_reason}]},
        start_us=start_us,
        end_us=start_us + duration,
        metadata={
            "ls_provider": model.provider,
            "ls_model_name": model.name,
            "ls_model_type": "chat",
            "ls_temperature": temperature,
            "model": model.name,
        },
        tags=[model.name],
        usage=usage_of(prompt_tokens, completion_tokens),
        cost=model.cost(prompt_tokens, completion_tokens),
    )


def fail_llm(span: Span, error: str, duration_us: int) -> None:
    """A failed call returns nothing and bills nothing."""
    span.fail(error)
    span.end_us = span.start_us + duration_us
    span.usage = usage_of(0, 0)
    span.cost = 0.0


def close_root(root: Span, end_us: int) -> None:
    """Ends the root after its last child and rolls the trace's tokens and cost up into it."""
    root.end_us = max(end_us, root.start_us + 1)
    prompt = completion = 0
    cost = 0.0
    pending = list(root.children)
    while pending:
        span = pending.pop()
        pending.extend(span.children)
        if span.usage is not None:
            prompt += span.usage["prompt_tokens"]
            completion += span.usage["completion_tokens"]
        if span.cost is not None:
            cost += span.cost
    root.usage = usage_of(prompt, completion)
    root.cost = round(cost, 8)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def materialize(
    root: Span, rng: random.Random, *, start: datetime, project: str, session_id: str | None
) -> list[dict[str, Any]]:
    """Run dicts, root first and every parent before its children, with ids drawn from `rng`."""
    runs: list[dict[str, Any]] = []
    trace_id = new_uuid(rng)

    def visit(span: Span, run_id: str, parent_id: str | None, parent_order: str) -> None:
        started = start + timedelta(microseconds=span.start_us)
        ended = start + timedelta(microseconds=span.end_us)
        segment = started.strftime("%Y%m%dT%H%M%S%fZ") + run_id
        dotted_order = f"{parent_order}.{segment}" if parent_order else segment
        run: dict[str, Any] = {
            "id": run_id,
            "trace_id": trace_id,
            "parent_run_id": parent_id,
            "dotted_order": dotted_order,
            "project": project,
            "name": span.name,
            "run_type": span.run_type,
            "inputs": span.inputs,
            "outputs": span.outputs,
            "error": span.error,
            "start_time": started.isoformat(timespec="microseconds"),
            "end_time": ended.isoformat(timespec="microseconds"),
            "tags": span.tags,
            "metadata": span.metadata,
            "session_id": session_id,
        }
        if span.usage is not None:
            run["usage"] = span.usage
        if span.cost is not None:
            run["cost"] = span.cost
        runs.append(run)
        for child in sorted(span.children, key=lambda child: child.start_us):
            visit(child, new_uuid(rng), run_id, dotted_order)

    visit(root, trace_id, None, "")
    return runs


# What a careful judge would conclude about a trace; drives eval scores and user ratings.
Quality = Literal["good", "weak", "hallucinated", "error"]


@dataclass(slots=True)
class BuiltTrace:
    """An app's trace before it is placed in time, plus what the generator needs to score it."""

    root: Span
    quality: Quality
    # Builds the next turn of the same conversation, when the user asks a follow-up.
    followup: FollowUp | None = None


# (rng, fail) -> the next turn of a conversation.
FollowUp = Callable[[random.Random, bool], BuiltTrace]
