"""OpenAI chat fine-tuning lines: {"messages": [...]} from chat inputs and the final output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROLES = ("system", "user", "assistant", "tool", "developer")


def _message(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        return None
    role = raw.get("role") or raw.get("type")
    role = {"human": "user", "ai": "assistant"}.get(role, role)
    content = raw.get("content")
    if role not in ROLES or not isinstance(content, str | list):
        return None
    message: dict[str, Any] = {"role": role, "content": content}
    if raw.get("tool_calls") and role == "assistant":
        message["tool_calls"] = raw["tool_calls"]
    if role == "tool" and raw.get("tool_call_id"):
        message["tool_call_id"] = raw["tool_call_id"]
    return message


def _input_messages(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = inputs.get("messages")
    if isinstance(raw, list) and raw and isinstance(raw[0], list):
        raw = raw[0]  # LangChain batches: [[messages]]
    if isinstance(raw, list):
        messages = [m for m in (_message(x) for x in raw) if m]
        if messages:
            return messages
    history = inputs.get("chat_history")
    messages = [m for m in (_message(x) for x in history)] if isinstance(history, list) else []
    messages = [m for m in messages if m]
    question = inputs.get("question") or inputs.get("input") or inputs.get("query") or inputs.get("prompt")
    if isinstance(question, str):
        messages.append({"role": "user", "content": question})
    return messages


def _final_text(outputs: Any) -> str | None:
    if isinstance(outputs, str):
        return outputs
    if not isinstance(outputs, Mapping):
        return None
    for key in ("answer", "output", "content", "text", "response", "completion"):
        value = outputs.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping) and isinstance(value.get("content"), str):
            return value["content"]
    message = _message(outputs.get("message")) or _message(outputs)
    if message and message["role"] == "assistant" and isinstance(message["content"], str):
        return message["content"]
    choices = outputs.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        inner = _message(choices[0].get("message"))
        if inner and isinstance(inner["content"], str):
            return inner["content"]
    return None


def chat_line(inputs: Any, outputs: Any, system_prompt: str | None = None) -> dict[str, Any] | None:
    """The training line, or None when the example holds no conversation and no final answer."""
    if not isinstance(inputs, Mapping):
        return None
    messages = _input_messages(inputs)
    answer = _final_text(outputs)
    if not messages or answer is None:
        return None
    if system_prompt and not any(m["role"] == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": system_prompt})
    if messages[-1]["role"] == "assistant":
        messages = messages[:-1]
    return {"messages": [*messages, {"role": "assistant", "content": answer}]}
