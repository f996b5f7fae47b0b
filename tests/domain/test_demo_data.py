"""The demo data generator: deterministic, shaped like the ingest API expects, and realistic in aggregate."""

from __future__ import annotations

import json
import statistics
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reviewdesk.domain.demo.models import MODELS
from reviewdesk.domain.demo_data import DemoTrace, generate_demo

NOW = datetime(2026, 11, 22, 15, 30, 0, tzinfo=UTC)
SEED = 20261122
RUN_KEYS = {
    "id",
    "trace_id",
    "parent_run_id",
    "dotted_order",
    "project",
    "name",
    "run_type",
    "inputs",
    "outputs",
    "error",
    "start_time",
    "end_time",
    "tags",
    "metadata",
    "session_id",
}
RUN_TYPES = {"chain", "llm", "tool", "retriever", "embedding", "prompt", "parser"}
FEEDBACK_KEYS = {"run_id", "key", "score", "value", "comment", "source", "created_at"}


@pytest.fixture(scope="module")
def traces() -> list[DemoTrace]:
    return list(generate_demo(SEED, 2000, NOW))


@pytest.fixture(scope="module")
def roots(traces: list[DemoTrace]) -> list[dict[str, Any]]:
    return [trace.runs[0] for trace in traces]


def _dump(traces: list[DemoTrace]) -> str:
    return json.dumps([[trace.runs, trace.feedback] for trace in traces], ensure_ascii=False)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _latency(run: dict[str, Any]) -> float:
    return (_time(run["end_time"]) - _time(run["start_time"])).total_seconds()


def test_same_seed_gives_identical_output() -> None:
    first = _dump(list(generate_demo(7, 300, NOW)))
    second = _dump(list(generate_demo(7, 300, NOW)))
    assert first == second


def test_different_seed_gives_different_output() -> None:
    assert _dump(list(generate_demo(7, 50, NOW))) != _dump(list(generate_demo(8, 50, NOW)))


def test_a_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    assert _dump(list(generate_demo(5, 120, NOW))) == _dump(list(generate_demo(5, 200, NOW))[:120])


def test_naive_now_is_read_as_utc() -> None:
    naive = NOW.replace(tzinfo=None)
    assert _dump(list(generate_demo(3, 40, naive))) == _dump(list(generate_demo(3, 40, NOW)))


def test_yields_exactly_the_requested_number_of_traces(traces: list[DemoTrace]) -> None:
    assert len(traces) == 2000
    assert list(generate_demo(1, 0, NOW)) == []
    assert len(list(generate_demo(1, 1, NOW))) == 1


def test_every_run_has_the_ingest_shape(traces: list[DemoTrace]) -> None:
    for trace in traces:
        for run in trace.runs:
            assert run.keys() >= RUN_KEYS
            assert run["run_type"] in RUN_TYPES
            assert str(uuid.UUID(run["id"])) == run["id"]
            assert run["start_time"].endswith("+00:00") and run["end_time"].endswith("+00:00")
            assert isinstance(run["inputs"], dict) and isinstance(run["metadata"], dict)
            assert isinstance(run["tags"], list)
            assert (run["outputs"] is None) == (run["error"] is not None)
            if run["run_type"] == "llm" or run["parent_run_id"] is None:
                usage = run["usage"]
                assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
                assert isinstance(run["cost"], float) and run["cost"] >= 0


def test_trees_are_well_formed(traces: list[DemoTrace]) -> None:
    for trace in traces:
        root = trace.runs[0]
        assert root["parent_run_id"] is None
        assert root["trace_id"] == root["id"]
        seen: dict[str, dict[str, Any]] = {}
        for run in trace.runs:
            assert run["trace_id"] == root["id"]
            assert run["project"] == root["project"] and run["session_id"] == root["session_id"]
            segment = _time(run["start_time"]).strftime("%Y%m%dT%H%M%S%fZ") + run["id"]
            if run is root:
                assert run["dotted_order"] == segment
            else:
                parent = seen[run["parent_run_id"]]  # the parent is in the trace and comes first
                assert run["dotted_order"] == f"{parent['dotted_order']}.{segment}"
                assert _time(parent["start_time"]) <= _time(run["start_time"])
                assert _time(run["end_time"]) <= _time(parent["end_time"])
            assert _time(run["start_time"]) <= _time(run["end_time"])
            seen[run["id"]] = run
        assert len(seen) == len(trace.runs)


