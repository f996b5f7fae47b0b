"""Tracing without a server: what the decorator and the context manager queue for ingest."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from reviewdesk.client import Client, RunTree, get_current_run


class Ingest:
    """A scripted server that keeps every run sent to /runs/batch, folded by id like the real one."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.runs: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        for part in ("post", "patch"):
            for run in body[part]:
                stored = self.runs.setdefault(run["id"], {})
                stored.update({k: v for k, v in run.items() if v is not None})
        return httpx.Response(202, json={"accepted": len(body["post"]) + len(body["patch"])})

    def named(self, name: str) -> dict[str, Any]:
        (run,) = [r for r in self.runs.values() if r["name"] == name]
        return run


@pytest.fixture
def ingest() -> Ingest:
    return Ingest()


@pytest.fixture
def sdk(ingest: Ingest) -> Iterator[Client]:
    with Client("http://rd.test", transport=httpx.MockTransport(ingest), flush_interval=3600) as c:
        yield c


def test_nested_decorators_build_a_tree(sdk: Client, ingest: Ingest) -> None:
    @sdk.trace(run_type="tool", tags=["t"])
    def lookup(order_id: str, *, verbose: bool = False) -> dict[str, str]:
        return {"status": "shipped"}

    @sdk.trace
    def answer(question: str, n: int = 3) -> str:
        current = sdk.get_current_run()
        assert current is not None and current.name == "answer"
        lookup("A-1")
        return "tomorrow"

    assert answer("where?") == "tomorrow"
    sdk.flush()
    root, child = ingest.named("answer"), ingest.named("lookup")
    assert root["inputs"] == {"question": "where?", "n": 3}
    assert root["outputs"] == {"output": "tomorrow"}
    assert root["trace_id"] == root["id"] and "parent_run_id" not in root  # a null is not stored
    assert child["inputs"] == {"order_id": "A-1", "verbose": False}
    assert child["outputs"] == {"status": "shipped"}
    assert (child["parent_run_id"], child["trace_id"]) == (root["id"], root["id"])
    assert child["run_type"] == "tool" and child["tags"] == ["t"]
    assert child["dotted_order"].startswith(root["dotted_order"] + ".")
    assert child["dotted_order"].endswith(child["id"])
    assert re.fullmatch(r"\d{8}T\d{6}\d{6}Z" + root["id"], root["dotted_order"])
    assert root["start_time"] <= child["start_time"] <= child["end_time"] <= root["end_time"]
    assert get_current_run() is None


def test_a_post_and_patch_still_queued_are_sent_as_one_post(sdk: Client, ingest: Ingest) -> None:
    with sdk.trace("step"):
        pass
    sdk.flush()
    assert len(ingest.requests) == 1
    assert len(ingest.requests[0]["post"]) == 1 and ingest.requests[0]["patch"] == []


def test_a_long_running_parent_is_sent_before_it_ends(sdk: Client, ingest: Ingest) -> None:
    with sdk.trace("parent") as parent:
        sdk.flush()
        assert ingest.named("parent")["id"] == str(parent.id)
        assert "end_time" not in ingest.named("parent")
    sdk.flush()
    assert "end_time" in ingest.named("parent")


def test_an_exception_is_recorded_and_reraised(sdk: Client, ingest: Ingest) -> None:
    @sdk.trace(name="fails")
    def fails() -> None:
        raise ValueError("no stock")

    with pytest.raises(ValueError, match="no stock"):
        fails()
    sdk.flush()
    error = ingest.named("fails")["error"]
    assert error.startswith("ValueError('no stock')")
    assert "Traceback" in error and "in fails" in error


