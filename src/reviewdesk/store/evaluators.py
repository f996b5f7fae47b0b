"""SQL for evaluators, their versions and their jobs (claimed with SKIP LOCKED on PostgreSQL; on
SQLite the caller's BEGIN IMMEDIATE serializes claimers, as for queue items)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from reviewdesk.domain.limits import fits_int32
from reviewdesk.store.dialect import insert_ignore_statement
from reviewdesk.store.tables import evaluator_jobs, evaluator_versions, evaluators, feedback

UNFINISHED = ("pending", "running")


def insert(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(evaluators.insert().values(**row))


def add_version(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(evaluator_versions.insert().values(**row))


def update(conn: Connection, evaluator_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(evaluators.update().where(evaluators.c.id == evaluator_id).values(**values))


def get(conn: Connection, evaluator_id: uuid.UUID) -> dict[str, Any] | None:
    row = (
        conn.execute(
            sa.select(evaluators).where(evaluators.c.id == evaluator_id, evaluators.c.deleted_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def list_all(conn: Connection) -> list[dict[str, Any]]:
    query = (
        sa.select(evaluators)
        .where(evaluators.c.deleted_at.is_(None))
        .order_by(evaluators.c.name, evaluators.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def online(conn: Connection) -> list[dict[str, Any]]:
    query = sa.select(evaluators).where(evaluators.c.deleted_at.is_(None), evaluators.c.online.is_not(None))
    # A JSON column keeps Python None as the JSON value `null`, which IS NOT NULL lets through.
    return [dict(r) for r in conn.execute(query).mappings() if r["online"]]


def version(conn: Connection, evaluator_id: uuid.UUID, number: int) -> dict[str, Any] | None:
    if not fits_int32(number):  # no such version, and PostgreSQL would refuse to compare
        return None
    row = (
        conn.execute(
            sa.select(evaluator_versions).where(
                evaluator_versions.c.evaluator_id == evaluator_id, evaluator_versions.c.version == number
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def versions(conn: Connection, evaluator_id: uuid.UUID) -> list[dict[str, Any]]:
    query = (
        sa.select(evaluator_versions)
        .where(evaluator_versions.c.evaluator_id == evaluator_id)
        .order_by(evaluator_versions.c.version)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def enqueue(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert jobs; one already there for the same (evaluator, version, run, batch) is left alone."""
    if rows:
        conn.execute(
            insert_ignore_statement(
                conn, evaluator_jobs, ["evaluator_id", "evaluator_version", "run_id", "batch"]
            ),
            rows,
        )


_CLAIMABLE = sa.or_(
    sa.and_(evaluator_jobs.c.status == "pending", evaluator_jobs.c.available_at <= sa.bindparam("now")),
    # A running job whose lease ran out: its worker died (kill -9) or hung; it is taken again.
    sa.and_(evaluator_jobs.c.status == "running", evaluator_jobs.c.leased_until < sa.bindparam("now")),
)
_CLAIM = (
    sa.select(evaluator_jobs).where(_CLAIMABLE).order_by(evaluator_jobs.c.available_at, evaluator_jobs.c.id)
)


def claim(conn: Connection, now: datetime, lease_until: datetime, limit: int) -> list[dict[str, Any]]:
    """Take up to `limit` due jobs: mark them running under a lease and count the attempt."""
    query = _CLAIM.limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [dict(r) for r in conn.execute(query, {"now": now}).mappings()]
    for row in rows:
        row["attempts"] += 1
        row["status"] = "running"
        row["leased_until"] = lease_until
        conn.execute(
            evaluator_jobs.update()
            .where(evaluator_jobs.c.id == row["id"])
            .values(status="running", attempts=row["attempts"], leased_until=lease_until)
        )
    return rows


def renew_leases(conn: Connection, jobs: list[dict[str, Any]], lease_until: datetime) -> set[uuid.UUID]:
    """Extend the lease of claimed jobs still held by this claim (running, same attempt); the ids kept.
    A job missing from the answer was taken by another worker after its lease ran out."""
    kept = set()
    for job in jobs:
        result = conn.execute(
            evaluator_jobs.update()
            .where(
                evaluator_jobs.c.id == job["id"],
                evaluator_jobs.c.status == "running",
                evaluator_jobs.c.attempts == job["attempts"],
            )
            .values(leased_until=lease_until)
        )
        if result.rowcount == 1:
            kept.add(job["id"])
    return kept


