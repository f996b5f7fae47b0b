"""Reading a streamed export (dataset or feedback) from the server: rows or chunks as they arrive, or
a file written whole."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from reviewdesk.client.errors import ConnectionFailed


class ExportStream:
    """An export being read: an iterator of rows (JSONL formats) or of bytes chunks (CSV, Parquet).

    The HTTP answer is read as the iterator is consumed, so memory stays flat whatever the size.
    The connection is released when the iterator is exhausted, on `close()`, or on leaving a
    `with` block; stop early without either and it stays open until garbage collection.

    For openai-chat, known before the first line: `converted` (the lines to come), `skipped` (the
    examples with no line) and `skipped_reasons` (`"2 outputs hold no final answer; …"`, or None).
    They are None for the other formats.
    """

    def __init__(self, response: httpx.Response, *, parse_lines: bool) -> None:
        self._response = response
        self._chunks = body_chunks(response)
        self._items = _json_lines(self._chunks) if parse_lines else self._chunks
        self.filename = _attachment_name(response)
        self.converted = _int_header(response, "x-export-converted")
        self.skipped = _int_header(response, "x-export-skipped")
        self.skipped_reasons = response.headers.get("x-export-skipped-reasons")

    def __iter__(self) -> ExportStream:
        return self

    def __next__(self) -> Any:
        try:
            return next(self._items)
        except BaseException:  # the end, a broken transfer or a bad line: the connection is done
            self.close()
            raise

    def __enter__(self) -> ExportStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._response.close()

    def __del__(self) -> None:
        self._response.close()


def body_chunks(response: httpx.Response) -> Iterator[bytes]:
    try:
        yield from response.iter_bytes()
    except httpx.TransportError as exc:
        # The server sent its headers, then failed: the body is cut short, never silently complete.
        raise ConnectionFailed(
            f"the export from {response.url} broke off: {type(exc).__name__}: {exc}",
            code="connection_error",
        ) from exc


def _json_lines(chunks: Iterator[bytes]) -> Iterator[Any]:
    """Rows of a JSONL body, one line at a time.

    Split on b"\\n" only: JSON escapes newlines inside strings but not U+2028 or U+0085, which a
    text-mode line splitter (httpx's `iter_lines`, `str.splitlines`) would cut a row at.
    """
    pending: list[bytes] = []  # the start of a line that spans chunks
    for chunk in chunks:
        *complete, rest = chunk.split(b"\n")
        if complete:
            complete[0] = b"".join([*pending, complete[0]])
            pending.clear()
            for line in complete:
                if line.strip():
                    yield json.loads(line)
        pending.append(rest)
    last = b"".join(pending)
    if last.strip():
        yield json.loads(last)


def _attachment_name(response: httpx.Response) -> str | None:
    disposition = response.headers.get("content-disposition", "")
    _, _, name = disposition.partition('filename="')
    return name.rstrip('"') or None


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    return int(value) if value is not None else None


def save_export(response: httpx.Response, target: Path) -> Path:
    """Write the body to `target` chunk by chunk; a broken transfer leaves no partial file there."""
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("wb") as out:
            for chunk in body_chunks(response):
                out.write(chunk)
        os.replace(partial, target)
    finally:
        response.close()
        partial.unlink(missing_ok=True)
    return target
