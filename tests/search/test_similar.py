"""Similar rationales on every engine: stable, never the passage itself, built
from the rationale's distinctive terms rather than its boilerplate."""

from __future__ import annotations

import pytest

from indexer.query.types import SearchRequest
from indexer.search.similar import distinctive_terms
from tests.search.conftest import service_of


def _ids(result) -> list[str]:
    return [h.passage_id for h in result.hits]


def test_similar_excludes_the_passage_and_is_stable(sample_service) -> None:
    for passage_id in ("CM15-0000001-2", "CM16-0000002-1", "CM15-0000001-1"):
        passage = sample_service.get_passage(passage_id)
        first = sample_service.similar(passage.rationale, exclude=passage_id, limit=10)
        again = sample_service.similar(passage.rationale, exclude=passage_id, limit=10)
        assert passage_id not in _ids(first)
        assert _ids(first) == _ids(again) and [h.score for h in first.hits] == [h.score for h in again.hits]


def test_similar_finds_the_rationale_that_says_the_same_thing(sample_service) -> None:
    # the medial branch block rationale (radicular, block) is closest to the epidural one (radicular, block)
    result = sample_service.similar(
        sample_service.get_passage("CM15-0000001-2").rationale, exclude="CM15-0000001-2", limit=3
    )
    assert result.hits and result.hits[0].passage_id in {"CM16-0000002-1", "CM16-0000002-2"}
    assert result.query and "rationale:" in result.query


def test_boilerplate_terms_are_not_distinctive() -> None:
    total = 1000
    dfs = {"medic": 900, "necessari": 880, "guidelin": 700, "norco": 12, "function": 300, "improv": 260}
    terms = distinctive_terms(
        "Norco is not medically necessary per guidelines; no functional improvement.",
        lambda ts: {t: dfs.get(t, 0) for t in ts},
        total,
    )
    words = [t.term for t in terms]
    assert words[0] == "norco"
    assert "medic" not in words and "necessari" not in words and "guidelin" not in words


def test_nothing_distinctive_gives_nothing(sample_service) -> None:
    result = sample_service.similar("the and of", limit=5)
    assert result.hits == [] and result.query == ""


def test_stats_of_the_similar_search_link(sample_service) -> None:
    result = sample_service.similar(
        sample_service.get_passage("CM16-0000002-2").rationale, exclude="CM16-0000002-2", limit=50
    )
    linked = sample_service.search(SearchRequest(query=result.query, per_page=100))
    # the "search them" link finds at least the similar set (it is the same OR query)
    assert {h.passage_id for h in result.hits} <= {h.passage_id for h in linked.hits}


def test_more_like_this_finds_what_the_query_tree_finds(sample_service) -> None:
    # an engine's own more-like-this (pruned, no total) returns the passages and the
    # order the generic one (the OR of terms as a query tree) gives
    from indexer.index.engine import SearchEngine, tie_order

    engine = sample_service._gen.engine
    for terms in (["radicular", "block"], ["inject", "facet", "medial", "branch"], ["norco"], ["zzznothing"]):
        generic = SearchEngine.more_like_this(engine, "rationale", terms, 100)
        own = engine.more_like_this("rationale", terms, 100)
        assert {h.passage_id for h in own} == {h.passage_id for h in generic}

        def order(hits):
            return [h.passage_id for h in sorted(hits, key=lambda h: (-round(h.score, 4), *tie_order(h.passage_id)))]

        ratio = (generic[0].score / own[0].score) if own else 1.0  # engines may scale (a field weight)
        assert order(own) == order([type(h)(h.passage_id, h.score / ratio) for h in generic])
        assert [h.passage_id for h in own] == order(own)  # returned in that order already
        assert len(engine.more_like_this("rationale", terms, 1)) == min(1, len(generic))


def test_similar_keeps_only_decided_rationales(sample_service) -> None:
    passage = sample_service.get_passage("CM15-0000001-2")
    result = sample_service.similar(passage.rationale + " guidelines", limit=50)
    assert result.hits and all(h.decision in ("Upheld", "Overturned") for h in result.hits)
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_the_similar_set_is_the_top_limit_and_a_smaller_limit_is_its_prefix(sample_service) -> None:
    # the split the pages and the API show counts the similar set: the top `limit` hits,
    # so it must not depend on how wide the engine fetched
    for passage_id in ("CM15-0000001-2", "CM16-0000002-2"):
        text = sample_service.get_passage(passage_id).rationale
        widest = _ids(sample_service.similar(text, exclude=passage_id, limit=50))
        assert len(widest) >= 3
        for k in (1, 2, 3, len(widest) - 1):
            assert _ids(sample_service.similar(text, exclude=passage_id, limit=k)) == widest[:k]