def finish(conn: Connection, job_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(evaluator_jobs.update().where(evaluator_jobs.c.id == job_id).values(**values))


def get_job(conn: Connection, job_id: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(sa.select(evaluator_jobs).where(evaluator_jobs.c.id == job_id)).mappings().first()
    return dict(row) if row else None


def _newest_first(
    conn: Connection,
    query: sa.Select,
    batch: str | None,
    before: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """A page of jobs, newest first, within one batch if given, after the (created_at, id) `before`."""
    if batch is not None:
        query = query.where(evaluator_jobs.c.batch == batch)
    if before is not None:
        at, job_id = before
        query = query.where(
            sa.or_(
                evaluator_jobs.c.created_at < at,
                sa.and_(evaluator_jobs.c.created_at == at, evaluator_jobs.c.id < job_id),
            )
        )
    query = query.order_by(evaluator_jobs.c.created_at.desc(), evaluator_jobs.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def jobs_of(
    conn: Connection,
    evaluator_id: uuid.UUID,
    batch: str | None,
    limit: int,
    *,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> list[dict[str, Any]]:
    """Newest first; `before` is the (created_at, id) of the last job of the previous page."""
    query = sa.select(evaluator_jobs).where(evaluator_jobs.c.evaluator_id == evaluator_id)
    return _newest_first(conn, query, batch, before, limit)


def status_counts(conn: Connection, evaluator_id: uuid.UUID, batch: str | None = None) -> dict[str, int]:
    query = sa.select(evaluator_jobs.c.status, sa.func.count()).where(
        evaluator_jobs.c.evaluator_id == evaluator_id
    )
    if batch is not None:
        query = query.where(evaluator_jobs.c.batch == batch)
    return {status: n for status, n in conn.execute(query.group_by(evaluator_jobs.c.status))}


def cost_since(conn: Connection, evaluator_id: uuid.UUID, since: datetime) -> float:
    query = sa.select(sa.func.coalesce(sa.func.sum(evaluator_jobs.c.cost), 0.0)).where(
        evaluator_jobs.c.evaluator_id == evaluator_id, evaluator_jobs.c.finished_at >= since
    )
    return float(conn.execute(query).scalar_one())


def model_scores(
    conn: Connection, evaluator_id: uuid.UUID, key: str, number: int | None
) -> list[dict[str, Any]]:
    """The evaluator's feedback rows on its key (of one version when given), oldest first; read
    through ix_feedback_evaluator."""
    query = sa.select(feedback).where(feedback.c.evaluator_id == evaluator_id, feedback.c.key == key)
    if number is not None:
        if not fits_int32(number):
            return []
        query = query.where(feedback.c.evaluator_version == number)
    return [dict(r) for r in conn.execute(query.order_by(feedback.c.created_at, feedback.c.id)).mappings()]


def human_labels(
    conn: Connection, key: str, queue_id: uuid.UUID | None, run_ids: list[uuid.UUID] | None
) -> list[dict[str, Any]]:
    """Human feedback on a key: of one queue, or on the given runs (a dataset's source runs)."""
    query = sa.select(feedback).where(feedback.c.key == key, feedback.c.source == "human")
    if queue_id is not None:
        query = query.where(feedback.c.queue_id == queue_id)
    if run_ids is not None:
        query = query.where(feedback.c.run_id.in_(run_ids))
    return [dict(r) for r in conn.execute(query.order_by(feedback.c.created_at, feedback.c.id)).mappings()]


def dataset_source_runs(conn: Connection, dataset_id: uuid.UUID, version: int) -> list[uuid.UUID]:
    from reviewdesk.store.tables import dataset_examples

    query = sa.select(dataset_examples.c.source_run_id).where(
        dataset_examples.c.dataset_id == dataset_id,
        dataset_examples.c.valid_from <= version,
        sa.or_(dataset_examples.c.valid_to.is_(None), dataset_examples.c.valid_to > version),
        dataset_examples.c.source_run_id.is_not(None),
    )
    return [r for (r,) in conn.execute(query)]


def due_count(conn: Connection, now: datetime) -> int:
    query = sa.select(sa.func.count()).select_from(evaluator_jobs).where(_CLAIMABLE)
    return int(conn.execute(query, {"now": now}).scalar_one())


def failed_jobs_of(
    conn: Connection,
    evaluator_id: uuid.UUID,
    limit: int,
    *,
    batch: str | None = None,
    before: tuple[datetime, uuid.UUID] | None = None,
    recovered: bool = False,
) -> list[dict[str, Any]]:
    """Newest first: dead letters, skipped jobs, and jobs waiting to retry after a failed attempt;
    with `recovered`, also the done jobs that needed more than one attempt."""
    retried = evaluator_jobs.c.status.in_((*UNFINISHED, *(("done",) if recovered else ())))
    failed = sa.or_(
        evaluator_jobs.c.status.in_(("dead", "skipped")),
        sa.and_(retried, evaluator_jobs.c.last_error.is_not(None)),
    )
    query = sa.select(evaluator_jobs).where(evaluator_jobs.c.evaluator_id == evaluator_id, failed)
    return _newest_first(conn, query, batch, before, limit)


def batches_of(conn: Connection, evaluator_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
    """The evaluator's offline runs, newest first: batch, version, start, and job counts by status."""
    started = sa.func.min(evaluator_jobs.c.created_at)
    newest = (
        sa.select(evaluator_jobs.c.batch, started.label("started_at"))
        .where(evaluator_jobs.c.evaluator_id == evaluator_id, evaluator_jobs.c.batch != "online")
        .group_by(evaluator_jobs.c.batch)
        .order_by(started.desc(), evaluator_jobs.c.batch)
        .limit(limit)
    )
    found = {b: {"batch": b, "started_at": at, "counts": {}} for b, at in conn.execute(newest)}
    if not found:
        return []
    counts = (
        sa.select(
            evaluator_jobs.c.batch,
            evaluator_jobs.c.evaluator_version,
            evaluator_jobs.c.status,
            sa.func.count(),
        )
        .where(evaluator_jobs.c.evaluator_id == evaluator_id, evaluator_jobs.c.batch.in_(list(found)))
        .group_by(evaluator_jobs.c.batch, evaluator_jobs.c.evaluator_version, evaluator_jobs.c.status)
    )
    for batch, number, status, n in conn.execute(counts):
        found[batch]["version"] = number
        found[batch]["counts"][status] = n
    return sorted(found.values(), key=lambda b: (b["started_at"], b["batch"]), reverse=True)
