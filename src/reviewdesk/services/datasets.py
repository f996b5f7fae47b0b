"""Datasets: curated examples from reviewed runs or given directly; every change is a new version."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.datasets import (
    assign_split,
    check_gold_rule,
    check_proportions,
    example_from_run,
    split_key,
)
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Conflict, Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.dataset_example_rows import (
    MAX_EXAMPLES_PER_CALL,
    examples_from_runs,
    new_revision,
    parse_direct_examples,
    parse_split_rule,
)
from reviewdesk.services.runs import compile_filter, project_clause
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store import tables
from reviewdesk.store.database import Database

CHUNK = 500
TAG_LATEST = "latest"


def public_dataset(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    counts = datasets_store.count_at(conn, row["id"], row["version"])
    return {
        **{k: row[k] for k in ("id", "name", "description", "version", "created_at", "updated_at")},
        "example_count": sum(counts.values()),
        "splits": {k or "": v for k, v in counts.items()},
        "tags": {TAG_LATEST: row["version"], **datasets_store.tags_of(conn, row["id"])},
    }


def public_example(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "dataset_id": row["dataset_id"],
        "inputs": row["inputs"],
        "outputs": row["outputs"],
        "metadata": row["metadata"],
        "split": row["split"],
        "source_run_id": row["source_run_id"],
        "version": row["valid_from"],
        "created_at": row["created_at"],
    }


def create_dataset(db: Database, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    actor.require(Permission.MANAGE_DATASETS)
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    name, description = payload.get("name"), payload.get("description")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise Invalid("must be a non-empty string of at most 200 characters", field="name")
    if description is not None and not isinstance(description, str):
        raise Invalid("must be a string", field="description")
    now = utcnow()
    row = {
        "id": uuid.uuid4(),
        "name": name,
        "description": description,
        "version": 0,
        "created_at": now,
        "updated_at": now,
    }
    with db.write() as conn:
        if datasets_store.by_name(conn, name):
            raise Conflict(f"a dataset named {name!r} exists", field="name")
        datasets_store.insert(conn, row)
        audit.record(conn, actor, "dataset.create", "dataset", row["id"], {"name": name})
        return public_dataset(conn, row)


def load_dataset(conn: Connection, actor: Actor, dataset_id: uuid.UUID, *, for_update: bool = False) -> dict:
    actor.require(Permission.MANAGE_DATASETS)
    row = datasets_store.get(conn, dataset_id, for_update=for_update)
    if row is None:
        raise NotFound(f"no dataset {dataset_id}", field="dataset_id")
    return row


def get_dataset(db: Database, actor: Actor, dataset_id: uuid.UUID) -> dict[str, Any]:
    with db.read() as conn:
        return public_dataset(conn, load_dataset(conn, actor, dataset_id))


def get_dataset_by_name(db: Database, actor: Actor, name: str) -> dict[str, Any]:
    actor.require(Permission.MANAGE_DATASETS)
    with db.read() as conn:
        row = datasets_store.by_name(conn, name)
        if row is None:
            raise NotFound(f"no dataset named {name!r}", field="name")
        return public_dataset(conn, row)


def list_datasets(db: Database, actor: Actor) -> list[dict[str, Any]]:
    actor.require(Permission.MANAGE_DATASETS)
    with db.read() as conn:
        return [public_dataset(conn, r) for r in datasets_store.list_all(conn)]


def delete_dataset(db: Database, actor: Actor, dataset_id: uuid.UUID) -> None:
    with db.write() as conn:
        row = load_dataset(conn, actor, dataset_id)
        datasets_store.delete(conn, dataset_id)
        audit.record(conn, actor, "dataset.delete", "dataset", dataset_id, {"name": row["name"]})


def _bump(conn: Connection, dataset: dict[str, Any]) -> int:
    version = dataset["version"] + 1
    datasets_store.update(conn, dataset["id"], {"version": version, "updated_at": utcnow()})
    dataset["version"] = version
    return version


def add_examples(
    db: Database, actor: Actor, dataset_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """From run ids, from a filter, or given directly. One call makes one new version."""
    if not isinstance(payload, dict):
        raise Invalid("must be a JSON object", field="body")
    split, proportions = parse_split_rule(payload)
    gold = check_gold_rule(payload.get("gold"))
    sources = [k for k in ("run_ids", "filter", "examples") if k in payload]
    if len(sources) != 1:
        raise Invalid("give exactly one of run_ids, filter or examples", field="run_ids")
    where = None
    if "filter" in payload:
        where = compile_filter(db, payload["filter"])
        if payload.get("project") is not None:
            where.append(project_clause(db, payload["project"]))
        if payload.get("is_root", True) is not None:
            where.append(tables.runs.c.is_root.is_(bool(payload.get("is_root", True))))
    run_ids = None
    if "run_ids" in payload:
        if not isinstance(payload["run_ids"], list) or len(payload["run_ids"]) > MAX_EXAMPLES_PER_CALL:
            raise Invalid(f"must be a list of at most {MAX_EXAMPLES_PER_CALL} run ids", field="run_ids")
        run_ids = [parse_uuid(r, f"run_ids[{i}]", required=True) for i, r in enumerate(payload["run_ids"])]
    direct = parse_direct_examples(payload["examples"]) if "examples" in payload else None
    with db.write() as conn:
        dataset = load_dataset(conn, actor, dataset_id, for_update=True)
        version = _bump(conn, dataset)
        if direct is not None:
            given = [e["id"] for e in direct if e["id"]]
            taken = datasets_store.existing_example_ids(conn, given)
            if len(set(given)) != len(given):
                taken |= {i for i in given if given.count(i) > 1}
            if taken:
                raise Conflict(f"an example with id {sorted(taken, key=str)[0]} exists", field="examples")
            rows = [new_revision(dataset, e, version, split, proportions) for e in direct]
            datasets_store.insert_revisions(conn, rows)
            added, requested = len(rows), len(rows)
        elif run_ids is not None:
            found = runs_store.fetch_by_ids(conn, run_ids)
            missing = set(run_ids) - {r["id"] for r in found}
            if missing:
                raise Invalid(f"no run {sorted(missing, key=str)[0]}", field="run_ids")
            rows = [
                new_revision(dataset, e, version, split, proportions)
                for e in examples_from_runs(conn, dataset, found, gold)
            ]
            datasets_store.insert_revisions(conn, rows)
            added, requested = len(rows), len(run_ids)
        else:
            added, requested = _add_from_filter(conn, dataset, where or [], version, split, proportions, gold)
        audit.record(
            conn,
            actor,
            "dataset.add_examples",
            "dataset",
            dataset_id,
            {"version": version, "added": added, "source": sources[0]},
        )
        return {"added": added, "already_present": requested - added, "version": version}


def _add_from_filter(
    conn: Connection,
    dataset: dict[str, Any],
    where: list,
    version: int,
    split: str | None,
    proportions: list[tuple[str, float]] | None,
    gold: str = "latest",
) -> tuple[int, int]:
    added = requested = 0
    after = None
    while True:
        chunk = runs_store.search(conn, where, limit=CHUNK, after=after)
        if not chunk:
            return added, requested
        after = (chunk[-1]["start_time"], chunk[-1]["id"])
        rows = [
            new_revision(dataset, e, version, split, proportions)
            for e in examples_from_runs(conn, dataset, chunk, gold)
        ]
        datasets_store.insert_revisions(conn, rows)
        added += len(rows)
        requested += len(chunk)


def upsert_run_example(conn: Connection, actor: Actor, dataset_id: uuid.UUID, run_id: uuid.UUID) -> None:
    """Put a reviewed run into a dataset (a queue's default one), or refresh its example when a
    reviewer corrects it again. Runs in the caller's transaction; makes one new version."""
    dataset = datasets_store.get(conn, dataset_id, for_update=True)
    found = runs_store.fetch_by_ids(conn, [run_id])
    if dataset is None or not found:
        return
    example = example_from_run(found[0], feedback_store.for_runs(conn, [run_id]).get(run_id, []))
    version = _bump(conn, dataset)
    live = datasets_store.live_revision_of_run(conn, dataset_id, run_id)
    if live is not None:
        datasets_store.close_revision(conn, live["revision_id"], version)
        example = {**example, "id": live["id"], "split": live["split"]}
    datasets_store.insert_revisions(conn, [new_revision(dataset, example, version, None, None)])
    audit.record(
        conn,
        actor,
        "dataset.add_examples",
        "dataset",
        dataset_id,
        {"version": version, "added": 1, "source": "review_correction", "run_id": str(run_id)},
    )


def update_example(
    db: Database, actor: Actor, dataset_id: uuid.UUID, example_id: uuid.UUID, changes: dict[str, Any]
) -> dict[str, Any]:
    if not isinstance(changes, dict):
        raise Invalid("must be a JSON object", field="body")
    allowed = {"inputs", "outputs", "metadata", "split"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise Invalid(f"cannot be changed; allowed: {', '.join(sorted(allowed))}", field=unknown[0])
    for key in ("inputs", "outputs", "metadata"):
        if key in changes and changes[key] is not None and not isinstance(changes[key], dict):
            raise Invalid("must be a JSON object", field=key)
    split = changes.get("split")
    if split is not None and (not isinstance(split, str) or len(split) > 50):
        raise Invalid("must be a split name such as train or test, or null", field="split")
    with db.write() as conn:
        dataset = load_dataset(conn, actor, dataset_id, for_update=True)
        live = datasets_store.live_revision(conn, example_id)
        if live is None or live["dataset_id"] != dataset_id:
            raise NotFound(f"no example {example_id} in this dataset", field="example_id")
        version = _bump(conn, dataset)
        datasets_store.close_revision(conn, live["revision_id"], version)
        row = {
            **{k: v for k, v in live.items() if k != "revision_id"},
            **changes,
            "valid_from": version,
            "valid_to": None,
            "created_at": utcnow(),
        }
        datasets_store.insert_revisions(conn, [row])
        audit.record(
            conn,
            actor,
            "dataset.update_example",
            "dataset_example",
            example_id,
            {"dataset_id": str(dataset_id), "version": version, "changed": sorted(changes)},
        )
        return public_example(row)


def delete_example(db: Database, actor: Actor, dataset_id: uuid.UUID, example_id: uuid.UUID) -> int:
    with db.write() as conn:
        dataset = load_dataset(conn, actor, dataset_id, for_update=True)
        live = datasets_store.live_revision(conn, example_id)
        if live is None or live["dataset_id"] != dataset_id:
            raise NotFound(f"no example {example_id} in this dataset", field="example_id")
        version = _bump(conn, dataset)
        datasets_store.close_revision(conn, live["revision_id"], version)
        audit.record(
            conn,
            actor,
            "dataset.delete_example",
            "dataset_example",
            example_id,
            {"dataset_id": str(dataset_id), "version": version},
        )
        return version


def assign_splits(
    db: Database, actor: Actor, dataset_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """Re-split every live example by a deterministic hash of its source: re-running never shuffles."""
    proportions = check_proportions(payload.get("split_proportions") if isinstance(payload, dict) else None)
    with db.write() as conn:
        dataset = load_dataset(conn, actor, dataset_id, for_update=True)
        current = dataset["version"]
        version = _bump(conn, dataset)
        changed = 0
        after = None
        while rows := datasets_store.examples_at(
            conn, dataset_id, current, split=None, limit=CHUNK, after_id=after
        ):
            after = rows[-1]["id"]
            for live in rows:
                split = assign_split(split_key(dataset_id, live), proportions)
                if split == live["split"]:
                    continue
                datasets_store.close_revision(conn, live["revision_id"], version)
                datasets_store.insert_revisions(
                    conn,
                    [
                        {
                            **{k: v for k, v in live.items() if k != "revision_id"},
                            "split": split,
                            "valid_from": version,
                            "created_at": utcnow(),
                        }
                    ],
                )
                changed += 1
        audit.record(
            conn,
            actor,
            "dataset.assign_splits",
            "dataset",
            dataset_id,
            {"version": version, "changed": changed, "proportions": dict(proportions)},
        )
        return {"version": version, "changed": changed}
