"""The signal panels of a queue page (agreement, calibration status, reviewer quality) and the
adjudication page: reviews side by side with a form to settle them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.domain.consensus import majority
from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import Forbidden, Invalid, NotFound
from reviewdesk.services import adjudication, agreement, calibrations, feedback_configs, gold, queues, runs

PREVIEW_CHARS = 600


@dataclass
class SignalPanel:
    agreement: list[dict[str, Any]]
    calibration: dict[str, Any]
    quality: list[dict[str, Any]] | None  # admins only
    open_adjudications: int | None  # None: the caller may not see them
    can_adjudicate: bool
    can_calibrate: bool = False  # admins and members, on single-run queues
    calibration_error: str | None = None
    quality_read_since: Any = None  # the oldest rating the consensus read, when capped
    open_capped: bool = False  # there are more open cases than open_adjudications


def build_signal_panel(db: Any, actor: Actor, queue_id: uuid.UUID) -> SignalPanel | None:
    """None for reviewers: the panels are for those who read feedback."""
    if not actor.can(Permission.READ_FEEDBACK) and not actor.can(Permission.ADJUDICATE):
        return None
    fields = []
    if actor.can(Permission.READ_FEEDBACK):
        fields = agreement.queue_agreement(db, actor, queue_id)["fields"]
    quality, read_since = None, None
    if actor.role.value == "admin":
        figures = gold.reviewer_quality(db, actor, queue_id)
        quality, read_since = figures["reviewers"], figures["consensus_window"]["read_since"]
    cases = adjudication.list_adjudications(db, actor, queue_id, "open", limit=1)
    return SignalPanel(
        agreement=fields,
        calibration=calibrations.calibration_status(db, actor, queue_id),
        quality=quality,
        open_adjudications=cases["open"],
        can_adjudicate=actor.can(Permission.ADJUDICATE),
        can_calibrate=actor.can(Permission.MANAGE_QUEUES),
        quality_read_since=read_since,
        open_capped=cases["open_capped"],
    )


@dataclass
class FieldInput:
    key: str
    type: str
    options: list[str]
    suggested: Any  # the reviewers' majority, when there is one
    min: float | None = None
    max: float | None = None


@dataclass
class CaseView:
    case: dict[str, Any]
    inputs_preview: str
    outputs_preview: str
    trace_id: str | None
    fields: list[FieldInput] = field(default_factory=list)


@dataclass
class AdjudicatePage:
    queue: dict[str, Any]
    status: str
    open_count: int
    cases: list[CaseView]
    rubric_keys: list[str]
    can_adjudicate: bool
    notice: str | None = None
    error: str | None = None
    open_capped: bool = False


def _preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=1, default=str) if value is not None else ""
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + " …"


def _field_inputs(rubric: list[dict[str, Any]], configs: dict[str, dict], case: dict[str, Any]) -> list:
    inputs = []
    for f in rubric:
        config = configs.get(f["key"]) or {"type": "freeform"}
        given = [
            r["answers"].get(f["key"]) for r in case["reviews"] if r["answers"].get(f["key"]) is not None
        ]
        settled = (case["adjudication"] or {}).get("answers", {}).get(f["key"])
        options = [o["value"] for o in config.get("options") or []]
        if config["type"] == "boolean":
            options = ["true", "false"]
        suggested = settled if settled is not None else majority(given)
        inputs.append(
            FieldInput(
                key=f["key"],
                type=config["type"],
                options=options,
                suggested=str(suggested).lower() if isinstance(suggested, bool) else suggested,
                min=config.get("min"),
                max=config.get("max"),
            )
        )
    return inputs


def build_adjudicate_page(
    db: Any,
    actor: Actor,
    queue_id: uuid.UUID,
    status: str,
    notice: str | None = None,
    error: str | None = None,
) -> AdjudicatePage:
    queue = queues.get_queue(db, actor, queue_id)
    listing = adjudication.list_adjudications(db, actor, queue_id, status, limit=50)
    configs = {c["key"]: c for c in feedback_configs.list_configs(db, actor)}
    views = []
    for case in listing["items"]:
        try:
            run = runs.get_run(db, actor, case["run_id"])
        except (Forbidden, NotFound):
            run = {}
        views.append(
            CaseView(
                case=case,
                inputs_preview=_preview(run.get("inputs")),
                outputs_preview=_preview(run.get("outputs")),
                trace_id=str(run["trace_id"]) if run.get("trace_id") else None,
                fields=_field_inputs(queue["rubric"], configs, case),
            )
        )
    return AdjudicatePage(
        queue=queue,
        status=status,
        open_count=listing["open"],
        open_capped=listing["open_capped"],
        cases=views,
        rubric_keys=[f["key"] for f in queue["rubric"]],
        can_adjudicate=actor.can(Permission.ADJUDICATE),
        notice=notice,
        error=error,
    )


def answers_from_form(form: Any, rubric_keys: list[str], configs: dict[str, dict]) -> dict[str, Any]:
    """The adjudication form's values, typed as the configs say; empty fields are left out."""
    answers: dict[str, Any] = {}
    for key in rubric_keys:
        raw = (form.get(f"answer.{key}") or "").strip()
        if not raw:
            continue
        kind = (configs.get(key) or {}).get("type")
        if kind == "boolean":
            answers[key] = raw == "true"
        elif kind == "continuous":
            try:
                answers[key] = float(raw)
            except ValueError:
                answers[key] = raw  # the service names the field and the reason
        else:
            answers[key] = raw
    return answers


def adjudicate_from_form(db: Any, actor: Actor, queue_id: uuid.UUID, item_id: uuid.UUID, form: Any) -> None:
    queue = queues.get_queue(db, actor, queue_id)
    configs = {c["key"]: c for c in feedback_configs.list_configs(db, actor)}
    answers = answers_from_form(form, [f["key"] for f in queue["rubric"]], configs)
    comment = (form.get("comment") or "").strip() or None
    adjudication.adjudicate(db, actor, item_id, {"answers": answers, "comment": comment})


def start_calibration_from_form(db: Any, actor: Actor, queue_id: uuid.UUID, form: Any) -> dict[str, Any]:
    """The queue page's "start a calibration" form: a name and a number of items drawn from the queue;
    the reviewers are the queue's own."""
    raw_count = (form.get("item_count") or "").strip()
    try:
        count = int(raw_count) if raw_count else calibrations.DEFAULT_ITEMS
    except ValueError:
        raise Invalid("must be a whole number", field="item_count") from None
    payload = {"name": (form.get("name") or "").strip(), "queue_id": str(queue_id), "item_count": count}
    return calibrations.create_calibration(db, actor, payload)
