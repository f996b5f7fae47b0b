"""`client.runs.query_v2()` (POST /api/v2/runs/query), which the SDK names as list_runs' successor:
filters, selects and cursors through the real SDK's generated client; /info satisfies its version check."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import langsmith as ls
import pytest

from reviewdesk.api.langsmith.info import SERVER_VERSION
from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import SDK_WARNINGS, live_server, reset_sdk_globals, sdk_client

pytestmark = SDK_WARNINGS

PROJECT = "query-v2-bot"


@ls.traceable(name="lookup", run_type="tool")
def lookup(order_id: str) -> dict:
    if order_id == "missing":
        raise KeyError(order_id)
    return {"status": "shipped"}


@ls.traceable(name="answer")
def answer(kind: str) -> str:
    try:
        return str(lookup(kind))
    except KeyError:
        return "not found"


@dataclass
class Traces:
    client: ls.Client
    project_id: str
    roots: dict[str, uuid.UUID]


@pytest.fixture
def traces(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Traces]:
    reset_sdk_globals(monkeypatch)
    with live_server(db) as server, sdk_client(server, auto_batch_tracing=False) as client:
        roots = {}
        with ls.tracing_context(client=client, enabled=True, project_name=PROJECT):
            for kind in ("A-1", "missing", "B-2"):
                roots[kind] = uuid.uuid4()
                answer(kind, langsmith_extra={"run_id": roots[kind]})
        client.create_feedback(roots["A-1"], "user_score", score=1)
        yield Traces(client, str(client.read_project(project_name=PROJECT).id), roots)


def _query(client: ls.Client, **params: object) -> list:
    async def collect() -> list:
        return [run async for run in client.runs.query_v2(**params)]

    return asyncio.run(collect())


def test_no_version_warning_and_filters_selects(traces: Traces, caplog: pytest.LogCaptureFixture) -> None:
    client, roots = traces.client, traces.roots
    assert client.info.version == SERVER_VERSION
    with caplog.at_level(logging.WARNING, logger="langsmith"):
        runs = _query(client, project_ids=[traces.project_id], is_root=True, selects=["ID", "NAME", "STATUS"])
    assert not [r for r in caplog.records if "older than the minimum" in r.getMessage()]
    assert {uuid.UUID(r.id) for r in runs} == set(roots.values())
    assert {(r.name, r.status) for r in runs} == {("answer", "SUCCESS")}
    assert runs[0].inputs is None  # not selected, not sent

    failed = _query(
        client, project_ids=[traces.project_id], has_error=True, selects=["NAME", "ERROR", "TRACE_ID"]
    )
    assert [(r.name, r.trace_id) for r in failed] == [("lookup", str(roots["missing"]))]
    assert "KeyError" in failed[0].error
    tools = _query(client, project_ids=[traces.project_id], run_type="TOOL", selects=["RUN_TYPE", "INPUTS"])
    assert len(tools) == 3 and {r.run_type for r in tools} == {"TOOL"}
    assert {r.inputs["order_id"] for r in tools} == {"A-1", "missing", "B-2"}
    liked = _query(
        client,
        project_ids=[traces.project_id],
        filter='and(eq(feedback_key, "user_score"), eq(feedback_score, 1))',
        selects=["FEEDBACK_STATS", "OUTPUTS", "PARENT_RUN_IDS", "IS_ROOT"],
    )
    assert [uuid.UUID(r.id) for r in liked] == [roots["A-1"]]
    assert liked[0].feedback_stats["user_score"].avg == 1.0 and liked[0].is_root
    children = _query(
        client,
        project_ids=[traces.project_id],
        trace_id=str(roots["B-2"]),
        is_root=False,
        selects=["PARENT_RUN_IDS"],
    )
    assert [r.parent_run_ids for r in children] == [[str(roots["B-2"])]]


def test_cursor_pages_and_time_window(traces: Traces) -> None:
    client = traces.client
    # The SDK follows next_cursor page after page: every run once.
    every = _query(client, project_ids=[traces.project_id], page_size=2, selects=["ID"])
    assert len(every) == len({r.id for r in every}) == 6
    # LangSmith's window: max_start_time before these runs finds none.
    assert _query(client, project_ids=[traces.project_id], max_start_time="2020-01-01T00:00:00Z") == []


def test_unsupported_v2_calls_are_refused_by_name(traces: Traces) -> None:
    with pytest.raises(Exception, match="natural-language"):
        _query(traces.client, project_ids=[traces.project_id], ai_search="refund questions")
    with pytest.raises(Exception, match="selects"):
        _query(traces.client, project_ids=[traces.project_id], selects=["NOT_A_FIELD"])
    answer = traces.client.request_with_retries  # the v1 session, to see the v2 404's message
    with pytest.raises(ls.utils.LangSmithError, match=r"runs/query"):
        answer("GET", f"{traces.client.api_url}/api/v2/threads")
