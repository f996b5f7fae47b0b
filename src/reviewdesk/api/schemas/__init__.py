"""Request-body models of every API operation, and the registry that ties them to the routes.

Routes read their bodies with `Depends(json_object)` and services validate them (so errors name the
field as clients expect); these models describe what those services accept, for the OpenAPI document,
generated clients and fuzzers. A new POST/PUT/PATCH route is registered here, under
`<module under reviewdesk.api>.<function>`; tests/api/test_openapi.py fails for any that is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reviewdesk.api.schemas import datasets as ds
from reviewdesk.api.schemas import evaluators as ev
from reviewdesk.api.schemas import langfuse as lf
from reviewdesk.api.schemas import langsmith as ls
from reviewdesk.api.schemas import queues as qs
from reviewdesk.api.schemas import runs as rs
from reviewdesk.api.schemas import signal as sg


@dataclass(frozen=True)
class RequestBody:
    """A JSON body described by `model`, or other media types given as raw schemas in `content`."""

    model: type[BaseModel] | None = None
    required: bool = True
    content: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def absent(self) -> bool:
        return self.model is None and not self.content


NO_BODY = RequestBody(required=False)
_BINARY = {"type": "string", "format": "binary"}
_MULTIPART = RequestBody(
    content={
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "description": "parts named post.<id>[.field], patch.<id>[.field] and feedback.<id>, "
                "each application/json",
                "additionalProperties": _BINARY,
            }
        }
    }
)


def _otlp(signal: str, resource_key: str) -> RequestBody:
    request = f"an Export{signal}ServiceRequest"
    return RequestBody(
        content={
            "application/x-protobuf": {"schema": {**_BINARY, "description": request}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": f"{request} in OTLP/JSON",
                    "properties": {resource_key: {"type": "array", "items": {"type": "object"}}},
                }
            },
        }
    )


_OTLP = _otlp("Trace", "resourceSpans")

REQUEST_BODIES: dict[str, RequestBody] = {
    # /api/v1
    "runs.ingest_batch": RequestBody(rs.RunBatch),
    "runs.create_run": RequestBody(rs.Run),
    "runs.patch_run": RequestBody(rs.RunPatch),
    "runs.search_runs": RequestBody(rs.RunSearch),
    "projects.create_project": RequestBody(rs.ProjectCreate),
    "feedback.create_feedback": RequestBody(rs.FeedbackCreate),
    "feedback.update_feedback": RequestBody(rs.FeedbackUpdate),
    "feedback_configs.create_config": RequestBody(rs.FeedbackConfigCreate),
    "feedback_configs.update_config": RequestBody(rs.FeedbackConfigUpdate),
    "users.create_user": RequestBody(rs.UserCreate),
    "users.update_user": RequestBody(rs.UserUpdate),
    "users.create_api_key": RequestBody(rs.ApiKeyCreate, required=False),
    "audit.verify_audit_against_checkpoint": RequestBody(rs.AuditCheckpoint),
    "queues.create_queue": RequestBody(qs.QueueCreate),
    "queues.update_queue": RequestBody(qs.QueueSettings),
    "queues.add_items": RequestBody(qs.ItemsAdd),
    "queues.next_item": NO_BODY,
    "queues.create_rule": RequestBody(qs.RuleCreate),
    "queues.update_rule": RequestBody(qs.RuleSettings),
    "queues.preview_draft_rule": RequestBody(qs.RulePreview),
    "queues.preview_rule": RequestBody(qs.RulePreview),
    "queues.backfill_rule": RequestBody(qs.Backfill),
    "items.heartbeat": NO_BODY,
    "items.release": NO_BODY,
    "items.submit": RequestBody(qs.Submit),
    "items.skip": RequestBody(qs.Reason, required=False),
    "items.flag": RequestBody(qs.Reason),
    "items.resolve": RequestBody(qs.FlagResolve),
    "webhooks.create_webhook": RequestBody(qs.WebhookCreate),
    "webhooks.send_test": NO_BODY,
    "datasets.create_dataset": RequestBody(ds.DatasetCreate),
    "datasets.add_examples": RequestBody(ds.ExamplesAdd),
    "calibrations.create_calibration": RequestBody(sg.CalibrationCreate),
    "adjudications.adjudicate": RequestBody(sg.Adjudication),
    "adjudications.add_gold": RequestBody(sg.GoldAdd),
    "datasets.update_example": RequestBody(ds.ExampleUpdate),
    "datasets.tag_version": RequestBody(ds.VersionTag),
    "datasets.assign_splits": RequestBody(ds.Splits),
    # OpenTelemetry
    "otlp.export_traces": _OTLP,
    "otlp_signals.export_logs": _otlp("Logs", "resourceLogs"),
    "otlp_signals.export_metrics": _otlp("Metrics", "resourceMetrics"),
    "langfuse.export_traces": _OTLP,
    "langfuse.create_scores": RequestBody(lf.LangfuseScores),
    "langfuse.ingestion": RequestBody(lf.IngestionBatch),
    "langsmith.runs_v2.query_runs": RequestBody(ls.RunQueryV2),
    "evaluators.create_evaluator": RequestBody(ev.EvaluatorCreate),
    "evaluators.update_evaluator": RequestBody(ev.EvaluatorUpdate),
    "evaluators.start_run": RequestBody(ev.EvaluatorRunStart),
    "evaluators.send_disagreements": RequestBody(ev.DisagreementsSend),
    "evaluators.try_evaluator": RequestBody(ev.EvaluatorTry),
    "evaluators.try_draft": RequestBody(ev.EvaluatorDraftTry),
    # LangSmith adapter
    "langsmith.runs.ingest_multipart": _MULTIPART,
    "langsmith.runs.ingest_batch": RequestBody(ls.LangSmithRunBatch),
    "langsmith.runs.create_run": RequestBody(ls.LangSmithRun),
    "langsmith.runs.update_run": RequestBody(ls.LangSmithRun),
    "langsmith.runs.query_runs": RequestBody(ls.RunQuery),
    "langsmith.sessions.create_session": RequestBody(ls.SessionCreate),
    "langsmith.sessions.update_session": NO_BODY,
    "langsmith.feedback.create_feedback": RequestBody(ls.LangSmithFeedback),
    "langsmith.feedback.update_feedback": RequestBody(ls.LangSmithFeedbackUpdate),
    "langsmith.configs.create_config": RequestBody(ls.LangSmithConfigCreate),
    "langsmith.configs.update_config": RequestBody(ls.LangSmithConfigUpdate),
    "langsmith.queues.create_queue": RequestBody(ls.AnnotationQueueCreate),
    "langsmith.queues.update_queue": RequestBody(ls.AnnotationQueueSettings),
    "langsmith.queues.add_runs": RequestBody(ls.RunIds),
    "langsmith.queues.add_runs_by_key": RequestBody(ls.RunKeys),
    "langsmith.queues.add_items": RequestBody(ls.QueueItemsAdd),
    "langsmith.datasets.create_dataset": RequestBody(ls.LangSmithDatasetCreate),
    "langsmith.datasets.create_examples": RequestBody(ls.LangSmithExamples),
    "langsmith.datasets.create_example": RequestBody(ls.LangSmithExample),
    "langsmith.datasets.update_examples": RequestBody(ls.LangSmithExampleUpdates),
    "langsmith.datasets.update_example": RequestBody(ls.LangSmithExampleUpdate),
}

# Success answers beyond the route's declared status code.
EXTRA_SUCCESS: dict[str, dict[int, str]] = {
    "queues.next_item": {204: "nothing is left for the caller in this queue"},
    "items.resolve": {204: "the item was removed from its queue"},
}

# Reads that can answer 409 (writes document it anyway): the checkpoint of a trail that does not verify.
READS_WITH_CONFLICT = frozenset({"audit.audit_checkpoint"})

# Operations that need no API key.
PUBLIC_OPERATIONS = frozenset({"health.health", "langsmith.info.info"})


def operation_key(endpoint: Any) -> str:
    """`queues.create_queue` for reviewdesk.api.queues.create_queue (the registry's key)."""
    module = endpoint.__module__.removeprefix("reviewdesk.api.")
    return f"{module}.{endpoint.__name__}"