def test_root_carries_the_trace_totals(traces: list[DemoTrace]) -> None:
    for trace in traces:
        root, children = trace.runs[0], trace.runs[1:]
        billed = [run for run in children if "usage" in run]
        assert root["usage"]["prompt_tokens"] == sum(run["usage"]["prompt_tokens"] for run in billed)
        assert root["usage"]["completion_tokens"] == sum(run["usage"]["completion_tokens"] for run in billed)
        assert root["cost"] == pytest.approx(sum(run["cost"] for run in billed), abs=1e-7)


def test_llm_runs_name_a_priced_model_and_cost_follows_tokens(traces: list[DemoTrace]) -> None:
    llm_runs = [run for trace in traces for run in trace.runs if run["run_type"] == "llm"]
    for run in llm_runs:
        model = MODELS[run["metadata"]["ls_model_name"]]
        assert run["metadata"]["model"] == run["inputs"]["model"] == model.name
        usage = run["usage"]
        assert run["cost"] == model.cost(usage["prompt_tokens"], usage["completion_tokens"])
        if run["error"] is None:
            reply = run["outputs"]["choices"][0]["message"]
            text = (reply.get("content") or "") + json.dumps(reply.get("tool_calls") or [])
            assert usage["completion_tokens"] <= len(text) // 2 + 20
    assert len({run["metadata"]["ls_model_name"] for run in llm_runs}) >= 3


def test_three_apps_with_their_span_shapes(traces: list[DemoTrace]) -> None:
    shapes: dict[str, set[str]] = {}
    for trace in traces:
        shapes.setdefault(trace.runs[0]["project"], set()).update(run["run_type"] for run in trace.runs)
    assert {"support-rag", "ops-agent", "invoice-extraction"} <= shapes.keys()
    assert {"chain", "retriever", "embedding", "llm"} <= shapes["support-rag"]
    assert {"chain", "llm", "tool"} <= shapes["ops-agent"]
    assert {"chain", "prompt", "llm", "parser"} <= shapes["invoice-extraction"]


def test_retrieved_documents_and_tool_calls_look_real(traces: list[DemoTrace]) -> None:
    runs = [run for trace in traces for run in trace.runs if run["outputs"] is not None]
    for run in runs:
        if run["run_type"] == "retriever":
            assert run["inputs"]["query"]
            for document in run["outputs"]["documents"]:
                assert document["page_content"] and document["metadata"]["source"].startswith("https://")
    tool_names = {run["name"] for run in runs if run["run_type"] == "tool"}
    assert {"search_orders", "get_weather", "lookup_customer", "create_ticket"} <= tool_names
    planned = [
        call
        for run in runs
        if run["run_type"] == "llm"
        for call in run["outputs"]["choices"][0]["message"].get("tool_calls") or []
    ]
    assert planned and all(isinstance(json.loads(call["function"]["arguments"]), dict) for call in planned)


def test_about_two_percent_of_traces_fail_on_a_child(traces: list[DemoTrace]) -> None:
    failed = [trace for trace in traces if trace.runs[0]["error"] is not None]
    assert 0.01 <= len(failed) / len(traces) <= 0.04
    for trace in failed:
        failing_children = [run for run in trace.runs[1:] if run["error"] is not None]
        assert failing_children
        assert failing_children[-1]["error"].splitlines()[0] in trace.runs[0]["error"]
    assert all(
        run["error"] is None for trace in traces if trace.runs[0]["error"] is None for run in trace.runs
    )


