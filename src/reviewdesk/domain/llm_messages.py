"""Chat messages, tool calls and retrieved documents read from every shape clients send, as one model.

OpenAI chat (tool calls, multimodal parts), Anthropic (content blocks, tool_use / tool_result),
LangChain (serialized `{"lc": 1, "type": "constructor", ...}` objects, `messages_to_dict` and
`generations`), OTel GenAI parts and OpenInference flattened messages all become `ChatMessage`;
LangChain `Document`s, OpenInference `retrieval.documents` and plain lists become `Document`.
The review view, the trace view and the OpenAI chat export all read payloads through here.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("system", "user", "assistant", "tool", "developer", "function")
_ROLE_ALIASES = {
    "human": "user",
    "ai": "assistant",
    "model": "assistant",
    "chat": "user",
    "HumanMessage": "user",
    "HumanMessageChunk": "user",
    "AIMessage": "assistant",
    "AIMessageChunk": "assistant",
    "SystemMessage": "system",
    "SystemMessageChunk": "system",
    "ToolMessage": "tool",
    "ToolMessageChunk": "tool",
    "FunctionMessage": "function",
    "ChatMessage": "user",
}
DOCUMENT_KEYS = ("documents", "docs", "context", "contexts", "retrieved_documents", "source_documents")


@dataclass
class ToolCall:
    name: str
    arguments: str  # JSON text as the model wrote it (pretty-printed when it parses)
    id: str | None = None

    def openai(self) -> dict[str, Any]:
        compact = self.arguments
        with contextlib.suppress(ValueError):
            compact = json.dumps(json.loads(self.arguments), ensure_ascii=False, separators=(",", ":"))
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": compact}}


@dataclass
class ChatMessage:
    role: str
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None  # a tool result answers this call
    name: str | None = None
    images: list[str] = field(default_factory=list)  # image URLs (data: ones drawn if inline_image allows)
    other_parts: list[Any] = field(default_factory=list)  # parts we cannot read: shown as JSON

    def openai(self) -> dict[str, Any]:
        """The OpenAI chat form (for fine-tuning lines)."""
        role = self.role if self.role in ROLES else "user"
        message: dict[str, Any] = {"role": role, "content": self.text}
        if self.tool_calls and role == "assistant":
            message["tool_calls"] = [c.openai() for c in self.tool_calls]
        if role == "tool" and self.tool_call_id:
            message["tool_call_id"] = self.tool_call_id
        if self.name and role in ("tool", "function"):
            message["name"] = self.name
        return message


@dataclass
class Document:
    text: str
    title: str | None = None
    source: str | None = None
    score: float | None = None
    id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)


def _lc_kwargs(raw: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]] | None:
    """A LangChain serialized object: (class name, kwargs), else None."""
    if raw.get("lc") == 1 and raw.get("type") == "constructor" and isinstance(raw.get("id"), list):
        kwargs = raw.get("kwargs")
        return str(raw["id"][-1]) if raw["id"] else None, kwargs if isinstance(kwargs, Mapping) else {}
    return None


def _tool_call(raw: Any) -> ToolCall | None:
    if not isinstance(raw, Mapping):
        return None
    function = raw.get("function")
    if isinstance(function, Mapping):  # OpenAI
        return ToolCall(
            str(function.get("name") or ""), _pretty(function.get("arguments") or {}), raw.get("id")
        )
    if raw.get("type") == "tool_use":  # Anthropic
        return ToolCall(str(raw.get("name") or ""), _pretty(raw.get("input") or {}), raw.get("id"))
    if "name" in raw and ("args" in raw or "arguments" in raw):  # LangChain, OTel GenAI
        return ToolCall(str(raw["name"]), _pretty(raw.get("args", raw.get("arguments")) or {}), raw.get("id"))
    return None


def _read_parts(message: ChatMessage, content: Any) -> None:
    """Content as a string or a list of parts (OpenAI, Anthropic, OTel GenAI, LangChain)."""
    if isinstance(content, str):
        message.text = content
        return
    if not isinstance(content, list):
        if content is not None:
            message.other_parts.append(content)
        return
    texts: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, Mapping):
            message.other_parts.append(part)
            continue
        kind = part.get("type")
        if kind in ("text", "input_text", "output_text") and isinstance(
            part.get("text", part.get("content")), str
        ):
            texts.append(part.get("text", part.get("content")))
        elif kind in ("image_url", "input_image"):
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, Mapping) else url
            message.images.append(str(url or ""))
        elif kind == "image" and isinstance(part.get("source"), Mapping):  # Anthropic
            source = part["source"]
            data = source.get("data") if isinstance(source.get("data"), str) else "…"
            message.images.append(
                str(source.get("url") or f"data:{source.get('media_type', 'image')};base64,{data}")
            )
        elif kind in ("tool_use", "tool_call"):
            call = _tool_call(part)
            if call:
                message.tool_calls.append(call)
        elif kind in ("tool_result", "tool_call_response"):  # Anthropic / OTel GenAI: a tool's answer
            message.role = "tool"
            message.tool_call_id = part.get("tool_use_id") or part.get("id")
            inner = ChatMessage(role="tool")
            _read_parts(inner, part.get("content", part.get("response")))
            texts.append(inner.text or _text(part.get("content", part.get("response"))))
        elif kind in ("thinking", "reasoning"):
            continue
        else:
            message.other_parts.append(dict(part))
    message.text = "\n\n".join(texts)


def message_of(raw: Any) -> ChatMessage | None:
    """One chat message in any of the shapes we know, else None."""
    if not isinstance(raw, Mapping):
        return None
    lc = _lc_kwargs(raw)
    if lc is not None:
        class_name, data = lc
        role = data.get("role") if class_name == "ChatMessage" else data.get("type") or class_name
        role = _ROLE_ALIASES.get(str(class_name), role)
    elif isinstance(raw.get("data"), Mapping) and "content" in raw["data"]:  # messages_to_dict
        data = raw["data"]
        role = raw.get("type") or data.get("type")
    elif "message.role" in raw or "message.content" in raw:  # OpenInference, unflattened one level
        data = {
            "content": raw.get("message.content"),
            "tool_call_id": raw.get("message.tool_call_id"),
            "name": raw.get("message.name"),
        }
        role = raw.get("message.role")
    else:
        data = raw
        role = raw.get("role") or raw.get("type")
        if "content" not in raw and "parts" not in raw and not raw.get("tool_calls"):
            return None
    if not isinstance(role, str) or (
        "content" not in data and "parts" not in data and not data.get("tool_calls")
    ):
        return None
    role = _ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        return None
    message = ChatMessage(role=role, name=data.get("name") if isinstance(data.get("name"), str) else None)
    _read_parts(message, data.get("content") if "content" in data else data.get("parts"))
    calls = data.get("tool_calls") or (data.get("additional_kwargs") or {}).get("tool_calls") or []
    if not message.tool_calls and isinstance(calls, list):
        message.tool_calls = [c for c in (_tool_call(x) for x in calls) if c]
    legacy = data.get("function_call") or (data.get("additional_kwargs") or {}).get("function_call")
    if not message.tool_calls and isinstance(legacy, Mapping):
        message.tool_calls = [ToolCall(str(legacy.get("name") or ""), _pretty(legacy.get("arguments") or {}))]
    if data.get("tool_call_id"):
        message.tool_call_id = str(data["tool_call_id"])
    return message


def conversation_of(value: Any) -> list[ChatMessage] | None:
    """A list of chat messages (LangChain's batch `[[...]]` too), else None."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if not isinstance(value, list) or not value:
        return None
    messages = [message_of(m) for m in value]
    if any(m is None for m in messages):
        return None
    return messages  # type: ignore[return-value]


def generation_of(outputs: Any) -> list[ChatMessage] | None:
    """The model's reply: LangChain `generations`, OpenAI `choices`, an Anthropic message, or
    output `messages` (OpenInference / OTel GenAI)."""
    if not isinstance(outputs, Mapping):
        return None
    generations = outputs.get("generations")
    if isinstance(generations, list) and generations:
        first = generations[0]
        if isinstance(first, list):
            first = first[0] if first else None
        if isinstance(first, Mapping):
            reply = message_of(first.get("message")) if first.get("message") else None
            if reply is None and isinstance(first.get("text"), str):
                reply = ChatMessage(role="assistant", text=first["text"])
            if reply is not None:
                return [reply]
    choices = outputs.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        reply = message_of(choices[0].get("message"))
        if reply is None and isinstance(choices[0].get("text"), str):
            reply = ChatMessage(role="assistant", text=choices[0]["text"])
        if reply is not None:
            return [reply]
    if outputs.get("type") == "message" and outputs.get("role") == "assistant":  # Anthropic
        reply = message_of(outputs)
        return [reply] if reply else None
    for key in ("messages", "message", "output"):
        value = outputs.get(key)
        conversation = conversation_of(value) if isinstance(value, list) else None
        if conversation:
            return conversation
        single = message_of(value) if isinstance(value, Mapping) else None
        if single:
            return [single]
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def document_of(raw: Any, *, plain: bool = False) -> Document | None:
    """A LangChain Document (serialized or as a dict), an OpenInference document, or (`plain`) a string."""
    if isinstance(raw, str):
        return Document(text=raw) if plain else None
    if not isinstance(raw, Mapping):
        return None
    lc = _lc_kwargs(raw)
    if lc is not None:
        if lc[0] != "Document":
            return None
        raw = lc[1]
    text = raw.get("page_content", raw.get("document.content", raw.get("content", raw.get("text"))))
    if not isinstance(text, str):
        return None
    # `content`/`text` alone is a document only among its kind (an id, a score or metadata).
    kin = ("metadata", "score", "id", "source", "title", "document.id")
    if (
        "page_content" not in raw
        and "document.content" not in raw
        and not plain
        and not any(k in raw for k in kin)
    ):
        return None
    metadata = raw.get("metadata", raw.get("document.metadata"))
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = {"metadata": metadata}
    metadata = dict(metadata) if isinstance(metadata, Mapping) else {}
    score = _number(raw.get("score", raw.get("document.score", metadata.get("score"))))
    title = raw.get("title") or metadata.get("title") or metadata.get("name")
    source = raw.get("source") or metadata.get("source") or metadata.get("url") or metadata.get("file_path")
    doc_id = raw.get("id", raw.get("document.id", metadata.get("id")))
    shown = {k: v for k, v in metadata.items() if k not in ("title", "source", "score")}
    return Document(
        text=text,
        title=None if title is None else str(title),
        source=None if source is None else str(source),
        score=score,
        id=None if doc_id is None else str(doc_id),
        metadata=shown,
    )


def documents_of(value: Any, *, plain: bool = False) -> list[Document] | None:
    """A non-empty list whose every element is a document, else None. `plain`: strings count too
    (under a key that says documents)."""
    if not isinstance(value, list) or not value:
        return None
    documents = [document_of(d, plain=plain) for d in value]
    if any(d is None for d in documents):
        return None
    return documents  # type: ignore[return-value]


def retrieved_documents(outputs: Any) -> list[Document] | None:
    """The documents a retriever run returned (its outputs as a list, or under a documents key)."""
    if isinstance(outputs, list):
        return documents_of(outputs)
    if not isinstance(outputs, Mapping):
        return None
    for key in (*DOCUMENT_KEYS, "output", "result", "results"):
        found = documents_of(outputs.get(key), plain=key in DOCUMENT_KEYS)
        if found:
            return found
    return None
