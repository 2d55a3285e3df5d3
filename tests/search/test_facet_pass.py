"""Counting every facet of a search at once must give exactly what counting them
one request at a time gives, on every engine; and the Tantivy compiler's
shortcuts must not change which passages match or how they score."""

from __future__ import annotations

import itertools

import pytest

from indexer.query.tree import And, Or, Phrase
from indexer.query.types import FACETS
from indexer.search.parser import parse_query
from tests.search.conftest import counts, run
from tests.search.fixtures import FACET_DX, OPIOIDS, PHYS_MED

SELECTIONS = {
    "decision": [["Upheld"], ["Upheld", "Overturned"]],
    "treatment": [["injection", "physical therapy"], ["medication"]],
    "citation": [["MTUS | Chronic Pain Medical Treatment Guidelines"], [FACET_DX, OPIOIDS], ["ODG"]],
    "body_region": [["cervical"], ["LUMBAR"]],  # filter values match case-insensitively
    "specialty": [["Physical Medicine & Rehabilitation"], ['a "quoted" value']],
}
QUERIES = ["", "block", "radicular OR improvement", "-gabapentin", "physical therapy"]


def _disjunctive_requests(filters):
    requests = [(filters, [f for f in FACETS if f not in filters])]
    for facet in filters:
        requests.append(({k: v for k, v in filters.items() if k != facet}, [facet]))
    return requests


def _filter_sets():
    facets = list(SELECTIONS)
    for size in (1, 2, 3):
        for combo in itertools.combinations(facets, size):
            for values in itertools.product(*(SELECTIONS[f] for f in combo)):
                yield dict(zip(combo, values, strict=True))


@pytest.mark.slow  # up to ~45 s per query on Whoosh
@pytest.mark.parametrize("query", QUERIES)
def test_one_pass_counts_equal_one_request_at_a_time(sample_service, query):
    engine = sample_service._gen.engine
    tree = parse_query(query).tree
    checked = 0
    for filters in _filter_sets():
        requests = _disjunctive_requests(filters)
        together = engine.facet_counts_many(tree, requests)
        alone = [engine.facet_counts(tree, f, fs) for f, fs in requests]
        assert together == alone, (query, filters)
        checked += 1
    assert checked > 50


def test_three_selected_facets_each_ignore_only_their_own_selection(sample_service):
    filters = {
        "decision": ["Upheld"],
        "treatment": ["injection", "physical therapy"],
        "citation": ["MTUS | Chronic Pain Medical Treatment Guidelines"],
    }
    resp = run(sample_service, filters=filters, per_page=50)
    assert {h.passage_id for h in resp.hits} == {"CM16-0000002-2"}
    # decision counted under treatment + citation: B2 (Upheld) only; A1 is medication
    assert counts(resp, "decision") == {"Upheld": 1}
    # treatment counted under decision + citation: A1 is Overturned, B2 physical therapy
    assert counts(resp, "treatment") == {"physical therapy": 1, "injection": 0}
    # citation counted under decision + treatment: A2 (facet block) and B2
    cited = counts(resp, "citation")
    assert cited[FACET_DX] == 1 and cited[PHYS_MED] == 1 and OPIOIDS not in cited


def test_empty_and_unknown_requests(sample_service):
    engine = sample_service._gen.engine
    tree = parse_query("block").tree
    out = engine.facet_counts_many(
        tree,
        [
            ({}, []),
            ({"decision": ["Upheld"]}, ["treatment"]),
            ({"decision": ["nothing-like-this"]}, ["treatment", "decision"]),
        ],
    )
    assert out[0] == {}
    assert out[1] == engine.facet_counts(tree, {"decision": ["Upheld"]}, ["treatment"])
    assert out[2] == {"treatment": {}, "decision": {}}


def _unrewritable(tree):
    """The same query with each phrase wrapped so no compiler shortcut applies."""
    if isinstance(tree, Phrase):
        return Or((tree,))
    if isinstance(tree, (And, Or)):
        return type(tree)(tuple(_unrewritable(c) for c in tree.children))
    return tree


