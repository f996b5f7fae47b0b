"""Reads for exports: feedback joined with its run and author, one keyset page at a time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.store.coltypes import UtcDateTime
from reviewdesk.store.tables import annotation_queues, feedback, projects, runs, users


def _feedback_query(run_where: Sequence[sa.ColumnElement[bool]], filters: dict[str, Any]) -> sa.Select:
    query = (
        sa.select(
            feedback.c.id,
            feedback.c.run_id,
            feedback.c.trace_id,
            feedback.c.key,
            feedback.c.score,
            feedback.c.value,
            feedback.c.comment,
            feedback.c.correction,
            feedback.c.source,
            feedback.c.queue_id,
            feedback.c.rubric_version,
            feedback.c.evaluator_id,
            feedback.c.evaluator_version,
            feedback.c.created_at,
            feedback.c.created_by,
            feedback.c.extra,
            users.c.email.label("author"),
            annotation_queues.c.name.label("queue"),
            runs.c.inputs.label("input"),
            runs.c.outputs.label("output"),
            projects.c.name.label("project"),
        )
        .select_from(
            feedback.outerjoin(runs, runs.c.id == feedback.c.run_id)
            .outerjoin(projects, projects.c.id == runs.c.project_id)
            .outerjoin(users, users.c.id == feedback.c.created_by)
            .outerjoin(annotation_queues, annotation_queues.c.id == feedback.c.queue_id)
        )
        .where(*run_where)
    )
    for name, values in filters.items():
        if name == "since":
            query = query.where(feedback.c.created_at >= values)
        elif name == "until":
            query = query.where(feedback.c.created_at < values)
        else:
            query = query.where(feedback.c[name].in_(values))
    return query


def feedback_page(
    conn: Connection,
    run_where: Sequence[sa.ColumnElement[bool]],
    filters: dict[str, Any],
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """Oldest first, so an export that runs while feedback arrives ends with the newest rows."""
    query = _feedback_query(run_where, filters)
    if after is not None:
        at, last = after
        # Row-value comparison: an index range on (created_at, id), so page n does not re-read the rest.
        cursor = sa.tuple_(sa.literal(at, UtcDateTime()), sa.literal(last, sa.Uuid()))
        query = query.where(sa.tuple_(feedback.c.created_at, feedback.c.id) > cursor)
    query = query.order_by(feedback.c.created_at, feedback.c.id).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def feedback_by_run_page(
    conn: Connection,
    run_where: Sequence[sa.ColumnElement[bool]],
    filters: dict[str, Any],
    *,
    limit: int,
    after: tuple[uuid.UUID, uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """Ordered by run, so the pivot can close a run's row as soon as the next run starts."""
    query = _feedback_query(run_where, filters)
    if after is not None:
        run_id, last = after
        cursor = sa.tuple_(sa.literal(run_id, sa.Uuid()), sa.literal(last, sa.Uuid()))
        query = query.where(sa.tuple_(feedback.c.run_id, feedback.c.id) > cursor)
    query = query.order_by(feedback.c.run_id, feedback.c.id).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def authors_and_keys(
    conn: Connection, run_where: Sequence[sa.ColumnElement[bool]], filters: dict[str, Any]
) -> list[tuple[str, str]]:
    """Every (author, key) pair in the export: the pivot's columns, known before the first row.
    Feedback without a user (an SDK's model scores) is attributed to its source."""
    inner = _feedback_query(run_where, filters).subquery()
    author = sa.func.coalesce(inner.c.author, inner.c.source)
    query = sa.select(author, inner.c.key).distinct().order_by(author, inner.c.key)
    return [(who, key) for who, key in conn.execute(query)]
