"""/calibrations: every calibration session over time, per source queue, with its alerts and a trend
of each field's agreement from session to session."""

from __future__ import annotations

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
        out.append(QueueCalibrations(queue_id, name, list(reversed(rows)), _trend(name, rows)))
    out.sort(key=lambda q: q.queue_name.lower())
    return CalibrationsPage(queues=out)


def _trend(name: str, rows: list[dict[str, Any]]) -> Markup | None:
    if len(rows) < 2:
        return None
    keys = list(dict.fromkeys(f["key"] for r in rows for f in r["fields"]))
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
