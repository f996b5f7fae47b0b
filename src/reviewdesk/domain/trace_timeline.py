"""A trace's waterfall: each span's offset from the trace start and its duration, as shares of the whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class TimelineRow:
    id: Any
    name: str
    run_type: str
    depth: int
    offset_ms: float
    duration_ms: float | None  # None: still running
    left_pct: float
    width_pct: float
    tokens: int | None
    cost: float | None
    error: bool


def _walk(nodes: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for node in sorted(nodes, key=lambda n: n["start_time"]):
        out.append((depth, node))
        out.extend(_walk(node.get("children") or [], depth + 1))
    return out


def _tokens(node: dict[str, Any]) -> int | None:
    usage = node.get("usage") or {}
    return usage.get("total_tokens") if isinstance(usage, dict) else None


def timeline(roots: list[dict[str, Any]]) -> list[TimelineRow]:
    """Rows in tree order (children by start time); a span without an end runs to the trace's end."""
    spans = _walk(roots)
    if not spans:
        return []
    start: datetime = min(n["start_time"] for _d, n in spans)
    ends = [n["end_time"] for _d, n in spans if n.get("end_time") is not None]
    end = max([start, *ends])
    total_ms = max((end - start).total_seconds() * 1000, 1.0)
    rows = []
    for depth, node in spans:
        offset = (node["start_time"] - start).total_seconds() * 1000
        finished = node.get("end_time")
        duration = (finished - node["start_time"]).total_seconds() * 1000 if finished else None
        shown = duration if duration is not None else total_ms - offset
        left = min(100.0, max(0.0, 100 * offset / total_ms))
        rows.append(
            TimelineRow(
                id=node["id"],
                name=node.get("name") or "",
                run_type=node.get("run_type") or "chain",
                depth=depth,
                offset_ms=offset,
                duration_ms=duration,
                left_pct=round(left, 3),
                width_pct=round(max(0.4, min(100.0 - left, 100 * shown / total_ms)), 3),
                tokens=_tokens(node),
                cost=node.get("cost"),
                error=bool(node.get("error")),
            )
        )
    return rows
