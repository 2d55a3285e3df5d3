"""Statistics charts as geometry (drawn as inline SVG by templates/stats/_*.html).

As with `webapp.charts`: the numbers become coordinates here, on the server, so
the charts print, work without JavaScript or a CDN and pass the strict CSP. Each
chart has a table with the same numbers beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexer.stats.outcomes import Baseline, Group
from webapp.charts import PlotArea

RANKED_ROWS = 20  # bars shown; the table lists every group


def _rate_axis(high: float) -> tuple[float, float]:
    """(axis maximum, tick step) in rate units: a few round percent gridlines above `high`."""
    high = min(max(high, 0.05), 1.0)
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25):
        if high / step <= 5:
            return min(1.0, math.ceil(high / step - 1e-9) * step), step
    return 1.0, 0.25


@dataclass
class Tick:
    label: str
    pos: float  # y for the year chart, x for the ranked bars


@dataclass
class YearPoint:
    label: str
    x: float
    y: float | None  # None: no decided items that year
    low_y: float | None
    high_y: float | None
    group: Group | None
    small: bool


@dataclass
class BaselineMark:
    label: str
    x: float
    y: float
    baseline: Baseline


@dataclass
class YearRateChart(PlotArea):
    baseline_y: float
    points: list[YearPoint]
    ticks: list[Tick]
    band: str  # SVG polygon points of the 95% interval band
    line: str  # SVG polyline points of the rate
    marks: list[BaselineMark] = field(default_factory=list)
    label_every: int = 1

    @property
    def empty(self) -> bool:
        return not any(p.group for p in self.points)


def year_rate_chart(
    groups: list[Group], baselines: Sequence[Baseline] = (), width: int = 640, height: int = 240
) -> YearRateChart:
    """Overturn rate per decision year with its Wilson 95% band; published
    statewide figures as marks on their years."""
    by_year = {g.value: g for g in groups if g.value.isdigit()}
    years = sorted(int(y) for y in by_year)
    if years and years[-1] - years[0] <= 60:
        labels = [str(y) for y in range(years[0], years[-1] + 1)]
    else:
        labels = [str(y) for y in years]
    left, right, top, bottom = 44, 12, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    marks_in = [b for b in baselines if str(b.year) in labels]
    high = max([g.ci95[1] for g in by_year.values() if g.ci95] + [b.figure / 100 for b in marks_in] + [0.0])
    axis_max, step = _rate_axis(high)
    base_y = top + plot_h
    n = len(labels)
    slot = plot_w / n if n else plot_w

    def y_of(rate: float) -> float:
        return round(base_y - rate / axis_max * plot_h, 2)

    points: list[YearPoint] = []
    for i, label in enumerate(labels):
        x = round(left + slot * (i + 0.5), 2)
        g = by_year.get(label)
        if g is None or not g.n:
            points.append(YearPoint(label, x, None, None, None, None, False))
            continue
        lo, hi = g.ci95 or (0.0, 0.0)  # n > 0: the rate and its interval exist
        points.append(YearPoint(label, x, y_of(g.overturn_rate or 0.0), y_of(lo), y_of(hi), g, g.small))
    drawn = [p for p in points if p.y is not None]
    band = (
        " ".join(f"{p.x},{p.high_y}" for p in drawn) + " " + " ".join(f"{p.x},{p.low_y}" for p in reversed(drawn))
        if len(drawn) > 1
        else ""
    )
    line = " ".join(f"{p.x},{p.y}" for p in drawn)
    ticks = []
    k = 0
    while k * step <= axis_max + 1e-9:
        v = k * step
        ticks.append(Tick(f"{v * 100:g}%", y_of(v)))
        k += 1
    marks = [BaselineMark(b.label, points[labels.index(str(b.year))].x, y_of(b.figure / 100), b) for b in marks_in]
    return YearRateChart(
        width,
        height,
        left,
        top,
        plot_w,
        plot_h,
        base_y,
        points,
        ticks,
        band.strip(),
        line,
        marks,
        max(1, math.ceil(n / 14)) if n else 1,
    )


@dataclass
class RankedBar:
    group: Group
    label: str
    y: float
    width: float
    low_x: float
    high_x: float
    small: bool


@dataclass
class RankedChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: float
    row_height: int
    bars: list[RankedBar]
    ticks: list[Tick]
    hidden: int  # groups not drawn (all are in the table)

    @property
    def empty(self) -> bool:
        return not self.bars


def ranked_chart(groups: list[Group], width: int = 640, rows: int = RANKED_ROWS) -> RankedChart:
    """Horizontal bars of the overturn rate, highest first, with interval whiskers.
    Groups with enough decisions to quote rank first; the small ones (greyed)
    follow, so a 1-of-2 group never tops the chart."""
    ranked = sorted((g for g in groups if g.n), key=lambda g: (g.small, -(g.overturn_rate or 0), -g.n, g.value))
    shown = ranked[:rows]
    left, right, top, row_h = 190, 110, 18, 22
    plot_w = width - left - right
    high = max([g.ci95[1] for g in shown if g.ci95] + [0.0])
    axis_max, step = _rate_axis(high)

    def x_of(rate: float) -> float:
        return round(left + rate / axis_max * plot_w, 2)

    bars = []
    for i, g in enumerate(shown):
        lo, hi = g.ci95 or (0.0, 0.0)  # groups hold decisions: the rate and its interval exist
        label = g.value if len(g.value) <= 30 else g.value[:29] + "…"
        bars.append(
            RankedBar(
                g, label, top + i * row_h, round(x_of(g.overturn_rate or 0.0) - left, 2), x_of(lo), x_of(hi), g.small
            )
        )
    ticks = []
    k = 0
    while k * step <= axis_max + 1e-9:
        ticks.append(Tick(f"{k * step * 100:g}%", x_of(k * step)))
        k += 1
    height = top + max(1, len(bars)) * row_h + 8
    return RankedChart(width, height, left, top, plot_w, row_h, bars, ticks, len(ranked) - len(shown))
