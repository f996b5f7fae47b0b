"""OpenInference attributes (Arize Phoenix's instrumentations) read into a SpanContent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewdesk.domain.otel_content import (
    SpanContent,
    as_cost,
    as_object,
    as_tags,
    indexed,
    joined_or_parts,
    parse_json,
    tool_call,
)

RUN_TYPES = {
    "LLM": "llm",
    "CHAIN": "chain",
    "TOOL": "tool",
    "RETRIEVER": "retriever",
    "EMBEDDING": "embedding",
    "AGENT": "chain",
    "RERANKER": "retriever",
    "GUARDRAIL": "chain",
    "EVALUATOR": "chain",
    "PROMPT": "prompt",
}


def read_openinference(content: SpanContent) -> None:
    kind = content.take_text("openinference.span.kind")
    metadata = parse_json(content.take("metadata"))
    if isinstance(metadata, dict):
        content.metadata.update(metadata)
    invocation = parse_json(content.take("llm.invocation_parameters"))
    if invocation is not None:
        content.metadata["invocation_params"] = invocation
    content.fill(
        run_type=None if kind is None else RUN_TYPES.get(kind.upper(), "chain"),
        model=content.take_text("llm.model_name"),
        provider=content.take_text("llm.provider", "llm.system"),
        prompt_tokens=content.take_count("llm.token_count.prompt"),
        completion_tokens=content.take_count("llm.token_count.completion"),
        total_tokens=content.take_count("llm.token_count.total"),
        cost=as_cost(content.take("llm.cost.total")),
        session_id=content.take_text("session.id"),
        user_id=content.take_text("user.id"),
        tags=as_tags(content.take("tag.tags")),
    )
    content.fill(inputs=_inputs(content), outputs=_outputs(content))


def _inputs(content: SpanContent) -> dict[str, Any] | None:
    # Always taken, so that embedding vectors never land in the kept attributes.
    embeddings = content.take_indexed("embedding.embeddings")
    messages = content.take_indexed("llm.input_messages")
    if messages:
        return {"messages": [_message(m, "user") for m in messages]}
    value = content.take("input.value")
    if value is not None:
        return _value(value, content.take("input.mime_type"), "input")
    texts = [e["embedding.text"] for e in embeddings if e.get("embedding.text") is not None]
    return {"input": texts} if texts else None


def _outputs(content: SpanContent) -> dict[str, Any] | None:
    messages = content.take_indexed("llm.output_messages")
    if messages:
        return {"messages": [_message(m, "assistant") for m in messages]}
    value = content.take("output.value")
    if value is not None:
        return _value(value, content.take("output.mime_type"), "output")
    documents = content.take_indexed("retrieval.documents")
    if documents:
        return {"documents": [_document(d) for d in documents]}
    return None


def _value(value: Any, mime_type: Any, key: str) -> dict[str, Any] | None:
    if mime_type == "text/plain":
        return {key: value}
    return as_object(value, key)


def _message(flat: Mapping[str, Any], default_role: str) -> dict[str, Any]:
    """`llm.input_messages.N.message.*` → an OpenAI-style chat message."""
    message: dict[str, Any] = {"role": str(flat.get("message.role") or default_role)}
    content = flat.get("message.content")
    if content is None:
        parts = [_part(p) for p in indexed(flat, "message.contents")]
        content = joined_or_parts(parts) if parts else ""
    message["content"] = content
    calls = indexed(flat, "message.tool_calls")
    if calls:
        message["tool_calls"] = [
            tool_call(
                c.get("tool_call.id"),
                c.get("tool_call.function.name"),
                c.get("tool_call.function.arguments"),
            )
            for c in calls
        ]
    if flat.get("message.tool_call_id"):
        message["tool_call_id"] = flat["message.tool_call_id"]
    if flat.get("message.name"):
        message["name"] = flat["message.name"]
    return message


def _part(flat: Mapping[str, Any]) -> dict[str, Any]:
    if flat.get("message_content.type") == "image":
        return {"type": "image_url", "image_url": {"url": flat.get("message_content.image.image.url")}}
    return {"type": "text", "text": str(flat.get("message_content.text", ""))}


def _document(flat: Mapping[str, Any]) -> dict[str, Any]:
    document = {
        "id": flat.get("document.id"),
        "content": flat.get("document.content"),
        "score": flat.get("document.score"),
    }
    metadata = parse_json(flat.get("document.metadata"))
    if metadata is not None:
        document["metadata"] = metadata
    return document
