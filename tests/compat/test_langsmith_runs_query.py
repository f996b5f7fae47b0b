"""`list_runs` over POST /runs/query: filter, trace_filter (on the trace's root), tree_filter (any run
of the trace), feedback_key/feedback_score and metadata pairs, is_root, trace, select and cursors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import langsmith as ls
import pytest

from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import (
    SDK_WARNINGS,
    live_server,
    reset_sdk_globals,
    sdk_client,
)

pytestmark = SDK_WARNINGS

PROJECT = "query-bot"


@dataclass
class Traces:
    client: ls.Client
    roots: dict[str, uuid.UUID]


@ls.traceable(name="lookup", run_type="tool")
def lookup(order_id: str) -> dict:
    if order_id == "missing":
        raise KeyError(order_id)
    return {"status": "shipped"}


@ls.traceable(name="search", run_type="retriever")
def search(text: str) -> list:
    return [text]


@ls.traceable(name="answer")
def answer(kind: str) -> str:
    if kind == "search":
        return str(search("refund policy"))
    try:
        return str(lookup(kind))
    except KeyError:
        return "not found"


@pytest.fixture
def traces(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Traces]:
    """Three traces (answer→lookup, answer→lookup failing, answer→search); thumbs on the first two."""
    reset_sdk_globals(monkeypatch)
    with live_server(db) as server, sdk_client(server, auto_batch_tracing=False) as client:
        roots = {}
        with ls.tracing_context(client=client, enabled=True, project_name=PROJECT):
            for kind, user in (("A-1", "u-1"), ("missing", "u-2"), ("search", "u-3")):
                roots[kind] = uuid.uuid4()
                answer(kind, langsmith_extra={"run_id": roots[kind], "metadata": {"user_id": user}})
        client.create_feedback(roots["A-1"], "user_score", score=1)
        client.create_feedback(roots["missing"], "user_score", score=0)
        yield Traces(client, roots)


def _names(runs: Iterator[ls.schemas.Run]) -> list[tuple[str, uuid.UUID]]:
    return sorted((r.name, r.trace_id) for r in runs)


def test_roots_and_children(traces: Traces) -> None:
    client, roots = traces.client, traces.roots
    assert {r.id for r in client.list_runs(project_name=PROJECT, is_root=True)} == set(roots.values())
    children = list(client.list_runs(project_name=PROJECT, is_root=False))
    assert len(children) == 3 and all(c.parent_run_id == c.trace_id for c in children)
    (child,) = client.list_runs(project_name=PROJECT, parent_run_id=roots["search"])
    assert child.name == "search" and child.parent_run_ids == [roots["search"]]
    tree = client.read_run(roots["A-1"], load_child_runs=True)
    assert [c.name for c in tree.child_runs] == ["lookup"]
    assert _names(client.list_runs(project_name=PROJECT, trace_id=roots["search"])) == sorted(
        [("answer", roots["search"]), ("search", roots["search"])]
    )


def test_feedback_pairs_in_filter_and_trace_filter(traces: Traces) -> None:
    client, roots = traces.client, traces.roots
    liked = 'and(eq(feedback_key, "user_score"), eq(feedback_score, 1))'
    assert [r.id for r in client.list_runs(project_name=PROJECT, filter=liked)] == [roots["A-1"]]
    # The documented pattern: children named "lookup" of traces whose root got a thumbs-up.
    picked = client.list_runs(project_name=PROJECT, filter='eq(name, "lookup")', trace_filter=liked)
    assert _names(picked) == [("lookup", roots["A-1"])]
    low = 'and(eq(feedback_key, "user_score"), lt(feedback_score, 0.5))'
    assert _names(client.list_runs(project_name=PROJECT, trace_filter=low)) == sorted(
        [("answer", roots["missing"]), ("lookup", roots["missing"])]
    )


def test_tree_filter_metadata_pairs_error_and_run_type(traces: Traces) -> None:
    client, roots = traces.client, traces.roots
    with_search = client.list_runs(project_name=PROJECT, is_root=True, tree_filter='eq(name, "search")')
    assert [r.id for r in with_search] == [roots["search"]]
    user = 'and(eq(metadata_key, "user_id"), eq(metadata_value, "u-2"))'
    assert [r.id for r in client.list_runs(project_name=PROJECT, filter=user, is_root=True)] == [
        roots["missing"]
    ]
    failed = list(client.list_runs(project_name=PROJECT, error=True))
    assert [(r.name, r.status) for r in failed] == [("lookup", "error")] and "KeyError" in failed[0].error
    assert [r.name for r in client.list_runs(project_name=PROJECT, run_type="retriever")] == ["search"]
    both = 'or(eq(run_type, "retriever"), and(eq(feedback_key, "user_score"), gte(feedback_score, 1)))'
    assert _names(client.list_runs(project_name=PROJECT, filter=both)) == sorted(
        [("answer", roots["A-1"]), ("search", roots["search"])]
    )


def test_select_and_feedback_stats(traces: Traces) -> None:
    client, roots = traces.client, traces.roots
    (run,) = client.list_runs(project_name=PROJECT, id=[roots["A-1"]], select=["name", "feedback_stats"])
    assert run.name == "answer" and run.outputs is None and run.trace_id == roots["A-1"]
    assert run.feedback_stats["user_score"]["n"] == 1 and run.feedback_stats["user_score"]["avg"] == 1.0
    full = client.read_run(roots["A-1"])
    assert full.outputs == {"output": "shipped"} or full.outputs["output"]
    assert full.extra["metadata"]["user_id"] == "u-1" and full.session_id is not None


def test_cursors_page_through_every_run_once(traces: Traces) -> None:
    client = traces.client
    project = client.read_project(project_name=PROJECT)
    body: dict = {"session": [str(project.id)], "limit": 2}
    seen: list[str] = []
    while True:
        page = client.request_with_retries("POST", "/runs/query", json=body).json()
        seen += [r["id"] for r in page["runs"]]
        assert all("attachments" not in r and r["trace_id"] and r["dotted_order"] for r in page["runs"])
        if not page["cursors"]["next"]:
            break
        body["cursor"] = page["cursors"]["next"]
    assert len(seen) == len(set(seen)) == 6


def test_unsupported_conditions_are_refused_not_ignored(traces: Traces) -> None:
    with pytest.raises(ls.utils.LangSmithError, match="natural-language"):
        list(traces.client.list_runs(project_name=PROJECT, query="runs about refunds"))
    with pytest.raises(ls.utils.LangSmithError, match="not supported"):
        list(traces.client.list_runs(project_name=PROJECT, data_source_type="whatever"))