@pytest.fixture(scope="module")
def tied_service(engine, tmp_path_factory):
    """Forty letters whose rationales are one identical paragraph (boilerplate reused
    verbatim), so they tie exactly, plus a few that say something else."""
    from indexer.model import Letter, Passage, Reviewer
    from tests.index.test_neardup import FAMILIES

    texts = [FAMILIES["topical"][0]] * 40 + FAMILIES["opioid"] + FAMILIES["facet"]
    letters = []
    for n, text in enumerate(texts, start=1):
        lid = f"CM17-{n:07d}"
        decision = "Overturned" if n % 3 == 0 else "Upheld"
        letters.append(
            Letter(
                lid,
                f"/x/{lid}.txt",
                decision_date="2017-01-05",
                reviewer=Reviewer(["Internal Medicine"], [], ["California"]),
                passages=[Passage(f"{lid}-1", lid, 1, "cream", decision, rationale=text, treatment="medication")],
            )
        )
    yield from service_of(letters, engine, tmp_path_factory, "tied")


def test_a_tie_wider_than_the_window_is_ordered_alike_on_every_engine(tied_service) -> None:
    # the engine cuts its top inside the tie in its own order; the similar set must
    # still be the first `limit` of the whole tie in tie_order, at every limit
    from indexer.index.engine import tie_order
    from tests.index.test_neardup import FAMILIES

    tied = sorted((f"CM17-{n:07d}-1" for n in range(1, 41)), key=tie_order)
    for limit in (1, 5, 20, 39):
        result = tied_service.similar(FAMILIES["topical"][0], limit=limit)
        assert _ids(result) == tied[:limit]
        assert len({h.score for h in result.hits}) == 1


def test_an_engines_top_is_exact_with_ties_in_tie_order(tied_service) -> None:
    # the service reads only what the engine returns (no window of its own past the
    # cut), so each engine's more-like-this must itself give the exact top `limit`,
    # the tie at the cut in tie_order: a prefix of any larger top
    from indexer.index.engine import tie_order
    from tests.index.test_neardup import FAMILIES

    engine = tied_service._gen.engine
    words = [t.term for t in tied_service.similar(FAMILIES["topical"][0], limit=1).terms]
    assert words
    everything = [h.passage_id for h in engine.more_like_this("rationale", words, 100)]
    tied = sorted((f"CM17-{n:07d}-1" for n in range(1, 41)), key=tie_order)
    assert everything[:40] == tied
    for limit in (1, 3, 17, 40, 41):
        assert [h.passage_id for h in engine.more_like_this("rationale", words, limit)] == everything[:limit]


@pytest.fixture(scope="module")
def synthetic_service(engine, tmp_path_factory):
    """A few hundred generated letters: enough passages that an engine's top-k can
    prune (the sample corpus is too small to tell a pruned top from an exact one)."""
    from indexer.synth.generator import synthetic_letter

    yield from service_of([synthetic_letter(3, i)[2] for i in range(300)], engine, tmp_path_factory, "synthetic")


def test_the_engines_more_like_this_gives_the_exact_similar_set(synthetic_service) -> None:
    # an engine's own more-like-this (pruned, no total) must give the similar set the
    # generic, exact path gives (the OR as a counted query tree), ties and all. (Whoosh's
    # pruning collector missed hits only on a larger index, 5,270 passages: see BENCHMARKS.md)
    from indexer.index.engine import SearchEngine

    service = synthetic_service
    engine = service._gen.engine
    own = engine.more_like_this
    ids = _ids(service.search(SearchRequest(query="", per_page=40, sort="decision_date")))
    checked = 0
    try:
        for pid in ids:
            passage = service.get_passage(pid)
            if passage.unparsed or not passage.rationale:
                continue
            engine.more_like_this = own
            pruned = _ids(service.similar(passage.rationale, exclude=pid, limit=20))
            engine.more_like_this = lambda f, t, n: SearchEngine.more_like_this(engine, f, t, n)
            exact = _ids(service.similar(passage.rationale, exclude=pid, limit=20))
            assert pruned == exact, pid
            checked += 1
    finally:
        engine.more_like_this = own
    assert checked >= 20
