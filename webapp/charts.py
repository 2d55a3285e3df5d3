"""Server-side chart geometry (rendered as inline SVG by a template).

No JavaScript and no chart service: the numbers become rectangles here, the
template only draws them, so the chart prints, works offline and passes a
strict CSP. A table with the same numbers sits beside it for screen readers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SERIES = ("upheld", "overturned", "other")
SERIES_LABELS = {"upheld": "Upheld", "overturned": "Overturned", "other": "No decision"}
MAX_GAP_FILL = 60  # fill missing years between the first and last only when the span is sane


@dataclass
class Segment:
    series: str
    count: int
    y: float
    height: float


@dataclass
class Bar:
    label: str
    counts: dict[str, int]
    total: int
    x: float
    width: float
    label_x: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Tick:
    value: int
    y: float


@dataclass
class PlotArea:
    """An SVG chart's size and the box its plot is drawn in (every chart has one)."""

    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float


@dataclass
class BarChart(PlotArea):
    bars: list[Bar]
    ticks: list[Tick]
    baseline: float
    label_every: int  # show every n-th year label when bars are narrow
    series: tuple[str, ...] = SERIES
    series_labels: dict[str, str] = field(default_factory=lambda: dict(SERIES_LABELS))

    @property
    def empty(self) -> bool:
        return not self.bars


def nice_step(maximum: int, target_ticks: int = 4) -> int:
    """A 1-2-5 step so that about `target_ticks` gridlines cover `maximum`."""
    if maximum <= target_ticks:
        return 1
    raw = maximum / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return int(multiple * magnitude)
    return int(10 * magnitude)


NO_DATE = "no date"  # the bar of passages whose letter has no date: counted, never dropped


def fill_years(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Add zero rows for missing years so gaps in time are visible as gaps; years in
    order, anything that is not a year (the "no date" bar) after them."""
    dated = {y: c for y, c in rows.items() if str(y).isdigit()}
    rest = {y: c for y, c in rows.items() if not str(y).isdigit()}
    years = [int(y) for y in dated]
    if not years or max(years) - min(years) > MAX_GAP_FILL:
        return {**dict(sorted(dated.items())), **rest}
    return {**{str(y): dated.get(str(y), {}) for y in range(min(years), max(years) + 1)}, **rest}


def year_chart(rows: dict[str, dict[str, int]], width: int = 640, height: int = 220) -> BarChart:
    """Stacked bars (upheld / overturned / no decision) per year."""
    rows = fill_years(rows)
    left, right, top, bottom = 44, 8, 10, 26
    plot_w = width - left - right
    plot_h = height - top - bottom
    totals = {label: sum(counts.get(s, 0) for s in SERIES) for label, counts in rows.items()}
    maximum = max(totals.values(), default=0)
    step = nice_step(maximum)
    axis_max = max(step, math.ceil(maximum / step) * step) if maximum else 1
    scale = plot_h / axis_max
    n = len(rows)
    slot = plot_w / n if n else plot_w
    bar_w = max(2.0, min(48.0, slot * 0.7))
    baseline = top + plot_h
    bars: list[Bar] = []
    for i, (label, counts) in enumerate(rows.items()):
        x = left + i * slot + (slot - bar_w) / 2
        bar = Bar(
            label=label,
            counts={s: int(counts.get(s, 0)) for s in SERIES},
            total=totals[label],
            x=round(x, 2),
            width=round(bar_w, 2),
            label_x=round(x + bar_w / 2, 2),
        )
        y = float(baseline)
        for s in SERIES:
            count = bar.counts[s]
            if count:
                h = count * scale
                y -= h
                bar.segments.append(Segment(s, count, round(y, 2), round(h, 2)))
        bars.append(bar)
    ticks = [Tick(v, round(baseline - v * scale, 2)) for v in range(0, axis_max + 1, step)]
    label_every = max(1, math.ceil(n / 16)) if n else 1
    return BarChart(width, height, left, top, plot_w, plot_h, bars, ticks, baseline, label_every)
