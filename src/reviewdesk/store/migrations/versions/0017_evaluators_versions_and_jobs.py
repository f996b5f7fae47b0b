"""evaluators (versioned) and the durable evaluator job table

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reviewdesk.store.coltypes import JSONType, UtcDateTime

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluators",
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
        sa.PrimaryKeyConstraint("id", name="pk_evaluators"),
    )
    op.create_table(
        "evaluator_versions",
        sa.Column("evaluator_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("spec", JSONType, nullable=False),
        sa.Column("online", JSONType, nullable=True),
        sa.Column("created_by", sa.Uuid, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("evaluator_id", "version", name="pk_evaluator_versions"),
    )
    op.create_table(
        "evaluator_jobs",
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
        sa.PrimaryKeyConstraint("id", name="pk_evaluator_jobs"),
        sa.UniqueConstraint(
            "evaluator_id",
            "evaluator_version",
            "run_id",
            "batch",
            name="uq_evaluator_jobs_evaluator_id_evaluator_version_run_id_batch",
        ),
    )
    op.create_index("ix_evaluator_jobs_due", "evaluator_jobs", ["status", "available_at", "id"])
    op.create_index(
        "ix_evaluator_jobs_evaluator_batch", "evaluator_jobs", ["evaluator_id", "batch", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_evaluator_jobs_evaluator_batch", table_name="evaluator_jobs")
    op.drop_index("ix_evaluator_jobs_due", table_name="evaluator_jobs")
    op.drop_table("evaluator_jobs")
    op.drop_table("evaluator_versions")
    op.drop_table("evaluators")
