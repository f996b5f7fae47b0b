"""A run's conversation as a plain-text transcript (what an LLM judge reads for `{{messages}}`):
the input messages and the reply in whatever shape the client sent them (domain/llm_messages)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.llm_messages import ChatMessage, ToolCall, conversation_of, generation_of, message_of
from reviewdesk.domain.openai_chat import final_answer, input_messages


def run_messages(inputs: Any, outputs: Any) -> list[ChatMessage]:
    """The messages sent to the model and those it answered, in order."""
    asked = input_messages(inputs) if isinstance(inputs, Mapping) else conversation_of(inputs) or []
    answered = generation_of(outputs)
    if answered is None:
        answer = final_answer(outputs)
        single = message_of(answer) if answer is not None else None
        answered = [single] if single is not None else []
    if len(answered) > len(asked) and _same(answered[: len(asked)], asked):
        return answered  # the outputs repeat the whole conversation (LangGraph's `messages` state)
    return [*asked, *answered]


def _same(left: list[ChatMessage], right: list[ChatMessage]) -> bool:
    return [(m.role, m.text) for m in left] == [(m.role, m.text) for m in right]


def _arguments(call: ToolCall) -> str:
    try:
        return json.dumps(json.loads(call.arguments), ensure_ascii=False, sort_keys=True)
    except ValueError:
        return call.arguments


def _speaker(message: ChatMessage, tool_names: dict[str, str]) -> str:
    if message.role not in ("tool", "function"):
        return message.role
    name = message.name or tool_names.get(message.tool_call_id or "")
    return f"tool {name}" if name else "tool"


def _body(message: ChatMessage) -> str:
    lines = [message.text] if message.text else []
    lines += [f"[calls {c.name}({_arguments(c)})]" for c in message.tool_calls]
    lines += ["[image]" if url.startswith("data:") else f"[image: {url}]" for url in message.images]
    lines += [json.dumps(part, ensure_ascii=False, default=str) for part in message.other_parts]
    return "\n".join(lines)


def transcript(messages: list[ChatMessage]) -> str:
    """`role: text` per message, a blank line between; tool calls as `[calls name({...})]` and tool
    results named after the call they answer."""
    tool_names = {c.id: c.name for m in messages for c in m.tool_calls if c.id}
    return "\n\n".join(f"{_speaker(m, tool_names)}: {_body(m)}" for m in messages)


def run_transcript(inputs: Any, outputs: Any) -> str:
    return transcript(run_messages(inputs, outputs))
