"""Shaping a run's inputs and outputs for reading: conversations, markdown, folded text, JSON trees."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

FOLD_CHARS = 800
FOLD_LINES = 14
TEXT_KEYS = ("output", "answer", "text", "content", "response", "completion", "result", "generated_text")
MESSAGE_KEYS = ("messages", "input", "inputs", "prompt", "chat_history", "history", "conversation")
_ROLE_ALIASES = {"human": "user", "ai": "assistant", "HumanMessage": "user", "AIMessage": "assistant"}


@dataclass
class Message:
    role: str
    text: str
    extra: Any = None  # tool calls and non-text parts, shown as JSON


@dataclass
class Block:
    kind: str  # chat · markdown · text · json · empty
    label: str | None = None
    text: str = ""
    messages: list[Message] = field(default_factory=list)
    value: Any = None

    @property
    def folded(self) -> bool:
        return len(self.text) > FOLD_CHARS or self.text.count("\n") > FOLD_LINES

    @property
    def preview(self) -> str:
        lines = self.text.splitlines()[:FOLD_LINES]
        return "\n".join(lines)[:FOLD_CHARS]


def _text_of(content: Any) -> tuple[str, Any]:
    if isinstance(content, str):
        return content, None
    if isinstance(content, list):
        texts, other = [], []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, str):
                texts.append(part)
            else:
                other.append(part)
        return "\n\n".join(texts), other or None
    return "", content


def _message(raw: Any) -> Message | None:
    if not isinstance(raw, dict):
        return None
    data = raw.get("data") if isinstance(raw.get("data"), dict) and "content" in raw["data"] else raw
    role = raw.get("role") or data.get("role") or raw.get("type") or data.get("type")
    if not isinstance(role, str) or "content" not in data:
        return None
    text, extra = _text_of(data.get("content"))
    calls = data.get("tool_calls") or (data.get("additional_kwargs") or {}).get("tool_calls")
    if calls:
        extra = {"tool_calls": calls, **({"parts": extra} if extra else {})}
    return Message(role=_ROLE_ALIASES.get(role, role), text=text, extra=extra)


def as_conversation(value: Any) -> list[Message] | None:
    """A list of chat messages (OpenAI or LangChain shapes, or LangChain's list of lists), else None."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if not isinstance(value, list) or not value:
        return None
    messages = [_message(m) for m in value]
    return None if any(m is None for m in messages) else messages  # type: ignore[return-value]


def _block(label: str | None, value: Any, *, markdown: bool) -> Block:
    conversation = as_conversation(value)
    if conversation is not None:
        return Block(kind="chat", label=label, messages=conversation)
    if isinstance(value, str):
        return Block(kind="markdown" if markdown else "text", label=label, text=value)
    message = _message(value)
    if message is not None and markdown:
        return Block(kind="chat", label=label, messages=[message])
    return Block(kind="json", label=label, value=value)


def input_blocks(inputs: Any) -> list[Block]:
    if inputs in (None, {}, []):
        return [Block(kind="empty")]
    if not isinstance(inputs, dict):
        return [_block(None, inputs, markdown=False)]
    return [_block(key, value, markdown=False) for key, value in inputs.items()]


def _generation_text(outputs: dict[str, Any]) -> Any:
    generations = outputs.get("generations")
    if isinstance(generations, list) and generations:
        first = generations[0][0] if isinstance(generations[0], list) and generations[0] else generations[0]
        if isinstance(first, dict):
            return first.get("message") or first.get("text")
    choices = outputs.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0].get("message") or choices[0].get("text")
    return None


def output_blocks(outputs: Any) -> list[Block]:
    if outputs in (None, {}, []):
        return [Block(kind="empty")]
    if not isinstance(outputs, dict):
        return [_block(None, outputs, markdown=True)]
    generated = _generation_text(outputs)
    if generated is not None:
        return [_block("generation", generated, markdown=True)]
    return [_block(key, value, markdown=True) for key, value in outputs.items()]


@dataclass
class CorrectionDraft:
    """The text the correction editor starts from, and how to turn an edit back into JSON."""

    text: str
    key: str | None  # the output key holding the text; None: the editor holds the whole JSON

    def correction_from(self, edited: str, outputs: Any) -> Any:
        """None when unchanged; the corrected output otherwise (ValueError when JSON is broken)."""
        if edited.replace("\r\n", "\n").strip() == self.text.strip():
            return None
        if self.key is not None:
            return {**(outputs if isinstance(outputs, dict) else {}), self.key: edited.replace("\r\n", "\n")}
        return json.loads(edited)


def correction_draft(outputs: Any) -> CorrectionDraft:
    if isinstance(outputs, dict):
        texts = [k for k in TEXT_KEYS if isinstance(outputs.get(k), str)]
        strings = [k for k, v in outputs.items() if isinstance(v, str)]
        key = texts[0] if texts else (strings[0] if len(strings) == 1 else None)
        if key is not None:
            return CorrectionDraft(text=outputs[key], key=key)
    return CorrectionDraft(text=json.dumps(outputs, indent=2, ensure_ascii=False, default=str), key=None)


def metadata_rows(metadata: Any) -> list[tuple[str, str]]:
    if not isinstance(metadata, dict):
        return []
    rows = []
    for key, value in metadata.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        rows.append((str(key), shown))
    return rows
