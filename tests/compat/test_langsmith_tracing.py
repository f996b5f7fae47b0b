"""The real langsmith SDK traces into ReviewDesk: @traceable nested calls over multipart (the default),
/runs/batch, and synchronous POST/PATCH /runs; what ReviewDesk stored is what the code ran."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import langsmith as ls
import pytest
from langsmith import run_trees
from packaging.version import Version

from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import (
    FLUSH_SECONDS,
    SDK_WARNINGS,
    LiveServer,
    by_name,
    live_server,
    reset_sdk_globals,
    sdk_client,
    set_sdk_env,
    stored_runs,
)

pytestmark = SDK_WARNINGS

BATCH_KEYS = {
    "use_multipart_endpoint",
    "size_limit",
    "size_limit_bytes",
    "scale_up_nthreads_limit",
    "scale_up_qsize_trigger",
    "scale_down_nempty_trigger",
}


@pytest.fixture
def server(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    reset_sdk_globals(monkeypatch)
    with live_server(db) as live:
        yield live


@ls.traceable(name="lookup", run_type="tool")
def lookup(order_id: str) -> dict:
    return {"status": "shipped", "order_id": order_id}


@ls.traceable(name="answer", run_type="chain", tags=["support"], metadata={"user_id": "u-7"})
def answer(question: str) -> str:
    found = lookup("A-17")
    return f"Your order is {found['status']}."


def _assert_nested_trace(db: Database, project: str) -> dict:
    runs = stored_runs(db, project)
    named = by_name(runs)
    assert set(named) == {"answer", "lookup"}
    root, child = named["answer"], named["lookup"]
    assert root["project"] == project and child["project"] == project
    assert root["is_root"] and root["parent_run_id"] is None
    assert child["parent_run_id"] == root["id"] and child["trace_id"] == root["id"]
    assert root["dotted_order"] and child["dotted_order"].startswith(root["dotted_order"] + ".")
    assert root["inputs"] == {"question": "Where is A-17?"}
    assert root["outputs"] == {"output": "Your order is shipped."}
    assert child["inputs"] == {"order_id": "A-17"} and child["outputs"]["status"] == "shipped"
    assert root["run_type"] == "chain" and child["run_type"] == "tool"
    assert root["tags"] == ["support"] and root["meta"]["user_id"] == "u-7"
    assert root["status"] == "success" and root["end_time"] is not None
    return root


def test_info_advertises_a_complete_batch_config(server: LiveServer) -> None:
    for prefix in ("/langsmith", "/langsmith/api/v1"):
        body = httpx.get(f"{server.url}{prefix}/info").json()
        assert set(body["batch_ingest_config"]) == BATCH_KEYS
        assert body["batch_ingest_config"]["use_multipart_endpoint"] is True
        assert body["instance_flags"]["zstd_compression_enabled"] is False
        # ≥ 0.8.10: the SDK may then send feedback as multipart parts, which we parse.
        assert Version(body["version"]) >= Version("0.8.10")


def test_traceable_in_the_default_multipart_mode(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Configured by environment only, as the tutorial does; @traceable uses the SDK's cached client."""
    set_sdk_env(monkeypatch, server, "support-bot")
    assert answer("Where is A-17?") == "Your order is shipped."
    client = run_trees.get_cached_client()
    try:
        client.flush(timeout=FLUSH_SECONDS)
    finally:
        client.close(timeout=FLUSH_SECONDS)
    assert "/langsmith/runs/multipart" in server.paths("POST")
    assert "/langsmith/runs/batch" not in server.paths("POST")
    root = _assert_nested_trace(server.db, "support-bot")
    assert root["extra"]["runtime"]["sdk"] == "langsmith-py"


def test_traceable_in_batch_mode(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client told `use_multipart_endpoint: false` (our /info with that one flag off) posts /runs/batch."""
    info = httpx.get(f"{server.endpoint}/info").json()
    info["batch_ingest_config"]["use_multipart_endpoint"] = False
    with sdk_client(server, info=info) as client:
        with ls.tracing_context(client=client, enabled=True, project_name="batch-bot"):
            answer("Where is A-17?")
        client.flush(timeout=FLUSH_SECONDS)
    assert "/langsmith/runs/batch" in server.paths("POST")
    assert "/langsmith/runs/multipart" not in server.paths("POST")
    _assert_nested_trace(server.db, "batch-bot")


def test_traceable_without_auto_batching(server: LiveServer) -> None:
    """`auto_batch_tracing=False`: POST /runs at each start, PATCH /runs/{id} at each end."""
    with (
        sdk_client(server, auto_batch_tracing=False) as client,
        ls.tracing_context(client=client, enabled=True, project_name="sync-bot"),
    ):
        answer("Where is A-17?")
    posts = [p for p in server.paths("POST") if p == "/langsmith/runs"]
    patches = [p for p in server.paths("PATCH") if p.startswith("/langsmith/runs/")]
    assert len(posts) == 2 and len(patches) == 2
    _assert_nested_trace(server.db, "sync-bot")


def test_an_error_and_a_late_patch_are_stored(server: LiveServer) -> None:
    @ls.traceable(name="boom", run_type="llm")
    def boom(prompt: str) -> str:
        raise ValueError("kaboom")

    with sdk_client(server, auto_batch_tracing=False) as client:
        with (
            ls.tracing_context(client=client, enabled=True, project_name="errors"),
            pytest.raises(ValueError),
        ):
            boom("hi")
        # A bare update_run sends nulls for everything it does not set: they must not erase.
        run = stored_runs(server.db, "errors")[0]
        client.update_run(run["id"], outputs={"output": "patched"}, end_time=run["end_time"])
    stored = stored_runs(server.db, "errors")[0]
    assert stored["status"] == "error" and stored["error"].startswith("ValueError('kaboom')")
    assert stored["outputs"] == {"output": "patched"}
    assert stored["name"] == "boom" and stored["run_type"] == "llm" and stored["inputs"] == {"prompt": "hi"}


def test_the_api_v1_endpoint_works_too(server: LiveServer) -> None:
    with sdk_client(server, path="/langsmith/api/v1") as client:
        with ls.tracing_context(client=client, enabled=True, project_name="v1-bot"):
            answer("Where is A-17?")
        client.flush(timeout=FLUSH_SECONDS)
    assert "/langsmith/api/v1/runs/multipart" in server.paths("POST")
    _assert_nested_trace(server.db, "v1-bot")


def test_a_plain_create_run_without_trace_fields_starts_its_own_trace(server: LiveServer) -> None:
    run_id = uuid.uuid4()
    with sdk_client(server) as client:
        client.create_run("plain", {"q": "?"}, "chain", project_name="plain", id=run_id)
        client.update_run(run_id, outputs={"a": "!"})
        client.flush(timeout=FLUSH_SECONDS)
        read = client.read_run(run_id)
    stored = stored_runs(server.db, ids=[run_id])[0]
    assert stored["trace_id"] == run_id and stored["dotted_order"].endswith(str(run_id))
    assert stored["outputs"] == {"a": "!"} and stored["project"] == "plain"
    assert read.id == run_id and read.trace_id == run_id and read.outputs == {"a": "!"}


def test_bad_keys_are_refused(server: LiveServer) -> None:
    response = httpx.post(f"{server.endpoint}/runs/batch", json={"post": []}, headers={"x-api-key": "nope"})
    assert response.status_code == 401
