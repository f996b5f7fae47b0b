"""The LangSmith SDK's v2 run query (`POST /api/v2/runs/query`, `client.runs.query_v2()`), the
replacement of `list_runs`: the same conditions with v2 names, `selects` in capitals, and
`{"items", "next_cursor"}` pages. Other v2 paths answer 404 naming what is served."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends

from reviewdesk.api.deps import current_actor, get_db, json_object
from reviewdesk.api.langsmith.deps import refuse_unknown
from reviewdesk.api.langsmith.shapes import parent_run_ids
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.run_payload import RUN_TYPES, parse_time, parse_uuid
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import langsmith_runs
from reviewdesk.services.clock import utcnow
from reviewdesk.store.database import Database

router = APIRouter(tags=["langsmith"])

SERVED = "POST /api/v2/runs/query"
# LangSmith's default window when min_start_time is omitted.
DEFAULT_WINDOW = timedelta(days=1)
MAX_PAGE_SIZE = 1000
_PREVIEW_CHARS = 200
_KEYS = {
    "cursor",
    "filter",
    "has_error",
    "ids",
    "include_subtree_usage",
    "is_root",
    "max_start_time",
    "min_start_time",
    "page_size",
    "project_ids",
    "run_type",
    "selects",
    "trace_filter",
    "trace_id",
    "tree_filter",
    "reference_examples",
    "ai_search",
    "sem_filter",
    "reference_dataset_id",
    "min_feedback_modified_at",
    "max_feedback_modified_at",
}
_UNSUPPORTED = {
    "ai_search": 'natural-language search is not supported; use filter, e.g. search("refund")',
    "sem_filter": 'semantic filters are not supported; use filter, e.g. search("refund")',
    "reference_dataset_id": "give project_ids (the experiment's project) instead of a dataset",
    "min_feedback_modified_at": "feedback time bounds are not supported",
    "max_feedback_modified_at": "feedback time bounds are not supported",
}


def _preview(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text[:_PREVIEW_CHARS]


def _v2_fields(row: dict[str, Any]) -> dict[str, Any]:
    latency = row.get("latency_ms")
    extra = {**(row.get("extra") or {}), "metadata": row.get("meta") or {}}
    return {
        "ID": ("id", row["id"]),
        "NAME": ("name", row["name"]),
        "RUN_TYPE": ("run_type", str(row["run_type"]).upper()),
        "STATUS": ("status", str(row["status"]).upper()),
        "START_TIME": ("start_time", row["start_time"]),
        "END_TIME": ("end_time", row["end_time"]),
        "LATENCY_SECONDS": ("latency_seconds", None if latency is None else latency / 1000),
        "ERROR": ("error", row["error"]),
        "ERROR_PREVIEW": ("error_preview", _preview(row["error"])),
        "EXTRA": ("extra", extra),
        "METADATA": ("metadata", row.get("meta") or {}),
        "EVENTS": ("events", row.get("events") or []),
        "INPUTS": ("inputs", row.get("inputs") or {}),
        "INPUTS_PREVIEW": ("inputs_preview", _preview(row.get("inputs"))),
        "OUTPUTS": ("outputs", row.get("outputs")),
        "OUTPUTS_PREVIEW": ("outputs_preview", _preview(row.get("outputs"))),
        "PARENT_RUN_IDS": ("parent_run_ids", parent_run_ids(row["dotted_order"])),
        "PROJECT_ID": ("project_id", row["project_id"]),
        "TRACE_ID": ("trace_id", row["trace_id"]),
        "THREAD_ID": ("thread_id", row.get("session_id")),
        "DOTTED_ORDER": ("dotted_order", row["dotted_order"]),
        "IS_ROOT": ("is_root", row["is_root"]),
        "REFERENCE_EXAMPLE_ID": ("reference_example_id", row.get("reference_example_id")),
        "TOTAL_TOKENS": ("total_tokens", row["total_tokens"]),
        "PROMPT_TOKENS": ("prompt_tokens", row["prompt_tokens"]),
        "COMPLETION_TOKENS": ("completion_tokens", row["completion_tokens"]),
        "TOTAL_COST": ("total_cost", row["cost"]),
        "TAGS": ("tags", row.get("tags") or []),
        "FEEDBACK_STATS": ("feedback_stats", row.get("feedback_stats")),
    }


# What LangSmith has and we do not keep: selected, they come back null.
_ALWAYS_NULL = {
    "FIRST_TOKEN_TIME": "first_token_time",
    "MANIFEST": "manifest",
    "REFERENCE_DATASET_ID": "reference_dataset_id",
    "PROMPT_COST": "prompt_cost",
    "COMPLETION_COST": "completion_cost",
    "PROMPT_TOKEN_DETAILS": "prompt_token_details",
    "COMPLETION_TOKEN_DETAILS": "completion_token_details",
    "PROMPT_COST_DETAILS": "prompt_cost_details",
    "COMPLETION_COST_DETAILS": "completion_cost_details",
    "PRICE_MODEL_ID": "price_model_id",
    "APP_PATH": "app_path",
    "ATTACHMENTS": "attachments",
    "THREAD_EVALUATION_TIME": "thread_evaluation_time",
    "IS_IN_DATASET": "is_in_dataset",
    "LAST_QUEUED_AT": "last_queued_at",
    "SHARE_URL": "share_url",
    "LS_USER_ID": "ls_user_id",
}
_STORED = [
    "ID",
    "NAME",
    "RUN_TYPE",
    "STATUS",
    "START_TIME",
    "END_TIME",
    "LATENCY_SECONDS",
    "ERROR",
    "ERROR_PREVIEW",
    "EXTRA",
    "METADATA",
    "EVENTS",
    "INPUTS",
    "INPUTS_PREVIEW",
    "OUTPUTS",
    "OUTPUTS_PREVIEW",
    "PARENT_RUN_IDS",
    "PROJECT_ID",
    "TRACE_ID",
    "THREAD_ID",
    "DOTTED_ORDER",
    "IS_ROOT",
    "REFERENCE_EXAMPLE_ID",
    "TOTAL_TOKENS",
    "PROMPT_TOKENS",
    "COMPLETION_TOKENS",
    "TOTAL_COST",
    "TAGS",
    "FEEDBACK_STATS",
]
SELECTABLE = frozenset(_STORED) | frozenset(_ALWAYS_NULL)


def run_v2(row: dict[str, Any], selects: list[str]) -> dict[str, Any]:
    fields = _v2_fields(row)
    shaped: dict[str, Any] = {"id": row["id"]}
    for name in selects:
        key, value = fields[name] if name in fields else (_ALWAYS_NULL[name], None)
        shaped[key] = value
    return shaped


def _selects(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise Invalid("must be a list of field names", field="selects")
    unknown = [s for s in value if s not in SELECTABLE]
    if unknown:
        raise Invalid(f"unknown field {unknown[0][:40]!r}; e.g. ID, NAME, INPUTS, OUTPUTS", field="selects")
    return value


def _bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise Invalid("must be true or false", field=name)
    return value


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid("must be a string", field=name)
    return value


def _uuids(body: dict[str, Any], name: str) -> list[Any] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise Invalid("must be a list of UUIDs", field=name)
    return [parse_uuid(v, f"{name}[{i}]", required=True) for i, v in enumerate(value)]


def query_from_body(body: dict[str, Any]) -> tuple[langsmith_runs.RunQuery, list[str]]:
    refuse_unknown(body, _KEYS, "/api/v2/runs/query")
    for name, reason in _UNSUPPORTED.items():
        if body.get(name) is not None:
            raise Invalid(reason, field=name)
    page_size = body.get("page_size", 100)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Invalid(f"must be an integer between 1 and {MAX_PAGE_SIZE}", field="page_size")
    run_type = _text(body, "run_type")
    if run_type is not None and run_type.lower() not in RUN_TYPES:
        raise Invalid(f"unknown run_type {run_type[:40]!r}", field="run_type")
    selects = _selects(body.get("selects"))
    min_start = parse_time(body.get("min_start_time"), "min_start_time")
    query = langsmith_runs.RunQuery(
        project_ids=_uuids(body, "project_ids"),
        filter=_text(body, "filter"),
        trace_filter=_text(body, "trace_filter"),
        tree_filter=_text(body, "tree_filter"),
        is_root=_bool(body, "is_root"),
        run_type=None if run_type is None else run_type.lower(),
        trace_id=parse_uuid(body.get("trace_id"), "trace_id"),
        reference_example_ids=_uuids(body, "reference_examples"),
        ids=_uuids(body, "ids"),
        start_time=min_start or utcnow() - DEFAULT_WINDOW,
        end_start_time=parse_time(body.get("max_start_time"), "max_start_time"),
        error=_bool(body, "has_error"),
        limit=page_size,
        cursor=_text(body, "cursor"),
        with_feedback_stats="FEEDBACK_STATS" in selects,
    )
    return query, selects


@router.post("/runs/query")
def query_runs(
    body: dict[str, Any] = Depends(json_object),
    actor: Actor = Depends(current_actor),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """Runs newest first within [min_start_time (default: a day ago), max_start_time); only the
    `selects` fields (always `id`)."""
    query, selects = query_from_body(body)
    rows, next_cursor = langsmith_runs.query_runs(db, actor, query)
    return FastJSONResponse({"items": [run_v2(r, selects) for r in rows], "next_cursor": next_cursor})


@router.api_route("/{path:path}", methods=["GET", "POST", "PATCH", "PUT", "DELETE"], include_in_schema=False)
def not_served(path: str, actor: Actor = Depends(current_actor)) -> FastJSONResponse:
    raise NotFound(
        f"/api/v2/{path[:80]} is not served by ReviewDesk's LangSmith adapter; of the v2 API it serves "
        f"{SERVED} (client.runs.query_v2) — use the v1 methods for the rest",
        field="path",
    )
