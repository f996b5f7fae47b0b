"""Realistic exception messages for the ~2% of traces that fail, and the traceback the root records."""

from __future__ import annotations

import random

from reviewdesk.domain.demo.models import ModelSpec


def llm_error(rng: random.Random, model: ModelSpec) -> tuple[str, int]:
    """An API error for `model` and how long the call hung before it surfaced (µs)."""
    if model.provider == "anthropic":
        choices = [
            (
                "anthropic.InternalServerError: Error code: 529 - {'type': 'error', 'error': "
                "{'type': 'overloaded_error', 'message': 'Overloaded'}}",
                rng.randrange(400_000, 3_000_000),
            ),
            ("anthropic.APITimeoutError: Request timed out.", rng.randrange(60_000_000, 61_500_000)),
            (
                "anthropic.RateLimitError: Error code: 429 - {'type': 'error', 'error': {'type': "
                "'rate_limit_error', 'message': 'Number of request tokens has exceeded your per-minute "
                "rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers "
                "for current usage.'}}",
                rng.randrange(150_000, 600_000),
            ),
        ]
    elif model.provider == "together":
        choices = [
            (
                "together.error.ServiceUnavailableError: Error code: 503 - The server is overloaded or "
                "not ready yet.",
                rng.randrange(300_000, 2_000_000),
            ),
            ("httpx.ReadTimeout: The read operation timed out", rng.randrange(30_000_000, 31_000_000)),
        ]
    else:
        used = rng.randrange(28_000, 29_990)
        choices = [
            (
                f"openai.RateLimitError: Error code: 429 - {{'error': {{'message': 'Rate limit reached for "
                f"{model.name} in organization org-7QmZ2kXbLw4Rr9 on tokens per min (TPM): Limit 30000, "
                f"Used {used}, Requested {rng.randrange(900, 4000)}. Please try again in "
                f"{rng.uniform(0.5, 6):.3f}s. Visit https://platform.openai.com/account/rate-limits to "
                "learn more.', 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}",
                rng.randrange(120_000, 500_000),
            ),
            ("openai.APITimeoutError: Request timed out.", rng.randrange(30_000_000, 31_000_000)),
            (
                "openai.InternalServerError: Error code: 500 - {'error': {'message': 'The server had an "
                "error while processing your request. Sorry about that!', 'type': 'server_error', "
                "'param': None, 'code': None}}",
                rng.randrange(1_000_000, 8_000_000),
            ),
            (
                "openai.APIConnectionError: Connection error.",
                rng.randrange(2_000_000, 5_000_000),
            ),
        ]
    return rng.choice(choices)


def root_traceback(rng: random.Random, module: str, function: str, child_error: str) -> str:
    """The root's error: the child's exception as it surfaced through the app's entry point."""
    line = rng.randrange(40, 260)
    inner = rng.randrange(20, 400)
    return (
        "Traceback (most recent call last):\n"
        f'  File "/app/{module}.py", line {line}, in {function}\n'
        "    result = await chain.ainvoke(payload, config=config)\n"
        '  File "/usr/local/lib/python3.11/site-packages/langchain_core/runnables/base.py", '
        f"line {inner + 2800}, in ainvoke\n"
        "    input = await asyncio.create_task(part(), context=context)\n"
        f"{child_error}"
    )
