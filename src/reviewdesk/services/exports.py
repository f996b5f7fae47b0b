"""Exports: feedback (one row per feedback, or one column per reviewer per key) and datasets, as row
streams read page by page, encoded to JSONL, OpenAI chat JSONL, CSV or Parquet in constant memory."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.domain import export_formats
from reviewdesk.domain.datasets import check_gold_rule, gold_values
from reviewdesk.domain.openai_chat import chat_line, convert
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.domain.run_payload import parse_time, parse_uuid
from reviewdesk.errors import Invalid
from reviewdesk.services import dataset_versions
from reviewdesk.services.feedback import SOURCES
from reviewdesk.services.runs import compile_filter, project_clause
from reviewdesk.store import exports as exports_store
from reviewdesk.store.database import Database

PAGE = 2000
FEEDBACK_COLUMNS: list[tuple[str, str]] = [
    ("feedback_id", "string"),
    ("run_id", "string"),
    ("trace_id", "string"),
    ("project", "string"),
    ("input", "json"),
    ("output", "json"),
    ("key", "string"),
    ("score", "float"),
    ("value", "json"),
    ("comment", "string"),
    ("correction", "json"),
    ("source", "string"),
    ("author", "string"),
    ("queue", "string"),
    ("rubric_version", "int"),
    ("evaluator_id", "string"),
    ("evaluator_version", "int"),
    ("created_at", "timestamp"),
]
EXAMPLE_COLUMNS: list[tuple[str, str]] = [
    ("id", "string"),
    ("inputs", "json"),
    ("outputs", "json"),
    ("metadata", "json"),
    ("split", "string"),
    ("source_run_id", "string"),
    ("version", "int"),
]


@dataclass
class RowStream:
    """Rows with their column kinds; `on_row` lets the CLI drive a progress bar."""

    name: str
    columns: list[tuple[str, str]]
    rows: Iterator[dict[str, Any]]
    on_row: list[Callable[[], None]] = field(default_factory=list)
    version: int | None = None  # a dataset export: the version read

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            for callback in self.on_row:
                callback()
            yield row


def check_format(fmt: Any, *, allow_chat: bool) -> str:
    allowed = (
        export_formats.FORMATS
        if allow_chat
        else tuple(f for f in export_formats.FORMATS if f != "openai-chat")
    )
    if fmt not in allowed:
        raise Invalid(f"must be one of {', '.join(allowed)}", field="format")
    return fmt


def encode(stream: RowStream, fmt: str) -> Iterator[bytes]:
    if fmt == "jsonl":
        return export_formats.jsonl(stream)
    if fmt == "csv":
        return export_formats.csv_bytes(stream, [name for name, _ in stream.columns])
    if fmt == "parquet":
        return export_formats.parquet(stream, stream.columns)
    raise Invalid("unknown format", field="format")  # openai-chat: dataset_chat_export counts its skips


def filename(stream: RowStream, fmt: str) -> str:
    return f"{stream.name}.{export_formats.EXTENSIONS[fmt]}"


def _feedback_filters(params: dict[str, Any]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for name in ("key", "source", "queue_id", "created_by", "run_id"):
        value = params.get(name)
        if value in (None, []):
            continue
        values = value if isinstance(value, list) else [value]
        if name in ("queue_id", "created_by", "run_id"):
            values = [parse_uuid(v, name, required=True) for v in values]
        if name == "source" and any(v not in SOURCES for v in values):
            raise Invalid(f"must be one of {', '.join(SOURCES)}", field="source")
        filters[name] = values
    for name in ("since", "until"):
        if params.get(name) is not None:
            filters[name] = parse_time(params[name], name)
    return filters


def _run_where(db: Database, params: dict[str, Any]) -> list:
    where = compile_filter(db, params.get("filter"))
    if params.get("project") is not None:
        where.append(project_clause(db, params["project"]))
    return where


def _public_feedback_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "feedback_id": str(row["id"]),
        "run_id": str(row["run_id"]),
        "trace_id": str(row["trace_id"]) if row["trace_id"] else None,
        "project": row["project"],
        "input": row["input"],
        "output": row["output"],
        "key": row["key"],
        "score": row["score"],
        "value": row["value"],
        "comment": row["comment"],
        "correction": row["correction"],
        "source": row["source"],
        "author": row["author"] or row["source"],
        "queue": row["queue"],
        "rubric_version": row["rubric_version"],
        "evaluator_id": str(row["evaluator_id"]) if row["evaluator_id"] else None,
        "evaluator_version": row["evaluator_version"],
        "created_at": row["created_at"],
    }


def feedback_rows(db: Database, actor: Actor, params: dict[str, Any]) -> RowStream:
    """One row per feedback, oldest first, with the run's input and output."""
    actor.require(Permission.READ_FEEDBACK)
    where, filters = _run_where(db, params), _feedback_filters(params)

    def rows() -> Iterator[dict[str, Any]]:
        after = None
        while True:
            with db.read() as conn:
                page = exports_store.feedback_page(conn, where, filters, limit=PAGE, after=after)
            if not page:
                return
            yield from (_public_feedback_row(r) for r in page)
            after = (page[-1]["created_at"], page[-1]["id"])

    return RowStream("feedback", FEEDBACK_COLUMNS, rows())


