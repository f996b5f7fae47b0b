"""The Langfuse SDK's routes (LANGFUSE_HOST=http://HOST:PORT): OTLP spans, scores, the v3 ingestion
envelope and the auth check, with Basic auth `pk-<project>:<ReviewDesk API key>`."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from reviewdesk.api import otlp
from reviewdesk.api.deps import get_db, json_body
from reviewdesk.api.responses import FastJSONResponse
from reviewdesk.domain.otel_mapping import PROJECT_ATTRIBUTE
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid, Unauthorized
from reviewdesk.services import accounts
from reviewdesk.services import langfuse as langfuse_service
from reviewdesk.services import otlp as otlp_service
from reviewdesk.store.database import Database

router = APIRouter(prefix="/api/public", tags=["langfuse"])

_HOW = (
    "use Basic auth with a public key 'pk-lf-<project>' and, as the secret key, a ReviewDesk API key "
    "(LANGFUSE_PUBLIC_KEY=pk-lf-<project>, LANGFUSE_SECRET_KEY=<key from `reviewdesk apikey create`>)"
)


@dataclass(frozen=True)
class LangfuseCaller:
    actor: Actor
    public_key: str


def langfuse_caller(request: Request) -> LangfuseCaller:
    """Basic `public:secret`; the secret is a ReviewDesk API key, the public key names the project."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise Unauthorized(f"missing credentials: {_HOW}", field="authorization")
    try:
        public_key, sep, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized(f"malformed Basic credentials: {_HOW}", field="authorization") from None
    if not sep or not public_key.startswith(langfuse_service.PUBLIC_KEY_PREFIX):
        raise Unauthorized(f"the public key must start with 'pk-': {_HOW}", field="authorization")
    try:
        actor = accounts.authenticate_key(get_db(request), secret.strip())
    except Unauthorized as exc:
        raise Unauthorized(f"{exc.message}: {_HOW}", field="authorization") from None
    request.state.actor = actor
    return LangfuseCaller(actor, public_key)


@router.get("/projects")
def projects(caller: LangfuseCaller = Depends(langfuse_caller)) -> FastJSONResponse:
    """What `Langfuse().auth_check()` reads: the one project the key pair writes to."""
    return FastJSONResponse(langfuse_service.auth_check_projects(caller.actor, caller.public_key))


@router.post("/otel/v1/traces", response_class=Response)
def export_traces(
    request: Request,
    caller: LangfuseCaller = Depends(langfuse_caller),
    body: otlp.ExportBody = Depends(otlp.export_body),
    db: Database = Depends(get_db),
) -> Response:
    """The Langfuse SDK's span exporter: OTLP/HTTP, protobuf (v3 plain, v5 gzip) or JSON."""
    protobuf = otlp.is_protobuf(body.media_type)
    payload = otlp.decompress(body.raw, body.encoding, request.app.state.settings.max_body_bytes)
    decoded = otlp.decode_protobuf(payload) if protobuf else otlp.decode_json(payload)
    project = langfuse_service.project_of_public_key(caller.public_key)
    for span in decoded.spans:
        resource = span.get("resource") or {}
        if PROJECT_ATTRIBUTE not in resource:
            span["resource"] = {**resource, PROJECT_ATTRIBUTE: project}
    outcome = otlp_service.ingest_spans(db, caller.actor, decoded.spans)
    return otlp.export_response(protobuf, [*decoded.rejected, *outcome.rejected])


@router.post("/scores")
def create_scores(
    body: Any = Depends(json_body),
    caller: LangfuseCaller = Depends(langfuse_caller),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """v5 sends a JSON array of scores (the REST API one object); `202 {"message": "Accepted"}`."""
    scores = body if isinstance(body, list) else [body]
    langfuse_service.create_scores(db, caller.actor, scores)
    return FastJSONResponse({"message": "Accepted"}, status_code=202)


@router.post("/ingestion")
def ingestion(
    body: Any = Depends(json_body),
    caller: LangfuseCaller = Depends(langfuse_caller),
    db: Database = Depends(get_db),
) -> FastJSONResponse:
    """v3's envelope `{"batch": [{id, type, timestamp, body}], "metadata"}` → 207 with per-event results."""
    if not isinstance(body, dict):
        raise Invalid("must be a JSON object {batch, metadata}", field="body")
    answer = langfuse_service.ingest_events(db, caller.actor, body.get("batch"))
    return FastJSONResponse(answer, status_code=207)
