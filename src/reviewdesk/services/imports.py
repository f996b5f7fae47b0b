"""Importing JSONL files of runs or dataset examples in batches, each validated before it is written."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import IO, Any

import orjson

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Conflict, Invalid
from reviewdesk.services import datasets, ingest
from reviewdesk.store.database import Database


def _lines(handle: IO[bytes], on_bytes: Callable[[int], None] | None):  # type: ignore[no-untyped-def]
    for number, raw in enumerate(handle, 1):
        if on_bytes is not None:
            on_bytes(handle.tell())
        if not raw.strip():
            continue
        try:
            yield number, orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Invalid(f"line {number} is not JSON: {exc}", field=f"line {number}") from None


def import_jsonl(
    db: Database,
    actor: Actor,
    kind: str,
    handle: IO[bytes],
    *,
    dataset_name: str | None = None,
    batch: int = 500,
    on_bytes: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Each batch is one transaction: a bad line stops the import there and names its line number;
    the batches before it stay imported (re-running is safe: runs upsert by id)."""
    dataset_id = None
    if kind == "examples":
        with contextlib.suppress(Conflict):
            datasets.create_dataset(db, actor, {"name": dataset_name})
        dataset_id = datasets.get_dataset_by_name(db, actor, dataset_name or "")["id"]
    pending: list[Any] = []
    imported = lines = 0
    first_line = 1

    def flush() -> None:
        nonlocal imported
        if not pending:
            return
        try:
            if kind == "runs":
                imported += ingest.ingest_batch(db, actor, post=pending, patch=None)
            else:
                imported += datasets.add_examples(db, actor, dataset_id, {"examples": pending})["added"]
        except Invalid as exc:
            raise Invalid(
                f"in the batch starting at line {first_line}: {exc.message}", field=exc.field
            ) from None
        pending.clear()

    for number, value in _lines(handle, on_bytes):
        if not pending:
            first_line = number
        pending.append(value)
        lines += 1
        if len(pending) >= batch:
            flush()
    flush()
    return {"imported": imported, "lines": lines}
