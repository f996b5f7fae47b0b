"""The chart panels of /dashboards: one context per panel, each built from one service call."""

from __future__ import annotations

import uuid
from typing import Any

from reviewdesk.domain.permissions import Actor, Permission
from reviewdesk.errors import NotFound
from reviewdesk.services import calibrations, dashboards
from reviewdesk.web import charts
from reviewdesk.web.pages.dashboard_panel import Panel, num, scope
from reviewdesk.web.pages.dashboard_scores import scores_panel
from reviewdesk.web.pages.dashboards import Controls


def queues_panel(db: Any, actor: Actor, controls: Controls) -> Panel:
    panel = Panel(title="Queue depth, throughput and backlog")
    rows = [q for q in dashboards.queue_activity(db, actor, scope(controls))]
    if not rows:
        panel.empty = "No queues to show."
        return panel
    for queue in rows:
        days = [d["day"] for d in queue["per_day"]]
        caption = queue["name"]
        panel.charts.append(
            (
                caption,
                charts.bars_with_line(
                    f"{queue['name']}: items added and completed per day, open at the end of the day",
                    days,
                    [
                        ("added", [d["added"] for d in queue["per_day"]]),
                        ("completed", [d["completed"] for d in queue["per_day"]]),
                    ],
                    ("open", [d["depth"] for d in queue["per_day"]]),
                ),
            )
        )
        backlog = queue["backlog_days"]
        alert = backlog is not None and backlog > queue["backlog_alert_days"]
        panel.notes.append(
            f"{queue['name']}: {queue['per_day'][-1]['depth']} open, "
            + (f"backlog {backlog:.1f} days" if backlog is not None else "no completions in the last 7 days")
            + (f" (over the {queue['backlog_alert_days']:g}-day alert)" if alert else "")
        )
    panel.tables.append(
        {
            "caption": "Per queue and day",
            "head": ["queue", "day", "added", "completed", "open"],
            "rows": [
                [q["name"], d["day"], d["added"], d["completed"], d["depth"]]
                for q in rows
                for d in q["per_day"]
                if d["added"] or d["completed"]
            ],
        }
    )
    panel.legend = [
        (charts.color(0), "added"),
        (charts.color(1), "completed"),
        (charts.color(2), "open at day end"),
    ]
    return panel


def agreement_panel(db: Any, actor: Actor, controls: Controls) -> Panel:
    panel = Panel(title="Agreement by field and rubric version (Krippendorff's α)")
    queues_ = dashboards.agreement_panel(db, actor, scope(controls))
    rows = []
    for queue in queues_:
        intervals = []
        for f in queue["fields"]:
            alpha = f.get("krippendorff_alpha")
            ci = f.get("krippendorff_alpha_interval") or [None, None]
            reason = f.get("krippendorff_alpha_reason") or "undefined"
            note = f"α {num(alpha)}" + (f" [{num(ci[0])}, {num(ci[1])}]" if ci[0] is not None else "")
            note += f", {f['items_with_2_or_more']} items, {num(f.get('percent_agreement'))} agreeing pairs"
            label = f"{f['key']} (v{f['rubric_version']})"
            intervals.append(
                charts.Interval(label, alpha, ci[0], ci[1], note if alpha is not None else reason)
            )
            rows.append(
                [
                    queue["name"],
                    f["key"],
                    f["rubric_version"],
                    f["items_with_2_or_more"],
                    num(f.get("percent_agreement")),
                    num(alpha),
                    f"{num(ci[0])} – {num(ci[1])}" if ci[0] is not None else "—",
                ]
            )
        if intervals:
            chart = charts.interval_chart(
                f"{queue['name']}: Krippendorff's α per field",
                intervals,
                low=-0.2,
                high=1.0,
                marks=[0.667, 0.8],
            )
            panel.charts.append((queue["name"], chart))
    if not panel.charts:
        panel.empty = "No queue with two or more reviewers per item has overlapping reviews in this range."
        return panel
    panel.notes.append(
        "Dashed lines at α = 0.667 (tentative conclusions only) and 0.8 (reliable). Computed on each queue's newest ratings in the range."
    )
    panel.tables.append(
        {
            "caption": "Agreement per field",
            "head": ["queue", "field", "rubric version", "items", "percent agreement", "α", "95% interval"],
            "rows": rows,
        }
    )
    return panel


