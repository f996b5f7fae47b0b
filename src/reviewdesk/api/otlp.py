"""OTLP/HTTP trace export (`POST /otlp/v1/traces`, `/v1/traces`): protobuf or JSON, gzip, partial success.

Decoding turns the wire format into the plain span dicts `domain/otel_mapping.py` reads; a span that
cannot be decoded is rejected on its own (reported in `partial_success`), a body that cannot be read
at all is a 400 in ReviewDesk's error shape.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.responses import Response

from reviewdesk.api.deps import current_actor, get_db
from reviewdesk.domain.limits import check_json
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid, PayloadTooLarge
from reviewdesk.services import otlp as otlp_service
from reviewdesk.store.database import Database

router = APIRouter(tags=["opentelemetry"])

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_PROTOBUF_TYPES = frozenset({PROTOBUF, "application/protobuf"})
_COMPRESSED = frozenset({"gzip", "x-gzip", "deflate"})
_SPAN_KINDS = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}
_STATUS_CODES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
MAX_REPORTED_ERRORS = 5


@dataclass(frozen=True)
class ExportBody:
    raw: bytes
    media_type: str
    encoding: str


@dataclass
class DecodedSpans:
    spans: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


async def export_body(request: Request) -> ExportBody:
    """Only read here; decoding runs in the route, off the event loop."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    return ExportBody(await request.body(), media_type, encoding)


@router.post("/v1/traces", response_class=Response)
def export_traces(
    request: Request,
    actor: Actor = Depends(current_actor),
    body: ExportBody = Depends(export_body),
    db: Database = Depends(get_db),
) -> Response:
    """An OTLP `ExportTraceServiceRequest`; answered after the commit, in the request's content type."""
    protobuf = is_protobuf(body.media_type)
    payload = decompress(body.raw, body.encoding, request.app.state.settings.max_body_bytes)
    decoded = decode_protobuf(payload) if protobuf else decode_json(payload)
    outcome = otlp_service.ingest_spans(db, actor, decoded.spans)
    return export_response(protobuf, [*decoded.rejected, *outcome.rejected])


def is_protobuf(media_type: str) -> bool:
    if media_type in _PROTOBUF_TYPES:
        return True
    if media_type == JSON:
        return False
    raise Invalid(
        f"unsupported content type {media_type[:80]!r}; send {PROTOBUF} or {JSON}",
        field="content-type",
        code="unsupported_content_type",
    )


def decompress(raw: bytes, encoding: str, limit: int) -> bytes:
    """gzip or deflate, refused once it inflates past the body limit (a small bomb stays small)."""
    if encoding in ("", "identity"):
        return raw
    if encoding not in _COMPRESSED:
        raise Invalid(
            f"unsupported content encoding {encoding[:40]!r}; send gzip, deflate or none",
            field="content-encoding",
            code="unsupported_content_encoding",
        )
    inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header, detected
    try:
        inflated = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise Invalid(f"malformed {encoding} body: {exc}", field="body", code="malformed_body") from None
    if len(inflated) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"the request body inflates past {limit} bytes", field="body")
    if not inflater.eof:
        raise Invalid(f"truncated {encoding} body", field="body", code="malformed_body")
    return inflated


def export_response(protobuf: bool, rejected: list[str]) -> Response:
    message = ""
    if rejected:
        shown = "; ".join(rejected[:MAX_REPORTED_ERRORS])
        more = (
            f" (and {len(rejected) - MAX_REPORTED_ERRORS} more)"
            if len(rejected) > MAX_REPORTED_ERRORS
            else ""
        )
        message = f"{len(rejected)} span(s) rejected: {shown}{more}"
    if protobuf:
        answer = ExportTraceServiceResponse()
        if rejected:
            answer.partial_success.CopyFrom(
                ExportTracePartialSuccess(rejected_spans=len(rejected), error_message=message)
            )
        return Response(answer.SerializeToString(), media_type=PROTOBUF)
    # The OTLP JSON mapping: lowerCamelCase keys, int64 as a decimal string.
    content: dict[str, Any] = {}
    if rejected:
        content["partialSuccess"] = {"rejectedSpans": str(len(rejected)), "errorMessage": message}
    return Response(orjson.dumps(content), media_type=JSON)


# --- protobuf --------------------------------------------------------------------------------


def decode_protobuf(payload: bytes) -> DecodedSpans:
    try:
        request = ExportTraceServiceRequest.FromString(payload)
    except DecodeError as exc:
        raise Invalid(f"malformed OTLP protobuf: {exc}", field="body", code="malformed_protobuf") from None
    decoded = DecodedSpans()
    for resource_spans in request.resource_spans:
        resource = pb_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = {"name": scope_spans.scope.name, "version": scope_spans.scope.version}
            for span in scope_spans.spans:
                decoded.spans.append(
                    {
                        "trace_id": span.trace_id,
                        "span_id": span.span_id,
                        "parent_span_id": span.parent_span_id,
                        "flags": span.flags,
                        "name": span.name,
                        "kind": span.kind,
                        "start_time_unix_nano": span.start_time_unix_nano,
                        "end_time_unix_nano": span.end_time_unix_nano,
                        "attributes": pb_attributes(span.attributes),
                        "events": [
                            {
                                "name": e.name,
                                "time_unix_nano": e.time_unix_nano,
                                "attributes": pb_attributes(e.attributes),
                            }
                            for e in span.events
                        ],
                        "status_code": span.status.code,
                        "status_message": span.status.message,
                        "resource": resource,
                        "scope": scope,
                    }
                )
    return decoded


def pb_attributes(pairs: Iterable[Any]) -> dict[str, Any]:
    return {kv.key: pb_value(kv.value) for kv in pairs}


