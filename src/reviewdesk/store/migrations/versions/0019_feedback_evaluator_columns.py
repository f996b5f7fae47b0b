"""feedback: evaluator_id and evaluator_version as indexed columns, backfilled from `extra`

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH_ROWS = 5000

# Only model feedback whose `extra` holds a well-formed evaluator_id (a UUID) and evaluator_version
# (an integer), as services/evaluator_jobs.py writes them, is filled in; anything else a client stored in `extra` stays out, rather
# than failing the migration or reading back as a broken UUID.
BACKFILL = {
    "sqlite": """
        UPDATE feedback
        SET evaluator_id = replace(lower(json_extract(extra, '$.evaluator_id')), '-', ''),
            evaluator_version = json_extract(extra, '$.evaluator_version')
        WHERE {ids} AND source = 'model'
          AND json_valid(extra)
          AND json_type(extra, '$.evaluator_version') = 'integer'
          AND json_extract(extra, '$.evaluator_version') BETWEEN 0 AND 2147483647
          AND json_type(extra, '$.evaluator_id') = 'text'
          AND lower(json_extract(extra, '$.evaluator_id'))
              GLOB ('[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-'
                    || '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-'
                    || '[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
                    || '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')
    """,
    "postgresql": """
        UPDATE feedback
        SET evaluator_id = (extra ->> 'evaluator_id')::uuid,
            evaluator_version = (extra ->> 'evaluator_version')::integer
        WHERE {ids} AND source = 'model'
          AND jsonb_typeof(extra -> 'evaluator_version') = 'number'
          AND (extra ->> 'evaluator_version') ~ '^[0-9]{1,9}$'
          AND jsonb_typeof(extra -> 'evaluator_id') = 'string'
          AND (extra ->> 'evaluator_id')
              ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    """,
}


def _backfill(conn: sa.Connection) -> None:
    """Page by page in id order, so no statement updates more than BATCH_ROWS rows."""
    ids = sa.table("feedback", sa.column("id", sa.Uuid)).c.id
    sql = BACKFILL[conn.dialect.name]
    page = sa.text(sql.replace("{ids}", "id >= :low AND id < :high"))
    rest = sa.text(sql.replace("{ids}", "id >= :low"))
    low = conn.execute(sa.select(ids).order_by(ids).limit(1)).scalar()  # PostgreSQL has no min(uuid)
    while low is not None:
        high = conn.execute(
            sa.select(ids).where(ids >= low).order_by(ids).offset(BATCH_ROWS).limit(1)
        ).scalar()
        if high is None:
            conn.execute(rest.bindparams(sa.bindparam("low", low, type_=sa.Uuid)))
        else:
            conn.execute(
                page.bindparams(
                    sa.bindparam("low", low, type_=sa.Uuid), sa.bindparam("high", high, type_=sa.Uuid)
                )
            )
        low = high


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:  # on SQLite, ALTER TABLE ADD COLUMN: no rebuild
        batch.add_column(sa.Column("evaluator_id", sa.Uuid, nullable=True))
        batch.add_column(sa.Column("evaluator_version", sa.Integer, nullable=True))
    _backfill(op.get_bind())
    op.create_index(
        "ix_feedback_evaluator",
        "feedback",
        ["evaluator_id", "key", "evaluator_version"],
        unique=False,
        sqlite_where=sa.text("evaluator_id IS NOT NULL"),
        postgresql_where=sa.text("evaluator_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_evaluator", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("evaluator_version")
        batch.drop_column("evaluator_id")
