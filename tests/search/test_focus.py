"""The request scope (the default): when a query's words name requests, every
figure counts the passages whose request matches, and the rationales that only
discuss the words are listed apart (every engine, through the conformance
fixtures)."""

from __future__ import annotations

from indexer.query.tree import And, Near
from indexer.query.types import SearchRequest
from indexer.search.focus import FOCUS_SHARE, request_focus, request_words
from indexer.search.parser import parse_query
from tests.search.conftest import counts, ids, run

# "injection" is the request of some sample passages and is discussed in others;
# "radicular" is discussed, never requested
TREATMENT, CONCEPT = "injection", "radicular"


def every(service, query: str, scope: str = "passage") -> set[str]:
    return set(ids(run(service, query, scope=scope, per_page=100)))


def test_words_that_name_requests_count_the_requests_and_list_the_rest(sample_service):
    matched = every(sample_service, TREATMENT)
    requests = every(sample_service, f"item:{TREATMENT}")
    discussing = matched - requests
    assert requests and discussing, "the fixture must request and discuss the word"
    assert len(requests) >= FOCUS_SHARE * len(matched)
    resp = run(sample_service, TREATMENT, scope="request", per_page=100)
    assert resp.requests_only
    assert set(ids(resp)) == requests and resp.total == len(requests)
    assert resp.discussed_total == len(discussing)
    assert {h.passage_id for h in resp.discussed} == discussing
    # the outcome split and the facets count the requests only
    assert sum(counts(resp, "decision").values()) == len(requests)
    # the default is the request scope
    default = sample_service.search(SearchRequest(query=TREATMENT, per_page=100))
    assert (set(ids(default)), default.scope) == (requests, "request")


def test_the_passage_scope_counts_every_rationale_with_the_words(sample_service):
    resp = run(sample_service, TREATMENT, scope="passage", per_page=100)
    assert not resp.requests_only and resp.discussed_total == 0 and resp.discussed == []
    assert resp.total == len(every(sample_service, TREATMENT)) > len(every(sample_service, f"item:{TREATMENT}"))


def test_words_no_request_names_are_counted_wherever_they_match(sample_service):
    assert not every(sample_service, f"item:{CONCEPT}")
    resp = run(sample_service, CONCEPT, scope="request", per_page=100)
    assert not resp.requests_only and resp.discussed_total == 0
    assert set(ids(resp)) == every(sample_service, CONCEPT) != set()


def test_a_field_or_an_exclusion_is_not_a_request_word(sample_service):
    # a word the user restricted to the rationale is searched where they said
    resp = run(sample_service, f"rationale:{TREATMENT}", scope="request", per_page=100)
    assert not resp.requests_only
    assert set(ids(resp)) == every(sample_service, f"rationale:{TREATMENT}")


def test_statistics_count_what_the_results_count(sample_service):
    resp = run(sample_service, TREATMENT, scope="request", per_page=100)
    split = sample_service.decision_counts(SearchRequest(query=TREATMENT), [])
    assert split.requests_only
    assert sum(split.overall.values()) == sum(counts(resp, "decision").values()) == resp.total
    assert any("request matches" in m for m in split.messages)


def test_the_share_is_read_without_filters(sample_service):
    # narrowing by a facet never switches what the figures count
    for decision in ("Upheld", "Overturned"):
        resp = run(sample_service, TREATMENT, scope="request", filters={"decision": [decision]}, per_page=100)
        assert resp.requests_only
        assert set(ids(resp)) <= every(sample_service, f"item:{TREATMENT}")


def _counter(query, matches: int, together: int, requests: int):
    """A count over a made-up index: the query, its words together, its requests."""
    focused = And((query, request_words(query)))

    def count(tree):
        if tree == query:
            return matches
        if tree == focused:
            return requests
        assert isinstance(tree, And) and all(isinstance(c, Near) for c in tree.children), tree
        return together

    return count


def test_the_share_is_of_the_passages_with_the_words_together():
    two = parse_query("lumbar support").tree
    # 1 request among 19 matches, but among the 3 with the words in one sentence
    focus = request_focus(two, _counter(two, matches=19, together=3, requests=1))
    assert focus is not None and (focus.requests, focus.matches) == (1, 19)
    assert request_focus(two, _counter(two, matches=19, together=19, requests=1)) is None
    # one word: its matches are the base
    one = parse_query("surgery").tree
    assert request_focus(one, _counter(one, matches=50, together=0, requests=1)) is None
    assert request_focus(one, _counter(one, matches=50, together=0, requests=10)) is not None
    # no request, no focus, whatever the share
    assert request_focus(two, _counter(two, matches=19, together=3, requests=0)) is None


def test_the_words_together_are_counted_only_when_the_share_of_all_matches_falls_short():
    two = parse_query("knee MRI").tree
    counted = []
    counter = _counter(two, matches=10, together=4, requests=5)

    def count(tree):
        counted.append(tree)
        return counter(tree)

    assert request_focus(two, count) is not None
    assert len(counted) == 2  # the matches and the requests: half of the matches are requests
