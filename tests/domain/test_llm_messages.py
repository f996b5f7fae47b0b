"""Chat messages, tool calls and documents read from the shapes real clients send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviewdesk.domain.llm_messages import conversation_of, generation_of, retrieved_documents
from reviewdesk.domain.openai_chat import NO_ANSWER, NO_CONVERSATION, convert
from reviewdesk.domain.payload_blocks import input_blocks, output_blocks, preview_line
from reviewdesk.domain.trace_timeline import timeline


def _lc(name: str, **kwargs):  # noqa: ANN003, ANN202
    """A message as langchain_core.load.dumpd writes it (what the LangSmith tracer sends)."""
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", name], "kwargs": kwargs}


LC_INPUTS = {
    "messages": [
        [
            _lc("SystemMessage", content="You are support.", type="system"),
            _lc("HumanMessage", content="How do I reset my router?", type="human"),
            _lc(
                "AIMessage",
                content="",
                type="ai",
                tool_calls=[
                    {"name": "lookup", "args": {"model": "AX3000"}, "id": "call_1", "type": "tool_call"}
                ],
            ),
            _lc("ToolMessage", content='{"steps": 3}', type="tool", tool_call_id="call_1"),
        ]
    ]
}
LC_OUTPUTS = {
    "generations": [
        [
            {
                "text": "Hold the reset button for 10 seconds.",
                "generation_info": None,
                "type": "ChatGeneration",
                "message": _lc("AIMessage", content="Hold the reset button for 10 seconds.", type="ai"),
            }
        ]
    ],
    "llm_output": None,
    "run": None,
    "type": "LLMResult",
}


def test_langchain_serialized_messages_become_a_conversation_with_tool_calls():
    [block] = input_blocks(LC_INPUTS)
    assert block.kind == "chat"
    assert [m.role for m in block.messages] == ["system", "user", "assistant", "tool"]
    call = block.messages[2].tool_calls[0]
    assert (call.name, call.id) == ("lookup", "call_1")
    assert '"model": "AX3000"' in call.arguments
    assert block.messages[3].tool_call_id == "call_1"
    [reply] = output_blocks(LC_OUTPUTS)
    assert reply.kind == "chat" and reply.messages[0].text.startswith("Hold the reset")


def test_openai_tool_calls_multimodal_parts_and_parameters():
    inputs = {
        "model": "gpt-4o-mini",
        "temperature": 0.2,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is on this invoice?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/inv.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "ocr", "arguments": '{"page": 1}'}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "Total: 12 EUR"},
        ],
    }
    blocks = input_blocks(inputs)
    assert [b.kind for b in blocks] == ["chat", "params"]
    user, assistant, tool = blocks[0].messages
    assert user.text == "What is on this invoice?" and user.images == ["https://example.com/inv.png"]
    assert assistant.tool_calls[0].name == "ocr" and tool.tool_call_id == "c1"
    assert dict(blocks[1].params) == {"model": "gpt-4o-mini", "temperature": 0.2}


def test_anthropic_blocks_and_system_prompt():
    inputs = {
        "system": "Be brief.",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "tu1", "name": "weather", "input": {"city": "Paris"}}],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tu1", "content": "18°C"}]},
        ],
        "max_tokens": 200,
    }
    chat = input_blocks(inputs)[0]
    assert [m.role for m in chat.messages] == ["system", "user", "assistant", "tool"]
    assert chat.messages[2].tool_calls[0].name == "weather" and chat.messages[3].text == "18°C"
    outputs = {"type": "message", "role": "assistant", "content": [{"type": "text", "text": "18°C, sunny."}]}
    assert generation_of(outputs)[0].text == "18°C, sunny."


def test_otel_genai_parts_and_openinference_messages():
    parts = [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "t", "name": "f", "arguments": {"x": 1}}],
        },
    ]
    messages = conversation_of(parts)
    assert messages[0].text == "hi" and messages[1].tool_calls[0].name == "f"
    flat = [{"message.role": "user", "message.content": "hello"}]
    assert conversation_of(flat)[0].text == "hello"


def test_documents_from_langchain_openinference_and_plain_lists():
    lc_doc = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "document", "Document"],
        "kwargs": {"page_content": "Hold reset 10 s.", "metadata": {"source": "kb/reset", "title": "Reset"}},
    }
    [doc] = retrieved_documents({"documents": [lc_doc]})
    assert (doc.text, doc.source, doc.title) == ("Hold reset 10 s.", "kb/reset", "Reset")
    openinference = {"documents": [{"id": "d1", "content": "Router manual", "score": 0.82, "metadata": {}}]}
    [oi] = retrieved_documents(openinference)
    assert (oi.text, oi.score, oi.id) == ("Router manual", 0.82, "d1")
    [block] = output_blocks({"documents": ["plain text one", "plain text two"]})
    assert block.kind == "documents" and [d.text for d in block.documents] == [
        "plain text one",
        "plain text two",
    ]
    # A list of strings under another key is no document list.
    assert output_blocks({"sources": ["kb/a"]})[0].kind == "json"


def test_previews_show_the_last_user_turn_and_the_reply():
    assert preview_line(LC_INPUTS, output=False) == "How do I reset my router?"
    assert preview_line(LC_OUTPUTS, output=True) == "Hold the reset button for 10 seconds."
    assert preview_line({"answer": "\n\nFirst line\nsecond"}, output=True) == "First line"
    assert preview_line({"answer": "## **Answer 1.** Hold it for *10 s*.\n- unplug"}, output=True) == (
        "Answer 1. Hold it for 10 s."
    )
    assert preview_line({"answer": "snake_case_name * 2"}, output=True) == "snake_case_name * 2"


def test_openai_chat_export_reads_langchain_runs_and_says_why_it_skips():
    line = convert(LC_INPUTS, LC_OUTPUTS).line
    assert line is not None
    roles = [m["role"] for m in line["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    assert line["messages"][2]["tool_calls"][0]["function"] == {
        "name": "lookup",
        "arguments": '{"model":"AX3000"}',
    }
    assert line["messages"][-1]["content"] == "Hold the reset button for 10 seconds."
    assert convert({"x": 1}, {"answer": "a"}).skipped_because == NO_CONVERSATION
    assert convert({"question": "q"}, {"score": 1}).skipped_because == NO_ANSWER


def test_timeline_offsets_durations_and_errors():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    child = {
        "id": 2,
        "name": "llm",
        "run_type": "llm",
        "start_time": start + timedelta(milliseconds=500),
        "end_time": start + timedelta(milliseconds=1000),
        "error": "rate limited",
        "usage": {"total_tokens": 30},
        "cost": 0.01,
        "children": [],
    }
    root = {
        "id": 1,
        "name": "root",
        "start_time": start,
        "end_time": start + timedelta(seconds=2),
        "children": [child],
    }
    rows = timeline([root])
    assert [(r.depth, r.left_pct, r.width_pct) for r in rows] == [(0, 0.0, 100.0), (1, 25.0, 25.0)]
    assert rows[1].error and rows[1].tokens == 30 and rows[1].offset_ms == 500
