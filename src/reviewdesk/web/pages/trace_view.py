"""The trace view: span tree with readable payloads, the waterfall timeline, and annotating a span."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.llm_messages import Document, retrieved_documents
from reviewdesk.domain.payload_blocks import input_blocks, output_blocks
from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.trace_timeline import TimelineRow, timeline
from reviewdesk.errors import Invalid
from reviewdesk.services import feedback, feedback_configs, item_traces, runs


@dataclass
class AnnotateDraft:
    """A failed annotation, shown again in its span's form as it was typed."""

    run_id: uuid.UUID
    key: str
    values: dict[str, str]
    comment: str
    error: str


@dataclass
class TracePage:
    trace: dict[str, Any]
    root: dict[str, Any] | None
    scores: dict[uuid.UUID, list[dict[str, Any]]]
    configs: list[dict[str, Any]]
    timeline: list[TimelineRow] = field(default_factory=list)
    notice: str | None = None
    error: str | None = None
    draft: AnnotateDraft | None = None
    spans: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Sources:
    """What a RAG trace's retrievers returned, for the review view's Sources panel."""

    span_name: str
    run_id: uuid.UUID
    documents: list[Document]


def _flatten(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_flatten(node["children"]))
    return out


def with_blocks(roots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each span gets its inputs and outputs as blocks to read (the tree macro draws them)."""
    for node in _flatten(roots):
        node["input_blocks"] = input_blocks(node.get("inputs"))
        node["output_blocks"] = output_blocks(node.get("outputs"))
    return roots


def sources_of(roots: list[dict[str, Any]]) -> list[Sources]:
    """The documents of every retriever span (or any span whose output is a list of documents)."""
    found = []
    for node in _flatten(roots):
        documents = retrieved_documents(node.get("outputs"))
        if documents and (node.get("run_type") == "retriever" or not node.get("is_root")):
            found.append(
                Sources(span_name=node.get("name") or "retriever", run_id=node["id"], documents=documents)
            )
    return found


def run_location(db: Any, actor: Actor, run_id: uuid.UUID) -> str:
    """Where a run is shown: its trace's page. The same services decide as for that page (which lists
    every score on the trace), so whoever may follow the link may also open what it leads to."""
    run = runs.get_run(db, actor, run_id)
    feedback.list_feedback(db, actor, filters={"run_id": [run_id]}, limit=1, cursor=None)
    return f"/traces/{run['trace_id']}#run-{run_id}"


def build_trace_page(
    db: Any,
    actor: Actor,
    trace_id: uuid.UUID,
    notice: str | None = None,
    draft: AnnotateDraft | None = None,
) -> TracePage:
    trace = runs.get_trace(db, actor, trace_id)
    with_blocks(trace["roots"])
    rows, _next = feedback.list_feedback(db, actor, filters={"trace_id": [trace_id]}, limit=1000, cursor=None)
    scores: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        scores[row["run_id"]].append(row)
    return TracePage(
        trace=trace,
        root=trace["roots"][0] if trace["roots"] else None,
        scores=scores,
        configs=feedback_configs.list_configs(db, actor),
        timeline=timeline(trace["roots"]),
        notice=notice,
        error=None if draft is None else "Your score was not saved: " + draft.error,
        draft=draft,
        spans=_flatten(trace["roots"]),
    )


def annotate(db: Any, actor: Actor, run_id: uuid.UUID, form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    """A human score on any run, typed by its score config (each config type has its own control)."""
    key = form.get("key") or ""
    config = feedback_configs.get_config(db, actor, key)
    raw = (form.get(f"value.{key}") or form.get("value") or "").strip()
    payload: dict[str, Any] = {"run_id": str(run_id), "key": key, "source": "human"}
    if raw == "":
        raise Invalid("choose or enter a value", field="value")
    if config["type"] == "continuous":
        try:
            payload["score"] = float(raw)
        except ValueError:
            raise Invalid("must be a number", field="value") from None
    elif config["type"] == "boolean":
        if raw.lower() not in ("true", "false"):
            raise Invalid("must be true or false", field="value")
        payload["value"] = raw.lower() == "true"
    else:
        payload["value"] = raw
    payload["comment"] = (form.get("comment") or "").strip() or None
    return feedback.create_feedback(db, actor, payload)


def failed_annotation_page(
    db: Any, actor: Actor, run_id: uuid.UUID, form: ImmutableMultiDict[str, str], error: Invalid
) -> TracePage:
    """The trace again, with the refused annotation in its span's form as it was typed."""
    values = {k.removeprefix("value."): v for k, v in form.items() if k.startswith("value.")}
    message = f"{error.field}: {error.message}" if error.field else error.message
    draft = AnnotateDraft(
        run_id=run_id,
        key=form.get("key") or "",
        values=values,
        comment=form.get("comment") or "",
        error=message,
    )
    trace_id = runs.get_run(db, actor, run_id)["trace_id"] or run_id
    return build_trace_page(db, actor, trace_id, draft=draft)


@dataclass
class TracePanel:
    """The trace behind a review item, as the review view's E panel shows it."""

    trace_id: uuid.UUID
    run_id: uuid.UUID
    run_count: int
    roots: list[dict[str, Any]]
    timeline: list[TimelineRow]


def build_trace_panel(db: Any, actor: Actor, item_id: uuid.UUID, run_id: uuid.UUID | None) -> TracePanel:
    trace = item_traces.item_trace(db, actor, item_id, run_id)
    roots = with_blocks(trace["roots"])
    return TracePanel(
        trace_id=trace["trace_id"],
        run_id=trace["run_id"],
        run_count=trace["run_count"],
        roots=roots,
        timeline=timeline(roots),
    )
