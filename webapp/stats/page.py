"""The statistics of a search as the page and its JSON twin need them.

The search state (query, filters, scope) is read by the same code as the
results page, so `/stats?<the results page's parameters>` describes exactly
the passages that page lists; `by` picks the split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from indexer.stats.outcomes import Group, OutcomeStats, available_by, load_baselines, outcome_stats
from webapp.search.state import SearchState, parse_state
from webapp.stats.charts import RankedChart, YearRateChart, ranked_chart, year_rate_chart

DEFAULT_BY = "treatment"


@dataclass
class StatsPage:
    state: SearchState
    stats: OutcomeStats
    year_groups: list[Group]
    year_chart: YearRateChart
    ranked: RankedChart
    options: tuple[str, ...]
    problems: list[str] = field(default_factory=list)  # parameters that could not be used as given

    @property
    def notices(self) -> list[str]:
        return self.problems + self.stats.messages


def read_by(args: MultiDict, problems: list[str]) -> str:
    by = (args.get("by") or DEFAULT_BY).strip()
    if by not in available_by():
        problems.append(
            f"Cannot split by “{by[:40]}”; split by {DEFAULT_BY}. Choose one of: {', '.join(available_by())}."
        )
        return DEFAULT_BY
    return by


def build_stats(service: Any, args: MultiDict) -> StatsPage:
    parsed = parse_state(args)
    problems = list(parsed.problems)
    by = read_by(args, problems)
    stats, groups = outcome_stats(service, parsed.state.to_request(), by, extra=("decision_year",))
    years = groups.get("decision_year", [])
    statewide = [b for b in load_baselines() if b.facet is None]
    return StatsPage(
        state=parsed.state,
        stats=stats,
        year_groups=years,
        year_chart=year_rate_chart(years, statewide),
        ranked=ranked_chart(stats.groups),
        options=available_by(),
        problems=problems,
    )
