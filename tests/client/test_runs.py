"""Runs through the SDK against the real server: traced trees, queue flushing, ingest and search."""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from reviewdesk.client import Client, FilterSyntaxError, InvalidRequest, NotFound, PayloadTooLarge
from tests.conftest import ADMIN_KEY

ARRIVAL_SECONDS = 60


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def traced_pipeline(sdk: Client, project: str) -> None:
    """A root chain with a retriever block, a failing tool and an llm call."""

    @sdk.trace(run_type="llm", project=project)
    def generate(prompt: str, temperature: float = 0.2) -> dict[str, str]:
        run = sdk.get_current_run()
        assert run is not None
        run.set_usage(prompt_tokens=12, completion_tokens=4)
        return {"text": "It ships tomorrow."}

    @sdk.trace(run_type="tool", project=project)
    def check_stock(sku: str) -> int:
        raise LookupError(f"unknown sku {sku}")

    @sdk.trace(name="answer_question", project=project, tags=["sdk-test"], metadata={"tenant": "t1"})
    def answer(question: str) -> str:
        with sdk.trace("retrieve", run_type="retriever", inputs={"query": question}) as run:
            run.end(outputs={"documents": ["orders.md"]})
        with contextlib.suppress(LookupError):
            check_stock("X-1")
        return generate(f"Q: {question}")["text"]

    assert answer("Where is my order?") == "It ships tomorrow."
    # Outside any trace again: the decorator reset the context.
    assert sdk.get_current_run() is None


def check_tree(sdk: Client, root_id: uuid.UUID, project: str) -> None:
    tree = sdk.get_trace(root_id)
    assert tree["run_count"] == 4
    (root,) = tree["roots"]
    assert (root["name"], root["run_type"], root["status"]) == ("answer_question", "chain", "success")
    assert root["inputs"] == {"question": "Where is my order?"}
    assert root["outputs"] == {"output": "It ships tomorrow."}
    assert root["tags"] == ["sdk-test"] and root["metadata"] == {"tenant": "t1"}
    assert root["project"] == project and root["is_root"] is True
    assert root["latency_ms"] is not None and root["latency_ms"] >= 0
    children = {c["name"]: c for c in root["children"]}
    assert list(children) == ["retrieve", "check_stock", "generate"]  # dotted_order = start order
    for child in children.values():
        assert child["parent_run_id"] == root["id"] and child["trace_id"] == root["id"]
        assert child["dotted_order"].startswith(root["dotted_order"] + ".")
        assert child["latency_ms"] is not None and child["project"] == project
    assert children["retrieve"]["outputs"] == {"documents": ["orders.md"]}
    assert children["retrieve"]["inputs"] == {"query": "Where is my order?"}
    failed = children["check_stock"]
    assert failed["status"] == "error" and failed["outputs"] is None
    assert failed["error"].startswith("LookupError('unknown sku X-1')") and "Traceback" in failed["error"]
    llm = children["generate"]
    assert llm["inputs"] == {"prompt": "Q: Where is my order?", "temperature": 0.2}
    assert llm["outputs"] == {"text": "It ships tomorrow."}
    assert llm["usage"] == {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16}


def test_nested_traces_are_stored_as_a_tree(fresh_server_url: str) -> None:
    """On SQLite and PostgreSQL: the tree, names, inputs/outputs, the error run and latency."""
    project = unique("tree")
    with Client(fresh_server_url, ADMIN_KEY, flush_interval=3600) as sdk:
        traced_pipeline(sdk, project)
        sdk.flush()
        (root,) = sdk.search_runs(project=project, is_root=True)
        check_tree(sdk, root["id"], project)
        assert sdk.health()["database"] in ("sqlite", "postgresql")


def wait_for_run(sdk: Client, run_id: uuid.UUID, status: str = "success") -> dict:
    """Poll until the background thread has delivered the run (a wait, not a timing check)."""
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while True:
        try:
            run = sdk.get_run(run_id)
            if run["status"] == status:
                return run
        except NotFound:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} never arrived with status {status}")
        time.sleep(0.02)


def test_the_background_thread_sends_on_its_interval(server_url: str) -> None:
    with Client(server_url, ADMIN_KEY, flush_interval=0.05) as sdk:
        with sdk.trace("interval") as run:
            pass
        stored = wait_for_run(sdk, run.id)
        assert stored["name"] == "interval"


