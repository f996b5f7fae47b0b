"""Charts drawn on the server as SVG: lines over time, bars with a line, intervals, a heatmap, a scatter
and horizontal bars. Every label is escaped; every mark carries a <title> with its numbers (shown on
hover), and each panel also prints its numbers in a table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe-Ito: told apart by people with the common colour-vision deficiencies.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [round(first, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


@dataclass
class Frame:
    """The plot area and its scales."""

    x_count: int
    y_low: float
    y_high: float
    width: int = WIDTH
    height: int = HEIGHT

    def x(self, i: float) -> float:
        inner = self.width - LEFT - RIGHT
        return LEFT + (inner * (i + 0.5) / self.x_count if self.x_count else 0)

    def y(self, value: float) -> float:
        inner = self.height - TOP - BOTTOM
        span = (self.y_high - self.y_low) or 1
        return TOP + inner * (1 - (value - self.y_low) / span)

    def band(self) -> float:
        return (self.width - LEFT - RIGHT) / max(self.x_count, 1)


def _svg(frame: Frame, title: str, body: list[str], css: str = "") -> Markup:
    head = (
        f'<svg class="chart{" " + css if css else ""}" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _axes(frame: Frame, labels: Sequence[str], y_label: str, ticks: Sequence[float]) -> list[str]:
    out = []
    for tick in ticks:
        y = frame.y(tick)
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{frame.width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_fmt(tick))}</text>'
        )
    every = max(1, math.ceil(len(labels) / 10))
    base = frame.height - BOTTOM
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = frame.x(i)
        short = (
            label[5:]
            if len(label) == 10
            else label[5:].replace("T", " ") + "h"
            if len(label) == 13
            else label
        )
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{base + 16}" text-anchor="middle">{escape(short)}</text>'
        )
    out.append(f'<line class="axis" x1="{LEFT}" x2="{frame.width - RIGHT}" y1="{base}" y2="{base}"/>')
    out.append(
        f'<text class="axis-label" x="14" y="{(TOP + base) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(TOP + base) / 2:.0f})">{escape(y_label)}</text>'
    )
    return out


@dataclass
class Line:
    label: str
    values: list[float | None]
    notes: list[str]  # per point, shown on hover beside the value


def line_chart(
    title: str,
    labels: Sequence[str],
    lines: Sequence[Line],
    *,
    y_label: str,
    y_range: tuple[float, float] | None,
) -> Markup:
    """One line per series over time; gaps where a bucket has no value."""
    known = [v for line in lines for v in line.values if v is not None]
    low, high = y_range or ((min(known), max(known)) if known else (0.0, 1.0))
    ticks = nice_ticks(low, high)
    frame = Frame(len(labels), min(ticks[0], low), max(ticks[-1], high))
    body = _axes(frame, labels, y_label, ticks)
    for i, line in enumerate(lines):
        stroke = color(i)
        path, pen = [], "M"
        for j, value in enumerate(line.values):
            if value is None:
                pen = "M"
                continue
            path.append(f"{pen}{frame.x(j):.1f},{frame.y(value):.1f}")
            pen = "L"
        if path:
            body.append(f'<path class="series" d="{" ".join(path)}" stroke="{stroke}" fill="none"/>')
        for j, value in enumerate(line.values):
            if value is None:
                continue
            tip = f"{line.label} · {labels[j]}: {_fmt(value)}" + (
                f" ({line.notes[j]})" if line.notes[j] else ""
            )
            body.append(
                f'<circle cx="{frame.x(j):.1f}" cy="{frame.y(value):.1f}" r="3.5" fill="{stroke}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    return _svg(frame, title, body)


def bars_with_line(
    title: str, labels: Sequence[str], bars: Sequence[tuple[str, list[int]]], line: tuple[str, list[int]]
) -> Markup:
    """Grouped bars per day (e.g. added, completed) and a line (e.g. open items) on one count axis."""
    high = max([1, *line[1], *(v for _, values in bars for v in values)])
    ticks = nice_ticks(0, high)
    frame = Frame(len(labels), 0, ticks[-1])
    body = _axes(frame, labels, "items", ticks)
    width = frame.band() * 0.8 / max(len(bars), 1)
    for i, (name, values) in enumerate(bars):
        for j, value in enumerate(values):
            x = frame.x(j) - frame.band() * 0.4 + i * width
            y = frame.y(value)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width - 1, 1):.1f}" height="{frame.y(0) - y:.1f}" '
                f'fill="{color(i)}"><title>{escape(f"{labels[j]} {name}: {value}")}</title></rect>'
            )
    points = " ".join(
        f"{'M' if j == 0 else 'L'}{frame.x(j):.1f},{frame.y(v):.1f}" for j, v in enumerate(line[1])
    )
    if points:
        body.append(f'<path class="series" d="{points}" stroke="{color(len(bars))}" fill="none"/>')
    for j, value in enumerate(line[1]):
        body.append(
            f'<circle cx="{frame.x(j):.1f}" cy="{frame.y(value):.1f}" r="2.5" fill="{color(len(bars))}">'
            f"<title>{escape(f'{labels[j]} {line[0]}: {value}')}</title></circle>"
        )
    return _svg(frame, title, body)


@dataclass
class Interval:
    label: str
    value: float | None
    low: float | None
    high: float | None
    note: str


def interval_chart(
    title: str, rows: Sequence[Interval], *, low: float, high: float, marks: Sequence[float]
) -> Markup:
    """One row per figure: a dot at the value and a whisker over its interval, on a shared axis."""
    row_height, label_width = 28, 190
    height = TOP + BOTTOM + row_height * max(len(rows), 1)
    width = WIDTH

    def x(value: float) -> float:
        return label_width + (width - label_width - RIGHT) * (value - low) / (high - low)

    body = []
    for tick in nice_ticks(low, high, 8):
        if low <= tick <= high:
            body.append(
                f'<line class="grid" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP}" y2="{height - BOTTOM}"/>'
                f'<text class="tick" x="{x(tick):.1f}" y="{height - BOTTOM + 16}" text-anchor="middle">{_fmt(tick)}</text>'
            )
    for mark in marks:
        body.append(
            f'<line class="mark" x1="{x(mark):.1f}" x2="{x(mark):.1f}" y1="{TOP}" y2="{height - BOTTOM}"/>'
        )
    for i, row in enumerate(rows):
        y = TOP + row_height * (i + 0.5)
        body.append(
            f'<text class="row-label" x="{label_width - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(row.label)}</text>'
        )
        if row.value is None:
            body.append(f'<text class="tick" x="{label_width + 4}" y="{y + 4:.1f}">{escape(row.note)}</text>')
            continue
        clamp = min(max(row.value, low), high)
        if row.low is not None and row.high is not None:
            body.append(
                f'<line class="whisker" x1="{x(max(row.low, low)):.1f}" x2="{x(min(row.high, high)):.1f}" '
                f'y1="{y:.1f}" y2="{y:.1f}"/>'
            )
        body.append(
            f'<circle cx="{x(clamp):.1f}" cy="{y:.1f}" r="5" fill="{color(0)}"><title>{escape(row.note)}</title></circle>'
        )
    frame = Frame(1, low, high, width=width, height=height)
    return _svg(frame, title, body)


def heatmap(
    title: str, rows: Sequence[str], columns: Sequence[str], counts: dict[tuple[str, str], int]
) -> Markup:
    """Human values down, model values across; shade by share of the row, the count in each cell."""
    cell, label_width, top = 64, 150, 48
    width = label_width + cell * len(columns) + RIGHT
    height = top + cell * len(rows) + 24
    body = [
        f'<text class="axis-label" x="{label_width + cell * len(columns) / 2:.0f}" y="14" text-anchor="middle">model says</text>',
        f'<text class="axis-label" x="12" y="{top + cell * len(rows) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + cell * len(rows) / 2:.0f})">human says</text>',
    ]
    for j, column in enumerate(columns):
        body.append(
            f'<text class="tick" x="{label_width + cell * (j + 0.5):.0f}" y="{top - 8}" text-anchor="middle">{escape(column)}</text>'
        )
    for i, row in enumerate(rows):
        total = sum(counts.get((row, c), 0) for c in columns)
        y = top + cell * i
        body.append(
            f'<text class="tick" x="{label_width - 8}" y="{y + cell / 2 + 4:.0f}" text-anchor="end">{escape(row)}</text>'
        )
        for j, column in enumerate(columns):
            n = counts.get((row, column), 0)
            share = n / total if total else 0
            shade = f"rgba(0, 114, 178, {0.08 + 0.85 * share:.2f})"
            ink = "#ffffff" if share > 0.55 else "#1b1f24"
            tip = f"human {row} · model {column}: {n} ({share:.0%} of human {row})"
            body.append(
                f'<rect x="{label_width + cell * j}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{shade}">'
                f"<title>{escape(tip)}</title></rect>"
                f'<text class="cell" x="{label_width + cell * (j + 0.5) - 1:.0f}" y="{y + cell / 2 + 4:.0f}" '
                f'text-anchor="middle" fill="{ink}">{n}</text>'
            )
    return _svg(Frame(1, 0, 1, width=width, height=height), title, body, "square")


def scatter(title: str, points: Sequence[tuple[float, float]], low: float, high: float) -> Markup:
    """Human score across, model score up, on the config's range, with the line where they agree."""
    size = 300
    frame = Frame(1, low, high, width=size + LEFT + RIGHT, height=size + TOP + BOTTOM)

    def x(value: float) -> float:
        return LEFT + size * (value - low) / ((high - low) or 1)

    ticks = nice_ticks(low, high)
    body = []
    for tick in ticks:
        if low <= tick <= high:
            body.append(
                f'<line class="grid" x1="{LEFT}" x2="{LEFT + size}" y1="{frame.y(tick):.1f}" y2="{frame.y(tick):.1f}"/>'
                f'<text class="tick" x="{LEFT - 6}" y="{frame.y(tick) + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>'
                f'<text class="tick" x="{x(tick):.1f}" y="{TOP + size + 16}" text-anchor="middle">{_fmt(tick)}</text>'
            )
    body.append(
        f'<line class="mark" x1="{x(low):.1f}" y1="{frame.y(low):.1f}" x2="{x(high):.1f}" y2="{frame.y(high):.1f}"/>'
    )
    jitter = (high - low) / 120
    for i, (h, m) in enumerate(points):
        dx = ((i * 7919) % 11 - 5) * jitter / 5  # a fixed spread, so equal points do not hide each other
        body.append(
            f'<circle cx="{x(h + dx):.1f}" cy="{frame.y(m):.1f}" r="2.5" fill="{color(0)}" fill-opacity="0.35">'
            f"<title>{escape(f'human {_fmt(h)} · model {_fmt(m)}')}</title></circle>"
        )
    body.append(
        f'<text class="axis-label" x="{LEFT + size / 2:.0f}" y="{TOP + size + 36}" text-anchor="middle">human score</text>'
    )
    body.append(
        f'<text class="axis-label" x="14" y="{TOP + size / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + size / 2:.0f})">model score</text>'
    )
    return _svg(frame, title, body, "square")


