"""OTLP/HTTP logs and metrics (`/otlp/v1/logs`, `/otlp/v1/metrics`): GenAI log events give their
span its messages; metrics are accepted and dropped, so exporters that send them by default (OpenLLMetry,
the OTel GenAI instrumentation) stop logging failures."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from starlette.responses import Response

from reviewdesk.api import otlp
from reviewdesk.api.deps import current_actor, get_db
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import otlp_logs
from reviewdesk.store.database import Database

router = APIRouter(tags=["opentelemetry"])


@router.post("/v1/logs", response_class=Response)
def export_logs(
    request: Request,
    actor: Actor = Depends(current_actor),
    body: otlp.ExportBody = Depends(otlp.export_body),
    db: Database = Depends(get_db),
) -> Response:
    """An OTLP `ExportLogsServiceRequest`; records that are not GenAI events are accepted and dropped."""
    protobuf = otlp.is_protobuf(body.media_type)
    payload = otlp.decompress(body.raw, body.encoding, request.app.state.settings.max_body_bytes)
    records = decode_logs_protobuf(payload) if protobuf else decode_logs_json(payload)
    otlp_logs.ingest_log_records(db, actor, records)
    if protobuf:
        return Response(ExportLogsServiceResponse().SerializeToString(), media_type=otlp.PROTOBUF)
    return Response(b"{}", media_type=otlp.JSON)


@router.post("/v1/metrics", response_class=Response)
def export_metrics(
    request: Request,
    actor: Actor = Depends(current_actor),
    body: otlp.ExportBody = Depends(otlp.export_body),
) -> Response:
    """Checked to be an OTLP metrics request, then dropped: ReviewDesk keeps token counts on runs."""
    protobuf = otlp.is_protobuf(body.media_type)
    payload = otlp.decompress(body.raw, body.encoding, request.app.state.settings.max_body_bytes)
    if protobuf:
        try:
            ExportMetricsServiceRequest.FromString(payload)
        except DecodeError as exc:
            raise Invalid(
                f"malformed OTLP protobuf: {exc}", field="body", code="malformed_protobuf"
            ) from None
        return Response(ExportMetricsServiceResponse().SerializeToString(), media_type=otlp.PROTOBUF)
    _json_request(payload)
    return Response(b"{}", media_type=otlp.JSON)


def decode_logs_protobuf(payload: bytes) -> list[dict[str, Any]]:
    try:
        request = ExportLogsServiceRequest.FromString(payload)
    except DecodeError as exc:
        raise Invalid(f"malformed OTLP protobuf: {exc}", field="body", code="malformed_protobuf") from None
    records = []
    for resource_logs in request.resource_logs:
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                records.append(
                    {
                        "trace_id": record.trace_id,
                        "span_id": record.span_id,
                        "event_name": record.event_name,
                        "attributes": otlp.pb_attributes(record.attributes),
                        "body": otlp.pb_value(record.body),
                    }
                )
    return records


def _json_request(payload: bytes) -> dict[str, Any]:
    try:
        request = orjson.loads(payload) if payload.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"malformed JSON: {exc}", field="body", code="malformed_json") from None
    if not isinstance(request, dict):
        raise Invalid("must be a JSON object (an OTLP export request)", field="body")
    return request


def decode_logs_json(payload: bytes) -> list[dict[str, Any]]:
    request = _json_request(payload)
    records = []
    for r_index, resource_logs in enumerate(otlp.json_list(request, "resourceLogs", "body")):
        for s_index, scope_logs in enumerate(
            otlp.json_list(resource_logs, "scopeLogs", f"resourceLogs[{r_index}]")
        ):
            where = f"resourceLogs[{r_index}].scopeLogs[{s_index}]"
            for index, record in enumerate(otlp.json_list(scope_logs, "logRecords", where)):
                at = f"{where}.logRecords[{index}]"
                if not isinstance(record, dict):
                    raise Invalid("must be a JSON object", field=at)
                records.append(
                    {
                        "trace_id": otlp.json_id(record.get("traceId"), 16, f"{at}.traceId", optional=True),
                        "span_id": otlp.json_id(record.get("spanId"), 8, f"{at}.spanId", optional=True),
                        "event_name": str(record.get("eventName") or ""),
                        "attributes": otlp.json_attributes(record, at),
                        "body": otlp.json_value(record.get("body"), f"{at}.body"),
                    }
                )
    return records
