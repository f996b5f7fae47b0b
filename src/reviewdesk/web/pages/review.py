"""The review view: one item (single or pairwise), its rubric form, progress and my history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from reviewdesk.domain.permissions import Actor
from reviewdesk.domain.rubric import field_state
from reviewdesk.errors import Invalid, NotFound
from reviewdesk.services import item_traces, queue_stats, queues, review
from reviewdesk.services.clock import utcnow
from reviewdesk.web.pages.datasets import datasets_or_none
from reviewdesk.web.pages.payloads import (
    Block,
    CorrectionDraft,
    correction_draft,
    input_blocks,
    metadata_rows,
    output_blocks,
)
from reviewdesk.web.pages.trace_view import Sources, sources_of

PAIRWISE_KEY = "preference"
PREFERENCE_OPTIONS = (
    ("A", "A is better", "a"),
    ("B", "B is better", "b"),
    ("tie", "Tie", "t"),
    ("both_bad", "Both bad", "x"),
)
MAX_CHOICE_RANGE = 10  # continuous scales up to this many whole steps are shown as choices
HISTORY_DEPTH = 200


@dataclass
class OptionView:
    value: str
    label: str
    number: int
    checked: bool
    description: str | None = None
    hotkey: str | None = None


@dataclass
class FieldView:
    key: str
    type: str
    input: str  # choice · number · text
    required: bool
    instructions: str | None
    description: str | None
    options: list[OptionView] = field(default_factory=list)
    value: str = ""
    low: float | None = None
    high: float | None = None
    max_length: int | None = None
    suggested: str | None = None  # the model's suggestion, when it pre-filled this field
    always_required: bool = False
    visible: bool = True
    visible_if: dict[str, Any] | None = None  # read by review.js to show the field as answers change
    required_if: dict[str, Any] | None = None


@dataclass
class RunPanel:
    side: str | None
    run: dict[str, Any]
    inputs: list[Block]
    outputs: list[Block]
    metadata: list[tuple[str, str]]
    scores: list[dict[str, Any]]
    sources: list[Sources] = field(default_factory=list)


@dataclass
class Progress:
    done: int
    total: int
    minutes_per_item: float | None


@dataclass
class ReviewPage:
    queue: dict[str, Any]
    progress: Progress | None  # None in a prefetched fragment (review.js keeps the page's own)
    item_id: uuid.UUID | None = None
    status: str | None = None  # my review's status: reserved, submitted, skipped, flagged
    runs: list[RunPanel] = field(default_factory=list)
    fields: list[FieldView] = field(default_factory=list)
    comment: str = ""
    correction: CorrectionDraft | None = None
    reserved_until: datetime | None = None
    heartbeat_seconds: int = 60
    prev_item_id: uuid.UUID | None = None
    next_item_id: uuid.UUID | None = None
    in_history: bool = False
    notice: str | None = None
    error: str | None = None
    datasets: list[dict[str, Any]] | None = None  # for "add to dataset"; None: the actor may not
    default_dataset_id: uuid.UUID | None = None  # chosen first in "add to dataset"

    @property
    def ended(self) -> bool:
        return self.item_id is None

    @property
    def pairwise(self) -> bool:
        return self.queue["kind"] == "pairwise"


def _field_value(
    rubric_field: dict[str, Any], answers: dict[str, Any], suggestion: dict | None
) -> tuple[Any, bool]:
    key = rubric_field["key"]
    if key in answers:
        return answers[key], False
    if suggestion is None:
        return None, False
    value = suggestion["score"] if rubric_field.get("type") == "continuous" else suggestion["value"]
    return value, value is not None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def field_view(
    rubric_field: dict[str, Any],
    answers: dict[str, Any],
    suggestion: dict | None,
    shown: dict[str, Any] | None = None,
) -> FieldView:
    """`shown`: every field's value as the form starts (answers and kept suggestions), which decides
    what a conditional field looks like at first."""
    value, suggested = _field_value(rubric_field, answers, suggestion)
    kind = rubric_field.get("type") or "freeform"
    visible, required = field_state(rubric_field, answers if shown is None else shown)
    view = FieldView(
        key=rubric_field["key"],
        type=kind,
        input="text",
        required=required,
        always_required=bool(rubric_field.get("required")),
        visible=visible,
        visible_if=rubric_field.get("visible_if"),
        required_if=rubric_field.get("required_if"),
        instructions=rubric_field.get("instructions"),
        description=rubric_field.get("description"),
        max_length=rubric_field.get("max_length"),
        suggested=None if not suggested else str(value),
    )
    choices: list[tuple[Any, str, str | None]] = []
    if kind == "categorical":
        choices = [(o["value"], o["value"], o.get("description")) for o in rubric_field.get("options") or []]
    elif kind == "boolean":
        choices = [(True, "true", None), (False, "false", None)]
    elif kind == "continuous":
        low, high = rubric_field.get("min"), rubric_field.get("max")
        view.low, view.high = low, high
        whole = low is not None and high is not None and float(low).is_integer() and float(high).is_integer()
        if whole and high - low < MAX_CHOICE_RANGE:
            choices = [(float(v), str(v), None) for v in range(int(low), int(high) + 1)]
        if not choices:
            view.input = "number"
            view.value = "" if value is None else str(value)
    else:
        view.value = "" if value is None else str(value)
    if choices:
        view.input = "choice"
        view.options = [
            OptionView(
                value=label,
                label=label,
                description=description,
                number=i + 1,
                checked=value is not None and _same(raw, value),
            )
            for i, (raw, label, description) in enumerate(choices)
        ]
    return view


def preference_view(answers: dict[str, Any]) -> FieldView:
    chosen = answers.get(PAIRWISE_KEY)
    return FieldView(
        key=PAIRWISE_KEY,
        type="categorical",
        input="choice",
        required=True,
        instructions="Which answer is better?",
        description=None,
        options=[
            OptionView(value=v, label=label, number=i + 1, checked=chosen == v, hotkey=key)
            for i, (v, label, key) in enumerate(PREFERENCE_OPTIONS)
        ],
    )


def _run_panels(view: dict[str, Any], trees: dict[uuid.UUID, list[dict[str, Any]]]) -> list[RunPanel]:
    runs = view["runs"]
    pairwise = view["queue"]["kind"] == "pairwise"
    panels = []
    for i, run in enumerate(runs):
        if run.get("missing"):
            run = {**run, "name": "(run not found)", "inputs": None, "outputs": None, "metadata": {}}
        scores = [f for f in view["feedback"] if f["run_id"] == run["id"]]
        panels.append(
            RunPanel(
                side=("A", "B")[i] if pairwise and i < 2 else None,
                run=run,
                inputs=input_blocks(run.get("inputs")),
                outputs=output_blocks(run.get("outputs")),
                metadata=metadata_rows(run.get("metadata")),
                scores=scores,
                sources=sources_of(trees.get(run["id"]) or []),
            )
        )
    return panels


def _progress(db: Any, actor: Actor, queue_id: uuid.UUID) -> Progress:
    stats = queue_stats.stats(db, actor, queue_id)
    mine = stats["reviewers"].get(str(actor.user_id)) or {}
    seconds = mine.get("median_seconds")
    return Progress(
        done=stats["counts"]["completed"],
        total=stats["total"],
        minutes_per_item=None if seconds is None else seconds / 60,
    )


def progress_of(db: Any, actor: Actor, queue_id: uuid.UUID) -> Progress:
    return _progress(db, actor, queue_id)


def heartbeat_seconds(until: datetime | None) -> int:
    """Beat about three times per reservation, at most once a minute, at least every 10 s."""
    remaining = (until - utcnow()).total_seconds() if until else 0
    return int(max(10, min(60, remaining / 3)))


def _history_neighbours(
    history: list[dict[str, Any]], item_id: uuid.UUID
) -> tuple[uuid.UUID | None, uuid.UUID | None, bool]:
    """(previous, next, in history): newest first; past the newest comes the current item (None)."""
    ids = [h["item_id"] for h in history if h["status"] == "submitted"]
    if item_id not in ids:
        return (ids[0] if ids else None), None, False
    i = ids.index(item_id)
    previous = ids[i + 1] if i + 1 < len(ids) else None
    following = ids[i - 1] if i > 0 else None
    return previous, following, True


def build_review_page(
    db: Any,
    actor: Actor,
    queue_id: uuid.UUID,
    item_id: uuid.UUID | None = None,
    *,
    notice: str | None = None,
    error: str | None = None,
    typed: ImmutableMultiDict[str, str] | None = None,
    prefetch_after: list[uuid.UUID] | None = None,
) -> ReviewPage:
    """The item I asked for (from my history), else the one I hold or the next one; None at the end.
    `typed`: a submit that failed, shown again as the reviewer left it. `prefetch_after`: the item to
    come after that one, reserved ahead."""
    if prefetch_after:
        view = review.reserve_following(db, actor, queue_id, prefetch_after)
    elif item_id is not None:
        view = review.get_item(db, actor, item_id)
        if view["queue"]["id"] != queue_id:
            raise NotFound(f"no item {item_id} in this queue", field="item_id")
    else:
        view = review.next_item(db, actor, queue_id)
    # A prefetched item is swapped in by review.js, which keeps the page's progress (refreshed after
    # the submit lands) and points "← Previous" at the item just submitted: the queue's counts and my
    # history would cost the prefetch most of its time and be stale by the time it is shown.
    history = [] if prefetch_after else review.history(db, actor, queue_id, HISTORY_DEPTH)
    progress = None if prefetch_after else _progress(db, actor, queue_id)
    if view is None:
        queue = queues.get_queue(db, actor, queue_id)
        ids = [h["item_id"] for h in history if h["status"] == "submitted"]
        return ReviewPage(
            queue=queue, progress=progress, prev_item_id=ids[0] if ids else None, notice=notice, error=error
        )
    my_review = view["review"] or {}  # None: an overseer reads an item it holds no review of
    answers, suggestions = my_review.get("answers") or {}, view["suggestions"]
    comment = my_review.get("comment") or ""
    if typed is not None:
        # What was typed already holds any suggestion the reviewer kept; cleared fields stay clear.
        answers, suggestions = _typed_answers(view, typed), {}
        comment = typed.get("comment") or ""
    shown = {f["key"]: _field_value(f, answers, suggestions.get(f["key"]))[0] for f in view["rubric"]}
    shown = {k: v for k, v in shown.items() if v is not None}
    fields = [field_view(f, answers, suggestions.get(f["key"]), shown) for f in view["rubric"]]
    if view["queue"]["kind"] == "pairwise":
        fields.insert(0, preference_view(answers))
    previous, following, in_history = _history_neighbours(history, view["item"]["id"])
    until = view["reserved_until"]
    first_output = view["runs"][0].get("outputs") if view["runs"] else None
    correction = None if view["queue"]["kind"] == "pairwise" else correction_draft(first_output)
    collectable = datasets_or_none(db, actor)
    default_dataset = queues.get_queue(db, actor, queue_id)["default_dataset_id"] if collectable else None
    if correction is not None and typed is not None and "correction" in typed:
        correction = CorrectionDraft(text=typed["correction"], key=correction.key)
    return ReviewPage(
        queue=view["queue"],
        progress=progress,
        item_id=view["item"]["id"],
        status=my_review.get("status"),
        runs=_run_panels(view, item_traces.traces_of_shown_runs(db, view)),
        fields=fields,
        comment=comment,
        correction=correction,
        reserved_until=until if my_review.get("status") == "reserved" else None,
        heartbeat_seconds=heartbeat_seconds(until),
        prev_item_id=previous,
        next_item_id=following,
        in_history=in_history,
        notice=notice,
        error=error,
        datasets=collectable,
        default_dataset_id=default_dataset,
    )


def _typed_answers(view: dict[str, Any], form: ImmutableMultiDict[str, str]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    if form.get(f"answer.{PAIRWISE_KEY}"):
        answers[PAIRWISE_KEY] = form[f"answer.{PAIRWISE_KEY}"]
    for rubric_field in view["rubric"]:
        raw = form.get(f"answer.{rubric_field['key']}")
        if raw is None or raw.strip() == "":
            continue
        try:
            text = raw if rubric_field.get("type") == "freeform" else raw.strip()
            answers[rubric_field["key"]] = _answer(rubric_field, text)
        except Invalid:
            answers[rubric_field["key"]] = raw  # not a number: shown back as typed
    return answers


def _answer(rubric_field: dict[str, Any], raw: str) -> Any:
    kind = rubric_field.get("type")
    if kind == "continuous":
        try:
            return float(raw)
        except ValueError:
            raise Invalid("must be a number", field=f"answers.{rubric_field['key']}") from None
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise Invalid("must be true or false", field=f"answers.{rubric_field['key']}")
        return raw == "true"
    return raw


@dataclass
class SubmitResult:
    queue_id: uuid.UUID
    amended: bool


def submit_form(
    db: Any, actor: Actor, item_id: uuid.UUID, form: ImmutableMultiDict[str, str]
) -> SubmitResult:
    """Turn the rubric form into answers, a comment and a correction, and submit (or amend) them."""
    view = review.get_item(db, actor, item_id)
    answers: dict[str, Any] = {}
    if view["queue"]["kind"] == "pairwise" and form.get(f"answer.{PAIRWISE_KEY}"):
        answers[PAIRWISE_KEY] = form[f"answer.{PAIRWISE_KEY}"]
    for rubric_field in view["rubric"]:
        raw = form.get(f"answer.{rubric_field['key']}")
        if raw is not None and raw.strip() != "":
            answers[rubric_field["key"]] = _answer(
                rubric_field, raw.strip() if rubric_field.get("type") != "freeform" else raw
            )
    payload: dict[str, Any] = {"answers": answers, "comment": (form.get("comment") or "").strip() or None}
    if view["queue"]["kind"] != "pairwise" and "correction" in form and view["runs"]:
        outputs = view["runs"][0].get("outputs")
        try:
            correction = correction_draft(outputs).correction_from(form["correction"], outputs)
        except ValueError:
            raise Invalid("the corrected output is not valid JSON", field="correction") from None
        if correction is not None:
            payload["correction"] = correction
    was_submitted = (view["review"] or {}).get("status") == "submitted"  # None: an overseer's read
    review.submit(db, actor, item_id, payload)
    return SubmitResult(queue_id=view["queue"]["id"], amended=was_submitted)
