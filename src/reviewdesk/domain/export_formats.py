"""Streaming encoders: rows in, bytes out, in constant memory (JSONL, CSV, Parquet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

FORMATS = ("jsonl", "openai-chat", "csv", "parquet")
MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "openai-chat": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
EXTENSIONS = {"jsonl": "jsonl", "openai-chat": "jsonl", "csv": "csv", "parquet": "parquet"}
PARQUET_ROW_GROUP = 10_000
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z


def jsonl(rows: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    buffer: list[bytes] = []
    for row in rows:
        buffer.append(orjson.dumps(row, option=_JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE))
        if len(buffer) >= 500:
            yield b"".join(buffer)
            buffer.clear()
    if buffer:
        yield b"".join(buffer)


# A spreadsheet runs a cell starting with one of these as a formula (`=HYPERLINK(…)`, `@SUM(…)`);
# OWASP's rule is to prefix such a cell with a single quote, which shows it as the text it was.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(value: Any) -> Any:
    """Numbers and booleans stay as they are; timestamps and ids as their JSON text without quotes
    (`2026-11-01T12:00:00Z`, as in JSONL); JSON structures as compact JSON text in one cell."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return neutralised(value)
    encoded = orjson.dumps(value, option=_JSON_OPTIONS)
    if encoded.startswith(b'"'):  # a datetime, date, UUID…: a JSON string, written unquoted
        return neutralised(orjson.loads(encoded))
    return neutralised(encoded.decode())  # JSON text starts with `{` or `[`: checked all the same


def csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[bytes]:
    """Every string cell (header included) goes through `neutralised`: no export carries a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralised(c) for c in columns])
    for count, row in enumerate(rows, 1):
        writer.writerow([_cell(row.get(c)) for c in columns])
        if count % 500 == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


class _Sink:
    """A file-like object pyarrow writes into; we hand its bytes on as soon as they exist."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.closed = False
        self._position = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def drain(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def parquet(rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> Iterator[bytes]:
    """columns: (name, kind) with kind in string, json, float, int, timestamp. One row group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "string": pa.string(),
        "json": pa.string(),
        "float": pa.float64(),
        "int": pa.int64(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "bool": pa.bool_(),
    }
    schema = pa.schema([(name, types[kind]) for name, kind in columns])
    json_columns = {name for name, kind in columns if kind == "json"}
    string_columns = {name for name, kind in columns if kind == "string"}
    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema, compression="zstd")
    batch: dict[str, list[Any]] = {name: [] for name, _ in columns}

    def flush() -> bytes:
        writer.write_table(pa.table(batch, schema=schema))
        for values in batch.values():
            values.clear()
        return sink.drain()

    size = 0
    for row in rows:
        for name, _kind in columns:
            value = row.get(name)
            if name in json_columns and value is not None:
                value = orjson.dumps(value, option=_JSON_OPTIONS).decode()
            elif name in string_columns and value is not None and not isinstance(value, str):
                value = str(value)
            batch[name].append(value)
        size += 1
        if size % PARQUET_ROW_GROUP == 0:
            yield flush()
    if size % PARQUET_ROW_GROUP or size == 0:
        yield flush()
    writer.close()
    yield sink.drain()