def feedback_pivot(db: Database, actor: Actor, params: dict[str, Any]) -> RowStream:
    """One row per run and one column per reviewer per key: the shape used to compare reviewers."""
    actor.require(Permission.READ_FEEDBACK)
    where, filters = _run_where(db, params), _feedback_filters(params)
    with db.read() as conn:
        pairs = exports_store.authors_and_keys(conn, where, filters)
    score_columns = [f"{author}:{key}" for author, key in pairs]
    gold = check_gold_rule(params["gold"]) if params.get("gold") is not None else None
    if gold is not None:
        score_columns += [f"gold:{key}" for key in sorted({key for _author, key in pairs})]
    columns = [
        ("run_id", "string"),
        ("trace_id", "string"),
        ("project", "string"),
        ("input", "json"),
        ("output", "json"),
        *[(c, "json") for c in score_columns],
    ]

    def closed(row: dict[str, Any], human: list[dict[str, Any]]) -> dict[str, Any]:
        if gold is not None:
            row.update({f"gold:{k}": v for k, v in gold_values(human, gold).items()})
        return row

    def rows() -> Iterator[dict[str, Any]]:
        current: dict[str, Any] | None = None
        human: list[dict[str, Any]] = []
        after = None
        while True:
            with db.read() as conn:
                page = exports_store.feedback_by_run_page(conn, where, filters, limit=PAGE, after=after)
            if not page:
                break
            for row in page:
                run_id = str(row["run_id"])
                if current is None or current["run_id"] != run_id:
                    if current is not None:
                        yield closed(current, human)
                    human = []
                    current = {
                        "run_id": run_id,
                        "trace_id": str(row["trace_id"]) if row["trace_id"] else None,
                        "project": row["project"],
                        "input": row["input"],
                        "output": row["output"],
                    }
                if row["source"] == "human":
                    human.append(row)
                column = f"{row['author'] or row['source']}:{row['key']}"
                current[column] = row["value"] if row["value"] is not None else row["score"]
            after = (page[-1]["run_id"], page[-1]["id"])
        if current is not None:
            yield closed(current, human)

    return RowStream("feedback-by-reviewer", columns, rows())


def dataset_rows(db: Database, actor: Actor, dataset_id: uuid.UUID, params: dict[str, Any]) -> RowStream:
    dataset, examples = dataset_versions.iter_examples(
        db, actor, dataset_id, version=params.get("version"), tag=params.get("tag"), split=params.get("split")
    )

    def rows() -> Iterator[dict[str, Any]]:
        for example in examples:
            yield {
                **example,
                "id": str(example["id"]),
                "source_run_id": str(example["source_run_id"]) if example["source_run_id"] else None,
            }

    name = f"{dataset['name']}-v{dataset['exported_version']}"
    return RowStream(name, EXAMPLE_COLUMNS, rows(), version=dataset["exported_version"])


@dataclass
class ChatExport:
    """OpenAI chat lines of a dataset, with how many examples had none and why (counted first)."""

    name: str
    lines: Iterator[bytes]
    converted: int
    skipped: Counter[str]

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())

    @property
    def skipped_reasons(self) -> str:
        return _reasons(self.skipped)

    def headers(self) -> dict[str, str]:
        reasons = self.skipped_reasons
        return {
            "X-Export-Converted": str(self.converted),
            "X-Export-Skipped": str(self.skipped_count),
        } | ({"X-Export-Skipped-Reasons": reasons} if reasons else {})


def _reasons(skipped: Counter[str]) -> str:
    """`2 outputs hold no final answer; 1 inputs are not a JSON object`: most common first."""
    return "; ".join(f"{count} {reason}" for reason, count in skipped.most_common())


def dataset_chat_export(
    db: Database, actor: Actor, dataset_id: uuid.UUID, params: dict[str, Any]
) -> ChatExport:
    """Two passes over the same version: one counts (so headers and refusals come before the body),
    one streams. Nothing converting is an error that says why, never an empty file."""
    counting = dataset_rows(db, actor, dataset_id, params)
    converted, skipped = 0, Counter[str]()
    for row in counting:
        result = convert(row.get("inputs"), row.get("outputs"))
        if result.line is None:
            skipped[result.skipped_because or "not a conversation"] += 1
        else:
            converted += 1
    if converted == 0:
        if not skipped:
            raise Invalid("the dataset has no examples to export at this version", field="dataset_id")
        raise Invalid(
            f"none of the {sum(skipped.values())} examples converts to an OpenAI chat line"
            f" ({_reasons(skipped)})",
            field="format",
        )
    pinned = {"version": counting.version, "split": params.get("split")}
    stream = dataset_rows(db, actor, dataset_id, pinned)
    lines = (chat_line(r.get("inputs"), r.get("outputs")) for r in stream)
    body = export_formats.jsonl(line for line in lines if line is not None)
    return ChatExport(name=stream.name, lines=body, converted=converted, skipped=skipped)
