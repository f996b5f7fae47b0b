"""Streamed file downloads: an export's bytes as they are encoded, under a header-safe file name."""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.responses import StreamingResponse

from reviewdesk.domain import export_formats
from reviewdesk.services import exports


def content_disposition(name: str) -> str:
    """An ASCII fallback for old clients plus the exact UTF-8 name (RFC 6266): a dataset named
    `a"b` or `données` must not break the header or the response."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def streamed(stream: exports.RowStream, fmt: str) -> StreamingResponse:
    return StreamingResponse(
        exports.encode(stream, fmt),
        media_type=export_formats.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": content_disposition(exports.filename(stream, fmt))},
    )


def chat_streamed(export: exports.ChatExport) -> StreamingResponse:
    """OpenAI chat lines, with how many examples were skipped and why in `X-Export-*` headers."""
    return StreamingResponse(
        export.lines,
        media_type=export_formats.MEDIA_TYPES["openai-chat"],
        headers={"Content-Disposition": content_disposition(f"{export.name}.jsonl"), **export.headers()},
    )
