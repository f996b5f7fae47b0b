"""queue items claim index ends in id

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 18:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The claim orders by priority DESC, added_at, id; ending the index in id lets both databases
    # read it in order instead of sorting.
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_claim")
        batch_op.create_index(
            "ix_queue_items_claim",
            ["queue_id", "status", sa.text("priority DESC"), "added_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_claim")
        batch_op.create_index(
            "ix_queue_items_claim", ["queue_id", "status", sa.text("priority DESC"), "added_at"], unique=False
        )
