"""Example revisions built from reviewed runs or from examples given directly, checked field by field."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.datasets import assign_split, check_proportions, example_from_run, split_key
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid
from reviewdesk.services.clock import utcnow
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store import feedback as feedback_store

MAX_EXAMPLES_PER_CALL = 10_000


def parse_split_rule(payload: dict[str, Any]) -> tuple[str | None, list[tuple[str, float]] | None]:
    split = payload.get("split")
    if split is not None and (not isinstance(split, str) or not split or len(split) > 50):
        raise Invalid("must be a split name such as train or test", field="split")
    proportions = payload.get("split_proportions")
    if split is not None and proportions is not None:
        raise Invalid("give a split or split_proportions, not both", field="split")
    return split, (check_proportions(proportions) if proportions is not None else None)


def new_revision(
    dataset: dict[str, Any],
    example: dict[str, Any],
    version: int,
    split: str | None,
    proportions: list[tuple[str, float]] | None,
) -> dict[str, Any]:
    example_id = example.get("id") or uuid.uuid4()
    chosen = example.get("split") or split
    if chosen is None and proportions:
        chosen = assign_split(split_key(dataset["id"], {**example, "id": example_id}), proportions)
    return {
        "id": example_id,
        "dataset_id": dataset["id"],
        "valid_from": version,
        "valid_to": None,
        "inputs": example.get("inputs"),
        "outputs": example.get("outputs"),
        "metadata": example.get("metadata") or {},
        "split": chosen,
        "source_run_id": example.get("source_run_id"),
        "created_at": utcnow(),
    }


def examples_from_runs(
    conn: Connection, dataset: dict[str, Any], run_rows: list[dict[str, Any]], gold: str = "latest"
) -> list[dict]:
    """Examples for runs not yet in the dataset; a reviewer's correction replaces the output."""
    present = datasets_store.live_source_runs(conn, dataset["id"], [r["id"] for r in run_rows])
    fresh = [r for r in run_rows if r["id"] not in present]
    feedback = feedback_store.for_runs(conn, [r["id"] for r in fresh])
    return [
        example_from_run({**r, "project": r.get("project")}, feedback.get(r["id"], []), gold) for r in fresh
    ]


def parse_direct_examples(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > MAX_EXAMPLES_PER_CALL:
        raise Invalid(f"must be a list of at most {MAX_EXAMPLES_PER_CALL} examples", field="examples")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise Invalid("must be an object with inputs and outputs", field=f"examples[{i}]")
        for key in ("inputs", "outputs", "metadata"):
            if item.get(key) is not None and not isinstance(item[key], dict):
                raise Invalid("must be a JSON object", field=f"examples[{i}].{key}")
        if item.get("split") is not None and not isinstance(item["split"], str):
            raise Invalid("must be a string", field=f"examples[{i}].split")
        out.append(
            {
                "id": parse_uuid(item.get("id"), f"examples[{i}].id"),
                "inputs": item.get("inputs") or {},
                "outputs": item.get("outputs"),
                "metadata": item.get("metadata") or {},
                "split": item.get("split"),
                "source_run_id": parse_uuid(item.get("source_run_id"), f"examples[{i}].source_run_id"),
            }
        )
    return out
