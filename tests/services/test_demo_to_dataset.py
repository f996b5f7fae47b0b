"""The tutorial's loop end to end on demo data: reviews with corrections → a dataset from a filter →
every export format, read back and checked."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import jsonschema
import pyarrow.parquet as pq

from reviewdesk.domain.permissions import SYSTEM_ACTOR
from reviewdesk.services import datasets, demo, exports, queue_items, queues, review
from reviewdesk.services.demo_setup import _ensure_reviewers

# The shape OpenAI's chat fine-tuning accepts, one object per line.
OPENAI_CHAT_LINE = {
    "type": "object",
    "required": ["messages"],
    "additionalProperties": False,
    "properties": {
        "messages": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"enum": ["system", "user", "assistant", "tool", "developer"]},
                    "content": {"type": "string", "minLength": 1},
                },
            },
        }
    },
}


def _export(db, dataset_id, fmt: str) -> bytes:
    if fmt == "openai-chat":
        return b"".join(exports.dataset_chat_export(db, SYSTEM_ACTOR, dataset_id, {}).lines)
    return b"".join(exports.encode(exports.dataset_rows(db, SYSTEM_ACTOR, dataset_id, {}), fmt))


def test_demo_reviews_with_corrections_become_a_dataset_in_every_format(db):
    demo.load_demo(db, seed=11, n_traces=200, now=datetime.now(UTC))
    reviewer = _ensure_reviewers(db)[0]
    # The demo's month leaves its reviewers little pending: a fresh queue over the support answers.
    queue = queues.create_queue(
        db,
        SYSTEM_ACTOR,
        {
            "name": "rag-corrections",
            "reviewers": [str(reviewer.user_id)],
            "rubric": ["overall_quality", "groundedness"],
        },
    )
    queue_items.add_items(
        db, SYSTEM_ACTOR, queue["id"], {"filter": "is_root == true", "project": "support-rag"}
    )
    corrected: dict = {}
    answered = 0
    # Items tie on added_at and then go by random id, so walk until a few RAG answers were corrected;
    # every other answered run keeps its own output.
    while len(corrected) < 3:
        view = review.next_item(db, reviewer, queue["id"])
        if view is None:
            break
        run = view["runs"][0]
        body = {"answers": {"overall_quality": "good", "groundedness": "grounded"}}
        if isinstance((run["outputs"] or {}).get("answer"), str):
            answered += 1
            if answered % 2 == 1:
                body["correction"] = {"answer": f"Corrected: {run['outputs']['answer'][:60]}"}
                corrected[str(run["id"])] = body["correction"]
        review.submit(db, reviewer, view["item"]["id"], body)
    assert corrected

    dataset = datasets.create_dataset(db, SYSTEM_ACTOR, {"name": "rag-good"})
    added = datasets.add_examples(
        db,
        SYSTEM_ACTOR,
        dataset["id"],
        {"filter": 'feedback.overall_quality == "good"', "project": "support-rag"},
    )
    assert added["added"] > 0

    lines = [json.loads(line) for line in _export(db, dataset["id"], "jsonl").splitlines()]
    assert len(lines) == added["added"]
    for line in lines:
        assert set(line) >= {"id", "inputs", "outputs", "metadata", "split", "source_run_id"}
        if line["source_run_id"] in corrected:
            assert line["outputs"] == corrected[line["source_run_id"]]
            assert line["metadata"]["corrected"] is True
    assert any(line["source_run_id"] in corrected for line in lines)

    chat = [json.loads(line) for line in _export(db, dataset["id"], "openai-chat").splitlines()]
    assert chat
    for line in chat:
        jsonschema.validate(line, OPENAI_CHAT_LINE)
        assert line["messages"][-1]["role"] == "assistant"
        assert line["messages"][-2]["role"] == "user"

    rows = list(csv.DictReader(io.StringIO(_export(db, dataset["id"], "csv").decode())))
    assert [r["id"] for r in rows] == [line["id"] for line in lines]
    # CSV has no null: an absent output (an errored run) is an empty cell.
    assert [json.loads(r["outputs"]) if r["outputs"] else None for r in rows] == [
        line["outputs"] for line in lines
    ]

    table = pq.read_table(io.BytesIO(_export(db, dataset["id"], "parquet")))
    assert table.column("id").to_pylist() == [line["id"] for line in lines]
    assert [json.loads(v) for v in table.column("inputs").to_pylist()] == [line["inputs"] for line in lines]
