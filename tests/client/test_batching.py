"""The background ingest queue: merging, size-bounded batches, flush and errors."""

from __future__ import annotations

import json
import threading

import pytest

from reviewdesk.client._batching import BatchQueue, encode_batches, merge_entries


def run(run_id: str, **fields: object) -> dict[str, object]:
    return {"id": run_id, **fields}


def test_a_post_and_its_patch_merge_into_one_post() -> None:
    merged = merge_entries(
        [
            ("post", run("a", inputs={"q": 1}, outputs=None, metadata={"m": 1})),
            ("post", run("b", inputs={})),
            ("patch", run("a", outputs={"r": 2}, metadata={"m": 1, "n": 2}, error=None)),
            ("patch", run("c", outputs={})),
        ]
    )
    assert merged == [
        ("post", {"id": "a", "inputs": {"q": 1}, "outputs": {"r": 2}, "metadata": {"m": 1, "n": 2}}),
        ("post", {"id": "b", "inputs": {}}),
        ("patch", {"id": "c", "outputs": {}}),
    ]


def test_batches_stay_under_the_count_and_byte_limits() -> None:
    entries = [("post", run(str(i), inputs={"text": "x" * 100})) for i in range(10)]
    entries.append(("patch", run("p", outputs={})))
    one_run = len(json.dumps(entries[0][1], separators=(",", ":")))
    bodies = list(encode_batches(entries, batch_size=4, max_bytes=3 * one_run + 40))
    assert [count for _, count in bodies] == [3, 3, 3, 2]
    decoded = [json.loads(body) for body, _ in bodies]
    assert all(len(body) <= 3 * one_run + 40 for body, _ in bodies)
    assert [r["id"] for d in decoded for r in d["post"]] == [str(i) for i in range(10)]
    assert decoded[-1]["patch"] == [{"id": "p", "outputs": {}}]

    by_count = list(encode_batches(entries, batch_size=4, max_bytes=10**6))
    assert [count for _, count in by_count] == [4, 4, 3]


def test_a_run_over_the_byte_limit_goes_alone() -> None:
    entries = [("post", run("a")), ("post", run("big", inputs={"t": "x" * 5000})), ("post", run("c"))]
    assert [n for _, n in encode_batches(entries, batch_size=100, max_bytes=1000)] == [1, 1, 1]


class Recorder:
    """A send function that records bodies; it can be told to hold or to fail."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.release = threading.Event()
        self.release.set()
        self.fail_with: Exception | None = None

    def __call__(self, body: bytes) -> None:
        self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        self.bodies.append(json.loads(body))

    @property
    def ids(self) -> list[str]:
        return [r["id"] for b in self.bodies for r in b["post"] + b["patch"]]


def test_flush_sends_everything_queued_so_far() -> None:
    sent = Recorder()
    # An hour-long interval: only flush() (or a full batch) can make the thread send.
    queue = BatchQueue(sent, batch_size=1000, flush_interval=3600)
    for i in range(5):
        queue.put("post", run(str(i)))
    queue.flush()
    assert sent.ids == [str(i) for i in range(5)]
    assert queue.pending == 0
    queue.close()


def test_a_full_batch_is_sent_without_waiting_for_the_interval() -> None:
    sent = Recorder()
    queue = BatchQueue(sent, batch_size=3, flush_interval=3600)
    sent.release.clear()
    for i in range(3):
        queue.put("post", run(str(i)))
    sent.release.set()  # the batch was taken by the thread: it sends without any flush()
    with queue._cond:
        assert queue._cond.wait_for(lambda: queue._finished == 3, timeout=60)
    assert sent.ids == ["0", "1", "2"]
    queue.close()


def test_a_send_error_is_raised_by_the_next_flush_only() -> None:
    sent = Recorder()
    sent.fail_with = RuntimeError("server down")
    queue = BatchQueue(sent, flush_interval=3600)
    queue.put("post", run("a"))
    with pytest.raises(RuntimeError, match="server down"):
        queue.flush()
    sent.fail_with = None
    queue.put("post", run("b"))
    queue.flush()
    assert sent.ids == ["b"]
    queue.close()


def test_close_flushes_and_refuses_new_runs() -> None:
    sent = Recorder()
    queue = BatchQueue(sent, flush_interval=3600)
    queue.put("post", run("a"))
    queue.close()
    assert sent.ids == ["a"]
    with pytest.raises(RuntimeError, match="closed"):
        queue.put("post", run("b"))
    queue.close()


def test_flush_with_nothing_queued_returns_at_once() -> None:
    queue = BatchQueue(Recorder(), flush_interval=3600)
    queue.flush()
    queue.close()