def test_the_background_thread_sends_a_full_batch_at_once(server_url: str) -> None:
    with Client(server_url, ADMIN_KEY, batch_size=4, flush_interval=3600) as sdk:
        with sdk.trace("first") as first:
            pass
        with sdk.trace("second") as second:
            pass  # 2 posts + 2 patches = a full batch, sent without flush() or the interval
        assert wait_for_run(sdk, second.id)["name"] == "second"
        assert sdk.get_run(first.id)["status"] == "success"


def test_flush_blocks_until_queued_runs_are_stored(admin: Client) -> None:
    project = unique("flush")
    ids = []
    for i in range(25):
        with admin.trace(f"step-{i}", project=project) as run:
            ids.append(run.id)
    admin.flush()
    assert admin.pending_runs == 0
    assert {r["id"] for r in admin.search_runs(project=project)} == {str(i) for i in ids}


def test_close_flushes_the_queue(server_url: str) -> None:
    with Client(server_url, ADMIN_KEY, flush_interval=3600) as sdk, sdk.trace("closing") as run:
        pass
    with Client(server_url, ADMIN_KEY) as reader:
        assert reader.get_run(run.id)["status"] == "success"


def test_create_update_and_log_runs_synchronously(admin: Client) -> None:
    project = unique("sync")
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    created = admin.create_run(
        name="manual", project=project, inputs={"q": 1}, start_time=start, usage={"prompt_tokens": 3}
    )
    run_id = created["id"]
    assert admin.get_run(run_id)["status"] == "pending"
    admin.update_run(uuid.UUID(run_id), outputs={"a": 2}, end_time=start + timedelta(seconds=2))
    stored = admin.get_run(run_id)
    assert stored["status"] == "success" and stored["latency_ms"] == 2000
    assert stored["inputs"] == {"q": 1} and stored["usage"]["prompt_tokens"] == 3

    child_id = str(uuid.uuid4())
    posts = [{"name": f"bulk-{i}", "project": project, "inputs": {"text": "x" * 300}} for i in range(30)]
    posts.append({"id": child_id, "parent_run_id": run_id, "name": "child", "project": project})
    patches = [{"id": child_id, "outputs": {"done": True}, "end_time": datetime.now(UTC)}]
    # A tiny byte limit forces many requests; every run still arrives once.
    small = Client(admin.url, ADMIN_KEY, max_batch_bytes=2048)
    with small:
        assert small.log_runs(post=posts, patch=patches) == 31  # the child's post and patch fold
    assert len(list(admin.search_runs(project=project))) == 32
    child = admin.get_run(child_id)
    assert (child["trace_id"], child["status"], child["outputs"]) == (run_id, "success", {"done": True})


def test_search_walks_every_page_and_stops_at_the_limit(admin: Client) -> None:
    project = unique("pages")
    base = datetime(2026, 3, 1, tzinfo=UTC)
    posts = [
        {"name": f"r{i}", "project": project, "start_time": base + timedelta(minutes=i), "run_type": "llm"}
        for i in range(23)
    ]
    admin.log_runs(post=posts)
    names = [r["name"] for r in admin.search_runs(project=project, page_size=5)]
    assert names == [f"r{i}" for i in reversed(range(23))]  # newest first, 5 pages
    assert len(list(admin.search_runs(project=project, page_size=5, limit=12))) == 12
    matching = admin.search_runs(filter='run_type == "llm" and name == "r7"', project=project)
    assert [r["name"] for r in matching] == ["r7"]


def test_search_errors_are_typed(admin: Client) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        admin.search_runs(filter="latency_ms > and")
    assert caught.value.status == 400 and caught.value.field == "filter"
    assert caught.value.position is not None
    with pytest.raises(InvalidRequest) as invalid:
        admin.create_run(name="bad", run_type="nonsense")
    assert invalid.value.field == "post[0].run_type"
    with pytest.raises(NotFound):
        admin.get_trace(uuid.uuid4())


def test_projects(admin: Client) -> None:
    name = unique("proj")
    created = admin.create_project(name, description="from the SDK")
    assert admin.get_project(created["id"])["description"] == "from the SDK"
    assert [p["name"] for p in admin.list_projects(name=name)] == [name]
    assert name in {p["name"] for p in admin.list_projects(page_size=2)}


def test_a_run_over_the_server_body_limit_is_payload_too_large(admin: Client) -> None:
    oversized = {"name": "huge", "inputs": {"blob": "x" * (21 * 1024 * 1024)}}  # the server takes 20 MB
    with pytest.raises(PayloadTooLarge) as caught:
        admin.log_runs(post=[oversized])
    assert (caught.value.status, caught.value.field) == (413, "body")
