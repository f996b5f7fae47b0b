"""Liveness and version; the only route without auth."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reviewdesk import __version__
from reviewdesk.api.responses import FastJSONResponse

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> FastJSONResponse:
    return FastJSONResponse(
        {"status": "ok", "version": __version__, "database": request.app.state.db.dialect}
    )
