"""The Langfuse SDK's REST calls over our services: its scores become feedback, its auth check sees
one project, and the v3 ingestion envelope's events are answered one by one (207, as Langfuse does)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from reviewdesk.domain.otel_mapping import span_run_id, trace_run_id
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Conflict, Invalid, ReviewDeskError
from reviewdesk.services import feedback as feedback_service
from reviewdesk.services import ingest
from reviewdesk.store import feedback as feedback_store
from reviewdesk.store import feedback_configs as configs_store
from reviewdesk.store import runs as runs_store
from reviewdesk.store.database import Database

# Fixed forever: a re-sent score (same Langfuse id) must land on the same feedback id.
SCORE_NAMESPACE = uuid.UUID("0b7c2f4e-9a51-5d3e-8c6f-1e2d3c4b5a69")
PUBLIC_KEY_PREFIX = "pk-"
MAX_SCORES_PER_REQUEST = 10_000
_DATA_TYPES = ("NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT", "CORRECTION")
# Kept on the feedback row's `extra`: what Langfuse stores beside a score that we have no column for.
_KEPT_IN_EXTRA = ("metadata", "environment", "configId", "timestamp", "dataType", "queueId")


def project_of_public_key(public_key: str) -> str:
    """`pk-lf-support-bot` → "support-bot": the public key names the project its traces go to."""
    name = public_key[len(PUBLIC_KEY_PREFIX) :]
    if name.startswith("lf-"):
        name = name[3:]
    return name[:200] or "default"


def auth_check_projects(actor: Actor, public_key: str) -> dict[str, Any]:
    """GET /api/public/projects, what `auth_check()` reads: exactly one project, the key's."""
    actor.require(Permission.INGEST)
    name = project_of_public_key(public_key)
    return {
        "data": [
            {
                "id": name,
                "name": name,
                "organization": {"id": "reviewdesk", "name": "ReviewDesk"},
                "metadata": {},
            }
        ]
    }


def score_id(raw: Any) -> uuid.UUID:
    if raw is None:
        return uuid.uuid4()
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return uuid.uuid5(SCORE_NAMESPACE, str(raw))


def _hex(value: Any, size: int, field: str) -> bytes:
    if not isinstance(value, str):
        raise Invalid("must be a string", field=field)
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise Invalid(
            f"must be {size * 2} hex digits (an OpenTelemetry id from the Langfuse SDK)", field=field
        )
    return raw


def target_run(conn: Connection, score: Mapping[str, Any], field: str) -> uuid.UUID:
    """The run a score is on: its observation's, else its trace's root (held under the trace id until
    the root arrives; OTLP ingest moves it then)."""
    if score.get("traceId") is None:
        if score.get("sessionId") is not None or score.get("datasetRunId") is not None:
            raise Invalid(
                "scores on a session or a dataset run are not supported: ReviewDesk feedback scores a "
                "run; give traceId (and observationId)",
                field=f"{field}.traceId",
            )
        raise Invalid("is required", field=f"{field}.traceId")
    trace = _hex(score["traceId"], 16, f"{field}.traceId")
    if score.get("observationId") is not None:
        return span_run_id(trace, _hex(score["observationId"], 8, f"{field}.observationId"))
    trace_id = trace_run_id(trace)
    return runs_store.root_ids_of_traces(conn, [trace_id]).get(trace_id, trace_id)


def _answer(conn: Connection, score: Mapping[str, Any], field: str) -> dict[str, Any]:
    """Langfuse's value + dataType → our score / value / correction, following the key's score config."""
    value, data_type = score.get("value"), score.get("dataType")
    if data_type is not None and data_type not in _DATA_TYPES:
        raise Invalid(f"must be one of {', '.join(_DATA_TYPES)}", field=f"{field}.dataType")
    if value is None or isinstance(value, dict | list):
        raise Invalid("must be a number or a string", field=f"{field}.value")
    if data_type == "CORRECTION":
        return {"correction": value}
    config = configs_store.get(conn, str(score.get("name")))
    kind = config["type"] if config else None
    if data_type == "BOOLEAN" or kind == "boolean":
        if isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0"):
                raise Invalid("a boolean score is 1/0 or true/false", field=f"{field}.value")
            return {"value": value.lower() in ("true", "1")}
        return {"value": bool(value)}
    if isinstance(value, str):
        if kind == "continuous":
            try:
                return {"score": float(value)}
            except ValueError:
                raise Invalid(
                    f"{score.get('name')!r} needs a numeric score", field=f"{field}.value"
                ) from None
        return {"value": value}
    if kind == "categorical" or data_type == "CATEGORICAL":
        return {"score": float(value)}  # the config maps a score to its option
    if kind == "freeform" or data_type == "TEXT":
        return {"value": f"{value:g}"}
    return {"score": float(value)}


