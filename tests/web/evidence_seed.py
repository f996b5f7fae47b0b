"""Runs as real clients send them, for the evidence tests: LangChain through the unmodified LangSmith
SDK (to this test's server on 127.0.0.1), an OpenAI chat call with tool calls, a long unbroken token."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import accounts, ingest, queue_items, queues, runs
from reviewdesk.store.database import Database
from tests.web.seed import World

LC_MODEL = "claude-3-haiku-20240307"
OPENAI_MODEL = "gpt-4o-mini-2024-07-18"
LONG_TOKEN = "x" * 3000
KB = [
    (
        "kb/router-reset",
        "Resetting the AX3000 router",
        "Hold the reset button for 10 seconds until the light blinks.",
    ),
    (
        "kb/router-lights",
        "What the router lights mean",
        "A blinking orange light means the router is restarting.",
    ),
]


@dataclass
class Evidence:
    lc_chat_run: uuid.UUID
    lc_rag_trace: uuid.UUID
    lc_rag_llm_run: uuid.UUID
    openai_run: uuid.UUID
    long_run: uuid.UUID
    evidence_queue: dict[str, Any]
    blind_queue: dict[str, Any]
    conditional_queue: dict[str, Any]
    loop_queue: dict[str, Any]
    agent_queue: dict[str, Any]
    order: list[uuid.UUID] = field(default_factory=list)


def _trace_with_langchain(base_url: str, api_key: str) -> tuple[uuid.UUID, uuid.UUID]:
    """A chat model call and a RAG chain, traced by LangChain's own tracer through the LangSmith SDK."""
    import langsmith
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.runnables import RunnableLambda
    from langchain_core.tracers.langchain import LangChainTracer

    class KbRetriever(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list:
            return [
                Document(
                    page_content=text, metadata={"source": source, "title": title, "score": 0.91 - i / 10}
                )
                for i, (source, title, text) in enumerate(KB)
            ]

    client = langsmith.Client(api_url=f"{base_url}/langsmith", api_key=api_key)
    tracer = LangChainTracer(client=client, project_name="lc-evidence")
    chat_id, rag_id = uuid.uuid4(), uuid.uuid4()
    model = GenericFakeChatModel(
        messages=iter([AIMessage(content="Hold the **reset** button for 10 seconds.")])
    )
    model.invoke(
        [SystemMessage("You are a support agent."), HumanMessage("How do I reset my AX3000 router?")],
        config={"callbacks": [tracer], "run_id": chat_id, "metadata": {"ls_model_name": LC_MODEL}},
    )
    answer = GenericFakeChatModel(
        messages=iter([AIMessage(content="Hold reset for 10 s; the light blinks.")])
    )
    retriever = KbRetriever()

    def prompt(question: str) -> list:
        docs = retriever.invoke(question)
        context = "\n".join(d.page_content for d in docs)
        return [SystemMessage(f"Answer from these sources:\n{context}"), HumanMessage(question)]

    chain = (RunnableLambda(prompt) | answer).with_config(run_name="support_rag")
    chain.invoke("How do I reset my router?", config={"callbacks": [tracer], "run_id": rag_id})
    tracer.wait_for_futures()
    client.flush()
    client.close()
    return chat_id, rag_id


def wait_for_run(db: Database, run_id: uuid.UUID) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        try:
            run = runs.get_run(db, SYSTEM_ACTOR, run_id)
            if run.get("outputs"):
                return run
        except Exception:  # noqa: BLE001 - not arrived yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} never arrived")
        time.sleep(0.1)


def _openai_run(start: datetime) -> dict[str, Any]:
    run_id = str(uuid.uuid4())
    return {
        "id": run_id,
        "trace_id": run_id,
        "name": "ChatOpenAI",
        "run_type": "llm",
        "project": "openai-evidence",
        "inputs": {
            "model": OPENAI_MODEL,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": "You look up orders before answering."},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Where is my order 1042? Here is the receipt."},
                        {"type": "image_url", "image_url": {"url": "https://example.com/receipt-1042.png"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_7",
                            "type": "function",
                            "function": {"name": "lookup_order", "arguments": '{"order_id": 1042}'},
                        }
                    ],
                },
                {
                    "role": "tool",
                    "tool_call_id": "call_7",
                    "content": '{"status": "shipped", "eta": "Friday"}',
                },
            ],
        },
        "outputs": {
            "id": "chatcmpl-1",
            "model": OPENAI_MODEL,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": "Order 1042 has shipped and arrives on Friday.",
                    },
                }
            ],
        },
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(milliseconds=900)).isoformat(),
        "metadata": {"ls_model_name": OPENAI_MODEL, "ls_provider": "openai"},
        "tags": [OPENAI_MODEL],
        "usage": {"prompt_tokens": 210, "completion_tokens": 18},
    }