def hbars(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    high: float,
    mark: float | None,
    unit: str,
    tones: Sequence[int] | None = None,
) -> Markup:
    """Horizontal bars, label on the left and the figure at the bar's end; `tones` gives each bar's
    colour index (by default each bar its own)."""
    row_height, label_width = 30, 190
    height = TOP + BOTTOM + row_height * max(len(rows), 1)
    inner = WIDTH - label_width - RIGHT - 60

    def x(value: float) -> float:
        return label_width + inner * min(value, high) / (high or 1)

    body = []
    for i, (label, value, note) in enumerate(rows):
        y = TOP + row_height * i
        body.append(
            f'<text class="row-label" x="{label_width - 8}" y="{y + 18}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 5}" width="{x(value) - label_width:.1f}" height="{row_height - 10}" '
            f'fill="{color(tones[i] if tones else i)}"><title>{escape(note)}</title></rect>'
            f'<text class="tick" x="{x(value) + 6:.1f}" y="{y + 18}">{escape(f"{value:.0f}" if unit == "%" else _fmt(value))}{escape(unit)}</text>'
        )
    if mark is not None:
        body.append(
            f'<line class="mark" x1="{x(mark):.1f}" x2="{x(mark):.1f}" y1="{TOP}" y2="{height - BOTTOM + 4}"/>'
        )
    return _svg(Frame(1, 0, high, width=WIDTH, height=height), title, body)
