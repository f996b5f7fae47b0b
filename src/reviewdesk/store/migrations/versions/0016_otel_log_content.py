"""otel log content: GenAI message content sent as OTLP log events, per span

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-06 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reviewdesk.store.coltypes import JSONType, UtcDateTime

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "otel_log_content",
        sa.Column("run_id", sa.Uuid, nullable=False),
        sa.Column("inputs", JSONType, nullable=True),
        sa.Column("outputs", JSONType, nullable=True),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_otel_log_content"),
    )
    op.create_index("ix_otel_log_content_received_at", "otel_log_content", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_otel_log_content_received_at", table_name="otel_log_content")
    op.drop_table("otel_log_content")
