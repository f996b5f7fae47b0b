"""Datasets and exports through the SDK against the real server: the tutorial's flow, streaming, errors."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from reviewdesk.client import Client, Conflict, ConnectionFailed, FilterSyntaxError, InvalidRequest, NotFound
from reviewdesk.client.export_stream import ExportStream
from tests.conftest import ADMIN_KEY

GOOD_FILTER = 'feedback.overall_quality == "good"'


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def chat_runs(sdk: Client, project: str, count: int) -> list[dict]:
    """Finished support-chat runs in `project`, stored before this returns."""
    runs = [
        {
            "id": str(uuid.uuid4()),
            "name": "support_chat",
            "run_type": "chain",
            "project": project,
            "inputs": {
                "messages": [
                    {"role": "system", "content": "You are Lumio support."},
                    {"role": "user", "content": f"Question {i}: where is order #{1000 + i}?"},
                ]
            },
            "outputs": {"answer": f"It ships on day {i}."},
            "start_time": "2026-01-05T10:00:00Z",
            "end_time": "2026-01-05T10:00:02Z",
        }
        for i in range(count)
    ]
    assert sdk.log_runs(post=runs) == count
    return runs


def reviewed_runs(sdk: Client, project: str) -> tuple[list[dict], list[str]]:
    """Six runs; four judged good (the first with a correction), two bad. Returns (runs, good ids)."""
    with contextlib.suppress(Conflict):
        sdk.create_feedback_config("overall_quality", "categorical", options=["good", "acceptable", "bad"])
    runs = chat_runs(sdk, project, 6)
    for i, run in enumerate(runs):
        correction = {"answer": "It ships tomorrow."} if i == 0 else None
        sdk.create_feedback(
            run["id"],
            "overall_quality",
            value="good" if i < 4 else "bad",
            comment=f"checked {i}",
            correction=correction,
            source="human",
        )
    return runs, [r["id"] for r in runs[:4]]


def test_the_tutorial_flow_from_reviews_to_exported_files(fresh_server_url: str, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: reviews → a dataset from a filter → JSONL, Parquet and chat exports."""
    out = tmp_path / "exports"  # tmp_path holds the server's SQLite files too
    out.mkdir()
    with Client(fresh_server_url, ADMIN_KEY, flush_interval=3600) as sdk:
        runs, good = reviewed_runs(sdk, "rag-prod")
        dataset = sdk.create_dataset("rag-good-examples-2026-q1", description="Human-verified good answers")
        assert (dataset["version"], dataset["example_count"]) == (0, 0)

        added = sdk.add_examples(dataset_name=dataset["name"], from_filter=GOOD_FILTER, project="rag-prod")
        assert added == {"added": 4, "already_present": 0, "version": 1}
        again = sdk.add_examples(dataset["id"], run_ids=good)
        assert again == {"added": 0, "already_present": 4, "version": 2}  # a version, though empty

        written = sdk.export(dataset["id"], path=out / "x.jsonl")
        assert written == out / "x.jsonl"
        lines = [json.loads(line) for line in written.read_text().splitlines()]
        assert len(lines) == 4
        assert {line["source_run_id"] for line in lines} == set(good)
        assert set(lines[0]) >= {"id", "inputs", "outputs", "metadata", "split", "source_run_id", "version"}
        corrected = next(line for line in lines if line["source_run_id"] == runs[0]["id"])
        assert corrected["outputs"] == {"answer": "It ships tomorrow."}
        assert list(out.iterdir()) == [written]  # no partial file left beside it

        parquet = sdk.export(dataset["id"], "parquet", path=out / "x.parquet")
        table = pq.read_table(parquet)
        assert table.num_rows == 4
        assert sorted(table.column("id").to_pylist()) == sorted(line["id"] for line in lines)
        assert json.loads(table.column("inputs")[0].as_py())["messages"][0]["role"] == "system"

        with sdk.export(dataset["id"], "openai-chat") as chat:
            assert chat.filename == "rag-good-examples-2026-q1-v2.jsonl"
            messages = [line["messages"] for line in chat]
        assert len(messages) == 4
        assert all([m["role"] for m in line] == ["system", "user", "assistant"] for line in messages)
        assert "It ships tomorrow." in {line[-1]["content"] for line in messages}

        me = sdk.me()
        expected = [
            {
                "run_id": f["run_id"],
                "input": run["inputs"],
                "output": run["outputs"],
                "score_key": f["key"],
                "score_value": f["value"],
                "comment": f["comment"],
                "reviewer": me["email"],
            }
            for run in runs
            for f in sdk.list_feedback(run_id=run["id"])
        ]
        rows = list(sdk.feedback_rows(filter='has_feedback_key("overall_quality")', project="rag-prod"))
        key = lambda row: (row["run_id"], row["score_key"])  # noqa: E731
        assert sorted(rows, key=key) == sorted(expected, key=key)
        assert list(sdk.feedback_rows(project="rag-prod", since="2999-01-01T00:00:00Z")) == []
        good_rows = sdk.feedback_rows(filter=GOOD_FILTER, project="rag-prod", key="overall_quality")
        assert sorted(row["run_id"] for row in good_rows) == sorted(good)


