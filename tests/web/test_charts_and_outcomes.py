"""Server-side chart geometry and the outcome split shown on every search."""

from __future__ import annotations

from indexer.query.types import FacetValue
from webapp.charts import nice_step, year_chart
from webapp.presentation import citation_label, facet_value_label, format_date, outcome_split


def test_outcome_split_counts_the_whole_result_set():
    split = outcome_split(10, [FacetValue("Upheld", 6), FacetValue("Overturned", 3)])
    assert (split.upheld, split.overturned, split.undecided) == (6, 3, 1)
    assert split.upheld_pct == 66.7 and split.overturned_pct == 33.3


def test_outcome_split_respects_a_decision_filter():
    # Facet counts of a multi-select facet ignore its own filter: only the
    # selected decision is in the result set.
    split = outcome_split(6, [FacetValue("Upheld", 6), FacetValue("Overturned", 3)], ["Upheld"])
    assert (split.upheld, split.overturned, split.undecided) == (6, 0, 0)
    assert split.upheld_pct == 100.0


def test_outcome_split_of_nothing_decided():
    split = outcome_split(2, [])
    assert split.decided == 0 and split.upheld_pct == 0.0 and split.undecided == 2


def test_year_chart_stacks_series_and_fills_missing_years():
    chart = year_chart({"2013": {"upheld": 3, "overturned": 1}, "2015": {"upheld": 2}})
    assert [b.label for b in chart.bars] == ["2013", "2014", "2015"]
    first, gap, last = chart.bars
    assert first.total == 4 and gap.total == 0 and gap.segments == []
    upheld, overturned = first.segments
    # stacked: overturned sits on top of upheld, both end at the baseline
    assert abs(upheld.y + upheld.height - chart.baseline) < 0.01
    assert abs(overturned.y + overturned.height - upheld.y) < 0.01
    # heights are proportional to counts
    assert abs(upheld.height / overturned.height - 3) < 0.01
    assert chart.ticks[0].value == 0 and chart.ticks[-1].value >= 4


def test_year_chart_of_nothing_is_empty():
    assert year_chart({}).empty


def test_nice_steps():
    assert nice_step(3) == 1
    assert nice_step(40) == 10
    assert nice_step(130) == 50


def test_labels_for_people():
    assert (
        citation_label("ODG | Neck and Upper Back | Facet joint diagnostic blocks")
        == "ODG › Neck and Upper Back › Facet joint diagnostic blocks"
    )
    assert facet_value_label("mtus_based", "true") == "Yes"
    assert format_date("2015-03-12") == "12 Mar 2015"
    assert format_date("not a date") == "not a date"
    assert format_date(None) == ""