def test_the_context_manager_records_what_the_block_sets(sdk: Client, ingest: Ingest) -> None:
    with sdk.trace("retrieve", run_type="retriever", inputs={"q": "x"}, metadata={"a": 1}) as run:
        run.add_metadata({"b": 2}, c=3)
        run.set_usage(prompt_tokens=10, completion_tokens=5)
        run.add_tags("fast")
        run.end(outputs={"docs": ["d1"]})
    sdk.flush()
    stored = ingest.named("retrieve")
    assert stored["inputs"] == {"q": "x"}
    assert stored["outputs"] == {"docs": ["d1"]}
    assert stored["metadata"] == {"a": 1, "b": 2, "c": 3}
    assert stored["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    assert stored["tags"] == ["fast"] and stored["run_type"] == "retriever"


@dataclass
class Doc:
    text: str


def test_values_of_any_type_are_recorded_without_failing(sdk: Client, ingest: Ingest) -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    @sdk.trace()
    def handle(doc: Doc, thing: object, ratio: float, *extra: Any, **options: Any) -> tuple[Doc, set[int]]:
        return doc, {1}

    handle(Doc("hi"), Opaque(), float("nan"), 1, 2, flag=True)
    sdk.flush()
    stored = ingest.named("handle")
    assert stored["inputs"] == {
        "doc": {"text": "hi"},
        "thing": "<opaque>",
        "ratio": None,
        "extra": [1, 2],
        "flag": True,
    }
    assert stored["outputs"] == {"output": [{"text": "hi"}, [1]]}


def test_methods_leave_self_out(sdk: Client, ingest: Ingest) -> None:
    class Agent:
        @sdk.trace()
        def act(self, goal: str) -> None:
            return None

    Agent().act("win")
    sdk.flush()
    assert ingest.named("act")["inputs"] == {"goal": "win"}
    assert ingest.named("act")["outputs"] == {"output": None}


def test_async_functions_nest_per_task(sdk: Client, ingest: Ingest) -> None:
    @sdk.trace()
    async def leaf(i: int) -> int:
        await asyncio.sleep(0)
        return i

    @sdk.trace()
    async def fan_out() -> list[int]:
        return list(await asyncio.gather(leaf(1), leaf(2)))

    # In a thread of its own: a browser test's sync Playwright, sharing this worker process, leaves an
    # event loop marked running on the main thread, where asyncio.run() refuses to start.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, fan_out()).result() == [1, 2]
    sdk.flush()
    root = ingest.named("fan_out")
    leaves = [r for r in ingest.runs.values() if r["name"] == "leaf"]
    assert sorted(r["outputs"]["output"] for r in leaves) == [1, 2]
    assert {r["parent_run_id"] for r in leaves} == {root["id"]}
    assert root["outputs"] == {"output": [1, 2]}


def test_threads_start_their_own_traces(sdk: Client, ingest: Ingest) -> None:
    seen: dict[str, RunTree | None] = {}

    def worker() -> None:
        seen["inside"] = get_current_run()

    with sdk.trace("main"):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen["inside"] is None


def test_the_client_project_applies_unless_a_trace_names_one(ingest: Ingest) -> None:
    transport = httpx.MockTransport(ingest)
    with Client("http://rd.test", transport=transport, project="support") as sdk:
        with sdk.trace("a"), sdk.trace("b"):
            pass
        with sdk.trace("c", project="other"):
            pass
    assert [ingest.named(n)["project"] for n in "abc"] == ["support", "support", "other"]


def test_tracing_after_close_does_not_break_the_app(ingest: Ingest) -> None:
    sdk = Client("http://rd.test", transport=httpx.MockTransport(ingest))
    sdk.close()

    @sdk.trace()
    def still_works() -> int:
        return 1

    assert still_works() == 1


def test_one_trace_object_may_be_entered_from_several_threads(sdk: Client, ingest: Ingest) -> None:
    shared = sdk.trace("shared-step")
    inner_entered, outer_may_exit = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def outer() -> None:
        with shared as run:
            seen["outer"] = run.id
            inner_entered.wait()
        outer_may_exit.set()

    def inner() -> None:
        with shared as run:
            seen["inner"] = run.id
            inner_entered.set()
            outer_may_exit.wait()  # the outer thread's block closes first
            seen["inner_current"] = get_current_run()

    threads = [threading.Thread(target=outer), threading.Thread(target=inner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen["inner_current"] is not None and seen["inner_current"].id == seen["inner"]
    sdk.flush()
    ended = {run_id for run_id, run in ingest.runs.items() if "end_time" in run}
    assert ended == {str(seen["outer"]), str(seen["inner"])}


def test_the_block_error_wins_over_a_send_error_on_exit(ingest: Ingest) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down")

    with (
        pytest.raises(KeyError),
        Client("http://rd.test", transport=httpx.MockTransport(refuse), max_retries=0) as sdk,
    ):
        with sdk.trace("doomed"):
            pass
        raise KeyError("the app's own error")
