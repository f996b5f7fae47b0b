"""Datasets and examples from the LangSmith SDK: bulk and single examples, an example copied from a run
(`use_source_run_io`), splits, numbered versions, updates and deletes, and the OpenAI fine-tuning JSONL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import langsmith as ls
import pytest

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import dataset_versions, datasets
from reviewdesk.store.database import Database
from tests.compat.conftest_langsmith import (
    SDK_WARNINGS,
    LiveServer,
    live_server,
    reset_sdk_globals,
    sdk_client,
)

pytestmark = SDK_WARNINGS


@dataclass
class Setup:
    server: LiveServer
    client: ls.Client
    run_id: uuid.UUID


@ls.traceable(name="answer")
def answer(question: str) -> dict:
    return {"answer": f"{question} Yes, within 30 days."}


@pytest.fixture
def setup(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    reset_sdk_globals(monkeypatch)
    with live_server(db) as server, sdk_client(server, auto_batch_tracing=False) as client:
        run_id = uuid.uuid4()
        with ls.tracing_context(client=client, enabled=True, project_name="faq-bot"):
            answer("Can I return shoes?", langsmith_extra={"run_id": run_id})
        yield Setup(server, client, run_id)


def _stored(db: Database, dataset_id: uuid.UUID, **at: object) -> dict[uuid.UUID, dict]:
    rows, _ = dataset_versions.list_examples(db, SYSTEM_ACTOR, dataset_id, limit=1000, **at)
    return {r["id"]: r for r in rows}


def test_examples_given_and_from_a_run(setup: Setup) -> None:
    client, db = setup.client, setup.server.db
    made = client.create_dataset("faq", description="Customer questions")
    assert datasets.get_dataset(db, SYSTEM_ACTOR, made.id)["description"] == "Customer questions"

    result = client.create_examples(
        dataset_id=made.id,
        examples=[
            {
                "inputs": {"question": "Do you ship abroad?"},
                "reference_outputs": {"answer": "To the EU."},
                "split": "train",
            },
            {
                "inputs": {"question": "Is there a warranty?"},
                "reference_outputs": {"answer": "Two years."},
                "metadata": {"topic": "warranty"},
                "split": "test",
            },
        ],
    )
    stored = _stored(db, made.id)
    assert result["count"] == 2 and {uuid.UUID(i) for i in result["example_ids"]} == set(stored)
    by_question = {e["inputs"]["question"]: e for e in stored.values()}
    assert by_question["Do you ship abroad?"]["split"] == "train"
    assert by_question["Is there a warranty?"]["metadata"] == {"topic": "warranty"}
    first_version = datasets.get_dataset(db, SYSTEM_ACTOR, made.id)["version"]

    copied = client.create_example(
        dataset_id=made.id, source_run_id=setup.run_id, use_source_run_io=True, split="train"
    )
    row = _stored(db, made.id)[copied.id]
    assert row["source_run_id"] == setup.run_id and copied.source_run_id == setup.run_id
    assert row["inputs"] == {"question": "Can I return shoes?"}
    assert row["outputs"] == {"answer": "Can I return shoes? Yes, within 30 days."}
    assert row["metadata"]["source_run_id"] == str(setup.run_id) and row["split"] == "train"

    run = client.read_run(setup.run_id)
    from_run = client.create_example_from_run(run, dataset_id=made.id)
    assert _stored(db, made.id)[from_run.id]["inputs"] == {"question": "Can I return shoes?"}

    listed = list(client.list_examples(dataset_id=made.id))
    assert {e.id for e in listed} == set(_stored(db, made.id))
    assert {e.inputs["question"] for e in client.list_examples(dataset_id=made.id, splits=["test"])} == {
        "Is there a warranty?"
    }
    assert client.list_dataset_splits(dataset_id=made.id) == ["test", "train"]
    # An older version, by number, still reads as it was.
    assert len(list(client.list_examples(dataset_id=made.id, as_of=str(first_version)))) == 2
    read = client.read_example(copied.id)
    assert read.dataset_id == made.id and read.metadata["dataset_split"] == ["train"]


def test_update_delete_and_openai_finetuning(setup: Setup) -> None:
    client, db = setup.client, setup.server.db
    made = client.create_dataset("ft")
    ids = [
        uuid.UUID(i)
        for i in client.create_examples(
            dataset_id=made.id,
            examples=[
                {"inputs": {"question": "Hi?"}, "reference_outputs": {"answer": "Hello!"}},
                {"inputs": {"question": "Bye?"}, "reference_outputs": {"answer": "Goodbye!"}},
                {"inputs": {"note": "no conversation here"}, "reference_outputs": {"x": 1}},
            ],
        )["example_ids"]
    ]
    hi = next(i for i, e in _stored(db, made.id).items() if e["inputs"].get("question") == "Hi?")
    client.update_example(hi, outputs={"answer": "Hello there!"}, split="train")
    stored = _stored(db, made.id)[hi]
    assert stored["outputs"] == {"answer": "Hello there!"} and stored["split"] == "train"

    lines = client.read_dataset_openai_finetuning(dataset_id=made.id)
    assert sorted(line["messages"][-1]["content"] for line in lines) == ["Goodbye!", "Hello there!"]
    assert all(line["messages"][0]["role"] == "user" for line in lines)

    client.delete_example(hi)
    assert hi not in _stored(db, made.id) and len(_stored(db, made.id)) == 2
    client.delete_examples([i for i in ids if i != hi])
    assert _stored(db, made.id) == {}
    assert len(list(client.list_datasets(dataset_name="ft"))) == 1
    client.delete_dataset(dataset_id=made.id)
    assert [d["name"] for d in datasets.list_datasets(db, SYSTEM_ACTOR)] == []


def test_unsupported_dataset_kinds_are_refused(setup: Setup) -> None:
    with pytest.raises(ls.utils.LangSmithError, match="key-value"):
        setup.client.create_dataset("chats", data_type=ls.schemas.DataType.chat)
