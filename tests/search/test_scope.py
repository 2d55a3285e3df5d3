"""Rationale scope, letter counts, reviewer citations and grouping, on every engine.

A passage is the reviewer's rationale for one treatment; its letter's case
summary is context. These tests pin down what each number means.
"""

from __future__ import annotations

from indexer.query.tree import DEFAULT_SCOPE
from indexer.search.parser import parse_query
from tests.search.conftest import counts, ids, run
from tests.search.fixtures import FACET_DX, OPIOIDS, PHYS_MED

A1, A2 = "CM15-0000001-1", "CM15-0000001-2"
B1, B2 = "CM16-0000002-1", "CM16-0000002-2"
C0 = "notaletter-0"
D1, D2 = "CM14-0000004-1", "CM14-0000004-2"


def test_a_summary_only_word_finds_nothing_by_default(sample_service):
    # "ibuprofen" is only in letter D's case summary
    resp = run(sample_service, "ibuprofen")
    assert (resp.total, resp.total_letters, ids(resp)) == (0, 0, [])
    assert all(v.count == 0 for values in resp.facets.values() for v in values)


def test_scope_letter_and_summary_field_find_the_letters_passages(sample_service):
    for resp in (run(sample_service, "ibuprofen", scope="letter"), run(sample_service, "summary:ibuprofen")):
        assert set(ids(resp)) == {D1, D2}
        assert (resp.total, resp.total_letters) == (2, 1)
        assert counts(resp, "decision") == {"Upheld": 2}
    assert run(sample_service, "ibuprofen", scope="letter").scope == "letter"


def test_counts_are_of_passages_whose_own_text_has_the_word(sample_service):
    # "pain" is in A's and B's summaries and in B2's rationale only
    resp = run(sample_service, "pain")
    assert set(ids(resp)) == {A1, B2}  # A1: "chronic pain" in its rationale
    assert resp.total == 2 and resp.total_letters == 2
    assert sum(v.count for v in resp.facets["decision"]) == 2
    wide = run(sample_service, "pain", scope="letter")
    assert set(ids(wide)) == {A1, A2, B1, B2}
    assert (wide.total, wide.total_letters) == (4, 2)
    assert counts(wide, "decision") == {"Upheld": 2, "Overturned": 2}


def test_scope_letter_ranks_own_text_above_summary_only(sample_service):
    resp = run(sample_service, "pain", scope="letter")
    own = {A1, B2}
    assert set(ids(resp)[:2]) == own
    assert min(h.score for h in resp.hits[:2]) > max(h.score for h in resp.hits[2:])


def test_summary_terms_combine_with_passage_terms(sample_service):
    # ladder (A's summary) AND block (A2's rationale)
    assert ids(run(sample_service, "summary:ladder block")) == [A2]
    assert ids(run(sample_service, "ladder block")) == []
    assert set(ids(run(sample_service, "summary:ladder -opioids"))) == {A2}
    assert set(ids(run(sample_service, "-summary:ladder", per_page=50))) == {B1, B2, C0, D1, D2}


def test_item_match_ranks_above_rationale_only_match(sample_service):
    # "injection" is B1's request; B2's rationale only mentions injections
    resp = run(sample_service, "injection")
    assert ids(resp) == [B1, B2]
    assert resp.hits[0].score > resp.hits[1].score


def test_letter_counts(sample_service):
    everything = run(sample_service, "", per_page=1)
    assert (everything.total, everything.total_letters) == (7, 4)
    assert run(sample_service, "decision:upheld").total_letters == 3
    assert run(sample_service, "", filters={"decision": ["Overturned"]}).total_letters == 2


def test_reviewer_citation_facet_and_cited_by(sample_service):
    # every fixture citation is the reviewer's
    resp = run(sample_service, "")
    assert counts(resp, "reviewer_citation") == counts(resp, "citation")
    assert set(ids(run(sample_service, f'reviewer_citation:"{OPIOIDS}"'))) == {A1}
    assert set(ids(run(sample_service, f'citation:"{OPIOIDS}" cited_by:reviewer'))) == {A1}
    assert ids(run(sample_service, f'citation:"{OPIOIDS}" cited_by:claims_administrator')) == []
    filtered = run(sample_service, "", filters={"reviewer_citation": [FACET_DX]})
    assert ids(filtered) == [A2]


def test_cited_by_reads_as_reviewer_citation():
    tree = parse_query(f'citation:"{PHYS_MED}" cited_by:reviewer').parsed
    assert tree == f'reviewer_citation:"{PHYS_MED}"'
    pq = parse_query("cited_by:nobody")
    assert any("cited_by" in m for m in pq.messages)


def test_group_by_letter(sample_service):
    resp = run(sample_service, "radicular OR opioids", group="letter", per_page=10)
    assert resp.group == "letter"
    got = {g.letter_id: [h.passage_id for h in g.hits] for g in resp.letters}
    assert got == {
        "CM15-0000001": [A1, A2] if got["CM15-0000001"][0] == A1 else [A2, A1],
        "CM16-0000002": got["CM16-0000002"],
    }
    assert sorted(got["CM16-0000002"]) == [B1, B2]
    assert resp.total == 4 and resp.total_letters == 2 == len(resp.letters)
    first = run(sample_service, "radicular OR opioids", group="letter", per_page=1)
    second = run(sample_service, "radicular OR opioids", group="letter", per_page=1, page=2)
    assert [g.letter_id for g in first.letters + second.letters] == [g.letter_id for g in resp.letters]


def test_unknown_scope_is_reported(sample_service):
    resp = run(sample_service, "ibuprofen", scope="everything")
    assert resp.scope == DEFAULT_SCOPE and resp.total == 0
    assert any("scope" in m for m in resp.messages)


def test_tantivy_counts_letters_alike_by_aggregation_and_by_reading_every_match(tmp_path):
    from indexer.index.pipeline import index_letters
    from indexer.search.service import SearchService
    from tests.search.fixtures import sample_letters

    index_letters(sample_letters(), tmp_path, engine="tantivy")
    with SearchService.open(tmp_path, "tantivy") as service:
        engine = service._gen.engine
        trees = [service.parse(q).tree for q in ("radicular", "decision:upheld", "-ladder", "injection OR ppi")]
        by_agg = [engine.letter_count(t, {}) for t in trees]
        engine.letter_buckets = 0  # every count now takes the path for large result sets
        assert [engine.letter_count(t, {}) for t in trees] == by_agg == [2, 3, 4, 2]


def test_a_known_total_gives_the_same_letter_count(sample_service):
    # the service hands the engine the total it already has (the page's, or the
    # decided split's) so letters are counted without counting passages again
    engine = sample_service._gen.engine
    for q in ("radicular", "decision:upheld", "-ladder", "injection OR ppi"):
        tree = sample_service.parse(q).tree
        assert engine.letter_count(tree, {}, engine.count(tree, {})) == engine.letter_count(tree, {})


def test_tantivy_never_counts_letters_from_a_list_cut_by_a_short_total(tmp_path):
    from indexer.index.pipeline import index_letters
    from indexer.search.service import SearchService
    from tests.search.fixtures import sample_letters

    index_letters(sample_letters(), tmp_path, engine="tantivy")
    with SearchService.open(tmp_path, "tantivy") as service:
        engine = service._gen.engine
        engine.letter_buckets = 0  # the path that collects every match, sized by the total
        tree = service.parse("decision:upheld").tree
        assert engine.letter_count(tree, {}, engine.count(tree, {})) == 3
        assert engine.letter_count(tree, {}, 1) == 3