def test_latency_is_long_tailed(roots: list[dict[str, Any]]) -> None:
    latencies = sorted(_latency(root) for root in roots)
    assert latencies[len(latencies) // 2] < 5
    assert latencies[-1] > 10
    assert sum(0.5 <= latency <= 4 for latency in latencies) / len(latencies) > 0.6
    assert any(latency > 30 for latency in latencies)


def test_everything_happens_in_the_30_days_before_now(traces: list[DemoTrace]) -> None:
    earliest = NOW - timedelta(days=30)
    for trace in traces:
        for run in trace.runs:
            assert earliest < _time(run["start_time"]) < NOW
            assert _time(run["end_time"]) < NOW
        root_end = _time(trace.runs[0]["end_time"])
        for feedback in trace.feedback:
            assert root_end < _time(feedback["created_at"]) < NOW


def test_traffic_follows_working_hours(roots: list[dict[str, Any]]) -> None:
    hours = Counter(_time(root["start_time"]).hour for root in roots)
    assert sum(hours[h] for h in range(9, 17)) > 3 * sum(hours[h] for h in range(0, 8))


def test_root_metadata_and_tags(roots: list[dict[str, Any]]) -> None:
    for root in roots:
        metadata = root["metadata"]
        assert {
            "eval_score",
            "confidence",
            "app_version",
            "environment",
            "user_id",
            "tenant_id",
        } <= metadata.keys()
        assert 0 <= metadata["eval_score"] <= 1 and 0 <= metadata["confidence"] <= 1
        assert metadata["environment"] in root["tags"] and root["project"] in root["tags"]
    environments = Counter(root["metadata"]["environment"] for root in roots)
    assert environments["production"] / len(roots) > 0.85
    assert any("beta" in root["tags"] for root in roots)
    assert statistics.median(root["metadata"]["eval_score"] for root in roots) > 0.7
    failed = [root["metadata"]["eval_score"] for root in roots if root["error"]]
    succeeded = [root["metadata"]["eval_score"] for root in roots if not root["error"]]
    assert statistics.mean(failed) < statistics.mean(succeeded) - 0.3


def test_feedback_shape_and_proportions(traces: list[DemoTrace], roots: list[dict[str, Any]]) -> None:
    eval_scores = {root["id"]: root["metadata"]["eval_score"] for root in roots}
    ratings: list[dict[str, Any]] = []
    judged: list[dict[str, Any]] = []
    for trace in traces:
        for feedback in trace.feedback:
            assert set(feedback) == FEEDBACK_KEYS
            assert feedback["run_id"] == trace.runs[0]["id"]
            (ratings if feedback["key"] == "user_rating" else judged).append(feedback)
    assert 0.2 <= len(ratings) / len(roots) <= 0.4
    for rating in ratings:
        assert rating["source"] == "user"
        assert (rating["value"], rating["score"]) in {("positive", 1.0), ("negative", 0.0)}
    negative = [rating for rating in ratings if rating["value"] == "negative"]
    positive = [rating for rating in ratings if rating["value"] == "positive"]
    assert 0.03 <= len(negative) / len(roots) <= 0.08
    assert statistics.mean(eval_scores[r["run_id"]] for r in negative) < statistics.mean(
        eval_scores[r["run_id"]] for r in positive
    )
    assert any(rating["comment"] for rating in negative)
    assert judged and all(f["key"] == "correctness" and f["source"] == "model" for f in judged)
    assert all(0 <= f["score"] <= 1 for f in judged)


def test_support_chats_sometimes_continue_in_the_same_session(traces: list[DemoTrace]) -> None:
    sessions: dict[str, list[dict[str, Any]]] = {}
    for trace in traces:
        root = trace.runs[0]
        if root["project"] == "support-rag":
            sessions.setdefault(root["session_id"], []).append(root)
    conversations = [turns for turns in sessions.values() if len(turns) > 1]
    assert len(conversations) > 20
    for first, second, *_ in conversations:
        assert _time(first["end_time"]) < _time(second["start_time"])
        assert second["inputs"]["chat_history"][0]["content"] == first["inputs"]["question"]


def test_texts_vary_and_include_unicode_and_markup(
    traces: list[DemoTrace], roots: list[dict[str, Any]]
) -> None:
    questions = [root["inputs"]["question"] for root in roots if root["project"] == "support-rag"]
    requests = [root["inputs"]["input"] for root in roots if root["project"] == "ops-agent"]
    assert len(set(questions)) / len(questions) > 0.75
    assert len(set(requests)) / len(requests) > 0.75
    dumped = _dump(traces)
    assert "<script>alert(1)</script>" in dumped
    assert any(not text.isascii() for text in questions)
    answers = [
        root["outputs"].get("answer") or root["outputs"].get("output") or ""
        for root in roots
        if root["project"] != "invoice-extraction" and root["outputs"]
    ]
    assert any(len(answer) > 1000 for answer in answers)
    assert any("**" in answer or "\n1. " in answer for answer in answers)  # markdown
