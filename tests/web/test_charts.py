"""Chart axes cover the data: a count of 12 on a 0–10 axis drew its bar over the chart's top edge."""

from __future__ import annotations

import re

import pytest

from reviewdesk.web import charts


@pytest.mark.parametrize(("low", "high"), [(0, 12), (0, 7), (0, 10), (-0.2, 1.0), (1, 5), (0, 0.03)])
def test_ticks_cover_the_range(low, high):
    ticks = charts.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert ticks == sorted(ticks)


def test_the_tallest_bar_stays_inside_the_chart():
    svg = str(charts.bars_with_line("day counts", ["d1", "d2"], [("added", [12, 1])], ("open", [7, 3])))
    tops = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([-\d.]+)"', svg)]
    assert tops and min(tops) >= charts.TOP
