"""LangSmith examples over our datasets: an example found by its id alone, and the examples a call to
datasets.add_examples just made (LangSmith answers with them; our service answers with counts)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import NotFound
from reviewdesk.services.datasets import CHUNK, public_example
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store.database import Database


def get_example(db: Database, actor: Actor, example_id: uuid.UUID) -> dict[str, Any]:
    """The live example with this id, in whichever dataset holds it."""
    actor.require(Permission.MANAGE_DATASETS)
    with db.read() as conn:
        row = datasets_store.live_revision(conn, example_id)
    if row is None:
        raise NotFound(f"no example {example_id}", field="example_id")
    return public_example(row)


def example_of_run(db: Database, actor: Actor, dataset_id: uuid.UUID, run_id: uuid.UUID) -> dict[str, Any]:
    """The dataset's live example made from this run."""
    actor.require(Permission.MANAGE_DATASETS)
    with db.read() as conn:
        row = datasets_store.live_revision_of_run(conn, dataset_id, run_id)
    if row is None:
        raise NotFound(f"no example from run {run_id} in this dataset", field="source_run_id")
    return public_example(row)


def _canonical(value: Any) -> bytes:
    # Sorted keys: PostgreSQL's jsonb gives objects back in its own key order, not the order sent.
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _key(example: dict[str, Any]) -> tuple:
    return (
        _canonical(example.get("inputs") or {}),
        _canonical(example.get("outputs")),
        _canonical(example.get("metadata") or {}),
        example.get("split"),
        str(example.get("source_run_id") or ""),
    )


def examples_added_at(
    db: Database, actor: Actor, dataset_id: uuid.UUID, version: int, given: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The examples version `version` added, in the order they were `given` (matched by content).

    Our add_examples assigns ids and reports counts, so the new revisions are read back: those whose
    version starts at `version`. This reads the dataset at that version once, page by page.
    """
    actor.require(Permission.MANAGE_DATASETS)
    fresh: dict[tuple, list[dict[str, Any]]] = {}
    after = None
    while True:
        with db.read() as conn:
            rows = datasets_store.examples_at(
                conn, dataset_id, version, split=None, limit=CHUNK, after_id=after
            )
        if not rows:
            break
        after = rows[-1]["id"]
        for row in rows:
            if row["valid_from"] == version:
                fresh.setdefault(_key(row), []).append(public_example(row))
    return [fresh[_key(example)].pop(0) for example in given if fresh.get(_key(example))]
