"""OpenAI chat fine-tuning lines: {"messages": [...]} from chat inputs and the final output.

Messages are read by domain/llm_messages, so every shape the review view draws as a conversation
(OpenAI, Anthropic, LangChain serialized objects and `generations`, OTel GenAI, OpenInference) exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reviewdesk.domain.llm_messages import ChatMessage, conversation_of, generation_of, message_of

NO_INPUTS = "inputs are not a JSON object"
NO_CONVERSATION = "inputs hold no chat messages and no question"
NO_ANSWER = "outputs hold no final answer"
_CONVERSATION_KEYS = ("messages", "input", "inputs", "prompt", "conversation")
_QUESTION_KEYS = ("question", "input", "query", "prompt")
_ANSWER_KEYS = ("answer", "output", "content", "text", "response", "completion")


@dataclass
class ChatLine:
    line: dict[str, Any] | None
    skipped_because: str | None = None


def input_messages(inputs: Mapping[str, Any]) -> list[ChatMessage]:
    for key in _CONVERSATION_KEYS:
        conversation = conversation_of(inputs.get(key))
        if conversation:
            system = inputs.get("system")  # Anthropic keeps the system prompt beside the messages
            prompt = message_of({"role": "system", "content": system}) if system is not None else None
            if prompt is not None and not any(m.role == "system" for m in conversation):
                conversation.insert(0, prompt)
            return conversation
    messages = conversation_of(inputs.get("chat_history")) or []
    question = next((inputs[k] for k in _QUESTION_KEYS if isinstance(inputs.get(k), str)), None)
    if question is not None:
        messages.append(ChatMessage(role="user", text=question))
    return messages


def final_answer(outputs: Any) -> dict[str, Any] | None:
    if isinstance(outputs, str):
        return {"role": "assistant", "content": outputs}
    if not isinstance(outputs, Mapping):
        return None
    for key in _ANSWER_KEYS:
        value = outputs.get(key)
        if isinstance(value, str):
            return {"role": "assistant", "content": value}
        if isinstance(value, Mapping) and isinstance(value.get("content"), str):
            return {"role": "assistant", "content": value["content"]}
    reply = generation_of(outputs)
    if reply and reply[-1].role == "assistant" and (reply[-1].text or reply[-1].tool_calls):
        return reply[-1].openai()
    single = message_of(outputs)
    if single is not None and single.role == "assistant":
        return single.openai()
    return None


def convert(inputs: Any, outputs: Any, system_prompt: str | None = None) -> ChatLine:
    """The training line, or why this example has none."""
    if not isinstance(inputs, Mapping):
        return ChatLine(None, NO_INPUTS)
    messages = [m.openai() for m in input_messages(inputs)]
    if not messages:
        return ChatLine(None, NO_CONVERSATION)
    answer = final_answer(outputs)
    if answer is None:
        return ChatLine(None, NO_ANSWER)
    if system_prompt and not any(m["role"] == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": system_prompt})
    if messages[-1]["role"] == "assistant":
        messages = messages[:-1]
    return ChatLine({"messages": [*messages, answer]})


def chat_line(inputs: Any, outputs: Any, system_prompt: str | None = None) -> dict[str, Any] | None:
    """The training line, or None when the example holds no conversation and no final answer."""
    return convert(inputs, outputs, system_prompt).line
