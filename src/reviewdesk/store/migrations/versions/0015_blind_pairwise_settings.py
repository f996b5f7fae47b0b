"""blind pairwise settings: which metadata keys a blind queue hides, and whether it hides automated scores

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annotation_queues") as batch:
        # NULL: the default list of model-naming keys (domain/blinding.py).
        batch.add_column(
            sa.Column(
                "blind_metadata_keys",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch.add_column(
            sa.Column("blind_hides_scores", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("annotation_queues") as batch:
        batch.drop_column("blind_hides_scores")
        batch.drop_column("blind_metadata_keys")
