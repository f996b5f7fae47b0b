"""Datasets, their versioned example revisions and tags."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.dialect import upsert_statement
from reviewdesk.store.tables import dataset_examples, dataset_tags, datasets


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(datasets.insert().values(**row))


def get(conn: Connection, dataset_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    query = sa.select(datasets).where(datasets.c.id == dataset_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(datasets).where(datasets.c.name == name)).mappings().first()
    return dict(row) if row else None


def list_all(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.select(datasets).order_by(datasets.c.name)).mappings()]


def update(conn: Connection, dataset_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(datasets.update().where(datasets.c.id == dataset_id).values(**values))


def delete(conn: Connection, dataset_id: uuid.UUID) -> None:
    conn.execute(datasets.delete().where(datasets.c.id == dataset_id))


def _at_version(dataset_id: uuid.UUID, version: int) -> list[sa.ColumnElement[bool]]:
    return [
        dataset_examples.c.dataset_id == dataset_id,
        dataset_examples.c.valid_from <= version,
        sa.or_(dataset_examples.c.valid_to.is_(None), dataset_examples.c.valid_to > version),
    ]


def examples_at(
    conn: Connection,
    dataset_id: uuid.UUID,
    version: int,
    *,
    split: str | None,
    limit: int,
    after_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """The examples as they were at `version`, ordered by example id for keyset paging."""
    query = sa.select(dataset_examples).where(*_at_version(dataset_id, version))
    if split is not None:
        query = query.where(dataset_examples.c.split == split)
    if after_id is not None:
        query = query.where(dataset_examples.c.id > after_id)
    query = query.order_by(dataset_examples.c.id).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def count_at(conn: Connection, dataset_id: uuid.UUID, version: int) -> dict[str | None, int]:
    query = (
        sa.select(dataset_examples.c.split, sa.func.count())
        .where(*_at_version(dataset_id, version))
        .group_by(dataset_examples.c.split)
    )
    return {split: n for split, n in conn.execute(query)}


def live_revision(conn: Connection, example_id: uuid.UUID) -> dict[str, Any] | None:
    query = sa.select(dataset_examples).where(
        dataset_examples.c.id == example_id, dataset_examples.c.valid_to.is_(None)
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def existing_example_ids(conn: Connection, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    query = sa.select(dataset_examples.c.id).where(dataset_examples.c.id.in_(list(ids))).distinct()
    return {i for (i,) in conn.execute(query)}


def live_revision_of_run(conn: Connection, dataset_id: uuid.UUID, run_id: uuid.UUID) -> dict[str, Any] | None:
    query = sa.select(dataset_examples).where(
        dataset_examples.c.dataset_id == dataset_id,
        dataset_examples.c.source_run_id == run_id,
        dataset_examples.c.valid_to.is_(None),
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def live_source_runs(conn: Connection, dataset_id: uuid.UUID, run_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not run_ids:
        return set()
    query = sa.select(dataset_examples.c.source_run_id).where(
        dataset_examples.c.dataset_id == dataset_id,
        dataset_examples.c.valid_to.is_(None),
        dataset_examples.c.source_run_id.in_(list(run_ids)),
    )
    return {r for (r,) in conn.execute(query)}


def insert_revisions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(dataset_examples.insert(), rows)


def close_revision(conn: Connection, revision_id: int, version: int) -> None:
    conn.execute(
        dataset_examples.update()
        .where(dataset_examples.c.revision_id == revision_id)
        .values(valid_to=version)
    )


def set_tag(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(
        upsert_statement(conn, dataset_tags, ["dataset_id", "tag"], ["version", "created_at"]), [row]
    )


def tag_version(conn: Connection, dataset_id: uuid.UUID, tag: str) -> int | None:
    query = sa.select(dataset_tags.c.version).where(
        dataset_tags.c.dataset_id == dataset_id, dataset_tags.c.tag == tag
    )
    return conn.execute(query).scalar()


def tags_of(conn: Connection, dataset_id: uuid.UUID) -> dict[str, int]:
    query = sa.select(dataset_tags.c.tag, dataset_tags.c.version).where(
        dataset_tags.c.dataset_id == dataset_id
    )
    return {tag: version for tag, version in conn.execute(query)}
