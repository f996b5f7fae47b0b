"""Tables of the evaluators noun: definitions, every version of them, and the job table."""

from __future__ import annotations

import sqlalchemy as sa

from reviewdesk.store.coltypes import JSONType, UtcDateTime
from reviewdesk.store.metadata import metadata

# Evaluators: the current definition here, every definition it ever had in evaluator_versions.
evaluators = sa.Table(
    "evaluators",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("spec", JSONType, nullable=False),
    sa.Column("online", JSONType, nullable=True),
    sa.Column("created_by", sa.Uuid, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("deleted_at", UtcDateTime, nullable=True),
)

evaluator_versions = sa.Table(
    "evaluator_versions",
    metadata,
    sa.Column("evaluator_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("spec", JSONType, nullable=False),
    sa.Column("online", JSONType, nullable=True),
    sa.Column("created_by", sa.Uuid, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# One job = one evaluator version on one run within a batch ("online" or an offline run's id):
# leased while running, retried with backoff, "dead" with its reason after max_attempts.
evaluator_jobs = sa.Table(
    "evaluator_jobs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("evaluator_id", sa.Uuid, nullable=False),
    sa.Column("evaluator_version", sa.Integer, nullable=False),
    sa.Column("run_id", sa.Uuid, nullable=False),
    sa.Column("batch", sa.String(40), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False, server_default="5"),
    sa.Column("available_at", UtcDateTime, nullable=False),
    sa.Column("leased_until", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("feedback_id", sa.Uuid, nullable=True),
    sa.Column("cost", sa.Float, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("evaluator_id", "evaluator_version", "run_id", "batch"),
    sa.Index("ix_evaluator_jobs_due", "status", "available_at", "id"),
    sa.Index("ix_evaluator_jobs_evaluator_batch", "evaluator_id", "batch", "status"),
)
