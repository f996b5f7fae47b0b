"""OTLP log events: GenAI message content lands on its span's run, whichever of the two arrives first.

Instrumentations send one event per message, often one request each: the content is gathered per
span (otel_log_content) and the run shows all of it. A span's own content attributes always win;
a run whose inputs or outputs came from log events takes the longer gathered content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.otel_log_events import SpanMessages, messages_by_span
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.services import ingest
from reviewdesk.services.clock import utcnow
from reviewdesk.store import otel_log_content as log_content_store
from reviewdesk.store import runs as runs_store

# Content whose span never arrives (an exporter that dropped it) is forgotten after this long.
KEPT = timedelta(days=1)
_FIELDS = ("inputs", "outputs")


def _gathered(before: Mapping[str, Any] | None, new: SpanMessages) -> dict[str, Any]:
    """What was gathered for a span, with these events added (a whole-request event replaces)."""
    content = new.content()
    for key, whole in (("inputs", new.whole_inputs), ("outputs", new.whole_outputs)):
        earlier = (before or {}).get(key)
        if whole is None and earlier is not None:
            added = (content[key] or {}).get("messages", [])
            content[key] = {"messages": [*earlier.get("messages", []), *added]}
    return content


def ingest_log_records(db: Any, actor: Actor, records: Sequence[Mapping[str, Any]]) -> int:
    """Gather the message content of GenAI events; returns how many spans received some."""
    actor.require(Permission.INGEST)
    found = messages_by_span(records)
    if not found:
        return 0
    now = utcnow()
    ids = list(found)
    with db.write() as conn:
        log_content_store.lock_traces(conn, sorted({m.trace_id for m in found.values()}))
        before = log_content_store.of_runs(conn, ids)
        gathered = {run_id: _gathered(before.get(run_id), found[run_id]) for run_id in ids}
        stored = runs_store.fetch_for_update(conn, ids)
        updates: dict[Any, dict[str, Any]] = {}
        for run_id, run in stored.items():
            # Only what is empty, or what earlier events put there, is (re)written.
            fill = {
                key: gathered[run_id][key]
                for key in _FIELDS
                if gathered[run_id][key] is not None
                and (run.get(key) is None or run.get(key) == (before.get(run_id) or {}).get(key))
            }
            if fill:
                updates[run_id] = {"id": run_id, **fill}
        if updates:
            ingest.write_runs(conn, updates)
        log_content_store.put(conn, [{"run_id": i, **gathered[i], "received_at": now} for i in ids])
        log_content_store.forget_older_than(conn, now - KEPT)
    return len(found)


def fill_from_log_content(conn: Connection, updates: dict[Any, dict[str, Any]]) -> None:
    """Spans about to be written take the content their log events sent ahead of them."""
    for run_id, content in log_content_store.of_runs(conn, list(updates)).items():
        run = updates[run_id]
        for key in _FIELDS:
            if run.get(key) is None and content.get(key) is not None:
                run[key] = content[key]
