"""The schema: SQLAlchemy Core tables shared by SQLite and PostgreSQL. The queue, signal-quality and
evaluator tables live in queue_tables.py, signal_tables.py and evaluator_tables.py; every table is
reachable here as tables.X."""

from __future__ import annotations

import sqlalchemy as sa

from reviewdesk.store.coltypes import JSONType, UtcDateTime
from reviewdesk.store.evaluator_tables import evaluator_jobs as evaluator_jobs
from reviewdesk.store.evaluator_tables import evaluator_versions as evaluator_versions
from reviewdesk.store.evaluator_tables import evaluators as evaluators
from reviewdesk.store.metadata import NAMING_CONVENTION as NAMING_CONVENTION
from reviewdesk.store.metadata import metadata
from reviewdesk.store.queue_tables import annotation_queues as annotation_queues
from reviewdesk.store.queue_tables import item_rule_matches as item_rule_matches
from reviewdesk.store.queue_tables import queue_items as queue_items
from reviewdesk.store.queue_tables import queue_reviewers as queue_reviewers
from reviewdesk.store.queue_tables import queue_rubrics as queue_rubrics
from reviewdesk.store.queue_tables import reviews as reviews
from reviewdesk.store.queue_tables import routing_rules as routing_rules
from reviewdesk.store.signal_tables import adjudications as adjudications
from reviewdesk.store.signal_tables import calibrations as calibrations
from reviewdesk.store.signal_tables import gold_items as gold_items

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# A run is one span. Columns the filter language reads are real columns; the rest is JSON.
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("trace_id", sa.Uuid, nullable=False),
    sa.Column("parent_run_id", sa.Uuid, nullable=True),
    sa.Column("dotted_order", sa.String(4000), nullable=True),
    sa.Column("project_id", sa.Uuid, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(500), nullable=False, server_default=""),
    sa.Column("run_type", sa.String(20), nullable=False, server_default="chain"),
    sa.Column("is_root", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
    sa.Column("inputs", JSONType, nullable=True),
    sa.Column("outputs", JSONType, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("start_time", UtcDateTime, nullable=False),
    sa.Column("end_time", UtcDateTime, nullable=True),
    sa.Column("latency_ms", sa.Float, nullable=True),
    sa.Column("tags", JSONType, nullable=True),
    sa.Column("meta", JSONType, nullable=True),
    sa.Column("extra", JSONType, nullable=True),
    sa.Column("events", JSONType, nullable=True),
    sa.Column("prompt_tokens", sa.Integer, nullable=True),
    sa.Column("completion_tokens", sa.Integer, nullable=True),
    sa.Column("total_tokens", sa.Integer, nullable=True),
    sa.Column("cost", sa.Float, nullable=True),
    sa.Column("session_id", sa.String(200), nullable=True),
    sa.Column("reference_example_id", sa.Uuid, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_runs_project_start", "project_id", "start_time", "id"),
    sa.Index("ix_runs_start", "start_time", "id"),
    sa.Index("ix_runs_root_start", "is_root", "start_time", "id"),
    sa.Index("ix_runs_trace", "trace_id"),
    sa.Index("ix_runs_parent", "parent_run_id"),
    # "Newest roots of a project" is the default list; every ordering index ends in id for the cursor.
    sa.Index("ix_runs_project_root_start", "project_id", "is_root", "start_time", "id"),
    sa.Index("ix_runs_name_start_id", "name", "start_time", "id"),
    sa.Index("ix_runs_type_start_id", "run_type", "start_time", "id"),
    sa.Index("ix_runs_latency", "latency_ms"),
    sa.Index("ix_runs_session", "session_id"),
)

# Feedback has no foreign key to runs: SDKs send feedback before the run it scores arrives.
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("run_id", sa.Uuid, nullable=False),
    sa.Column("trace_id", sa.Uuid, nullable=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("value", JSONType, nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("correction", JSONType, nullable=True),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("created_by", sa.Uuid, nullable=True),
    sa.Column("queue_id", sa.Uuid, nullable=True),
    sa.Column("rubric_version", sa.Integer, nullable=True),
    sa.Column("extra", JSONType, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Set only on scores a ReviewDesk evaluator wrote (also kept in `extra` for clients that read it
    # there): the alignment report finds one evaluator's scores by index instead of reading the key's.
    sa.Column("evaluator_id", sa.Uuid, nullable=True),
    sa.Column("evaluator_version", sa.Integer, nullable=True),
    sa.Index("ix_feedback_run_key", "run_id", "key"),
    sa.Index("ix_feedback_key_score", "key", "score"),
    sa.Index("ix_feedback_trace", "trace_id"),
    sa.Index("ix_feedback_created", "created_at", "id"),
    # Partial: most feedback is not an evaluator's, and stays out of this index.
    sa.Index(
        "ix_feedback_evaluator",
        "evaluator_id",
        "key",
        "evaluator_version",
        sqlite_where=sa.text("evaluator_id IS NOT NULL"),
        postgresql_where=sa.text("evaluator_id IS NOT NULL"),
    ),
)

feedback_configs = sa.Table(
    "feedback_configs",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("options", JSONType, nullable=True),
    sa.Column("min", sa.Float, nullable=True),
    sa.Column("max", sa.Float, nullable=True),
    sa.Column("max_length", sa.Integer, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Categorical only: whether the options are ranked (ordinal) or not (nominal, the default).
    sa.Column("ordered", sa.Boolean, nullable=True),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # Grants beyond the role, e.g. ["adjudicate"].
    sa.Column("permissions", JSONType, nullable=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("prefix", sa.String(20), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
)

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(320), nullable=True),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("object_type", sa.String(50), nullable=False),
    sa.Column("object_id", sa.String(200), nullable=True),
    sa.Column("details", JSONType, nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_object", "object_type", "object_id"),
)

# One row (id 1): the newest audit event's id and hash, so an append locks and reads the chain's end
# in one statement and verification notices when the newest events are gone.
audit_chain_head = sa.Table(
    "audit_chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.Integer, nullable=True),
    sa.Column("hash", sa.String(64), nullable=False),
)

settings_kv = sa.Table(
    "settings_kv",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("queue_id", sa.Uuid, sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("events", JSONType, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_webhooks_queue", "queue_id"),
)

# The outbox: events are written in the transaction that caused them and delivered afterwards,
# so a crash between the write and the HTTP call loses nothing.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("webhook_id", sa.Uuid, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event", sa.String(50), nullable=False),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("delivered_at", UtcDateTime, nullable=True),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    sa.Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at"),
)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# Examples are revisions valid over a range of dataset versions [valid_from, valid_to), so any version
# reads back exactly as it was; an edit closes one revision and opens the next.
dataset_examples = sa.Table(
    "dataset_examples",
    metadata,
    sa.Column("revision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Uuid, nullable=False),
    sa.Column("dataset_id", sa.Uuid, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("valid_from", sa.Integer, nullable=False),
    sa.Column("valid_to", sa.Integer, nullable=True),
    sa.Column("inputs", JSONType, nullable=True),
    sa.Column("outputs", JSONType, nullable=True),
    sa.Column("metadata", JSONType, nullable=True),
    sa.Column("split", sa.String(50), nullable=True),
    sa.Column("source_run_id", sa.Uuid, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_dataset_examples_read", "dataset_id", "valid_from", "valid_to"),
    sa.Index("ix_dataset_examples_id", "id", "valid_to"),
    sa.Index("ix_dataset_examples_source", "dataset_id", "source_run_id"),
)

dataset_tags = sa.Table(
    "dataset_tags",
    metadata,
    sa.Column("dataset_id", sa.Uuid, sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Failed logins per (email, address), shared by every app process.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_started_at", UtcDateTime, nullable=False),
    sa.Column("locked_until", UtcDateTime, nullable=True),
)

# Logged-in browser sessions: the cookie carries a random token, this table its SHA-256 (looked up
# once a request by the unique index), so ending a session here ends it at once.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("user_agent", sa.String(300), nullable=False, server_default=""),
    sa.Column("address", sa.String(100), nullable=False, server_default=""),
    sa.Index("ix_web_sessions_user", "user_id"),
)

# The full-text index of runs for search() (migration 0009): on SQLite an FTS5 virtual table
# `runs_search` (and the shadow tables runs_search_*), on PostgreSQL the expression index
# `ix_runs_search`. Neither is a sa.Table or a column index, so they live outside `metadata`;
# the schema check skips names that start with these.
FULL_TEXT_INDEX_PREFIXES = ("runs_search", "ix_runs_search")

# GenAI message content sent as OTLP log events (one event per message, often one request each),
# gathered per span so it reaches the span's run whichever arrives first; forgotten after a day.
otel_log_content = sa.Table(
    "otel_log_content",
    metadata,
    sa.Column("run_id", sa.Uuid, primary_key=True),
    sa.Column("inputs", JSONType, nullable=True),
    sa.Column("outputs", JSONType, nullable=True),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Index("ix_otel_log_content_received_at", "received_at"),
)

# The dashboards' reads (migration 0014): a key's feedback over a window, covering what its series
# aggregates; a queue's newest ratings; queue activity and reviews by day.
sa.Index(
    "ix_feedback_key_created",
    feedback.c.key,
    feedback.c.created_at,
    feedback.c.source,
    feedback.c.queue_id,
    feedback.c.created_by,
    feedback.c.score,
)
sa.Index("ix_feedback_queue_created", feedback.c.queue_id, feedback.c.created_at)
sa.Index("ix_queue_items_queue_added", queue_items.c.queue_id, queue_items.c.added_at, queue_items.c.status)
sa.Index(
    "ix_queue_items_queue_completed", queue_items.c.queue_id, queue_items.c.completed_at, queue_items.c.status
)
sa.Index(
    "ix_reviews_queue_reviewer_submitted",
    reviews.c.queue_id,
    reviews.c.reviewer_id,
    reviews.c.status,
    reviews.c.submitted_at,
    reviews.c.started_at,
)

# Feedback counted per hour, key, source, queue, author and category (migration 0014), kept in step by
# store/feedback.py on every insert, update and delete: a key's series over any window reads a few
# thousand of these rows instead of every feedback row. "No queue" and "no author" are the nil UUID
# and "no category" is "" (ON CONFLICT never matches NULLs).
feedback_hourly = sa.Table(
    "feedback_hourly",
    metadata,
    sa.Column("hour", UtcDateTime, nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("queue_id", sa.Uuid, nullable=False),
    sa.Column("created_by", sa.Uuid, nullable=False),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("score_sum", sa.Float, nullable=False),
    sa.Column("scored", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("key", "hour", "source", "queue_id", "created_by", "label"),
)
