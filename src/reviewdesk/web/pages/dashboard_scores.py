"""The /dashboards "scores over time" panel: a key's human (and model, user) scores by bucket and split."""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.permissions import Actor
from reviewdesk.errors import Invalid
from reviewdesk.services import analytics, feedback_configs, queues
from reviewdesk.web import charts
from reviewdesk.web.pages.dashboard_panel import Panel, num, scope
from reviewdesk.web.pages.dashboards import SCORED, Controls, default_key


def scores_panel(db: Any, actor: Actor, controls: Controls) -> Panel:
    if not controls.key:
        keys = [c for c in feedback_configs.list_configs(db, actor) if c["type"] in SCORED]
        shown = [q for q in queues.list_queues(db, actor) if not q["archived"]]
        controls.key = default_key(keys, [q for q in shown if str(q["id"]) == controls.queue] or shown)
    panel = Panel(title=f"Scores over time: {controls.key or '—'}")
    if not controls.key:
        panel.empty = "No score configs yet: scores need a key to chart."
        return panel
    params = {
        "key": controls.key,
        "split": controls.split,
        "bucket": controls.bucket,
        "filter": controls.filter or None,
        **scope(controls),
    }
    try:
        series = analytics.score_series(db, actor, params)
    except Invalid as exc:
        panel.error = f"{exc.field}: {exc.message}" if exc.field else exc.message
        return panel
    if not any(p["n"] for s in series["series"] for p in s["points"]):
        panel.empty = "No scores of this key in the time range."
        return panel
    labels = [p["t"] for p in series["series"][0]["points"]]
    if series["read_since"] is not None:
        panel.notes.append(
            f"Filtered series read the newest {analytics.FILTERED_ROWS:,} rows of the key, each checked "
            f"against its run: this one starts {series['read_since']:%Y-%m-%d %H:%M} UTC, not at the "
            "range's start (the API's `until` reads the earlier part)."
        )
    scored = any(p["mean"] is not None for s in series["series"] for p in s["points"])
    top = series["series"][:8]
    if scored:
        lines = [
            charts.Line(s["label"], [p["mean"] for p in s["points"]], [f"n={p['n']}" for p in s["points"]])
            for s in top
        ]
        y_label, y_range = "mean score", _score_range(db, actor, controls.key)
    else:
        first = (series["values"] or [None])[0] or _most_common(series)
        lines = [
            charts.Line(s["label"], [(p["counts"].get(first, 0) / p["n"]) if p["n"] else None for p in s["points"]],
                        [f"{p['counts'].get(first, 0)} of {p['n']}" for p in s["points"]])
            for s in top
        ]  # fmt: skip
        y_label, y_range = f"share “{first}”", (0.0, 1.0)
    panel.charts.append(
        (None, charts.line_chart(panel.title, labels, lines, y_label=y_label, y_range=y_range))
    )
    panel.tables.append(
        {
            "caption": f"{y_label} by {controls.bucket} and {controls.split}",
            "head": ["series", "bucket", "rows", "mean score", "counts by value"],
            "rows": [
                [
                    s["label"],
                    p["t"],
                    p["n"],
                    num(p["mean"]),
                    ", ".join(f"{k} {v}" for k, v in p["counts"].items()),
                ]
                for s in top
                for p in s["points"]
                if p["n"]
            ],
        }
    )
    panel.legend = [(charts.color(i), s["label"]) for i, s in enumerate(top)]
    return panel


def _most_common(series: dict[str, Any]) -> str:
    totals: dict[str, int] = {}
    for s in series["series"]:
        for p in s["points"]:
            for k, v in p["counts"].items():
                totals[k] = totals.get(k, 0) + v
    return max(totals, key=totals.__getitem__) if totals else "—"


def _score_range(db: Any, actor: Actor, key: str) -> tuple[float, float] | None:
    config = next((c for c in feedback_configs.list_configs(db, actor) if c["key"] == key), None)
    if config and config["type"] == "continuous":
        return float(config["min"]), float(config["max"])
    if config and config["type"] == "boolean":
        return 0.0, 1.0
    scores = [o.get("score") for o in (config or {}).get("options") or [] if o.get("score") is not None]
    return (float(min(scores)), float(max(scores))) if scores else None
