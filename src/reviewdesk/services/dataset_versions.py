"""Reading a dataset as it was at a version or a tag, and naming versions with tags."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import audit
from reviewdesk.services.clock import utcnow
from reviewdesk.services.datasets import CHUNK, TAG_LATEST, load_dataset, public_example
from reviewdesk.store import datasets as datasets_store
from reviewdesk.store.database import Database


def resolve_version(conn: Connection, dataset: dict[str, Any], version: Any, tag: Any) -> int:
    if version is not None and tag is not None:
        raise Invalid("give a version or a tag, not both", field="version")
    if tag is not None and tag != TAG_LATEST:
        found = datasets_store.tag_version(conn, dataset["id"], tag)
        if found is None:
            raise NotFound(f"no tag {tag!r} on this dataset", field="tag")
        return found
    if version is None:
        return dataset["version"]
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= dataset["version"]:
        raise Invalid(f"must be a version from 0 to {dataset['version']}", field="version")
    return version


def list_examples(
    db: Database,
    actor: Actor,
    dataset_id: uuid.UUID,
    *,
    version: Any = None,
    tag: Any = None,
    split: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> tuple[list, str | None]:
    after = parse_uuid(cursor, "cursor") if cursor else None
    with db.read() as conn:
        dataset = load_dataset(conn, actor, dataset_id)
        at = resolve_version(conn, dataset, version, tag)
        rows = datasets_store.examples_at(conn, dataset_id, at, split=split, limit=limit + 1, after_id=after)
    more = len(rows) > limit
    rows = rows[:limit]
    return [public_example(r) for r in rows], (str(rows[-1]["id"]) if more else None)


def iter_examples(
    db: Database,
    actor: Actor,
    dataset_id: uuid.UUID,
    *,
    version: Any = None,
    tag: Any = None,
    split: str | None = None,
) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The dataset and a generator over its examples at a version, page by page (constant memory)."""
    with db.read() as conn:
        dataset = load_dataset(conn, actor, dataset_id)
        at = resolve_version(conn, dataset, version, tag)

    def pages() -> Iterator[dict[str, Any]]:
        after = None
        while True:
            with db.read() as conn:
                rows = datasets_store.examples_at(
                    conn, dataset_id, at, split=split, limit=CHUNK, after_id=after
                )
            if not rows:
                return
            yield from (public_example(r) for r in rows)
            after = rows[-1]["id"]

    return {**dataset, "exported_version": at}, pages()


def tag_version(db: Database, actor: Actor, dataset_id: uuid.UUID, payload: dict[str, Any]) -> dict[str, Any]:
    tag = payload.get("tag") if isinstance(payload, dict) else None
    if not isinstance(tag, str) or not tag.strip() or len(tag) > 100 or tag == TAG_LATEST:
        raise Invalid("must be a name other than 'latest'", field="tag")
    with db.write() as conn:
        dataset = load_dataset(conn, actor, dataset_id)
        version = resolve_version(conn, dataset, payload.get("version"), None)
        datasets_store.set_tag(
            conn, {"dataset_id": dataset_id, "tag": tag, "version": version, "created_at": utcnow()}
        )
        audit.record(conn, actor, "dataset.tag", "dataset", dataset_id, {"tag": tag, "version": version})
        return {"tag": tag, "version": version}