def _simple_run(index: int, start: datetime, **fields: Any) -> dict[str, Any]:
    run_id = str(uuid.uuid4())
    payload = {
        "id": run_id,
        "trace_id": run_id,
        "name": "support_answer",
        "run_type": "chain",
        "project": "evidence-loop",
        "inputs": {"question": f"Loop question {index}: my router blinks orange, what now?"},
        "outputs": {"answer": f"Answer {index}: wait a minute, it is restarting."},
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(milliseconds=300)).isoformat(),
    }
    payload.update(fields)
    return payload


AGENT_MODELS = ("claude-3-5-sonnet-20241022", "gpt-4.1-2025-04-14")
HTML_IN_DOC = "<b>Unplug</b> the router first & wait."
HTML_IN_ARGS = "<script>alert(1)</script>"


def _agent_trace(variant: int, start: datetime) -> list[dict[str, Any]]:
    """One variant of a RAG agent: a retriever span with documents and an LLM span that calls a tool;
    the root's output is the conversation with the tool call, its result and the answer. Both
    documents and the tool's arguments hold markup, which must show as text."""
    model = AGENT_MODELS[variant]
    root, retriever, llm = (str(uuid.uuid4()) for _ in range(3))
    question = "My order 1042 has not arrived and the router blinks orange. What now?"
    call = {
        "id": f"call_{variant}",
        "type": "function",
        "function": {"name": "lookup_order", "arguments": f'{{"order_id": 1042, "note": "{HTML_IN_ARGS}"}}'},
    }
    conversation = [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"status": "shipped", "eta": "Friday"}'},
        {"role": "assistant", "content": f"Variant {variant + 1}: it ships Friday; unplug the router."},
    ]
    documents = [
        {
            "page_content": HTML_IN_DOC if i == 0 else text,
            "metadata": {"source": source, "title": title, "score": 0.9 - i / 10},
        }
        for i, (source, title, text) in enumerate(KB)
    ]

    def at(ms: int) -> str:
        return (start + timedelta(milliseconds=ms)).isoformat()

    named = {"ls_model_name": model, "ls_provider": "anthropic" if variant == 0 else "openai"}
    return [
        {
            "id": root,
            "trace_id": root,
            "name": "support_agent",
            "run_type": "chain",
            "project": "agent-evidence",
            "inputs": {"question": question},
            "outputs": {"messages": conversation},
            "start_time": at(0),
            "end_time": at(1500),
            "metadata": named,
        },
        {
            "id": retriever,
            "trace_id": root,
            "parent_run_id": root,
            "name": "kb_search",
            "run_type": "retriever",
            "project": "agent-evidence",
            "inputs": {"query": question},
            "outputs": {"documents": documents},
            "start_time": at(10),
            "end_time": at(200),
        },
        {
            "id": llm,
            "trace_id": root,
            "parent_run_id": root,
            "name": "chat_model",
            "run_type": "llm",
            "project": "agent-evidence",
            "inputs": {"model": model, "messages": [{"role": "user", "content": question}]},
            "outputs": {"model": model, "choices": [{"index": 0, "message": conversation[0]}]},
            "start_time": at(210),
            "end_time": at(1400),
            "metadata": named,
        },
    ]


