"""The trace explorer: search, runs table with previews, bulk add to a queue or a dataset."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.payload_blocks import preview_line
from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import FilterSyntaxError, Invalid
from reviewdesk.services import feedback, queue_items, queues, runs
from reviewdesk.web.pages.datasets import AddedToDataset, add_runs, dataset_id_from, datasets_or_none

PAGE_SIZE = 50
COUNT_CAP = 10_000
COUNT_CHUNK = 1000


@dataclass
class FilterError:
    message: str
    position: int | None
    text: str

    @property
    def column(self) -> int | None:
        return None if self.position is None else self.position + 1

    @property
    def caret(self) -> str:
        return " " * (self.position or 0) + "^"


@dataclass
class ExplorerPage:
    filter: str
    roots_only: bool
    project: str
    runs: list[dict[str, Any]]
    scores: dict[uuid.UUID, list[dict[str, Any]]]
    next_cursor: str | None
    cursor: str | None
    queues: list[dict[str, Any]]
    datasets: list[dict[str, Any]] | None = None  # None: the actor may not add to datasets
    error: FilterError | None = None
    notice: str | None = None
    notice_link: tuple[str, str] | None = None  # (text, URL) after the notice
    add_error: str | None = None  # a failed add, shown by the add panel with the choices kept
    draft: dict[str, Any] = field(default_factory=dict)
    previews: dict[uuid.UUID, tuple[str, str]] = field(default_factory=dict)  # first line of input, output


def _scores_of(db: Any, actor: Actor, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    if run_ids:
        rows, _next = feedback.list_feedback(db, actor, filters={"run_id": run_ids}, limit=1000, cursor=None)
        for row in rows:
            grouped[row["run_id"]].append(row)
    return grouped


def build_explorer(
    db: Any,
    actor: Actor,
    *,
    filter: str,
    roots_only: bool,
    project: str,
    cursor: str | None,
    notice: str | None = None,
    notice_link: tuple[str, str] | None = None,
    add_error: str | None = None,
    draft: ImmutableMultiDict[str, str] | None = None,
) -> ExplorerPage:
    error = None
    found: list[dict[str, Any]] = []
    next_cursor = None
    try:
        found, next_cursor = runs.search_runs(
            db,
            actor,
            filter=filter or None,
            project=project or None,
            is_root=True if roots_only else None,
            limit=PAGE_SIZE,
            cursor=cursor or None,
        )
    except FilterSyntaxError as exc:
        error = FilterError(message=exc.message, position=exc.position, text=filter)
    single = [q for q in queues.list_queues(db, actor) if q["kind"] == "single"]
    return ExplorerPage(
        filter=filter,
        roots_only=roots_only,
        project=project,
        runs=found,
        scores=_scores_of(db, actor, [r["id"] for r in found]),
        next_cursor=next_cursor,
        cursor=cursor,
        queues=single,
        datasets=datasets_or_none(db, actor),
        error=error,
        notice=notice,
        notice_link=notice_link,
        add_error=add_error,
        draft=_draft_of(draft),
        previews={
            r["id"]: (
                preview_line(r.get("inputs"), output=False),
                preview_line(r.get("outputs"), output=True),
            )
            for r in found
        },
    )


def _draft_of(form: ImmutableMultiDict[str, str] | None) -> dict[str, Any]:
    if form is None:
        return {}
    return {
        "run_ids": set(form.getlist("run_id")),
        "scope": form.get("scope") or "selected",
        "queue_id": form.get("queue_id") or "",
        "dataset_id": form.get("dataset_id") or "",
        "reason": form.get("reason") or "",
    }


@dataclass
class MatchCount:
    count: int
    capped: bool
    error: str | None = None


def count_matching(db: Any, actor: Actor, *, filter: str, roots_only: bool, project: str) -> MatchCount:
    """How many runs match, counted page by page up to COUNT_CAP (there is no count service yet)."""
    total, cursor = 0, None
    try:
        while total < COUNT_CAP:
            found, cursor = runs.search_runs(
                db,
                actor,
                filter=filter or None,
                project=project or None,
                is_root=True if roots_only else None,
                limit=COUNT_CHUNK,
                cursor=cursor,
            )
            total += len(found)
            if cursor is None:
                return MatchCount(count=total, capped=False)
    except FilterSyntaxError as exc:
        return MatchCount(count=0, capped=False, error=exc.message)
    return MatchCount(count=total, capped=True)


@dataclass
class AddResult:
    queue_id: uuid.UUID
    added: int
    already_present: int


def _selection(form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    """The selected runs, or every run matching the explorer's search, as the services take them."""
    if form.get("scope") == "all":
        payload: dict[str, Any] = {
            "filter": form.get("filter") or "",
            "is_root": True if form.get("roots_only") else None,
        }
        if form.get("project"):
            payload["project"] = form["project"]
        return payload
    run_ids = form.getlist("run_id")
    if not run_ids:
        raise Invalid("select at least one run, or all matching", field="run_ids")
    return {"run_ids": run_ids}


def add_to_queue(db: Any, actor: Actor, form: ImmutableMultiDict[str, str]) -> AddResult:
    """The selected runs, or every run matching the filter, into a queue with a reason."""
    try:
        queue_id = uuid.UUID(form.get("queue_id") or "")
    except ValueError:
        raise Invalid("choose a queue", field="queue_id") from None
    reason = (form.get("reason") or "").strip() or None
    payload: dict[str, Any] = {"reason": reason, "source": "manual", **_selection(form)}
    result = queue_items.add_items(db, actor, queue_id, payload)
    return AddResult(queue_id=queue_id, **result)


def add_to_dataset(db: Any, actor: Actor, form: ImmutableMultiDict[str, str]) -> AddedToDataset:
    """The selected runs, or every run matching the filter, into a dataset as one new version."""
    return add_runs(db, actor, dataset_id_from(form), _selection(form))
