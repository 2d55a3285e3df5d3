"""The query language itself: how text becomes a tree (engine-independent)."""

from __future__ import annotations

import pytest
import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.query import analysis
from indexer.query.tree import And, FacetTerm, MatchAll, Near, Not, Or, Phrase, Pin, Prefix, Term, leaves
from indexer.search.parser import MAX_QUERY_CHARS, parse_query


def parsed(q: str) -> str:
    return parse_query(q).parsed


def test_words_phrases_operators():
    assert parsed("facet joint") == "facet AND joint"
    assert parsed('"facet joint" OR block') == '"facet joint" OR block'
    assert parsed("a AND b OR c") == "a AND (b OR c)"
    assert parsed("-sedation facet") == "-sedation AND facet"
    assert parsed("NOT (a OR b)") == "NOT (a OR b)"
    assert parsed('"facet block"~5') == '"facet block"~5'
    assert parsed("radicular w/5 block") == "radicular w/5 block"
    assert parsed("inject* inject!") == "inject* AND inject!"


@pytest.mark.parametrize(
    "query,read_as",
    [
        ("facet /5 injection", "facet w/5 injection"),
        ("facet NEAR/5 injection", "facet w/5 injection"),
        ("radicular pre/3 block", "radicular pre/3 block"),
        ("radicular +3 block", "radicular pre/3 block"),
        ("facet /s injection", "facet w/s injection"),
        ("facet w/s injection", "facet w/s injection"),
        ("facet +s injection", "facet pre/s injection"),
        ("facet pre/s injection", "facet pre/s injection"),
        ("facet /p injection", "facet w/p injection"),
        ("facet w/p injection", "facet w/p injection"),
        ("facet +p injection", "facet pre/p injection"),
        ("opioid & refill", "opioid AND refill"),
        ("opioid % sedation", "opioid AND -sedation"),
        ("opioid BUT NOT sedation", "opioid AND -sedation"),
        ("opioid BUT NOT (sedation OR nausea) refill", "opioid AND NOT ((sedation OR nausea) AND refill)"),
        ("(opioid % nausea) OR sedation", "(opioid AND -nausea) OR sedation"),
        ("atleast3(pain)", "pain"),
        ("10/325", '"10 325"'),
        ("15 mg", '"15 mg"'),
        ("x 12", '"x 12"'),
        ("L4-5", '"L4 L5"'),
        ("case:CM16*", "case:CM16*"),
    ],
)
def test_terms_and_connectors(query, read_as):
    assert parsed(query) == read_as
    # what the page shows as "searched for" reads back as the same query
    assert parsed(read_as) == read_as


def test_connector_tree_shapes():
    from indexer.query.analysis import PARAGRAPH_SPAN, SENTENCE_SPAN

    t = parse_query("a pre/4 b").tree
    assert isinstance(t, Near) and t.ordered and t.distance == 4
    assert parse_query("a /s b").tree.distance == SENTENCE_SPAN
    assert parse_query("a /p b").tree.distance == PARAGRAPH_SPAN
    assert not parse_query("a w/s b").tree.ordered


def test_tree_shapes():
    t = parse_query("radicular w/5 block").tree
    assert isinstance(t, Near) and t.distance == 5 and t.left.term == "radicular"
    t = parse_query("injections!").tree
    assert isinstance(t, Prefix) and t.root and t.prefix == "inject"
    t = parse_query("Injections*").tree
    assert isinstance(t, Prefix) and not t.root and t.prefix == "injections"
    t = parse_query("item:ladder").tree
    assert isinstance(t, Term) and t.fields == ("item",)
    t = parse_query("-norco").tree
    assert isinstance(t, Not)
    # a word the analyzer splits is a phrase, as the engines index it
    t = parse_query("C4-C5").tree
    assert isinstance(t, Phrase) and t.terms == ("c4", "c5")


def test_facet_terms_keep_their_raw_value():
    key = "ODG | Neck and Upper Back | Facet joint diagnostic blocks"
    t = parse_query(f'citation:"{key}"').tree
    assert t == FacetTerm("citation", key)
    assert parse_query("decision:(upheld OR overturned)").tree == Or(
        (FacetTerm("decision", "upheld"), FacetTerm("decision", "overturned"))
    )
    assert parse_query("mtus_based:no").tree == FacetTerm("mtus_based", "false")


def test_free_text_citation_value_is_canonicalised():
    t = parse_query('citation:"ODG Neck Facet joint diagnostic blocks"').tree
    assert t == FacetTerm("citation", "ODG | Neck and Upper Back | Facet joint diagnostic blocks")


def test_citation_query_adds_a_pinned_citation_clause():
    pq = parse_query("ODG Neck Facet joint diagnostic blocks")
    assert pq.matched_citations == ["ODG | Neck and Upper Back | Facet joint diagnostic blocks"]
    assert isinstance(pq.tree, Or) and isinstance(pq.tree.children[-1], Pin)
    assert parse_query("neck pain").matched_citations == []


