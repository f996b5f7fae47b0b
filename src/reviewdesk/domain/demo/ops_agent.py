"""The `ops-agent` app: a tool-calling agent that plans, calls the ops tools and answers the ops team."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from reviewdesk.domain.demo import ops_actions, ops_lookups
from reviewdesk.domain.demo.failures import llm_error, root_traceback
from reviewdesk.domain.demo.models import CLAUDE_SONNET, GPT_4O, GPT_4O_MINI, ModelSpec
from reviewdesk.domain.demo.ops_tools import (
    TOOL_SCHEMA_TOKENS,
    AgentScript,
    Scenario,
    ToolCall,
    new_scenario,
    tool_schemas,
)
from reviewdesk.domain.demo.spans import BuiltTrace, Quality, Span, close_root, fail_llm, llm_span
from reviewdesk.domain.demo.timing import gap_us, lognormal_us

PROJECT = "ops-agent"
MODEL_MIX = ((GPT_4O, 0.6), (CLAUDE_SONNET, 0.3), (GPT_4O_MINI, 0.1))
BETA_MODEL_MIX = ((CLAUDE_SONNET, 1.0),)

SYSTEM_PROMPT = (
    "You are Lumio Ops Copilot, an assistant for Lumio's operations team. Use the tools to look up orders, "
    "customers, shipments, weather and stock, and to open tickets, refunds and reschedules. Never invent "
    "order data or claim an action you did not take with a tool. Answer in concise markdown. Today is {today}."
)

# Median latency (ms) of each tool's backend.
_TOOL_LATENCY_MS = {
    "search_orders": 160,
    "get_shipment_status": 650,
    "get_weather": 320,
    "lookup_customer": 90,
    "create_ticket": 420,
    "issue_refund": 900,
    "check_inventory": 140,
    "reschedule_delivery": 700,
}

TASKS: tuple[Callable[[random.Random, Scenario], AgentScript], ...] = (
    ops_lookups.order_status,
    ops_lookups.order_status,
    ops_lookups.customer_orders,
    ops_lookups.weather_delay,
    ops_lookups.stock_check,
    ops_lookups.business_account,
    ops_lookups.ambiguous_customer,
    ops_lookups.compare_hubs,
    ops_lookups.unknown_order,
    ops_lookups.escalation_email,
    ops_actions.storm_orders,
    ops_actions.damaged_ticket,
    ops_actions.refund,
    ops_actions.reschedule,
    ops_actions.outage_incident,
)

_PREAMBLES = (
    "Let me look that up.",
    "I'll check the order details first.",
    "I'll start by pulling the relevant records.",
)


def _tool_error(rng: random.Random, call: ToolCall, sc: Scenario) -> str:
    name = call.name
    if name == "search_orders":
        return (
            'psycopg.OperationalError: connection to server at "orders-db.internal" (10.0.3.14), port 5432 '
            "failed: timeout expired"
        )
    if name == "get_shipment_status":
        slug = sc.carrier.lower().replace(" ", "")
        return (
            "httpx.HTTPStatusError: Server error '503 Service Unavailable' for url "
            f"'https://api.{slug}.example/track/v2/{sc.tracking}'"
        )
    if name == "get_weather":
        return (
            "requests.exceptions.HTTPError: 429 Client Error: Too Many Requests for url: "
            f"https://api.weather.example/v1/forecast?q={call.args.get('city', '')}&days=2"
        )
    if name == "issue_refund":
        return (
            f"stripe.error.InvalidRequestError: Request req_{rng.getrandbits(56):014x}: Refund amount "
            f"({call.args.get('amount')}) is greater than unrefunded amount on charge (0.00)"
        )
    if name == "reschedule_delivery":
        return "CarrierAPIError: rescheduling is not available for parcels already out for delivery"
    if name == "lookup_customer":
        return "KeyError: 'email'"
    if name == "check_inventory":
        return "TimeoutError: inventory service did not respond within 5.0s"
    return "httpx.HTTPStatusError: Client error '422 Unprocessable Entity' for url 'https://desk.lumio.example/api/v2/tickets'"


def _chat_name(model: ModelSpec) -> str:
    return "ChatAnthropic" if model.provider == "anthropic" else "ChatOpenAI"


def _tool_call_message(rng: random.Random, model: ModelSpec, calls: list[ToolCall]) -> dict[str, Any]:
    content = rng.choice(_PREAMBLES) if model.provider == "anthropic" else None
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {
                "id": f"call_{rng.getrandbits(96):024x}",
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.args, ensure_ascii=False)},
            }
            for call in calls
        ],
    }


def _script_with_quality(rng: random.Random, script: AgentScript) -> tuple[AgentScript, Quality]:
    roll = rng.random()
    if script.action_round is not None and roll < 0.09:
        del script.rounds[script.action_round]
        return script, "hallucinated"
    if script.weak_answer is not None and roll < 0.14:
        script.answer = script.weak_answer
        return script, "weak"
    return script, "good"


def build_ops_trace(rng: random.Random, *, model: ModelSpec, fail: bool, start: datetime) -> BuiltTrace:
    sc = new_scenario(rng, start.date())
    script, quality = _script_with_quality(rng, rng.choice(TASKS)(rng, sc))
    root = Span(
        name="ops_copilot",
        run_type="chain",
        inputs={"input": script.request, "requested_by": sc.agent_name, "channel": "slack"},
        start_us=0,
        end_us=0,
    )
    steps = len(script.rounds) * 2 + 1  # plan + tools per round, then the final answer
    failing_step = rng.randrange(steps) if fail else -1
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT.format(today=sc.today.isoformat())},
        {"role": "user", "content": script.request},
    ]
    t = gap_us(rng)
    for index, calls in enumerate([*script.rounds, []]):
        reply = (
            _tool_call_message(rng, model, calls)
            if calls
            else {"role": "assistant", "content": script.answer}
        )
        chat = llm_span(
            rng,
            name=_chat_name(model),
            model=model,
            messages=list(messages),
            reply=reply,
            start_us=t,
            temperature=0.0,
            extra_inputs={"tools": tool_schemas()},
            extra_prompt_tokens=TOOL_SCHEMA_TOKENS,
        )
        root.children.append(chat)
        if failing_step == index * 2:
            error, waited = llm_error(rng, model)
            fail_llm(chat, error, waited)
            return _failed(rng, root, chat.end_us, error)
        t = chat.end_us + gap_us(rng)
        if not calls:
            break
        messages.append(reply)
        for call, request in zip(calls, reply["tool_calls"], strict=True):
            tool = Span(
                name=call.name,
                run_type="tool",
                inputs=dict(call.args),
                outputs={"output": call.result},
                start_us=t,
                end_us=t + lognormal_us(rng, _TOOL_LATENCY_MS[call.name], 0.55),
                metadata={"tool_call_id": request["id"]},
            )
            root.children.append(tool)
            if failing_step == index * 2 + 1:
                error = _tool_error(rng, call, sc)
                tool.fail(error)
                return _failed(rng, root, tool.end_us, error)
            t = tool.end_us + gap_us(rng)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": request["id"],
                    "content": json.dumps(call.result, ensure_ascii=False),
                }
            )
    root.outputs = {"output": script.answer}
    close_root(root, t)
    return BuiltTrace(root=root, quality=quality)


def _failed(rng: random.Random, root: Span, end_us: int, error: str) -> BuiltTrace:
    root.fail(root_traceback(rng, "ops_copilot/agent", "run_agent", error))
    close_root(root, end_us + gap_us(rng))
    return BuiltTrace(root=root, quality="error")
