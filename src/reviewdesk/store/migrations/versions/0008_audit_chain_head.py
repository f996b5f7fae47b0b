"""audit chain head: the newest event's id and hash in one row

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 19:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    # Appending locks and reads this row in one statement (on PostgreSQL the whole append is one
    # statement), and verification can tell when the newest events were deleted.
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.Integer, nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    last = (
        op.get_bind().execute(sa.text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")).first()
    )
    op.bulk_insert(
        head, [{"id": 1, "event_id": last[0] if last else None, "hash": last[1] if last else GENESIS_HASH}]
    )


def downgrade() -> None:
    op.drop_table("audit_chain_head")