def test_feedback_rows_selected_by_a_feedback_filter(admin: Client) -> None:
    """The tutorial's own selection: `has_feedback_key("overall_quality")` on runs of a project."""
    project = unique("tutorial")
    runs, _ = reviewed_runs(admin, project)
    rows = list(admin.feedback_rows(filter='has_feedback_key("overall_quality")', project=project))
    assert {row["run_id"] for row in rows} == {run["id"] for run in runs}


def test_versions_tags_splits_and_example_edits(admin: Client) -> None:
    name = unique("ds")
    dataset = admin.create_dataset(name)
    assert admin.get_dataset(name=name)["id"] == dataset["id"]
    assert name in {d["name"] for d in admin.list_datasets()}

    given = [{"inputs": {"q": f"q{i}"}, "outputs": {"a": f"a{i}"}, "split": "train"} for i in range(3)]
    assert admin.add_examples(dataset["id"], examples=given)["version"] == 1
    assert admin.tag_version(dataset["id"], "v1") == {"tag": "v1", "version": 1}

    first = next(admin.list_examples(dataset["id"], limit=1))
    assert admin.update_example(dataset["id"], first["id"], outputs={"a": "fixed"})["version"] == 2
    assert admin.delete_example(dataset["id"], first["id"]) == 3
    assert len(list(admin.list_examples(dataset["id"]))) == 2
    at_v1 = list(admin.list_examples(dataset["id"], tag="v1"))
    assert len(at_v1) == 3 and first["id"] in {e["id"] for e in at_v1}
    assert len(list(admin.export(dataset["id"], version=2))) == 3
    assert {e["outputs"]["a"] for e in admin.export(dataset["id"], tag="v1")} == {"a0", "a1", "a2"}

    resplit = admin.assign_splits(dataset["id"], {"train": 0.5, "test": 0.5})
    assert resplit["version"] == 4
    assert admin.assign_splits(dataset["id"], {"train": 0.5, "test": 0.5})["changed"] == 0
    splits = admin.get_dataset(dataset["id"])["splits"]
    assert sum(splits.values()) == 2 and set(splits) <= {"train", "test"}
    for split, count in splits.items():
        assert len(list(admin.export(dataset["id"], split=split))) == count

    admin.delete_dataset(dataset["id"])
    with pytest.raises(NotFound):
        admin.get_dataset(dataset["id"])


def test_large_exports_stream_across_chunks_and_pages(admin: Client, tmp_path: Path) -> None:
    """Rows bigger than one read, a value with U+2028 (a line break to str.splitlines), CSV bytes."""
    dataset = admin.create_dataset(unique("big"))
    text = "x" * 2000 + "\u2028 \x85 end"
    given = [{"inputs": {"i": i, "text": text}, "outputs": {"a": str(i)}} for i in range(400)]
    admin.add_examples(dataset["id"], examples=given, split_proportions={"train": 0.8, "test": 0.2})

    rows = admin.export(dataset["id"])
    assert isinstance(rows, ExportStream)
    assert sorted(r["inputs"]["i"] for r in rows) == list(range(400))
    assert all(r["inputs"]["text"] == text for r in admin.export(dataset["id"]))
    assert len(list(admin.list_examples(dataset["id"], page_size=150))) == 400
    assert len(list(admin.list_examples(dataset["id"], limit=250, page_size=100))) == 250

    chunks = list(admin.export(dataset["id"], "csv"))
    assert all(isinstance(c, bytes) for c in chunks) and len(chunks) > 1
    table = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert len(table) == 400 and json.loads(table[0]["inputs"])["text"] == text

    # Stopping early releases the connection: the client goes on working.
    with admin.export(dataset["id"]) as stream:
        next(stream)
    assert admin.get_dataset(dataset["id"])["example_count"] == 400
    pq_bytes = b"".join(admin.export(dataset["id"], "parquet"))
    assert pq.read_table(io.BytesIO(pq_bytes)).num_rows == 400


