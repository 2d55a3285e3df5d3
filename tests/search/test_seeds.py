"""The issue's done-when checks on the five real sample letters, on each engine."""

from __future__ import annotations

import pytest

from tests.search.conftest import counts, html, ids, run

FACET_DX = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"
CITING_FACET_DX = {"000_d9810e0ddbbc91c8-1", "002_41fcf0f3b209208b-1", "003_dfff67da9d1ba237-2"}
MEDIAL_BRANCH = {"000_d9810e0ddbbc91c8-1", "001_c1dd6188e3508088-1", "003_dfff67da9d1ba237-2"}


def test_seed_index_holds_all_seven_passages(seed_service):
    resp = run(seed_service, "", per_page=50)
    assert resp.total == 7
    assert counts(resp, "decision") == {"Upheld": 7}
    assert seed_service.stats()["letters"] == 5


def test_citation_query_ranks_the_citing_passages_first(seed_service):
    resp = run(seed_service, "ODG Neck Facet joint diagnostic blocks")
    assert resp.matched_citations == [FACET_DX]
    assert set(ids(resp)[:3]) == CITING_FACET_DX
    assert counts(resp, "citation")[FACET_DX] == 3
    for hit in resp.hits[:3]:
        assert any(c.key == FACET_DX and c.matched for c in hit.citations)
        assert any(r.marked for f in hit.highlights.get("reviewer_guideline", []) for r in f)


def test_citation_filter_counts_exactly_the_citing_passages(seed_service):
    resp = run(seed_service, "", filters={"citation": [FACET_DX]})
    assert set(ids(resp)) == CITING_FACET_DX
    assert counts(resp, "citation")[FACET_DX] == 3


def test_abbreviation_finds_passages_that_spell_it_out(seed_service, seed_files):
    assert not any("MBB" in f.read_text(encoding="utf-8") for f in seed_files)
    resp = run(seed_service, "MBB")
    assert set(ids(resp)) == MEDIAL_BRANCH
    assert all(any(r.marked for r in h.highlights["item"][0]) for h in resp.hits)


def test_phrase_finds_exactly_the_two_passages_that_say_it(seed_service):
    resp = run(seed_service, '"no more than 2 levels"')
    assert set(ids(resp)) == {"000_d9810e0ddbbc91c8-1", "001_c1dd6188e3508088-1"}
    for hit in resp.hits:
        assert "<mark>no more than 2 levels</mark>" in " ".join(html(f) for f in hit.highlights["rationale"])


def test_overturned_returns_nothing_cleanly(seed_service):
    resp = run(seed_service, "decision:overturned")
    assert resp.total == 0 and resp.hits == [] and resp.messages == []
    assert all(v == [] for f, v in resp.facets.items())


def test_inline_specialty(seed_service):
    resp = run(seed_service, "specialty:anesthesiology")
    assert set(ids(resp)) == {"002_41fcf0f3b209208b-1", "002_41fcf0f3b209208b-2"}


def test_proximity_on_seeds(seed_service):
    # 003-2: "patients with cervical pain that is non-radicular" -> cervical .. radicular 5 apart
    assert "003_dfff67da9d1ba237-2" in ids(run(seed_service, "cervical w/5 radicular"))
    assert "003_dfff67da9d1ba237-2" not in ids(run(seed_service, "rationale:(cervical w/3 radicular)"))


@pytest.mark.parametrize("query", ['"unbalanced', "(facet AND", "decision:", "y" * 5000, "facet\x00\x01\x7f block"])
def test_malformed_queries_on_seeds(seed_service, query):
    resp = run(seed_service, query)
    assert resp.messages, query
    assert resp.total >= 0
