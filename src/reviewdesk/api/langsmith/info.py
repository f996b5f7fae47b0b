"""GET /info: the first call of every LangSmith client; it picks multipart ingest and its batch sizes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reviewdesk.api.responses import FastJSONResponse

router = APIRouter(tags=["langsmith"])

# ≥ 0.8.10 makes the SDK send feedback inside /runs/multipart (we parse feedback.<id> parts).
# 0.16.0 is the SDK's minimum for `client.runs` (POST /api/v2/runs/query, served); its other v2
# resources answer 404 naming what is served. No `sdb_query_enabled` flag: list_runs stays on v1.
SERVER_VERSION = "0.16.0"


def info_body(max_body_bytes: int) -> dict:
    return {
        "version": SERVER_VERSION,
        "license_expiration_time": None,
        # Every key must be present: a partial object stops the SDK's tracing thread (wire §0.2).
        "batch_ingest_config": {
            "use_multipart_endpoint": True,
            "size_limit": 100,
            # Room for multipart boundaries and headers under our request body limit.
            "size_limit_bytes": max(1024 * 1024, int(max_body_bytes * 0.9)),
            "scale_up_qsize_trigger": 1000,
            "scale_up_nthreads_limit": 16,
            "scale_down_nempty_trigger": 4,
        },
        "instance_flags": {
            "zstd_compression_enabled": False,
            "dataset_examples_multipart_enabled": False,
            "examples_multipart_enabled": False,
        },
    }


@router.get("/info")
def info(request: Request) -> FastJSONResponse:
    """No key needed: it tells a client how to talk to us, nothing about the data."""
    return FastJSONResponse(info_body(request.app.state.settings.max_body_bytes))
