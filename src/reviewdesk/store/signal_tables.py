"""Tables of the signal-quality nouns: calibration sessions, adjudications and gold items."""

from __future__ import annotations

import sqlalchemy as sa

from reviewdesk.store.coltypes import JSONType, UtcDateTime
from reviewdesk.store.metadata import metadata

# A calibration session: a queue of its own (blind, every chosen reviewer scores every item) taken
# from a source queue, with the thresholds its report alerts on.
calibrations = sa.Table(
    "calibrations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("queue_id", sa.Uuid, sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("source_queue_id", sa.Uuid, nullable=True),
    sa.Column("reviewers", JSONType, nullable=False),
    sa.Column("max_disagreement", sa.Float, nullable=False),
    sa.Column("min_alpha", sa.Float, nullable=False),
    sa.Column("created_by", sa.Uuid, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("completed_at", UtcDateTime, nullable=True),
    sa.Column("alert_fields", JSONType, nullable=True),
    sa.Index("ix_calibrations_source_created", "source_queue_id", "created_at"),
)

# The final value of an item whose reviews disagree; its answers are also written as feedback
# marked adjudicated (feedback.extra), linked to the reviews it settles.
adjudications = sa.Table(
    "adjudications",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("queue_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("queue_id", sa.Uuid, nullable=False),
    sa.Column("run_id", sa.Uuid, nullable=True),
    sa.Column("answers", JSONType, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("adjudicator_id", sa.Uuid, nullable=True),
    sa.Column("review_ids", JSONType, nullable=False),
    sa.Column("feedback_ids", JSONType, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("item_id"),
    sa.Index("ix_adjudications_queue", "queue_id", "created_at"),
)

# Items with a known answer, mixed into reviewers' streams to measure each reviewer's accuracy.
gold_items = sa.Table(
    "gold_items",
    metadata,
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("queue_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("queue_id", sa.Uuid, nullable=False),
    sa.Column("run_id", sa.Uuid, nullable=False),
    sa.Column("answers", JSONType, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("created_by", sa.Uuid, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_gold_items_queue", "queue_id", "created_at"),
)