def pb_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [pb_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return pb_attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


# --- JSON (the OTLP JSON mapping: hex ids, camelCase keys, enums as numbers or names) ---------


def decode_json(payload: bytes) -> DecodedSpans:
    try:
        request = orjson.loads(payload) if payload.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"malformed JSON: {exc}", field="body", code="malformed_json") from None
    if not isinstance(request, dict):
        raise Invalid("must be a JSON object (an ExportTraceServiceRequest)", field="body")
    check_json(request, values=False)  # the depth of any JSON body; strings are checked per span
    decoded = DecodedSpans()
    for r_index, resource_spans in enumerate(json_list(request, "resourceSpans", "body")):
        where = f"resourceSpans[{r_index}]"
        resource = json_attributes(json_object(resource_spans, "resource", where), f"{where}.resource")
        for s_index, scope_spans in enumerate(json_list(resource_spans, "scopeSpans", where)):
            scope_where = f"{where}.scopeSpans[{s_index}]"
            raw_scope = json_object(scope_spans, "scope", scope_where)
            scope = {"name": str(raw_scope.get("name") or ""), "version": str(raw_scope.get("version") or "")}
            for index, span in enumerate(json_list(scope_spans, "spans", scope_where)):
                span_where = f"{scope_where}.spans[{index}]"
                try:
                    decoded.spans.append(
                        {**_json_span(span, span_where), "resource": resource, "scope": scope}
                    )
                except Invalid as exc:
                    decoded.rejected.append(f"{exc.field}: {exc.message}")
    return decoded


def _json_span(span: Any, where: str) -> dict[str, Any]:
    if not isinstance(span, dict):
        raise Invalid("must be a JSON object", field=where)
    status = span.get("status") or {}
    if not isinstance(status, dict):
        raise Invalid("must be a JSON object", field=f"{where}.status")
    return {
        "trace_id": json_id(span.get("traceId"), 16, f"{where}.traceId"),
        "span_id": json_id(span.get("spanId"), 8, f"{where}.spanId"),
        "parent_span_id": json_id(span.get("parentSpanId"), 8, f"{where}.parentSpanId", optional=True),
        "flags": json_int(span.get("flags"), f"{where}.flags"),
        "name": str(span.get("name") or ""),
        "kind": _json_enum(span.get("kind"), _SPAN_KINDS, f"{where}.kind"),
        "start_time_unix_nano": json_int(span.get("startTimeUnixNano"), f"{where}.startTimeUnixNano"),
        "end_time_unix_nano": json_int(span.get("endTimeUnixNano"), f"{where}.endTimeUnixNano"),
        "attributes": json_attributes(span, where),
        "events": [
            {
                "name": str(event.get("name") or ""),
                "time_unix_nano": json_int(event.get("timeUnixNano"), f"{where}.events[{i}].timeUnixNano"),
                "attributes": json_attributes(event, f"{where}.events[{i}]"),
            }
            for i, event in enumerate(json_list(span, "events", where))
            if isinstance(event, dict)
        ],
        "status_code": _json_enum(status.get("code"), _STATUS_CODES, f"{where}.status.code"),
        "status_message": str(status.get("message") or ""),
    }


def json_list(parent: Any, key: str, where: str) -> list[Any]:
    if not isinstance(parent, dict):
        raise Invalid("must be a JSON object", field=where)
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid("must be a list", field=f"{where}.{key}")
    return value


def json_object(parent: Any, key: str, where: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    if value is None:
        if not isinstance(parent, dict):
            raise Invalid("must be a JSON object", field=where)
        return {}
    if not isinstance(value, dict):
        raise Invalid("must be a JSON object", field=f"{where}.{key}")
    return value


def json_attributes(parent: dict[str, Any], where: str) -> dict[str, Any]:
    attributes = {}
    for index, pair in enumerate(json_list(parent, "attributes", where)):
        if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
            raise Invalid("must be {key, value}", field=f"{where}.attributes[{index}]")
        attributes[pair["key"]] = json_value(pair.get("value"), f"{where}.attributes[{index}].value")
    return attributes


def json_value(value: Any, where: str) -> Any:
    if not isinstance(value, dict) or not value:
        return None
    kind, inner = next(iter(value.items()))
    if kind in ("stringValue", "boolValue"):
        return inner
    if kind == "intValue":
        return json_int(inner, where)
    if kind == "doubleValue":
        try:
            return float(inner)  # "NaN", "Infinity" and numbers in strings are valid here
        except (TypeError, ValueError):
            raise Invalid("must be a number", field=where) from None
    if kind in ("arrayValue", "kvlistValue"):
        values = json_list(inner if isinstance(inner, dict) else {}, "values", where)
        if kind == "arrayValue":
            return [json_value(v, where) for v in values]
        return json_attributes({"attributes": values}, where)
    if kind == "bytesValue":
        return inner
    return None


def json_int(value: Any, where: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise Invalid("must be an integer", field=where)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise Invalid("must be an integer (a number or a decimal string)", field=where)


def _json_enum(value: Any, names: dict[str, int], where: str) -> int:
    if isinstance(value, str) and value in names:
        return names[value]
    return json_int(value, where)


def json_id(value: Any, size: int, where: str, *, optional: bool = False) -> bytes:
    """Hex per the OTLP JSON mapping; base64 (what generic protobuf JSON printers emit) also read."""
    if value is None or value == "":
        if optional:
            return b""
        raise Invalid("is required", field=where)
    if isinstance(value, str):
        try:
            raw = bytes.fromhex(value) if len(value) == size * 2 else base64.b64decode(value, validate=True)
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) == size:
            return raw
    raise Invalid(f"must be {size * 2} hex digits", field=where)
