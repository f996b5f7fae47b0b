"""OTLP log events: GenAI message content lands on its span's run, whichever of the two arrives first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.otel_log_events import messages_by_span
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.services import ingest
from reviewdesk.services.clock import utcnow
from reviewdesk.store import otel_pending_content as pending_store
from reviewdesk.store import runs as runs_store

# Content whose span never arrives (an exporter that dropped it) is forgotten after this long.
PENDING_KEPT = timedelta(days=1)


def ingest_log_records(db: Any, actor: Actor, records: Sequence[Mapping[str, Any]]) -> int:
    """Store the message content of GenAI events; returns how many spans received content."""
    actor.require(Permission.INGEST)
    found = messages_by_span(records)
    if not found:
        return 0
    now = utcnow()
    with db.write() as conn:
        stored = runs_store.fetch_for_update(conn, list(found))
        updates: dict[Any, dict[str, Any]] = {}
        waiting = []
        for run_id, messages in found.items():
            content = messages.content()
            if run_id not in stored:
                waiting.append({"run_id": run_id, **content, "received_at": now})
                continue
            # The span's own attributes win: a log only fills what the span left empty.
            fill = {k: v for k, v in content.items() if v is not None and stored[run_id].get(k) is None}
            if fill:
                updates[run_id] = {"id": run_id, **fill}
        if updates:
            ingest.write_runs(conn, updates)
        pending_store.put(conn, waiting)
        pending_store.forget_older_than(conn, now - PENDING_KEPT)
    return len(found)


def fill_from_pending(conn: Connection, updates: dict[Any, dict[str, Any]]) -> None:
    """Spans about to be written take the content their log events left waiting for them."""
    waiting = pending_store.take(conn, list(updates))
    for run_id, content in waiting.items():
        run = updates[run_id]
        for key in ("inputs", "outputs"):
            if run.get(key) is None and content.get(key) is not None:
                run[key] = content[key]
