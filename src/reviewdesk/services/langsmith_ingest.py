"""LangSmith run ingest: posts, patches and feedback of one request written in one transaction.

LangSmith names a run's project by `session_name` (or by its id in `session_id`); our run payload
uses `session_id` for the conversation, so the project id is resolved to its name here first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_uuid
from reviewdesk.errors import Invalid
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import ingest
from reviewdesk.services.langsmith_feedback import ensure_config, feedback_from_langsmith, trace_id_hint
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import projects as projects_store
from reviewdesk.store.database import Database


def refuse_attachments(where: str) -> Invalid:
    return Invalid(
        f"{where}: ReviewDesk does not store run attachments; put the content in inputs or outputs, "
        "or drop the attachment. Nothing in this request was stored.",
        field=where,
        code="attachments_unsupported",
    )


def _run_payload(raw: Any, field: str) -> tuple[dict[str, Any], uuid.UUID | None]:
    """The run as our ingest reads it, and the project id it names (when it names one by id)."""
    if not isinstance(raw, dict):
        raise Invalid("must be a JSON object", field=field)
    if raw.get("attachments"):
        raise refuse_attachments(f"{field}.attachments")
    run = {k: v for k, v in raw.items() if k not in ("session_id", "attachments", "project")}
    project_id = parse_uuid(raw.get("session_id"), f"{field}.session_id")
    return run, project_id if raw.get("session_name") is None else None


def _with_projects(conn: Connection, runs: list[tuple[dict[str, Any], uuid.UUID | None]]) -> list[dict]:
    names = projects_store.names_by_id(conn, {pid for _, pid in runs if pid is not None})
    out = []
    for run, project_id in runs:
        if project_id is not None:
            if project_id not in names:
                raise Invalid(f"no project {project_id}; send session_name to create one", field="session_id")
            run = {**run, "session_name": names[project_id]}
        out.append(run)
    return out


def ingest_runs(
    db: Database,
    actor: Actor,
    *,
    post: Sequence[Any] = (),
    patch: Sequence[Any] = (),
    feedback: Sequence[Any] = (),
) -> dict[str, int]:
    """Upsert the runs, then add the feedback, all or nothing; a patch may come before its post."""
    actor.require(Permission.INGEST)
    if feedback:
        actor.require(Permission.WRITE_FEEDBACK)
    posts = [_run_payload(r, f"post[{i}]") for i, r in enumerate(post)]
    patches = [_run_payload(r, f"patch[{i}]") for i, r in enumerate(patch)]
    scored = [feedback_from_langsmith(f, f"feedback[{i}]") for i, f in enumerate(feedback)]
    for _payload, config in scored:
        if config is not None:
            ensure_config(db, actor, config["key"], config)
    with db.write() as conn:
        updates = ingest.normalize_batch(_with_projects(conn, posts), _with_projects(conn, patches))
        if updates:
            ingest.write_runs(conn, updates)
        for raw, (payload, _config) in zip(feedback, scored, strict=True):
            row = feedback_service.build_row(conn, actor, payload)
            if feedback_store.get(conn, row["id"]) is not None:
                continue  # the SDK re-sent a batch that was already stored
            row["trace_id"] = row["trace_id"] or trace_id_hint(raw)
            feedback_service.insert(conn, actor, row)
    return {"runs": len(updates), "feedback": len(scored)}
