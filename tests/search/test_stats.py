"""Outcome statistics equal a brute-force count over the index, on every engine.

The brute force takes every passage a search lists (paging through all of its
results), reads its letter from the store, derives its facet values with the
indexer's own `facet_values` and counts decisions in Python."""

from __future__ import annotations

import pytest

from indexer.index.documents import facet_values
from indexer.query.types import FACETS, SearchRequest
from indexer.stats.outcomes import available_by, outcome_stats
from indexer.stats.wilson import wilson_interval

SEARCHES = [
    ("", {}),
    ("block", {}),
    ("opioids OR therapy OR PPI", {}),
    ("", {"body_region": ["lumbar", "cervical"]}),
    ("", {"specialty": ["Anesthesiology", "Orthopedic Surgery"]}),
    ("injection", {"decision_year": ["2016"]}),
    ("nothingmatchesthis", {}),
]


def _all_hits(service, query: str, filters: dict, scope: str = "passage") -> list[str]:
    ids, page = [], 1
    while True:
        resp = service.search(
            SearchRequest(query=query, filters=filters, per_page=100, page=page, sort="decision_date", scope=scope)
        )
        ids.extend(h.passage_id for h in resp.hits)
        if len(ids) >= resp.total or not resp.hits:
            assert len(ids) == resp.total
            return ids
        page += 1


def _brute(service, query: str, filters: dict, by: str, scope: str = "passage") -> tuple[dict, dict]:
    overall = {"upheld": 0, "overturned": 0}
    groups: dict[str, dict[str, int]] = {}
    for pid in _all_hits(service, query, filters, scope):
        passage = service.get_passage(pid)
        letter = service.get_letter(passage.letter_id)
        decision = (passage.decision or "").lower()
        if decision not in overall:
            continue
        overall[decision] += 1
        for value in facet_values(letter, passage)[by]:
            row = groups.setdefault(value, {"upheld": 0, "overturned": 0})
            row[decision] += 1
    return overall, groups


def _check(service, query: str, filters: dict, scope: str = "passage") -> int:
    checked = 0
    for by in available_by():
        stats, _ = outcome_stats(service, SearchRequest(query=query, filters=filters, scope=scope), by)
        overall, groups = _brute(service, query, filters, by, scope)
        got = stats.to_json()
        assert got["scope"] == scope
        assert (got["overall"]["upheld"], got["overall"]["overturned"]) == (overall["upheld"], overall["overturned"])
        assert got["overall"]["n"] == overall["upheld"] + overall["overturned"]
        assert {g["value"]: (g["upheld"], g["overturned"]) for g in got["groups"]} == {
            v: (r["upheld"], r["overturned"]) for v, r in groups.items()
        }, (query, filters, by)
        for g in got["groups"]:
            assert g["n"] == g["upheld"] + g["overturned"]
            assert g["overturn_rate"] == round(g["overturned"] / g["n"], 4)
            low, high = wilson_interval(g["overturned"], g["n"])
            assert g["ci95"] == [round(low, 4), round(high, 4)]
        checked += sum(r["upheld"] + r["overturned"] for r in groups.values())
    return checked


@pytest.mark.parametrize("query,filters", SEARCHES)
def test_stats_equal_brute_force_on_samples(sample_service, query, filters) -> None:
    _check(sample_service, query, filters)


@pytest.mark.parametrize(
    "query,scope",
    [
        ("ladder", "passage"),
        ("ladder", "letter"),
        ("summary:ladder", "passage"),
        ("fall OR norco", "letter"),
        ("block", "letter"),
    ],
)
def test_stats_follow_the_scope(sample_service, query, scope) -> None:
    # "ladder" is only in a case summary: no decision by default, its letter's with scope=letter
    _check(sample_service, query, {}, scope)
    stats, _ = outcome_stats(sample_service, SearchRequest(query=query, scope=scope), "treatment")
    resp = sample_service.search(
        SearchRequest(query=query, scope=scope, filters={"decision": ["Upheld", "Overturned"]})
    )
    assert stats.overall.n == resp.total and stats.letters == resp.total_letters
    if query == "ladder":
        assert (stats.overall.n > 0) == (scope == "letter")


def test_guideline_split_is_by_reviewer_citation(sample_service) -> None:
    assert "reviewer_citation" in available_by() and available_by().index("reviewer_citation") < available_by().index(
        "citation"
    )  # the page offers what the reviewer relied on first
    stats, _ = outcome_stats(sample_service, SearchRequest(), "reviewer_citation")
    overall, groups = _brute(sample_service, "", {}, "reviewer_citation")
    assert {g.value: g.n for g in stats.groups} == {v: r["upheld"] + r["overturned"] for v, r in groups.items()}


def test_stats_equal_brute_force_on_seed_letters(seed_service) -> None:
    total = sum(_check(seed_service, q, f) for q, f in [("", {}), ("guidelines", {}), ("pain", {})])
    assert total > 0  # the seeds have decided items the comparison ran over


def test_browse_counts_every_decided_item(sample_service) -> None:
    stats, _ = outcome_stats(sample_service, SearchRequest(), "treatment")
    assert stats.overall.n == 6 and stats.overall.overturned == 2
    # a passage counts once overall, and under each of its values in a multi-valued facet
    spec, _ = outcome_stats(sample_service, SearchRequest(), "specialty")
    assert sum(g.n for g in spec.groups) == 8  # letter b: two items, each under its two specialties


def test_decision_filter_is_set_aside(sample_service) -> None:
    stats, _ = outcome_stats(sample_service, SearchRequest(filters={"decision": ["Upheld"]}), "treatment")
    assert stats.overall.overturned == 2
    assert any("decision filter" in m for m in stats.messages)


def test_unknown_split_is_refused(sample_service) -> None:
    with pytest.raises(ValueError):
        outcome_stats(sample_service, SearchRequest(), "no_such_facet")
    assert "decision" not in available_by()
    assert set(available_by()) <= set(FACETS)
