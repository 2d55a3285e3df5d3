"""The citator's numbers against brute-force counts over the passages, per engine.

300 synthetic letters (both parties cite, several guidelines per passage, some
letters undated) are indexed with each engine; every figure the citator shows
for a citation is recounted here by walking the parsed passages."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from indexer.index.pipeline import index_letters
from indexer.search.service import SearchService
from indexer.synth.generator import synthetic_letter
from webapp.charts import NO_DATE
from webapp.citations.data import citation_detail, citation_index, natural_key, word_starts_match
from webapp.presentation import wilson_interval

LETTERS = 200


def _letters():
    out = []
    for i in range(LETTERS):
        letter = synthetic_letter(11, i)[2]
        if i % 7 == 0:  # some letters without a decision date: the chart must not drop them
            letter = replace(letter, decision_date=None)
        out.append(letter)
    return out


@pytest.fixture(scope="module")
def synth(engine, tmp_path_factory):
    letters = _letters()
    index_dir = tmp_path_factory.mktemp(f"citator-{engine}")
    index_letters(letters, index_dir, engine=engine)
    with SearchService.open(index_dir, engine) as service:
        yield service, letters


def _cites(p, key: str, reviewer: bool) -> bool:
    return any(
        (c.key == key or c.key.startswith(key + " | ")) and (not reviewer or c.cited_by != "claims_administrator")
        for c in p.citations
    )


def _keys(p, reviewer: bool) -> set[str]:
    return {c.key for c in p.citations if not reviewer or c.cited_by != "claims_administrator"}


def _busiest(letters, reviewer: bool, n: int = 4) -> list[str]:
    counts = Counter(k for lt in letters for p in lt.passages for k in _keys(p, reviewer))
    return [k for k, _ in counts.most_common(n)]


@pytest.mark.parametrize("cited_by", ["reviewer", "any"])
def test_citator_figures_equal_brute_force_counts(synth, cited_by):
    service, letters = synth
    reviewer = cited_by == "reviewer"
    for key in _busiest(letters, reviewer):
        citing = [(lt, p) for lt in letters for p in lt.passages if _cites(p, key, reviewer)]
        detail = citation_detail(service, key, per_page=5, cited_by=cited_by)
        assert detail.response.total == len(citing)
        assert detail.response.total_letters == len({lt.letter_id for lt, _ in citing})
        assert detail.outcome.upheld == sum(p.decision == "Upheld" for _, p in citing)
        assert detail.outcome.overturned == sum(p.decision == "Overturned" for _, p in citing)
        # co-citations: passages citing both
        co = Counter(k for _, p in citing for k in _keys(p, reviewer) if k != key and not k.startswith(key + " | "))
        assert co, "the synthetic letters cite several guidelines per passage"
        for entry in detail.co_cited:
            assert entry.count == co[entry.key], entry.key
        assert [e.count for e in detail.co_cited] == sorted(co.values(), reverse=True)[: len(detail.co_cited)]
        # years, undated passages included, each split by outcome
        expect: dict[str, Counter] = {}
        for lt, p in citing:
            year = lt.decision_date[:4] if lt.decision_date else NO_DATE
            series = p.decision.lower() if p.decision in ("Upheld", "Overturned") else "other"
            expect.setdefault(year, Counter())[series] += 1
        assert {y: {s: n for s, n in row.items() if n} for y, row in detail.years.items()} == {
            y: dict(c) for y, c in expect.items()
        }
        assert list(detail.years)[-1] == NO_DATE
        # specialties, with their outcomes
        for row in detail.specialties:
            mine = [p for lt, p in citing if row.value in lt.reviewer.specialties]
            assert (row.count, row.upheld, row.overturned) == (
                len(mine),
                sum(p.decision == "Upheld" for p in mine),
                sum(p.decision == "Overturned" for p in mine),
            )
        if reviewer:
            only_ca = [p for lt in letters for p in lt.passages if _cites(p, key, False) and not _cites(p, key, True)]
            got = detail.administrator_only.total if detail.administrator_only else 0
            assert got == len(only_ca)


def test_citator_index_rates_and_intervals(synth):
    service, letters = synth
    data = citation_index(service)
    assert data.entries
    for e in data.entries[:10]:
        mine = [p for lt in letters for p in lt.passages if e.key in _keys(p, True)]
        assert e.count == len(mine)
        assert e.upheld == sum(p.decision == "Upheld" for p in mine)
        assert e.overturned == sum(p.decision == "Overturned" for p in mine)
        if e.decided:
            lo, hi = wilson_interval(e.overturned, e.decided)
            assert e.overturn_ci == (round(100 * lo, 1), round(100 * hi, 1))
            assert e.overturn_ci[0] <= e.overturn_rate <= e.overturn_ci[1]
    rated = [e.overturn_rate for e in citation_index(service, sort="rate").entries if e.overturn_rate is not None]
    assert rated == sorted(rated, reverse=True)


def test_chapters_in_natural_order_and_filter_by_word_start():
    names = ["ACOEM Chapter 10 Elbow", "ACOEM Chapter 2 General", "ACOEM Chapter 9 Shoulder"]
    assert sorted(names, key=natural_key) == [
        "ACOEM Chapter 2 General",
        "ACOEM Chapter 9 Shoulder",
        "ACOEM Chapter 10 Elbow",
    ]
    assert word_starts_match(["ESI"], "ODG | Low Back | Epidural steroid injections (ESIs)")
    assert not word_starts_match(["ESI"], "MTUS | Chronic Pain | Topical analgesics")
    assert word_starts_match(["low", "epid"], "ODG | Low Back | Epidural steroid injections (ESIs)")


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(8, 10)
    assert (round(lo, 3), round(hi, 3)) == (0.490, 0.943)
    assert wilson_interval(0, 5)[0] == 0.0


# ----------------------------------------------------------------- the citation recogniser


def _passages_citing(letters, key: str) -> int:
    return sum(_cites(p, key, False) for lt in letters for p in lt.passages)


def test_recogniser_offers_only_cited_citations_with_their_counts(synth):
    from indexer.query.types import SearchRequest

    service, letters = synth
    long_query = " ".join(
        [
            "ODG low back lumbar supports MTUS chronic pain opioids ACOEM acupuncture",
            "ODG neck facet joint diagnostic blocks knee arthroscopy",
        ]
        * 40
    )
    for q in ("ACOEM acupuncture", "MTUS chronic pain opioids", "ODG low back epidural", long_query):
        resp = service.search(SearchRequest(query=q, per_page=1))
        assert len(resp.matched_citations) <= 5
        assert set(resp.citation_counts) == set(resp.matched_citations)
        for key, count in resp.citation_counts.items():
            assert count == _passages_citing(letters, key) > 0, key


def test_recogniser_offers_every_cited_topic_holding_the_topic_word(synth):
    from indexer.query.types import SearchRequest

    service, letters = synth
    resp = service.search(SearchRequest(query="MTUS chronic pain opioids", per_page=5))
    chapter = "MTUS | Chronic Pain Medical Treatment Guidelines | "
    cited = {
        k
        for lt in letters
        for p in lt.passages
        for k in _keys(p, False)
        if k.startswith(chapter) and "opioid" in k.lower()
    }
    assert len(cited) >= 2
    assert set(resp.matched_citations) == cited
    # the passages citing them rank first
    top = resp.hits[0]
    assert any(c.key in cited for c in top.citations)
    # "ACOEM acupuncture" reads as a topic nobody cites: it is not offered
    assert _passages_citing(letters, "MTUS | ACOEM Practice Guidelines | Acupuncture") == 0
    offered = service.search(SearchRequest(query="ACOEM acupuncture")).matched_citations
    assert "MTUS | ACOEM Practice Guidelines | Acupuncture" not in offered
