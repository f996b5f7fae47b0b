"""/calibrations: every calibration session over time, per source queue, with its alerts and a trend
of each field's agreement from session to session; /calibrations/{id}: one session's report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from reviewdesk.domain.permissions import Actor
from reviewdesk.services import calibrations, queues
from reviewdesk.web import charts


@dataclass
class QueueCalibrations:
    queue_id: str
    queue_name: str
    sessions: list[dict[str, Any]]  # newest first, for the table
    trend: Markup | None  # percent agreement per field, oldest session first; None under 2 sessions
    legend: list[tuple[str, str]]  # (colour, field) of the trend's lines


@dataclass
class CalibrationsPage:
    queues: list[QueueCalibrations]


def build_calibrations_page(db: Any, actor: Actor) -> CalibrationsPage:
    sessions = calibrations.list_calibrations(db, actor)  # refuses those who may not read feedback
    names = {str(q["id"]): q["name"] for q in queues.list_queues(db, actor, include_archived=True)}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for session in sessions:
        grouped.setdefault(str(session["source_queue_id"]), []).append(session)
    out = []
    for queue_id, rows in grouped.items():
        name = names.get(queue_id, f"queue {queue_id[:8]}")
        keys = list(dict.fromkeys(f["key"] for r in rows for f in r["fields"]))
        legend = [(charts.color(i), key) for i, key in enumerate(keys)]
        out.append(QueueCalibrations(queue_id, name, list(reversed(rows)), _trend(name, keys, rows), legend))
    out.sort(key=lambda q: q.queue_name.lower())
    return CalibrationsPage(queues=out)


def _trend(name: str, keys: list[str], rows: list[dict[str, Any]]) -> Markup | None:
    if len(rows) < 2:
        return None
    labels = [r["name"] for r in rows]  # sessions are named by their author; the date is on hover
    lines = []
    for key in keys:
        values: list[float | None] = []
        notes = []
        for row in rows:
            field = next((f for f in row["fields"] if f["key"] == key), None)
            agreement = field["percent_agreement"] if field else None
            values.append(agreement * 100 if agreement is not None else None)
            notes.append(f"{row['created_at']:%d %b %Y}{' · alert' if field and field['alert'] else ''}")
        lines.append(charts.Line(key, values, notes))
    return charts.line_chart(
        f"Agreement per field, calibration by calibration: {name}",
        labels,
        lines,
        y_label="% agreement",
        y_range=(0.0, 100.0),
    )


TREND_LINES = ("% agreement", "α × 100")


@dataclass
class DisputedItem:
    run_id: str
    disagreement: float
    ratings: list[tuple[str, str]]  # (reviewer, rating) by reviewer


@dataclass
class FieldReport:
    key: str
    level: str
    items_rated: int
    percent_agreement: float | None
    percent_agreement_reason: str | None
    disagreement: float | None
    all_agree_share: float | None
    alpha: float | None
    alpha_interval: tuple[float, float] | None
    alpha_reason: str | None
    alert: bool
    alert_reasons: list[str]
    most_disputed: list[DisputedItem]
    reviewers: list[dict[str, Any]]  # reviewer, items, distance_from_consensus; farthest first
    trend: Markup | None  # None when this is the queue's first session
    trend_rows: list[dict[str, Any]]  # the trend's numbers, oldest session first
    trend_legend: list[tuple[str, str]]  # (colour, line)


@dataclass
class CalibrationReportPage:
    calibration: dict[str, Any]
    source_queue_id: str
    source_queue_name: str
    complete: bool
    items_open: int
    alert: bool
    alert_fields: list[str]
    alpha_chart: Markup | None
    fields: list[FieldReport]


def build_calibration_report_page(db: Any, actor: Actor, calibration_id: uuid.UUID) -> CalibrationReportPage:
    view = calibrations.report_with_history(db, actor, calibration_id)  # refuses non-readers of feedback
    report = view["report"]
    calibration = report["calibration"]
    source_name = view["source_queue_name"] or f"queue {str(report['source_queue_id'])[:8]}"
    fields = [_field_report(f, view["history"]) for f in report["fields"]]
    return CalibrationReportPage(
        calibration=calibration,
        source_queue_id=str(report["source_queue_id"]),
        source_queue_name=source_name,
        complete=report["complete"],
        items_open=report["items_open"],
        alert=report["alert"],
        alert_fields=report["alert_fields"],
        alpha_chart=_alpha_chart(calibration, fields),
        fields=fields,
    )


def _rating_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _field_report(field: dict[str, Any], history: list[dict[str, Any]]) -> FieldReport:
    interval = field.get("krippendorff_alpha_interval")
    disputed = [
        DisputedItem(
            str(d["run_id"]),
            d["disagreement"],
            [(r, _rating_text(v)) for r, v in sorted(d["ratings"].items())],
        )
        for d in field["most_disputed"]
    ]
    reviewers = sorted(field["reviewers"], key=lambda r: (-r["distance_from_consensus"], r["reviewer"]))
    trend_rows = [
        {"name": s["name"], "created_at": s["created_at"], **s["fields"][field["key"]]}
        for s in history
        if field["key"] in s["fields"]
    ]
    return FieldReport(
        key=field["key"],
        level=field["level"],
        items_rated=field["items_rated"],
        percent_agreement=field["percent_agreement"],
        percent_agreement_reason=field["percent_agreement_reason"],
        disagreement=field["disagreement"],
        all_agree_share=field["all_agree_share"],
        alpha=field["krippendorff_alpha"],
        alpha_interval=(interval[0], interval[1]) if interval else None,
        alpha_reason=field["krippendorff_alpha_reason"],
        alert=field["alert"],
        alert_reasons=field["alert_reasons"],
        most_disputed=disputed,
        reviewers=reviewers,
        trend=_field_trend(field["key"], trend_rows),
        trend_rows=trend_rows,
        trend_legend=[(charts.color(i), label) for i, label in enumerate(TREND_LINES)],
    )


def _alpha_chart(calibration: dict[str, Any], fields: list[FieldReport]) -> Markup | None:
    rows = []
    for f in fields:
        if f.level == "text":
            continue
        low, high = f.alpha_interval or (None, None)
        if f.alpha is None:
            note = f"α undefined: {f.alpha_reason or 'no ratings'}"
        else:
            note = f"{f.key}: α {f.alpha:.2f}" + (
                f", 95% interval {low:.2f} – {high:.2f}" if low is not None else ""
            )
        rows.append(charts.Interval(f.key, f.alpha, low, high, note))
    if not rows:
        return None
    return charts.interval_chart(
        f"Krippendorff's α per field with its 95% interval; dashed line at the session's minimum "
        f"{calibration['min_alpha']:.3g}",
        rows,
        low=-0.2,
        high=1.0,
        marks=[calibration["min_alpha"]],
    )


def _field_trend(key: str, rows: list[dict[str, Any]]) -> Markup | None:
    if len(rows) < 2:
        return None
    notes = [f"{r['created_at']:%d %b %Y}{' · alert' if r['alert'] else ''}" for r in rows]
    agreement = [r["percent_agreement"] * 100 if r["percent_agreement"] is not None else None for r in rows]
    alpha = [r["krippendorff_alpha"] * 100 if r["krippendorff_alpha"] is not None else None for r in rows]
    known = [v for v in agreement + alpha if v is not None]
    return charts.line_chart(
        f"{key}: agreement and α over this queue's calibrations",
        [r["name"] for r in rows],
        [charts.Line(TREND_LINES[0], agreement, notes), charts.Line(TREND_LINES[1], alpha, notes)],
        y_label="% agreement · α × 100",
        y_range=(min([0.0, *known]), 100.0),
    )
