"""A run's inputs and outputs as blocks to read: conversations, documents, text, parameters, JSON.

Every page that shows a payload (review, pairwise, trace view, explorer previews, dataset examples)
builds its blocks here, so a shape learnt once is rendered the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.domain.llm_messages import (
    DOCUMENT_KEYS,
    ChatMessage,
    Document,
    conversation_of,
    documents_of,
    generation_of,
    message_of,
    retrieved_documents,
)

FOLD_CHARS = 1200
FOLD_LINES = 18
PREVIEW_CHARS = 160
# Call settings shown as one compact table beside a conversation, not as a block each.
PARAM_KEYS = frozenset(
    {
        "model",
        "model_name",
        "temperature",
        "max_tokens",
        "max_completion_tokens",
        "top_p",
        "top_k",
        "n",
        "stream",
        "stop",
        "seed",
        "frequency_penalty",
        "presence_penalty",
        "tool_choice",
        "response_format",
        "parallel_tool_calls",
    }
)


def is_long(text: str) -> bool:
    return len(text) > FOLD_CHARS or text.count("\n") > FOLD_LINES


def fold_preview(text: str) -> str:
    return "\n".join(text.splitlines()[:FOLD_LINES])[:FOLD_CHARS]


@dataclass
class Block:
    kind: str  # chat · documents · markdown · text · params · json · empty
    label: str | None = None
    text: str = ""
    messages: list[ChatMessage] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    params: list[tuple[str, Any]] = field(default_factory=list)
    value: Any = None

    @property
    def folded(self) -> bool:
        return is_long(self.text)

    @property
    def preview(self) -> str:
        return fold_preview(self.text)


def _value_block(label: str | None, value: Any, *, markdown: bool) -> Block:
    conversation = conversation_of(value)
    if conversation is not None:
        return Block(kind="chat", label=None if label == "messages" else label, messages=conversation)
    documents = documents_of(value, plain=label in DOCUMENT_KEYS)
    if documents is not None:
        return Block(kind="documents", label=label, documents=documents)
    if isinstance(value, str):
        return Block(kind="markdown" if markdown else "text", label=label, text=value)
    message = message_of(value)
    if message is not None:
        return Block(kind="chat", label=label, messages=[message])
    return Block(kind="json", label=label, value=value)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _blocks(payload: Any, *, markdown: bool) -> list[Block]:
    if payload in (None, {}, [], ""):
        return [Block(kind="empty")]
    if not isinstance(payload, Mapping):
        return [_value_block(None, payload, markdown=markdown)]
    blocks: list[Block] = []
    params: list[tuple[str, Any]] = []
    system = payload.get("system")
    for key, value in payload.items():
        if key in PARAM_KEYS and (_scalar(value) or key in ("stop", "response_format", "tool_choice")):
            params.append((key, value))
            continue
        if key == "system" and isinstance(value, str | list) and conversation_of(payload.get("messages")):
            continue  # Anthropic's system prompt: shown as the conversation's first message
        blocks.append(_value_block(str(key), value, markdown=markdown))
    if system is not None and conversation_of(payload.get("messages")):
        prompt = message_of({"role": "system", "content": system})
        chat = next(b for b in blocks if b.kind == "chat")
        if prompt is not None:
            chat.messages.insert(0, prompt)
    if params:
        blocks.append(Block(kind="params", label="parameters", params=params))
    return blocks or [Block(kind="empty")]


def input_blocks(inputs: Any) -> list[Block]:
    return _blocks(inputs, markdown=False)


def output_blocks(outputs: Any) -> list[Block]:
    reply = generation_of(outputs)
    if reply is not None:
        return [Block(kind="chat", messages=reply)]
    if isinstance(outputs, Mapping):
        documents = retrieved_documents(outputs)
        if documents is not None and len(outputs) == 1:
            return [Block(kind="documents", label=next(iter(outputs)), documents=documents)]
    return _blocks(outputs, markdown=True)


def _plain(line: str) -> str:
    """A markdown line as it reads: no heading or quote marks, no emphasis stars."""
    line = line.lstrip("#> ").strip()
    line = re.sub(r"\*\*(.+?)\*\*", r"\1", line)
    return re.sub(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])", r"\1", line)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            line = _plain(line.strip())
            return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"
    return ""


def _block_line(block: Block, *, prefer_user: bool) -> str:
    if block.kind == "chat":
        messages = block.messages
        if prefer_user:
            users = [m for m in messages if m.role == "user" and m.text.strip()]
            messages = users[-1:] or messages
        else:
            messages = list(reversed(messages))
        for message in messages:
            if message.text.strip():
                return _first_line(message.text)
            if message.tool_calls:
                return "→ " + ", ".join(f"{c.name}()" for c in message.tool_calls)
        return ""
    if block.kind == "documents":
        count = len(block.documents)
        return f"{count} document{'s' if count != 1 else ''}: " + _first_line(
            block.documents[0].title or block.documents[0].text
        )
    if block.kind in ("text", "markdown"):
        return _first_line(block.text)
    return ""


def preview_line(payload: Any, *, output: bool) -> str:
    """One line that says what a payload is about: the last user turn of an input, the reply of an
    output, else the first text found (for lists and explorer rows)."""
    blocks = output_blocks(payload) if output else input_blocks(payload)
    for block in blocks:
        line = _block_line(block, prefer_user=not output)
        if line:
            return line
    if payload in (None, {}, []):
        return ""
    return _first_line(str(payload))
