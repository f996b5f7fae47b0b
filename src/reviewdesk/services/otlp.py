"""OTLP span ingest: map each span to a run, set the unusable ones aside, write the rest as one batch."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.domain.otel_mapping import span_to_run
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import normalize_run, overlay
from reviewdesk.errors import Invalid
from reviewdesk.services import ingest, otlp_logs
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import otel_log_content as log_content_store


@dataclass
class SpanIngest:
    accepted: int = 0
    rejected: list[str] = field(default_factory=list)


def ingest_spans(db: Any, actor: Actor, spans: Sequence[Mapping[str, Any]]) -> SpanIngest:
    """Upsert the spans' runs (routing them in the same transaction); rejected spans are named, not fatal.

    This is `ingest.ingest_batch` with the validation done per span instead of per batch: OTLP asks
    a receiver to keep the good spans of a request and report the bad ones as a partial success.
    """
    actor.require(Permission.INGEST)
    outcome = SpanIngest()
    updates: dict[uuid.UUID, dict[str, Any]] = {}
    for index, span in enumerate(spans):
        try:
            run = normalize_run(span_to_run(span), f"spans[{index}]")
        except Invalid as exc:
            outcome.rejected.append(f"{_label(span, index)}: {exc.field}: {exc.message}")
            continue
        updates[run["id"]] = overlay(updates.get(run["id"]), run)
    if len(updates) > ingest.MAX_RUNS_PER_BATCH:
        raise Invalid(f"at most {ingest.MAX_RUNS_PER_BATCH} spans per request", field="body")
    if updates:
        with db.write() as conn:
            log_content_store.lock_traces(conn, [r["trace_id"] for r in updates.values()])
            otlp_logs.fill_from_log_content(conn, updates)
            ingest.write_runs(conn, updates)
            # A score on a trace that came before the trace's root waits under the trace id.
            roots = {r["trace_id"]: run_id for run_id, r in updates.items() if r.get("parent_run_id") is None}
            feedback_store.move_trace_feedback_to_roots(conn, roots)
    outcome.accepted = len(spans) - len(outcome.rejected)
    return outcome


def _label(span: Mapping[str, Any], index: int) -> str:
    span_id = span.get("span_id")
    if isinstance(span_id, bytes | bytearray) and span_id:
        return f"span {bytes(span_id).hex()}"
    return f"span #{index}"