def calibration_panel(db: Any, actor: Actor, controls: Controls) -> Panel:
    panel = Panel(title="Calibration trend (Krippendorff's α per field, session by session)")
    if not actor.can(Permission.READ_FEEDBACK):
        panel.empty = "Calibration reports are for admins and members."
        return panel
    queue_id = uuid.UUID(controls.queue) if controls.queue else None
    sessions = calibrations.list_calibrations(db, actor, queue_id)
    if not sessions:
        panel.empty = "No calibration sessions yet (POST /api/v1/calibrations starts one)."
        return panel
    labels = [f"{(s['name'] or 'session')[:18]} {s['created_at']:%m-%d}" for s in sessions]
    # Only fields with an α somewhere are drawn (free text has none: a legend entry with no line).
    keys = list(
        dict.fromkeys(f["key"] for s in sessions for f in s["fields"] if f["krippendorff_alpha"] is not None)
    )
    lines = []
    for key in keys:
        figures = [next((f for f in s["fields"] if f["key"] == key), None) for s in sessions]
        values = [f["krippendorff_alpha"] if f else None for f in figures]
        notes = [("ALERT" if f and f["alert"] else "") for f in figures]
        lines.append(charts.Line(key, values, notes))
    if lines:
        panel.charts.append(
            (None, charts.line_chart(panel.title, labels, lines, y_label="α", y_range=(-0.2, 1.0)))
        )
        panel.legend = [(charts.color(i), key) for i, key in enumerate(keys)]
    else:
        panel.notes.append("No field has an α yet (too few items rated, or every rating the same).")
    alerts = [f"{s['name']}: {', '.join(s['alert_fields'])}" for s in sessions if s["alert"]]
    if alerts:
        panel.notes.append("Alerts: " + "; ".join(alerts))
    panel.tables.append(
        {
            "caption": "Per session and field",
            "head": ["session", "created", "field", "α", "disagreement", "alert"],
            "rows": [
                [
                    s["name"],
                    f"{s['created_at']:%Y-%m-%d}",
                    f["key"],
                    num(f["krippendorff_alpha"]),
                    num(f["disagreement"]),
                    "yes" if f["alert"] else "",
                ]
                for s in sessions
                for f in s["fields"]
            ],
        }
    )
    return panel


def human_vs_model_panel(db: Any, actor: Actor, controls: Controls) -> Panel:
    panel = Panel(title="Human vs model")
    reports = dashboards.dashboard_human_vs_model(db, actor, scope(controls))
    if not reports:
        panel.empty = "No key has both human and model scores in this range."
        return panel
    for report in reports:
        if report["type"] == "continuous":
            points = [(p["human"], p["model"]) for p in report["points"]]
            if not points:
                continue
            chart = charts.scatter(
                f"{report['key']}: human against model", points, report["min"], report["max"]
            )
            panel.charts.append((f"{report['key']}: human score against model score", chart))
            panel.notes.append(
                f"{report['key']}: {len(points)} newest pairs, Pearson {num(report['pearson'])}, Spearman {num(report['spearman'])}, mean absolute error {num(report['mean_absolute_error'])}"
            )
        else:
            counts = {(c["human"], c["model"]): c["count"] for c in report["cells"]}
            if not counts:
                continue
            values = report["values"] or sorted({v for pair in counts for v in pair})
            chart = charts.heatmap(f"{report['key']}: human against model", values, values, counts)
            panel.charts.append((f"{report['key']}: human rating against model rating", chart))
            panel.notes.append(
                f"{report['key']}: {report['pairs']} pairs, accuracy {num(report['accuracy'])}, Cohen's κ {num(report['cohen_kappa'])}"
            )
            panel.tables.append(
                {
                    "caption": f"{report['key']}: human × model counts",
                    "head": ["human \\ model", *values],
                    "rows": [[h, *[counts.get((h, m), 0) for m in values]] for h in values],
                }
            )
    if not panel.charts:
        panel.empty = "No runs with both a human and a model score in this range."
    return panel


