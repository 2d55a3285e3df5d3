"""The speed-ups must not change what users get: fast paths agree with the plain ones."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from indexer.index.engine import engine_home
from indexer.index.pipeline import BROWSE_FACETS_META, DECIDED_LETTERS_META, build_index, index_letters
from indexer.index.store import LetterStore, pack_letter, passage_dict, passage_from_dict
from indexer.model import DECISIONS, Passage
from indexer.query.analysis import candidate_tokens, tokens
from indexer.query.tree import MatchAll
from indexer.query.types import FACETS, SearchRequest
from indexer.search.service import SearchService
from tests.search.fixtures import sample_letters
from webapp.highlights import _esc


def _plain_candidates(text: str, heads: frozenset[str]):
    """What candidate_tokens means: the engine's tokens whose first two letters are in heads."""
    return [t for t in tokens(text) if t.lower[:2] in heads]


WORDS = st.sampled_from(
    [
        "Facet",
        "facets",
        "a",
        "A",
        "ab",
        "MBB",
        "block_b",
        "2",
        "20mg",
        "n",
        "No",
        "nor",
        "x" * 45,
        "Ab" * 25,
        "lying",
        "ly",
        "é",
        "Øre",
        "İx",
        "_",
        "-",
        ".",
        "  ",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(WORDS, max_size=40).map(" ".join),
    st.sets(
        st.sampled_from(["fa", "a", "ab", "mb", "bl", "b", "2", "20", "n", "no", "ly", "li", "x", "é"]), min_size=1
    ),
)
def test_candidate_tokens_fast_path_matches_plain_tokenizing(text, heads):
    heads = frozenset(heads)
    expected = _plain_candidates(text, heads)
    assert candidate_tokens(text, heads) == expected
    # without positions (terms and prefixes only) the same words, at the same offsets
    fast = candidate_tokens(text, heads, positions=False)
    assert [(t.text, t.term, t.start, t.end) for t in fast] == [(t.text, t.term, t.start, t.end) for t in expected]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab&<>\"' é\x00"), max_size=30))
def test_fast_escape_is_markupsafe_escape(text):
    assert _esc(text) == str(escape(text))


def test_passage_decoding_round_trips():
    for letter in sample_letters():
        for p in letter.passages:
            assert passage_from_dict(passage_dict(p)) == p == Passage.from_dict(passage_dict(p))


def test_buffered_store_writes_are_seen_by_reads_before_commit(tmp_path):
    letter = sample_letters()[0]
    store = LetterStore(tmp_path / "s.sqlite", writable=True)
    try:
        store.put_letter(pack_letter(letter), "/a.txt", replace=False)
        assert store.get_letter(letter.letter_id).passages == letter.passages
        # replacing a letter with fewer passages leaves none of the old ones behind
        fewer = replace(letter, passages=letter.passages[:1])
        store.put_letter(pack_letter(fewer), "/a.txt")
        assert store.counts() == (1, 1)
        store.commit()
    finally:
        store.close()
    reader = LetterStore(tmp_path / "s.sqlite")
    try:
        assert reader.counts() == (1, 1)
        assert reader.get_letter(letter.letter_id).passages == letter.passages[:1]
    finally:
        reader.close()


def test_fresh_build_replaces_a_letter_given_twice(tmp_path):
    letters = sample_letters()
    first = letters[0]
    again = replace(first, passages=first.passages[:1])
    index_letters([first, again], tmp_path / "ix")
    store = LetterStore(next((tmp_path / "ix" / "tantivy").glob("g*")) / "store.sqlite")
    try:
        assert store.get_letter(first.letter_id).passages == first.passages[:1]
        assert store.counts() == (1, 1)
    finally:
        store.close()


def _facets(resp) -> dict[str, dict[str, int]]:
    return {f: {v.value: v.count for v in values} for f, values in resp.facets.items()}


