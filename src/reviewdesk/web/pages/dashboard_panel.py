"""What a /dashboards panel is (`Panel`, filled by one builder each) and what the builders share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from reviewdesk.web.pages.dashboards import Controls


@dataclass
class Panel:
    title: str
    charts: list[tuple[str | None, Markup]] = field(default_factory=list)  # (caption, chart)
    tables: list[dict[str, Any]] = field(default_factory=list)  # {"caption", "head", "rows"}
    notes: list[str] = field(default_factory=list)
    empty: str | None = None
    error: str | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, label)


def scope(controls: Controls) -> dict[str, Any]:
    return {"days": controls.days, "queue_id": controls.queue or None}


def num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
