"""web sessions in the database; the audit chain re-keyed with HMAC-SHA256

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

import reviewdesk.store.coltypes
from reviewdesk.domain.audit_chain import (
    GENESIS_HASH,
    canonical_event,
    chain_hash,
    derive_audit_key,
    unkeyed_chain_hash,
)

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

_EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("at", reviewdesk.store.coltypes.UtcDateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("details", reviewdesk.store.coltypes.JSONType),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
_HEAD = sa.table("audit_chain_head", sa.column("id", sa.Integer), sa.column("event_id"), sa.column("hash"))


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", reviewdesk.store.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", reviewdesk.store.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", reviewdesk.store.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), server_default="", nullable=False),
        sa.Column("address", sa.String(length=100), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_user", ["user_id"], unique=False)
    _rehash_chain(keyed=True)


def downgrade() -> None:
    _rehash_chain(keyed=False)
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sessions_user")
    op.drop_table("web_sessions")


def _secret(conn: sa.Connection) -> str | None:
    """The server secret: the one the app runs with (passed by `migrate.upgrade`), else the stored one."""
    given = context.config.attributes.get("secret_key")
    if given:
        return given
    return conn.execute(sa.text("SELECT value FROM settings_kv WHERE key = 'secret_key'")).scalar()


def _rehash_chain(*, keyed: bool) -> None:
    """Recompute the chain from the first event under the other scheme, as far as the old one holds.

    Only the intact prefix is re-hashed: the first event whose old hash does not hold keeps its
    stored hashes, so verification still reports the break there instead of the migration
    laundering it into a valid keyed chain.
    """
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(_EVENTS)).scalar_one() == 0:
        return
    secret = _secret(conn)
    if not secret:
        raise RuntimeError(
            "re-keying the audit chain needs the server secret: set REVIEWDESK_SECRET_KEY "
            "(or run the migration through `reviewdesk serve` / `reviewdesk db upgrade`)"
        )
    key = derive_audit_key(secret)
    old_prev, new_prev, last_id = GENESIS_HASH, GENESIS_HASH, None
    updates: list[dict] = []
    for row in conn.execute(sa.select(_EVENTS).order_by(_EVENTS.c.id)).mappings():
        canonical = canonical_event(row)
        expected_old = (
            unkeyed_chain_hash(old_prev, canonical) if keyed else chain_hash(key, old_prev, canonical)
        )
        if row["prev_hash"] != old_prev or row["hash"] != expected_old:
            break
        new_hash = chain_hash(key, new_prev, canonical) if keyed else unkeyed_chain_hash(new_prev, canonical)
        updates.append({"event_id": row["id"], "new_prev": new_prev, "new_hash": new_hash})
        old_prev, new_prev, last_id = row["hash"], new_hash, row["id"]
    if not updates:
        return
    conn.execute(
        _EVENTS.update()
        .where(_EVENTS.c.id == sa.bindparam("event_id"))
        .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash")),
        updates,
    )
    conn.execute(_HEAD.update().where(_HEAD.c.id == 1, _HEAD.c.event_id == last_id).values(hash=new_prev))
