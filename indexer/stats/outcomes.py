"""Outcome statistics of a search: how often the denial was upheld or overturned,
overall and per value of one facet, each rate with its Wilson 95% interval, and
the published figures that apply beside them.

Everything comes from `SearchService.decision_counts`, i.e. from the engines'
exact facet counts over the same query, filters and scope as the results page,
so a figure here always agrees with the search it describes.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.query.tree import DEFAULT_SCOPE
from indexer.query.types import FACETS, SearchRequest
from indexer.stats.wilson import wilson_interval

# The splits attorneys ask for, in the order the page offers them. Only those the
# index has are offered (`reviewer_citation` and `edition` arrive with newer indexes).
STATS_BY = ("treatment", "body_region", "specialty", "licensure", "reviewer_citation", "edition", "decision_year")
# Below this many decisions a rate is shown but greyed: its 95% interval is wider
# than +-10 points at typical IMR rates (about 10% overturned), too wide to quote.
MIN_DECISIONS = 30
BASELINES_FILE = Path(__file__).with_name("baselines.toml")
ORDERED_BY_VALUE = ("decision_year", "injury_year", "edition")  # time-like: in their own order


def available_by() -> tuple[str, ...]:
    """The splits this index can answer (in the page's order), then any other facet."""
    offered = tuple(f for f in STATS_BY if f in FACETS)
    return offered + tuple(f for f in FACETS if f not in offered and f != "decision")


@dataclass
class Rate:
    n: int
    upheld: int
    overturned: int

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.n if self.n else None

    @property
    def ci95(self) -> tuple[float, float] | None:
        return wilson_interval(self.overturned, self.n)

    @property
    def small(self) -> bool:
        return self.n < MIN_DECISIONS

    @property
    def note(self) -> str | None:
        if self.n == 0:
            return "No decided items."
        if self.small:
            return (
                f"Only {self.n} decision{'' if self.n == 1 else 's'}: fewer than {MIN_DECISIONS}, "
                "so the rate is too uncertain to quote (see its interval)."
            )
        return None

    def to_json(self) -> dict[str, Any]:
        rate, ci = self.overturn_rate, self.ci95
        return {
            "n": self.n,
            "upheld": self.upheld,
            "overturned": self.overturned,
            "overturn_rate": None if rate is None else round(rate, 4),
            "ci95": None if ci is None else [round(ci[0], 4), round(ci[1], 4)],
            "small": self.small,
            "note": self.note,
        }


@dataclass
class Group(Rate):
    value: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, **super().to_json()}


@dataclass(frozen=True)
class Baseline:
    figure: float  # percent overturned
    year: int
    scope: str
    source: str
    facet: str | None = None
    value: str | None = None

    @property
    def label(self) -> str:
        return f"{self.scope} {self.year}: {self.figure:g}% overturned, {self.source}"

    def applies_to(self, facet: str | None, value: str | None) -> bool:
        """Beside the overall rate (facet None), or beside the row it names; a
        statewide yearly figure also sits beside its decision-year row."""
        if facet is None:
            return self.facet is None
        if self.facet is not None:
            return self.facet == facet and (self.value or "").lower() == (value or "").lower()
        return facet == "decision_year" and str(self.year) == str(value)

    def to_json(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "measure": "percent overturned",
            "year": self.year,
            "scope": self.scope,
            "source": self.source,
            "facet": self.facet,
            "value": self.value,
            "label": self.label,
            "published_elsewhere": True,
        }


@lru_cache(maxsize=4)
def load_baselines(path: Path = BASELINES_FILE) -> tuple[Baseline, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for row in data.get("baseline", []):
        out.append(
            Baseline(
                figure=float(row["figure"]),
                year=int(row["year"]),
                scope=str(row["scope"]),
                source=str(row["source"]),
                facet=row.get("facet"),
                value=row.get("value"),
            )
        )
    return tuple(sorted(out, key=lambda b: (b.year, b.scope, b.source)))


@dataclass
class OutcomeStats:
    overall: Rate
    by: str
    groups: list[Group]
    baselines: list[Baseline]
    filters: dict[str, list[str]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    scope: str = DEFAULT_SCOPE  # as the results page's (see indexer.query.tree.SCOPES)
    requests_only: bool = False  # the words name requests: passages whose request matches are counted
    letters: int = 0  # distinct letters of the overall decisions

    def baselines_for(self, value: str | None = None) -> list[Baseline]:
        facet = None if value is None else self.by
        return [b for b in self.baselines if b.applies_to(facet, value)]

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": {**self.overall.to_json(), "letters": self.letters},
            "by": self.by,
            "groups": [g.to_json() for g in self.groups],
            "baselines": [b.to_json() for b in self.baselines],
            "min_decisions": MIN_DECISIONS,
            "filters": self.filters,
            "scope": self.scope,
            "requests_only": self.requests_only,
            "messages": self.messages,
        }


def outcome_stats(
    service: Any, req: SearchRequest, by: str, extra: tuple[str, ...] = ()
) -> tuple[OutcomeStats, dict[str, list[Group]]]:
    """Statistics of the search `req` split by the facet `by` (and the groups of
    each facet in `extra`, counted in the same engine pass, e.g. decision_year for
    the page's chart). Raises ValueError for a split the index cannot answer."""
    if by not in available_by():
        raise ValueError(f"Cannot split by {by!r}; choose one of: {', '.join(available_by())}.")
    facets = [by] + [f for f in extra if f != by and f in FACETS]
    counts = service.decision_counts(req, facets)
    overall = Rate(n=counts.overall["upheld"] + counts.overall["overturned"], **counts.overall)
    groups = {f: _groups(f, counts.by.get(f, {})) for f in facets}
    baselines = [
        b for b in load_baselines() if b.applies_to(None, None) or any(b.applies_to(by, g.value) for g in groups[by])
    ]
    stats = OutcomeStats(
        overall=overall,
        by=by,
        groups=groups[by],
        baselines=baselines,
        filters=counts.filters,
        messages=counts.messages,
        scope=counts.scope,
        requests_only=counts.requests_only,
        letters=counts.letters,
    )
    return stats, groups


def _groups(facet: str, rows: dict[str, dict[str, int]]) -> list[Group]:
    groups = [
        Group(n=r["upheld"] + r["overturned"], upheld=r["upheld"], overturned=r["overturned"], value=v)
        for v, r in rows.items()
        if r["upheld"] + r["overturned"]
    ]
    if facet in ORDERED_BY_VALUE:
        groups.sort(key=lambda g: g.value)
    else:
        groups.sort(key=lambda g: (-g.n, g.value))
    return groups
