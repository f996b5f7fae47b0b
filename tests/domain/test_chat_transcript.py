"""A run's conversation as the transcript an LLM judge reads for `{{messages}}`."""

from __future__ import annotations

from reviewdesk.domain.chat_transcript import run_transcript
from reviewdesk.domain.judge import render_prompt


def test_a_graph_state_that_repeats_the_conversation_is_not_doubled():
    asked = [{"role": "user", "content": "Refund order 9?"}]
    answered = [
        *asked,
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "refund", "input": {"order": 9}}],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "refunded"}]},
        {"role": "assistant", "content": "Done: order 9 is refunded."},
    ]
    assert run_transcript({"messages": asked}, {"messages": answered}) == (
        "user: Refund order 9?\n\n"
        'assistant: [calls refund({"order": 9})]\n\n'
        "tool refund: refunded\n\n"
        "assistant: Done: order 9 is refunded."
    )


def test_a_question_and_answer_run_and_a_run_with_no_chat():
    run = {"inputs": {"question": "Where is my order?"}, "outputs": {"answer": "It ships tomorrow."}}
    assert render_prompt("{{messages}}", run) == "user: Where is my order?\n\nassistant: It ships tomorrow."
    assert render_prompt("[{{messages}}]", {"inputs": {"rows": 3}, "outputs": {"count": 3}}) == "[]"


def test_a_run_field_named_messages_is_not_replaced():
    assert (
        render_prompt("{{messages}}", {"messages": "as stored", "inputs": {"question": "q"}}) == "as stored"
    )
