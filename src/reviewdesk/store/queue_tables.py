"""Tables of annotation queues: the queue and its rubrics and reviewers, its items, the reviews of them,
and the routing rules that add them."""

from __future__ import annotations

import sqlalchemy as sa

from reviewdesk.store.coltypes import JSONType, UtcDateTime
from reviewdesk.store.metadata import metadata

annotation_queues = sa.Table(
    "annotation_queues",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("rubric", JSONType, nullable=False),
    sa.Column("rubric_version", sa.Integer, nullable=False),
    sa.Column("reviewers_per_item", sa.Integer, nullable=False),
    sa.Column("reservation_seconds", sa.Integer, nullable=False),
    sa.Column("reviewer_access", sa.String(10), nullable=False),
    sa.Column("blind", sa.Boolean, nullable=False),
    sa.Column("variant_field", sa.String(200), nullable=True),
    sa.Column("backlog_alert_days", sa.Float, nullable=False),
    sa.Column("backlog_alerted_at", UtcDateTime, nullable=True),
    sa.Column("default_dataset_id", sa.Uuid, nullable=True),
    sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("blind_metadata_keys", JSONType, nullable=True),
    sa.Column("blind_hides_scores", sa.Boolean, nullable=False, server_default=sa.false()),
    # Share of next-item requests that hand out a gold item the reviewer has not seen yet.
    sa.Column("gold_rate", sa.Float, nullable=False, server_default="0"),
    # Set on a calibration session's own queue: the queue it calibrates.
    sa.Column("calibration_of", sa.Uuid, nullable=True),
    sa.Column("calibration_cadence_days", sa.Float, nullable=False, server_default="42"),
)

# Every rubric a queue has had, so feedback given under version N can always be read against N.
queue_rubrics = sa.Table(
    "queue_rubrics",
    metadata,
    sa.Column(
        "queue_id", sa.Uuid, sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("rubric", JSONType, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

queue_reviewers = sa.Table(
    "queue_reviewers",
    metadata,
    sa.Column(
        "queue_id", sa.Uuid, sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# One row per run, pair or session in a queue; target_key makes "at most once per queue" a constraint.
queue_items = sa.Table(
    "queue_items",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("queue_id", sa.Uuid, sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("target_key", sa.String(200), nullable=False),
    sa.Column("target_kind", sa.String(10), nullable=False),
    sa.Column("run_id", sa.Uuid, nullable=True),
    sa.Column("run_b_id", sa.Uuid, nullable=True),
    sa.Column("session_id", sa.String(200), nullable=True),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("reviews_done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("flag_reason", sa.Text, nullable=True),
    sa.Column("added_by", sa.String(320), nullable=True),
    sa.Column("added_at", UtcDateTime, nullable=False),
    sa.Column("completed_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("queue_id", "target_key"),
    sa.Index("ix_queue_items_run", "run_id"),
)

# Matches the claim order (highest priority, then oldest, then id) so "next item" reads the index
# in order and neither database adds a sort step.
sa.Index(
    "ix_queue_items_claim",
    queue_items.c.queue_id,
    queue_items.c.status,
    queue_items.c.priority.desc(),
    queue_items.c.added_at,
    queue_items.c.id,
)

# One row per reviewer per item: a reservation that becomes a submitted, skipped or flagged review.
reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("queue_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("queue_id", sa.Uuid, nullable=False),
    sa.Column("reviewer_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("reserved_until", UtcDateTime, nullable=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=True),
    sa.Column("rubric_version", sa.Integer, nullable=True),
    sa.Column("shown_order", sa.String(2), nullable=True),
    sa.Column("answers", JSONType, nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("feedback_ids", JSONType, nullable=True),
    sa.UniqueConstraint("item_id", "reviewer_id"),
    sa.Index("ix_reviews_queue_reviewer", "queue_id", "reviewer_id", "status"),
    sa.Index("ix_reviews_item_status", "item_id", "status", "reserved_until"),
)

routing_rules = sa.Table(
    "routing_rules",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("queue_id", sa.Uuid, sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("filter", sa.Text, nullable=False),
    sa.Column("sample_rate", sa.Float, nullable=False),
    sa.Column("daily_cap", sa.Integer, nullable=True),
    sa.Column("roots_only", sa.Boolean, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_routing_rules_queue", "queue_id"),
)

# Why an item is in its queue: every rule that matched it (an item is added once, matched many times).
item_rule_matches = sa.Table(
    "item_rule_matches",
    metadata,
    sa.Column("item_id", sa.Uuid, sa.ForeignKey("queue_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("rule_id", sa.Uuid, sa.ForeignKey("routing_rules.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("matched_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Index("ix_item_rule_matches_rule_day", "rule_id", "matched_at"),
)