def test_abbreviations_expand_both_ways():
    t = parse_query("MBB").tree
    assert isinstance(t, Or) and Phrase(("medial", "branch", "block"), ("medial", "branch", "block")) in t.children
    t = parse_query('"medial branch block"').tree
    assert any(isinstance(c, Term) and c.term == "mbb" for c in t.children)
    # two-letter abbreviations expand only when typed in capitals: IF, not if
    assert isinstance(parse_query("IF").tree, Or)
    assert isinstance(parse_query("if").tree, Term)


def test_recovery_messages():
    cases = {
        '"unbalanced': "quotation",
        "(facet AND": "parenthesis",
        "facet)": "parenthesis",
        "decision:": "no value",
        "OR facet": "nothing before",
        "facet OR": "nothing after",
        "foo:bar": "not a field",
        "med*cation": "Wildcards",
        "norco~7": "fuzzy matching allows",
        "a\x00b": "control",
        "x" * 5000: "characters",
        "atleast3(pain)": "not supported",
        "atleast3 pain": "not supported",
        "norco but not tramadol": "Read “but not” as BUT NOT",
        "a w/5000 b": "capped",
    }
    for q, expect in cases.items():
        pq = parse_query(q)
        assert any(expect in m for m in pq.messages), (q, pq.messages)


def test_long_query_is_capped():
    pq = parse_query(" ".join(["word"] * 3000))
    assert len(pq.text) > MAX_QUERY_CHARS
    assert sum(1 for _ in leaves(pq.tree)) <= 64


def test_empty_and_punctuation_queries_browse():
    assert isinstance(parse_query("").tree, MatchAll)
    assert parse_query("").messages == []
    pq = parse_query("!!! ---")
    assert isinstance(pq.tree, MatchAll)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_raises(text):
    pq = parse_query(text)
    assert isinstance(pq.parsed, str)
    assert all(isinstance(m, str) and m for m in pq.messages)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "(",
                ")",
                "-",
                "NOT",
                "AND",
                "OR",
                "w/3",
                "item:",
                "decision:",
                "citation:",
                "*",
                "!",
                "~2",
                "norco",
                "facet",
                "MBB",
                "block",
            ]
        ),
        max_size=14,
    )
)
def test_parser_never_raises_on_operator_soup(parts):
    pq = parse_query(" ".join(parts))
    assert isinstance(pq.tree, (And, Or, Not, Term, Phrase, Prefix, Near, FacetTerm, Pin, MatchAll))


def test_python_analysis_matches_tantivy_en_stem(seed_files):
    tv = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )
    text = " ".join(f.read_text(encoding="utf-8") for f in seed_files)
    text += " Injections happily ÉPIDURALE naïve résumé C4-C5 under_score " + "x" * 45 + " " + "é" * 20
    # plain words are en_stem's terms exactly; the forms the analysis reads on
    # purpose (dosages, x12, spinal level ranges) are checked below
    plain = analysis.SPECIAL_RE.sub(" ", text)
    assert plain != text
    assert analysis.terms(plain) == tv.analyze(plain)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Norco 10/325mg #60", ["norco", "10", "325", "mg", "60"]),
        ("15mg", ["15", "mg"]),
        ("15 mg", ["15", "mg"]),
        ("x12", ["x", "12"]),
        ("x 12", ["x", "12"]),
        ("L4-5", ["l4", "l5"]),
        ("L4/5", ["l4", "l5"]),
        ("L4-L5", ["l4", "l5"]),
        ("L4 - 5", ["l4", "l5"]),
        ("C5-6", ["c5", "c6"]),
        ("T12-L1", ["t12", "l1"]),
        ("L3-4-5", ["l3", "l4", "l5"]),
        ("CM16-0213037", ["cm16", "0213037"]),
        ("4-5 times", ["4", "5", "time"]),
        ("L9-10", ["l9", "10"]),
    ],
)
def test_analysis_reads_dosages_and_levels_one_way(text, expected):
    assert analysis.terms(text) == expected


def test_sentences_are_kept_apart_by_a_position_gap():
    toks = list(analysis.tokens("Dr. Smith saw the patient. Norco was denied! e.g. 7.5 mg\n\nnew paragraph"))
    pos = {t.lower: t.position for t in toks}
    assert pos["smith"] - pos["dr"] == 1  # an abbreviation does not end a sentence
    assert pos["norco"] - pos["patient"] > analysis.SENTENCE_SPAN
    assert pos["e"] - pos["denied"] == 1  # a lowercase word after "!" goes on the sentence
    assert pos["new"] - pos["mg"] > analysis.SENTENCE_SPAN  # a blank line ends one


def test_sentence_values_give_engines_without_token_input_the_same_positions():
    text = (
        "Norco 10/325mg #60 is requested. The " + "x" * 45 + " patient has L4-5 pain; Dr. Smith agrees.\n\n"
        "New paragraph here"
    )
    values = analysis.sentence_values(text)
    assert values == [
        "norco 10 325 mg 60 is request",
        "the _ patient has l4 l5 pain dr smith agre",
        "new paragraph here",
    ]
    positions, pos = [], -1
    for i, value in enumerate(values):
        if i:
            pos += analysis.SENTENCE_GAP
        for term in value.split():
            pos += 1
            if term != analysis.LONG_TOKEN:
                positions.append((term, pos))
    assert positions == [(t.term, t.position) for t in analysis.tokens(text)]
