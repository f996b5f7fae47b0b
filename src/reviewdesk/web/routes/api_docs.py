"""The API reference pages, /docs (Swagger UI) and /redoc (Redoc), from vendored assets only.

No CDN: both UIs are npm packages kept under static/vendor/ (see their VERSION files), so the
pages work offline and under the docs Content-Security-Policy (api/security_headers.py), which
allows scripts from our origin only; Swagger UI is started by static/js/api-docs.js, not inline.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from reviewdesk.web.render import render
from reviewdesk.web.routing import web_router

router = web_router()
OPENAPI_URL = "/openapi.json"


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    return render(request, "api_docs_swagger.html", page={"openapi_url": OPENAPI_URL})


@router.get("/redoc")
def redoc(request: Request) -> Response:
    return render(request, "api_docs_redoc.html", page={"openapi_url": OPENAPI_URL})