def _feedback_payload(conn: Connection, score: Any, field: str) -> dict[str, Any]:
    if not isinstance(score, dict):
        raise Invalid("must be a JSON object (a score)", field=field)
    comment = score.get("comment")
    extra = {k: score[k] for k in _KEPT_IN_EXTRA if score.get(k) is not None}
    extra["langfuse_score_id"] = score.get("id")
    return {
        "id": str(score_id(score.get("id"))),
        "run_id": str(target_run(conn, score, field)),
        "key": score.get("name"),
        "comment": comment,
        "source": "api",
        "extra": extra,
        **_answer(conn, score, field),
    }


def _store_score(conn: Connection, actor: Actor, score: Any, field: str) -> None:
    try:
        row = feedback_service.build_row(conn, actor, _feedback_payload(conn, score, field))
    except Invalid as exc:
        raise Invalid(
            exc.message, field=field if exc.field in (None, "body") else _prefixed(exc.field, field)
        ) from None
    existing = feedback_store.get(conn, row["id"])
    if existing is not None:
        # The SDKs re-send a batch after a timeout or a 5xx: the same score again is that retry.
        if existing["run_id"] == row["run_id"] and existing["key"] == row["key"]:
            return
        raise Conflict(
            f"score {score.get('id')!r} already exists on another run or name", field=f"{field}.id"
        )
    feedback_service.insert(conn, actor, row)


def _prefixed(name: str, field: str) -> str:
    return name if name.startswith(field) else f"{field}.{name}"


def create_scores(db: Database, actor: Actor, scores: list[Any]) -> int:
    """POST /api/public/scores (v5: a JSON array; one object also accepted): all stored, or none."""
    actor.require(Permission.WRITE_FEEDBACK)
    if len(scores) > MAX_SCORES_PER_REQUEST:
        raise Invalid(f"at most {MAX_SCORES_PER_REQUEST} scores per request", field="body")
    with db.write() as conn:
        for index, score in enumerate(scores):
            _store_score(conn, actor, score, f"[{index}]")
    return len(scores)


def ingest_events(db: Database, actor: Actor, batch: Any) -> dict[str, list[dict[str, Any]]]:
    """POST /api/public/ingestion (v3): each event on its own; `errors` names the ones refused.

    `score-create` is stored as feedback. `trace-create` (sent by v3's batch evaluation) tags the
    trace's root run when it is known. Observation events come over OpenTelemetry since v3, so one
    arriving here is refused by name rather than dropped in silence.
    """
    actor.require(Permission.INGEST)
    if not isinstance(batch, list):
        raise Invalid("must be a list of events", field="batch")
    answer: dict[str, list[dict[str, Any]]] = {"successes": [], "errors": []}
    for index, event in enumerate(batch):
        event_id = event.get("id") if isinstance(event, dict) else None
        try:
            _ingest_event(db, actor, event, f"batch[{index}]")
        except ReviewDeskError as exc:
            answer["errors"].append(
                {"id": event_id, "status": exc.status, "message": exc.message, "error": exc.field}
            )
            continue
        answer["successes"].append({"id": event_id, "status": 201})
    return answer


def _ingest_event(db: Database, actor: Actor, event: Any, field: str) -> None:
    if not isinstance(event, dict) or not isinstance(event.get("body"), dict):
        raise Invalid("must be {id, type, timestamp, body}", field=field)
    kind, body = event.get("type"), event["body"]
    if kind == "score-create":
        actor.require(Permission.WRITE_FEEDBACK)
        with db.write() as conn:
            _store_score(conn, actor, {**body, "timestamp": event.get("timestamp")}, f"{field}.body")
    elif kind == "trace-create":
        _tag_trace(db, body, f"{field}.body")
    elif kind == "sdk-log":
        return
    else:
        raise Invalid(
            f"event type {str(kind)[:40]!r} is not accepted here: send observations over "
            "OpenTelemetry (/api/public/otel/v1/traces), as the Langfuse SDK v3 and later do",
            field=f"{field}.type",
        )


def _tag_trace(db: Database, body: dict[str, Any], field: str) -> None:
    trace_id = trace_run_id(_hex(body.get("id"), 16, f"{field}.id"))
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        raise Invalid("must be a list of strings", field=f"{field}.tags")
    if not tags:
        return
    with db.write() as conn:
        root = runs_store.root_ids_of_traces(conn, [trace_id]).get(trace_id)
        if root is None:
            return  # nothing to tag yet; the tags also travel on the trace's spans
        stored = runs_store.get(conn, root) or {}
        merged = sorted({*(stored.get("tags") or []), *tags})
        ingest.write_runs(conn, {root: {"id": root, "tags": merged}})
