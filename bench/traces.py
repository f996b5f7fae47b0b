"""Synthetic traces for the benchmarks: a RAG agent's five spans, as an SDK would send them."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

SPANS_PER_TRACE = 5
PROJECTS = (
    "support-rag",
    "invoice-extraction",
    "ops-agent",
    "search-assistant",
    "sales-copilot",
    "onboarding-guide",
    "legal-review",
    "hr-helpdesk",
)
MODELS = ("gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "llama-3.1-70b")
TOOLS = ("lookup_order", "refund_status", "create_ticket", "check_inventory", "calendar_slots")
TAGS = ("production", "staging", "canary", "eu", "us", "mobile", "web", "beta")
_SUBJECTS = ("order", "refund", "invoice", "shipment", "subscription", "password reset", "warranty claim")
_ASKS = (
    "Where is my {s} #{n}? It was supposed to arrive last week and the tracking page has not moved.",
    "Can you tell me the status of my {s} {n}? I was charged twice and I would like to understand why.",
    "How do I change the address on {s} {n} before it ships? The old one is my previous apartment.",
    "I never received a confirmation email for {s} {n}; could you check whether it went through?",
)
_SYSTEM = (
    "You are a courteous support assistant for an online store. Answer only from the context "
    "documents; when they do not contain the answer, say so and offer to open a ticket."
)
_SNIPPET = (
    "Policy {k}: {s} requests are handled within {d} business days. Customers can follow progress "
    "from their account page; refunds return to the original payment method once approved."
)


def _question(rng: random.Random) -> str:
    return rng.choice(_ASKS).format(s=rng.choice(_SUBJECTS), n=rng.randint(10_000, 99_999))


def _documents(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "id": f"kb-{rng.randint(1, 5000)}",
            "score": round(rng.uniform(0.55, 0.95), 3),
            "text": _SNIPPET.format(k=rng.randint(1, 90), s=rng.choice(_SUBJECTS), d=rng.randint(2, 10)),
        }
        for _ in range(3)
    ]


def _usage(rng: random.Random, prompt_scale: int) -> dict[str, int]:
    prompt, completion = rng.randint(prompt_scale // 2, prompt_scale), rng.randint(40, 400)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _llm_seconds(rng: random.Random) -> float:
    # Log-normal around 1.5 s: about one LLM call in ten takes longer than 5 s.
    return min(rng.lognormvariate(0.4, 0.9), 60.0)


def _uuid(rng: random.Random) -> str:
    # Seeded, so that two runs of a benchmark load the same ids.
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _dotted(parent: str | None, at: datetime, run_id: str) -> str:
    own = at.strftime("%Y%m%dT%H%M%S%fZ") + run_id
    return own if parent is None else f"{parent}.{own}"


class _TraceBuilder:
    """Lays the spans out one after another under the root, as a sequential agent would."""

    def __init__(self, rng: random.Random, start: datetime, project: str) -> None:
        self.rng, self.project, self.clock = rng, project, start
        self.trace_id = _uuid(rng)
        self.root_order = _dotted(None, start, self.trace_id)
        self.model = rng.choice(MODELS)
        self.tags = rng.sample(TAGS, rng.randint(1, 3))

    def child(self, name: str, run_type: str, seconds: float, inputs: dict, outputs: dict) -> dict[str, Any]:
        run_id = _uuid(self.rng)
        start = self.clock + timedelta(milliseconds=self.rng.randint(1, 15))
        self.clock = start + timedelta(seconds=seconds)
        return {
            "id": run_id,
            "trace_id": self.trace_id,
            "parent_run_id": self.trace_id,
            "dotted_order": _dotted(self.root_order, start, run_id),
            "project": self.project,
            "name": name,
            "run_type": run_type,
            "inputs": inputs,
            "outputs": outputs,
            "start_time": _iso(start),
            "end_time": _iso(self.clock),
            "tags": self.tags,
            "metadata": {"model": self.model, "ls_provider": "openai"} if run_type == "llm" else {},
        }

    def llm(self, name: str, prompt: str, answer: str, prompt_scale: int) -> dict[str, Any]:
        messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": prompt}]
        run = self.child(name, "llm", _llm_seconds(self.rng), {"messages": messages}, {"content": answer})
        run["usage"] = _usage(self.rng, prompt_scale)
        return run


def make_trace(rng: random.Random, start: datetime, project: str) -> list[dict[str, Any]]:
    """Root chain → retriever → llm (plan) → tool → llm (answer); the root comes first."""
    trace = _TraceBuilder(rng, start, project)
    question = _question(rng)
    documents = _documents(rng)
    tool = rng.choice(TOOLS)
    answer = f"Thanks for your patience. {documents[0]['text'][:160]} I have also opened a ticket for you."
    children = [
        trace.child("retrieve_docs", "retriever", rng.uniform(0.05, 0.4), {"query": question}, {"documents": documents}),
        trace.llm("plan", f"Question: {question}\nDecide which tool to call.", f"call {tool}", 900),
        trace.child(tool, "tool", rng.uniform(0.02, 0.8), {"order": rng.randint(10_000, 99_999)}, {"status": "in transit", "eta_days": rng.randint(1, 9)}),
        trace.llm("answer", f"Question: {question}\nContext: {documents[0]['text']}", answer, 2400),
    ]  # fmt: skip
    root = {
        "id": trace.trace_id,
        "trace_id": trace.trace_id,
        "dotted_order": trace.root_order,
        "project": project,
        "name": "support_agent",
        "run_type": "chain",
        "inputs": {"question": question, "customer_tier": rng.choice(("free", "plus", "enterprise"))},
        "outputs": {"answer": answer},
        "start_time": _iso(start),
        "end_time": _iso(trace.clock + timedelta(milliseconds=rng.randint(2, 20))),
        "tags": trace.tags,
        "metadata": {
            "eval_score": round(rng.betavariate(4, 2), 3),
            "usage": {
                "llm_calls": 2,
                "total_tokens": sum(c["usage"]["total_tokens"] for c in children[1::2]),
            },
            "session_id": f"sess-{rng.randint(1, 50_000)}",
            "app_version": rng.choice(("1.8.2", "1.9.0", "1.9.1")),
        },
    }
    return [root, *children]


def generate_traces(
    seed: int, n_traces: int, *, now: datetime, days: float, projects: Sequence[str] = PROJECTS
) -> Iterator[list[dict[str, Any]]]:
    """`n_traces` traces spread over the `days` before `now`, oldest first, as they would arrive.

    Projects are skewed like real tenants (Zipf): the first has a third of the traffic, the last 5%.
    """
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(projects))]
    mean_gap = days * 86_400 / n_traces
    start = now - timedelta(days=days)
    for _ in range(n_traces):
        start += timedelta(seconds=rng.expovariate(1 / mean_gap))
        yield make_trace(rng, start, rng.choices(projects, weights)[0])


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
