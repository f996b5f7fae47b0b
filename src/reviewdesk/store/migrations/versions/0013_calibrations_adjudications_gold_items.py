"""calibrations, adjudications, gold items; ordered categorical configs; per-user grants

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-06 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reviewdesk.store.coltypes import JSONType, UtcDateTime

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


# Plain ADD/DROP COLUMN, never batch mode: on SQLite a batch rebuild of users or annotation_queues
# would drop a table other tables' foreign keys point at, which fails once rows exist.
_NEW_COLUMNS = [
    ("feedback_configs", lambda: sa.Column("ordered", sa.Boolean, nullable=True)),
    ("users", lambda: sa.Column("permissions", JSONType, nullable=True)),
    ("annotation_queues", lambda: sa.Column("gold_rate", sa.Float, nullable=False, server_default="0")),
    ("annotation_queues", lambda: sa.Column("calibration_of", sa.Uuid, nullable=True)),
    (
        "annotation_queues",
        lambda: sa.Column("calibration_cadence_days", sa.Float, nullable=False, server_default="42"),
    ),
]


def upgrade() -> None:
    for table, column in _NEW_COLUMNS:
        op.add_column(table, column())
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "queue_id",
            sa.Uuid,
            sa.ForeignKey(
                "annotation_queues.id", name="fk_calibrations_queue_id_annotation_queues", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("source_queue_id", sa.Uuid, nullable=True),
        sa.Column("reviewers", JSONType, nullable=False),
        sa.Column("max_disagreement", sa.Float, nullable=False),
        sa.Column("min_alpha", sa.Float, nullable=False),
        sa.Column("created_by", sa.Uuid, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=True),
        sa.Column("alert_fields", JSONType, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calibrations"),
    )
    op.create_index("ix_calibrations_source_created", "calibrations", ["source_queue_id", "created_at"])
    op.create_table(
        "adjudications",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "item_id",
            sa.Uuid,
            sa.ForeignKey("queue_items.id", name="fk_adjudications_item_id_queue_items", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("queue_id", sa.Uuid, nullable=False),
        sa.Column("run_id", sa.Uuid, nullable=True),
        sa.Column("answers", JSONType, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("adjudicator_id", sa.Uuid, nullable=True),
        sa.Column("review_ids", JSONType, nullable=False),
        sa.Column("feedback_ids", JSONType, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_adjudications"),
        sa.UniqueConstraint("item_id", name="uq_adjudications_item_id"),
    )
    op.create_index("ix_adjudications_queue", "adjudications", ["queue_id", "created_at"])
    op.create_table(
        "gold_items",
        sa.Column(
            "item_id",
            sa.Uuid,
            sa.ForeignKey("queue_items.id", name="fk_gold_items_item_id_queue_items", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("queue_id", sa.Uuid, nullable=False),
        sa.Column("run_id", sa.Uuid, nullable=False),
        sa.Column("answers", JSONType, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("created_by", sa.Uuid, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("item_id", name="pk_gold_items"),
    )
    op.create_index("ix_gold_items_queue", "gold_items", ["queue_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_gold_items_queue", table_name="gold_items")
    op.drop_table("gold_items")
    op.drop_index("ix_adjudications_queue", table_name="adjudications")
    op.drop_table("adjudications")
    op.drop_index("ix_calibrations_source_created", table_name="calibrations")
    op.drop_table("calibrations")
    for table, column in reversed(_NEW_COLUMNS):
        # SQLite 3.35+ drops a plain column in place (ALTER TABLE … DROP COLUMN).
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column().name}")