def pairwise_panel(db: Any, actor: Actor, controls: Controls) -> Panel:
    panel = Panel(title="Pairwise win rates and position bias")
    for queue in dashboards.pairwise_panel(db, actor, scope(controls)):
        rates = queue["win_rates"]
        if not rates:
            continue
        bars = [
            (v, r["win_rate"] * 100, f"{v}: {r['wins']:g} wins of {r['comparisons']} ({r['win_rate']:.0%})")
            for v, r in sorted(rates.items())
        ]
        bias = queue["position_bias"]
        bars.append(
            (
                "shown first (left)",
                (bias["left_win_rate"] or 0) * 100,
                f"the side shown first won {bias['left_won']} of {bias['decided']} decided reviews",
            )
        )
        caption = f"{queue['name']}: win rate by {queue['variant_field'] or 'variant'} (ties count half)"
        panel.charts.append((caption, charts.hbars(caption, bars, high=100, mark=50, unit="%")))
        panel.notes.append(
            f"{queue['name']}: {queue['reviews']} reviews; answers "
            + ", ".join(f"{k} {v}" for k, v in sorted(queue["answers"].items()))
            + ". A first-shown win rate far from 50% means position bias."
        )
        panel.tables.append(
            {
                "caption": f"{queue['name']}: win rates",
                "head": ["variant", "wins", "comparisons", "win rate"],
                "rows": [
                    [v, f"{r['wins']:g}", r["comparisons"], f"{r['win_rate']:.0%}"]
                    for v, r in sorted(rates.items())
                ],
            }
        )
    if not panel.charts:
        panel.empty = "No pairwise reviews in this range."
    return panel


def reviewers_panel(db: Any, actor: Actor, controls: Controls) -> Panel:
    panel = Panel(title="Reviewers")
    people = dashboards.reviewer_panel(db, actor, scope(controls))
    if not people:
        panel.empty = "No finished reviews in this range."
        return panel
    fastest = max([p["items_per_hour"] or 0 for p in people] + [1])
    bars = [
        (
            p["email"] or str(p["reviewer_id"])[:8],
            p["items_per_hour"] or 0,
            f"{p['email']}: {num(p['items_per_hour'], 1)} items per active hour, {num(p['minutes_per_item'], 1)} min per item",
        )
        for p in people
    ]
    panel.charts.append(
        (
            "Items per active hour (reservation to submit, breaks left out)",
            charts.hbars("Items per active hour", bars, high=fastest * 1.1, mark=None, unit="/h"),
        )
    )
    quality = actor.can(Permission.READ_FEEDBACK)
    if quality:
        _quality_chart(panel, people)
    head = ["reviewer", "submitted", "skipped / flagged", "min / item", "items / hour"]
    panel.tables.append(
        {
            "caption": "Per reviewer",
            "head": head + (["gold right", "consensus"] if quality else []),
            "rows": [
                [
                    p["email"],
                    p["submitted"],
                    f"{p['skipped']} / {p['flagged']}",
                    num(p["minutes_per_item"], 1),
                    num(p["items_per_hour"], 1),
                    *(_quality_cells(p) if quality else []),
                ]
                for p in people
            ],
        }
    )
    return panel


def _quality_cells(person: dict[str, Any]) -> list[str]:
    gold = _share(person["gold_accuracy"])
    if person["gold_answers"]:
        gold += f" ({person['gold_answers']})"
    return [gold, _share(person["consensus_agreement"])]


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _quality_chart(panel: Panel, people: list[dict[str, Any]]) -> None:
    """Gold accuracy and agreement with the consensus side by side, one pair of bars a reviewer, each
    figure in its own colour."""
    bars, tones = [], []
    for p in people:
        who = (p["email"] or str(p["reviewer_id"])[:8]).split("@")[0][:20]
        if p["gold_accuracy"] is not None:
            tip = f"{who}: {p['gold_accuracy']:.0%} of {p['gold_answers']} gold answers right"
            bars.append((f"{who} · gold", p["gold_accuracy"] * 100, tip))
            tones.append(0)
        if p["consensus_agreement"] is not None:
            tip = f"{who}: {p['consensus_agreement']:.0%} of answers agree with the consensus"
            bars.append((f"{who} · consensus", p["consensus_agreement"] * 100, tip))
            tones.append(3)
    if not bars:
        panel.notes.append("No gold items answered and no items shared by reviewers in this range.")
        return
    caption = "Accuracy on gold items and agreement with the consensus (single-run queues)"
    panel.charts.append((caption, charts.hbars(caption, bars, high=100, mark=None, unit="%", tones=tones)))


PANEL_BUILDERS = {
    "scores": scores_panel,
    "queues": queues_panel,
    "agreement": agreement_panel,
    "calibration": calibration_panel,
    "human-vs-model": human_vs_model_panel,
    "pairwise": pairwise_panel,
    "reviewers": reviewers_panel,
}


def build_panel(db: Any, actor: Actor, name: str, controls: Controls) -> Panel:
    builder = PANEL_BUILDERS.get(name)
    if builder is None:
        raise NotFound(f"no panel {name!r}", field="panel")
    return builder(db, actor, controls)
