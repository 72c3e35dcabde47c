"""Server-rendered bar charts: one bar per figure with its confidence interval and the target line.

The template draws the SVG from these numbers, so the chart works without
JavaScript and prints the same as it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis import Figure

WIDTH = 640
LABEL_WIDTH = 200
ROW_HEIGHT = 30
TOP = 24


@dataclass
class Bar:
    """One row of the chart, in SVG user units."""

    label: str
    y: float
    width: float | None
    low: float | None
    high: float | None
    suppressed: bool
    title: str


@dataclass
class Chart:
    """Axis from ``start`` to 100 %, the bars, the target's position and the tick marks."""

    start: float
    bars: list[Bar]
    target_x: float
    ticks: list[tuple[float, float]]
    height: float
    width: int = WIDTH
    left: int = LABEL_WIDTH

    @property
    def label_chars(self) -> int:
        """How many characters of a label fit left of the bars (12 px text)."""
        return self.left // 7


def _start(figures: list[Figure], target: float) -> float:
    """Where the axis starts: a round tenth below every interval and the target, at most 50 %."""
    lows = [f.ci_low if f.ci_low is not None else f.index for f in figures if f.index is not None]
    lowest = min([*lows, target, 0.5])
    return max(0.0, math.floor(lowest * 10) / 10)


def bar_chart(rows: list[tuple[str, Figure, str]], target: float, label_width: int = LABEL_WIDTH) -> Chart:
    """A chart of ``rows`` (label, figure, hover text) against ``target``, labels in ``label_width`` units."""
    start = _start([figure for _, figure, _ in rows], target)
    plot_width = WIDTH - label_width - 32  # room for the last tick label, centred on 100 %

    def x(share: float) -> float:
        return label_width + plot_width * (share - start) / (1 - start)

    bars = []
    for number, (label, figure, title) in enumerate(rows):
        known = figure.index is not None
        bars.append(Bar(
            label=label,
            y=TOP + number * ROW_HEIGHT,
            width=x(figure.index) - label_width if known else None,
            low=x(figure.ci_low) if figure.ci_low is not None else None,
            high=x(figure.ci_high) if figure.ci_high is not None else None,
            suppressed=any(flag.code == "suppress" for flag in figure.flags),
            title=title,
        ))
    steps = round((1 - start) * 10)
    ticks = [(x(start + i / 10), start + i / 10) for i in range(steps + 1)]
    return Chart(start, bars, x(target), ticks, TOP + len(rows) * ROW_HEIGHT + 8, left=label_width)
