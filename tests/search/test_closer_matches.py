"""Closer matches: passages with all of a query's words but one, after the last
exact result, counted apart (every engine)."""

from __future__ import annotations

from tests.search.conftest import counts, ids, run


def every_id(service, query: str) -> set[str]:
    return set(ids(run(service, query, per_page=100)))


def test_closer_matches_are_the_passages_missing_one_word(sample_service):
    both = every_id(sample_service, "injection radicular")
    either = every_id(sample_service, "injection OR radicular")
    assert either - both, "the fixture must have passages with only one of the words"
    resp = run(sample_service, "injection radicular", per_page=100)
    assert set(ids(resp)) == both
    closer = {h.passage_id for h in resp.closer_matches}
    assert closer == either - both
    assert resp.closer_total == len(either - both) and resp.closer_need == 1
    # no figure counts them: the total, the outcome split and the facets are the exact results'
    assert resp.total == len(both)
    assert sum(counts(resp, "decision").values()) == len(both)


def test_three_words_need_two(sample_service):
    resp = run(sample_service, "injection radicular opioids", per_page=100)
    two_of_three = (
        every_id(sample_service, "injection radicular")
        | every_id(sample_service, "injection opioids")
        | every_id(sample_service, "radicular opioids")
    ) - set(ids(resp))
    assert {h.passage_id for h in resp.closer_matches} == two_of_three
    assert resp.closer_need == 2


def test_no_closer_matches_before_the_last_page_or_outside_relevance_order(sample_service):
    assert run(sample_service, "injection OR radicular").closer_total == 0  # OR already takes either
    assert run(sample_service, "injection radicular", sort="decision_date").closer_matches == []
    assert run(sample_service, "radicular").closer_matches == []  # one word: nothing to leave out
    first = run(sample_service, "", per_page=1)
    assert first.closer_matches == []  # browsing
    # "injection radicular" has two exact matches: one per page puts the closer
    # match on page 2 only
    page_one = run(sample_service, "injection radicular", per_page=1)
    page_two = run(sample_service, "injection radicular", per_page=1, page=2)
    assert (page_one.total, page_one.last_page) == (2, 2)
    assert page_one.closer_matches == [] and page_one.closer_total == 0
    assert len(page_two.closer_matches) == 1


def test_filters_stay_required(sample_service):
    resp = run(sample_service, "injection radicular", per_page=100, filters={"decision": ["Upheld"]})
    upheld = every_id(sample_service, "decision:upheld")
    assert {h.passage_id for h in resp.closer_matches} <= upheld