def test_a_chat_export_says_how_many_examples_it_skipped_and_why(admin: Client) -> None:
    dataset = admin.create_dataset(unique("mixed-chat"))
    given = [
        {"inputs": {"question": "where is my order?"}, "outputs": {"answer": "It ships tomorrow."}},
        {"inputs": {"q": "1"}, "outputs": {"answer": "a"}},
        {"inputs": {"q": "2"}, "outputs": {"answer": "b"}},
        {"inputs": {"question": "and the colour?"}, "outputs": {"score": 1}},
    ]
    admin.add_examples(dataset["id"], examples=given)

    with admin.export(dataset["id"], "openai-chat") as chat:
        assert (chat.converted, chat.skipped) == (1, 3)
        assert chat.skipped_reasons == (
            "2 inputs hold no chat messages and no question; 1 outputs hold no final answer"
        )
        assert [line["messages"][-1]["content"] for line in chat] == ["It ships tomorrow."]
    with admin.export(dataset["id"]) as rows:
        assert (rows.converted, rows.skipped, rows.skipped_reasons) == (None, None, None)


def test_feedback_export_formats_and_pivot(admin: Client, tmp_path: Path) -> None:
    project = unique("fb")
    runs = chat_runs(admin, project, 3)
    key = unique("helpful")
    for run in runs:
        admin.create_feedback(run["id"], key, score=0.5, comment="ok")
    rows = list(admin.export_feedback(key=key))
    assert [r["run_id"] for r in rows] == [r["id"] for r in runs]  # oldest first
    assert all(r["project"] == project and r["score"] == 0.5 for r in rows)
    assert [r["score_value"] for r in admin.feedback_rows(key=key)] == [0.5] * 3

    path = admin.export_feedback(format="csv", key=key, path=tmp_path / "fb.csv")
    assert len(list(csv.DictReader(path.open()))) == 3
    pivot = list(admin.export_feedback(pivot=True, key=key, project=project))
    assert len(pivot) == 3 and all(r[f"{admin.me()['email']}:{key}"] == 0.5 for r in pivot)
    table = pq.read_table(admin.export_feedback(format="parquet", key=key, path=tmp_path / "fb.parquet"))
    assert table.num_rows == 3


def test_errors_are_typed(admin: Client, tmp_path: Path) -> None:
    dataset = admin.create_dataset(unique("errors"))
    with pytest.raises(FilterSyntaxError) as bad_filter:
        admin.add_examples(dataset["id"], from_filter="feedback.overall_quality ==")
    assert bad_filter.value.status == 400
    # Raised by the call itself, before any row is read.
    with pytest.raises(FilterSyntaxError):
        admin.export_feedback(filter="and(")
    with pytest.raises(FilterSyntaxError):
        admin.feedback_rows(filter="and(")

    with pytest.raises(NotFound) as no_tag:
        admin.export(dataset["id"], tag="nope")
    assert no_tag.value.field == "tag"
    with pytest.raises(NotFound):
        admin.export(dataset["id"], tag="nope", path=tmp_path / "never.jsonl")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(NotFound):
        list(admin.list_examples(dataset["id"], tag="nope"))
    with pytest.raises(NotFound):
        admin.get_dataset(name=unique("missing"))
    with pytest.raises(InvalidRequest) as bad_format:
        admin.export(dataset["id"], "xml")
    assert bad_format.value.field == "format"
    with pytest.raises(InvalidRequest):
        admin.export_feedback(format="openai-chat")
    with pytest.raises(Conflict):
        admin.create_dataset(dataset["name"])
    with pytest.raises(TypeError):
        admin.add_examples(dataset["id"], run_ids=[], from_filter=GOOD_FILTER)
    with pytest.raises(TypeError):
        admin.add_examples(dataset["id"], dataset_name=dataset["name"], run_ids=[])


def test_a_broken_transfer_raises_and_leaves_no_file(tmp_path: Path) -> None:
    """The server sent headers, then the connection dropped: no half file posing as an export."""

    class BreaksOff(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield b'{"id": 1}\n{"id": 2}\n'
            raise httpx.ReadError("connection reset")

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=BreaksOff(), headers={"content-type": "application/x-ndjson"})

    with Client("http://rd.test", "rd_key", transport=httpx.MockTransport(handle)) as sdk:
        with pytest.raises(ConnectionFailed):
            sdk.export(uuid.uuid4(), path=tmp_path / "cut.jsonl")
        assert list(tmp_path.iterdir()) == []
        rows = sdk.export(uuid.uuid4())
        assert next(rows) == {"id": 1} and next(rows) == {"id": 2}
        with pytest.raises(ConnectionFailed):
            next(rows)
