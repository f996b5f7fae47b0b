"""JSON responses rendered with orjson (UUIDs and datetimes natively) and the error shape."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

from reviewdesk.errors import ReviewDeskError


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z)


def error_response(error: ReviewDeskError, headers: dict[str, str] | None = None) -> FastJSONResponse:
    return FastJSONResponse({"error": error.to_dict()}, status_code=error.status, headers=headers)


def page(items: list[Any], next_cursor: Any) -> FastJSONResponse:
    return FastJSONResponse({"items": items, "next_cursor": next_cursor})
