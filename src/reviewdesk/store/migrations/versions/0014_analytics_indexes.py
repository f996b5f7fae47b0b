"""dashboards: feedback counted per hour (backfilled), indexes for the panels' reads

Revision ID: 0014
Revises: 0016
Create Date: 2026-12-06 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None

INDEXES = [
    (
        "feedback",
        "ix_feedback_key_created",
        ["key", "created_at", "source", "queue_id", "created_by", "score"],
    ),
    ("feedback", "ix_feedback_queue_created", ["queue_id", "created_at"]),
    ("queue_items", "ix_queue_items_queue_added", ["queue_id", "added_at", "status"]),
    ("queue_items", "ix_queue_items_queue_completed", ["queue_id", "completed_at", "status"]),
    (
        "reviews",
        "ix_reviews_queue_reviewer_submitted",
        ["queue_id", "reviewer_id", "status", "submitted_at", "started_at"],
    ),
]

# The same grouping as store/feedback_hourly.py, over the rows already there.
BACKFILL = {
    "sqlite": """
        INSERT INTO feedback_hourly (hour, key, source, queue_id, created_by, label, n, score_sum, scored)
        SELECT substr(created_at, 1, 13) || ':00:00.000000', key, source,
               coalesce(queue_id, '00000000000000000000000000000000'),
               coalesce(created_by, '00000000000000000000000000000000'),
               CASE WHEN json_type(value) IN ('true', 'false') THEN json_type(value)
                    WHEN json_type(value) = 'text' AND length(json_extract(value, '$')) BETWEEN 1 AND 100
                    THEN json_extract(value, '$') ELSE '' END AS label,
               count(*), coalesce(sum(score), 0), count(score)
        FROM feedback
        GROUP BY 1, 2, 3, 4, 5, 6
    """,
    "postgresql": """
        INSERT INTO feedback_hourly (hour, key, source, queue_id, created_by, label, n, score_sum, scored)
        SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', key, source,
               coalesce(queue_id, '00000000-0000-0000-0000-000000000000'),
               coalesce(created_by, '00000000-0000-0000-0000-000000000000'),
               CASE WHEN jsonb_typeof(value) = 'boolean' THEN value::text
                    WHEN jsonb_typeof(value) = 'string' AND length(value #>> '{}') BETWEEN 1 AND 100
                    THEN value #>> '{}' ELSE '' END AS label,
               count(*), coalesce(sum(score), 0), count(score)
        FROM feedback
        GROUP BY 1, 2, 3, 4, 5, 6
    """,
}


def upgrade() -> None:
    op.create_table(
        "feedback_hourly",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("queue_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "key", "hour", "source", "queue_id", "created_by", "label", name=op.f("pk_feedback_hourly")
        ),
    )
    op.execute(BACKFILL[op.get_bind().dialect.name])
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("feedback_hourly")
