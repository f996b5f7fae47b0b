"""The LangSmith-compatible API: an adapter over our services, mounted where the SDK looks for it.

`router` serves the v1 paths (under /langsmith and /langsmith/api/v1); `platform_router` the
`/v1/platform/…` paths the SDK builds beside them (wire §1.1).
"""

from __future__ import annotations

from fastapi import APIRouter

from reviewdesk.api.langsmith import configs, datasets, feedback, info, queues, runs, runs_v2, sessions

V1_PREFIXES = ("/langsmith", "/langsmith/api/v1")
PLATFORM_PREFIXES = ("/langsmith/v1/platform", "/langsmith/api/v1/platform")
# The SDK's generated v2 client strips /api/v1 from LANGSMITH_ENDPOINT and adds /api/v2.
V2_PREFIX = "/langsmith/api/v2"

router = APIRouter()
for _module in (info, runs, sessions, feedback, configs, queues, datasets):
    router.include_router(_module.router)

v2_router = runs_v2.router

platform_router = APIRouter()
platform_router.include_router(queues.platform_router)