def make_evidence(db: Database, world: World, base_url: str) -> Evidence:
    key = accounts.create_api_key(db, SYSTEM_ACTOR, world.admin.id, name="langchain tracer")["key"]
    chat_id, rag_id = _trace_with_langchain(base_url, key)
    wait_for_run(db, chat_id)
    wait_for_run(db, rag_id)
    rag_trace = runs.get_trace(db, SYSTEM_ACTOR, rag_id)
    spans: list[dict[str, Any]] = []
    stack = list(rag_trace["roots"])
    while stack:
        node = stack.pop()
        spans.append(node)
        stack.extend(node["children"])
    rag_llm = next(s for s in spans if s["run_type"] == "llm")
    now = datetime.now(UTC)
    openai = _openai_run(now - timedelta(minutes=30))
    long_text = (
        "Here is the key you asked for:\n\n"
        + LONG_TOKEN
        + "\n\n"
        + "\n".join(f"Line {i}: more detail about the router." for i in range(80))
    )
    long_run = _simple_run(0, now - timedelta(minutes=29), name="long_token", outputs={"answer": long_text})
    loop_runs = [_simple_run(i + 1, now - timedelta(minutes=20 - i / 10)) for i in range(12)]
    agents = [_agent_trace(v, now - timedelta(minutes=25 - v)) for v in (0, 1)]
    ingest.ingest_batch(
        db, SYSTEM_ACTOR, post=[openai, long_run, *loop_runs, *agents[0], *agents[1]], patch=None
    )
    reviewers = [str(world.reviewer.id)]
    evidence_queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "evidence",
            "rubric": [{"key": "overall_quality", "required": True}],
            "reviewers": reviewers,
        },
    )
    order = [chat_id, rag_id, uuid.UUID(openai["id"]), uuid.UUID(long_run["id"])]
    for priority, run_id in enumerate(order):  # reviewed in this order
        queue_items.add_items(
            db, SYSTEM_ACTOR, evidence_queue["id"], {"run_ids": [str(run_id)], "priority": 10 - priority}
        )
    blind_queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "blind-pairs",
            "kind": "pairwise",
            "blind": True,
            "blind_hides_scores": True,
            "rubric": [{"key": "helpfulness"}],
            "reviewers": reviewers,
        },
    )
    queue_items.add_items(db, SYSTEM_ACTOR, blind_queue["id"], {"pairs": [[str(chat_id), openai["id"]]]})
    conditional_queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "conditional",
            "rubric": [
                {"key": "overall_quality", "required": True},
                {
                    "key": "groundedness",
                    "visible_if": {"field": "overall_quality", "equals": "bad"},
                    "required_if": {"field": "overall_quality", "equals": "bad"},
                    "instructions": "Why was it bad?",
                },
            ],
            "reviewers": reviewers,
        },
    )
    queue_items.add_items(
        db, SYSTEM_ACTOR, conditional_queue["id"], {"run_ids": [r["id"] for r in loop_runs[:2]]}
    )
    loop_queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "keyboard-loop",
            "rubric": [{"key": "overall_quality", "required": True}],
            "reviewers": reviewers,
        },
    )
    queue_items.add_items(db, SYSTEM_ACTOR, loop_queue["id"], {"run_ids": [r["id"] for r in loop_runs]})
    agent_queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "blind-agents",
            "kind": "pairwise",
            "blind": True,
            "rubric": [{"key": "helpfulness"}],
            "reviewers": reviewers,
        },
    )
    queue_items.add_items(
        db, SYSTEM_ACTOR, agent_queue["id"], {"pairs": [[agents[0][0]["id"], agents[1][0]["id"]]]}
    )
    return Evidence(
        lc_chat_run=chat_id,
        lc_rag_trace=rag_id,
        lc_rag_llm_run=rag_llm["id"],
        openai_run=uuid.UUID(openai["id"]),
        long_run=uuid.UUID(long_run["id"]),
        evidence_queue=evidence_queue,
        blind_queue=blind_queue,
        conditional_queue=conditional_queue,
        loop_queue=loop_queue,
        agent_queue=agent_queue,
        order=order,
    )