@pytest.mark.parametrize(
    "query",
    [
        "physical therapy",
        "medial branch block radicular",
        "epidural steroid injection",
        "(functional restoration program) OR sedation",
    ],
)
def test_phrase_shortcut_keeps_matches_and_scores(sample_service, query):
    engine = sample_service._gen.engine
    tree = parse_query(query).tree
    assert any(isinstance(leaf, Phrase) for leaf in _phrases(tree)), "the expansion adds a phrase"
    fast = engine.search(tree, {}, "relevance", 0, 50)
    plain = engine.search(_unrewritable(tree), {}, "relevance", 0, 50)
    assert fast.total == plain.total > 0
    assert [(h.passage_id, round(h.score, 4)) for h in fast.hits] == [
        (h.passage_id, round(h.score, 4)) for h in plain.hits
    ]


def _phrases(tree):
    if isinstance(tree, Phrase):
        yield tree
    for child in getattr(tree, "children", ()):
        yield from _phrases(child)


# ----------------------------------------------------------------- the catch-all text field

CATCH_ALL_QUERIES = [
    "block",
    "documented improvements",
    "radicular OR medication",
    "opioid*",
    "neuropath!",
    '"no more than 2 levels"',
    '"functional improvement"~3',
    "radicular w/5 block",
    "MBB",
    "ESI",
    "ODG Neck Facet joint diagnostic blocks",
    "physical therapy",
    "fall OR norco",
    "-pain",
    "item:norco",
    "guideline:opioids",
    "block -radicular",
    "(facet OR epidural) AND block",
]


def _tantivy_pair(tmp_path):
    """The sample letters in a Tantivy index with the catch-all field and in one
    built as before it existed (searched field by field)."""
    import tantivy

    from indexer.index.documents import docs_for_letter
    from indexer.index.tantivy_engine import TantivyEngine, build_schema
    from tests.search.fixtures import sample_letters

    docs = [d for letter in sample_letters() for d in docs_for_letter(letter)]
    engines = []
    for name, with_all in (("new", True), ("old", False)):
        path = tmp_path / name
        path.mkdir()
        tantivy.Index(build_schema(all_field=with_all), path=str(path))
        eng = TantivyEngine(path, writable=True)
        eng.add(docs)
        eng.commit()
        engines.append(eng)
    return engines


def test_catch_all_field_matches_exactly_what_the_fields_match(tmp_path):
    new, old = _tantivy_pair(tmp_path)
    assert new._all_field and not old._all_field
    for q in CATCH_ALL_QUERIES:
        tree = parse_query(q).tree
        a = new.search(tree, {}, "relevance", 0, 50)
        b = old.search(tree, {}, "relevance", 0, 50)
        assert {h.passage_id for h in a.hits} == {h.passage_id for h in b.hits}, q
        assert a.total == b.total, q
        assert new.facet_counts(tree, {}, FACETS) == old.facet_counts(tree, {}, FACETS), q


@pytest.mark.parametrize("query", ['"60 opioids"', '"60 opioids"~3', "60 w/3 opioids"])
def test_phrases_and_proximity_never_join_two_fields(sample_service, query):
    # A1's item ends with "#60"; its rationale starts with "Opioids"
    assert run(sample_service, query).total == 0
    assert run(sample_service, "60 opioids").total >= 1  # plain words may come from any field


@pytest.mark.parametrize(
    "query,filters",
    [
        ("block", {}),
        ("radicular OR medication", {"decision": ["Upheld"]}),
        ("", {"treatment": ["injection", "physical therapy"], "decision": ["Upheld"]}),
        ("MBB", {"citation": ["ODG"]}),
    ],
)
def test_page_and_facets_side_by_side_give_the_same_response(sample_service, query, filters):
    # large indexes run the page query and the facet pass on two threads
    gen = sample_service._gen
    was = gen.parallel
    try:
        answers = []
        for parallel in (False, True):
            gen.parallel = parallel
            gen.facet_cache.clear()
            answers.append(run(sample_service, query, filters=filters, per_page=3, page=1).to_json())
    finally:
        gen.parallel = was
    assert answers[0] == answers[1]
    assert answers[0]["total"] > 0