def test_browse_counts_are_stored_per_generation_and_follow_a_reindex(engine, tmp_path, seed_files):
    """The landing page's counts come from the generation itself: after a file is
    removed and the corpus re-indexed, a reloaded service shows the new counts."""
    corpus = tmp_path / "letters"
    corpus.mkdir()
    for f in seed_files:
        shutil.copy2(f, corpus / f.name)
    ix = tmp_path / "ix"
    first = build_index([corpus], ix, engine=engine, workers=1)
    with SearchService.open(ix, engine) as service:
        gen = service._gen
        stored = json.loads(gen.store.meta(BROWSE_FACETS_META))
        assert stored == gen.engine.facet_counts(MatchAll(), {}, FACETS)  # what the engine counts now
        browse = service.search(SearchRequest(query="", facet_limit=10_000))
        assert browse.total == first.total_passages
        assert _facets(browse) == {f: stored.get(f, {}) for f in FACETS}
        # a selection in one facet: its own counts are the whole-index counts (OR within a facet)
        picked = service.search(SearchRequest(query="", filters={"body_region": ["cervical"]}, facet_limit=10_000))
        assert _facets(picked)["body_region"] == _facets(browse)["body_region"]
        assert picked.total == _facets(browse)["body_region"]["cervical"]
        (corpus / "001_c1dd6188e3508088.txt").unlink()
        second = build_index([corpus], ix, engine=engine, workers=1)
        assert second.total_passages < first.total_passages
        if engine_home(engine, ix).updates_in_place:
            # the same indices, updated in place: the new state shows at once, under a new revision
            assert service.search(SearchRequest(query="")).total == second.total_passages
            assert second.generation == f"{first.generation}.r1"
        else:
            assert service.search(SearchRequest(query="")).total == first.total_passages  # old generation
        assert service.reload()
        after = service.search(SearchRequest(query="", facet_limit=10_000))
        assert after.total == second.total_passages
        fresh = service._gen.engine.facet_counts(MatchAll(), {}, FACETS)
        assert _facets(after) == {f: fresh.get(f, {}) for f in FACETS}
        assert _facets(after) != _facets(browse)


def test_the_statistics_letter_count_is_stored_per_generation_and_follows_a_reindex(engine, tmp_path, seed_files):
    """The statistics page with no query and no filter counts the letters with a
    decided item from the generation's stored figure: it must be what the engine
    counts, in a fresh build and after a letter is removed."""
    corpus = tmp_path / "letters"
    corpus.mkdir()
    for f in seed_files:
        shutil.copy2(f, corpus / f.name)
    ix = tmp_path / "ix"
    build_index([corpus], ix, engine=engine, workers=1)
    decided = {"decision": list(DECISIONS)}
    counts = []
    for run in range(2):
        if run:  # a letter removed, the corpus indexed again
            (corpus / "001_c1dd6188e3508088.txt").unlink()
            build_index([corpus], ix, engine=engine, workers=1)
        with SearchService.open(ix, engine) as service:
            gen = service._gen
            counted = gen.engine.letter_count(MatchAll(), decided)
            assert gen.store.meta(DECIDED_LETTERS_META) == str(counted)
            stats = service.decision_counts(SearchRequest(query=""), [])
            assert stats.letters == counted == gen.letter_count(MatchAll(), decided)
            counts.append(counted)
    assert counts[1] == counts[0] - 1


def test_browse_counts_are_counted_when_a_generation_has_none_stored(tmp_path):
    index_letters(sample_letters(), tmp_path / "ix")
    with SearchService.open(tmp_path / "ix") as service:
        gen = service._gen
        expected = gen.engine.facet_counts(MatchAll(), {}, FACETS)
        gen.store.meta = lambda key: None  # as if built before the counts were stored
        assert gen.browse_counts() == expected


def test_a_page_ranked_with_a_known_total_is_the_counted_page(sample_service):
    # an unfiltered search's page is ranked without counting (the count is the cached
    # unfiltered one): every page and its total must be what the counted ranking gives
    engine = sample_service._gen.engine
    for q in ("radicular", "injection OR ppi", "decision:upheld", "-ladder", "lumbar spine"):
        tree = sample_service.parse(q).tree
        total = engine.count(tree, {})
        for offset, limit in ((0, 1), (0, 3), (1, 2), (2, 50)):
            counted = engine.relevance_page(tree, {}, offset, limit)
            ranked = engine.relevance_page(tree, {}, offset, limit, total)
            assert ranked.total == counted.total == total
            assert [h.passage_id for h in ranked.hits] == [h.passage_id for h in counted.hits]
    for scope in ("passage", "request"):
        first = sample_service.search(SearchRequest(query="radicular", per_page=1, scope=scope))
        ids = [
            h.passage_id
            for page in range(1, first.total + 2)
            for h in sample_service.search(SearchRequest(query="radicular", per_page=1, page=page, scope=scope)).hits
        ]
        assert first.total >= 2 and len(set(ids[: first.total])) == first.total
