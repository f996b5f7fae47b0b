"""The demo's LLM catalogue: per-token prices, generation speed and a rough token count."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    provider: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    tokens_per_second: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        usd = prompt_tokens * self.input_usd_per_mtok + completion_tokens * self.output_usd_per_mtok
        return round(usd / 1_000_000, 8)


# List prices in USD per million tokens (late 2024).
GPT_4O = ModelSpec("gpt-4o", "openai", 2.50, 10.00, 85.0)
GPT_4O_MINI = ModelSpec("gpt-4o-mini", "openai", 0.15, 0.60, 120.0)
CLAUDE_SONNET = ModelSpec("claude-3-5-sonnet-20241022", "anthropic", 3.00, 15.00, 75.0)
CLAUDE_HAIKU = ModelSpec("claude-3-5-haiku-20241022", "anthropic", 0.80, 4.00, 110.0)
LLAMA_70B = ModelSpec("llama-3.1-70b-instruct", "together", 0.88, 0.88, 95.0)
EMBEDDING_SMALL = ModelSpec("text-embedding-3-small", "openai", 0.02, 0.0, 0.0)

MODELS: dict[str, ModelSpec] = {
    spec.name: spec for spec in (GPT_4O, GPT_4O_MINI, CLAUDE_SONNET, CLAUDE_HAIKU, LLAMA_70B, EMBEDDING_SMALL)
}


def pick_model(rng: random.Random, mix: tuple[tuple[ModelSpec, float], ...]) -> ModelSpec:
    specs = [spec for spec, _ in mix]
    weights = [weight for _, weight in mix]
    return rng.choices(specs, weights)[0]


def count_tokens(text: str) -> int:
    # About four characters per token for English prose; good enough for believable usage numbers.
    return max(1, (len(text) + 3) // 4)


def count_message_tokens(messages: list[dict[str, Any]]) -> int:
    total = 3
    for message in messages:
        total += 4 + count_tokens(message.get("content") or "")
        for call in message.get("tool_calls") or ():
            function = call["function"]
            total += 3 + count_tokens(function["name"]) + count_tokens(function["arguments"])
    return total
