"""Highlighting from the query tree: marks what matched, escapes everything else."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.query.types import Run
from indexer.search.highlight import Highlighter
from indexer.search.parser import parse_query
from tests.search.conftest import html, run


def mark(query: str, text: str, field: str | None = None) -> str:
    return html(Highlighter(parse_query(query).tree).mark(text, field))


def test_stems_prefixes_roots():
    assert mark("injection", "Injections were injected.") == "<mark>Injections</mark> were <mark>injected</mark>."
    assert mark("opio*", "Opioids and opiates") == "<mark>Opioids</mark> and opiates"
    assert mark("inject!", "injectable injection") == "<mark>injectable</mark> <mark>injection</mark>"


def test_phrases_only_where_the_words_are_together():
    text = "no more than 2 levels; more than 2 joint levels; 2 levels"
    assert (
        mark('"more than 2 levels"', text) == "no <mark>more than 2 levels</mark>; more than 2 joint levels; 2 levels"
    )
    assert (
        mark('"more than 2 levels"~1', text)
        == "no <mark>more than 2 levels</mark>; <mark>more than 2</mark> joint <mark>levels</mark>; 2 levels"
    )


def test_proximity_marks_both_ends_within_distance():
    text = "radicular findings support the epidural block. block x x x x x x radicular"
    out = mark("radicular w/5 block", text)
    assert out.startswith("<mark>radicular</mark> findings support the epidural <mark>block</mark>.")
    assert out.endswith("</mark>. block x x x x x x radicular")  # 6 and 7 apart: not marked


def test_field_restricted_terms_only_in_their_field():
    h = Highlighter(parse_query("item:norco").tree)
    assert h.mark("Norco", "item") == [Run("Norco", True)]
    assert h.mark("Norco", "rationale") == [Run("Norco")]


def test_abbreviation_expansion_is_marked():
    assert (
        mark("ESI", "an epidural steroid injection (ESI)")
        == "an <mark>epidural steroid injection</mark> (<mark>ESI</mark>)"
    )


def test_fragments_of_long_text():
    text = ("filler words here. " * 40) + "The medial branch block was denied. " + ("more filler. " * 40)
    frags = [html(f) for f in Highlighter(parse_query("MBB").tree).fragments(text)]
    assert len(frags) == 1 and "<mark>medial branch block</mark>" in frags[0]
    assert frags[0].startswith("… ") and frags[0].endswith(" …") and len(frags[0]) < 400


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["script", "b", "amp", "norco", "lt", '"a b"', "x*"]))
def test_output_is_always_escaped(text, query):
    out = mark(query, text)
    stripped = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped
    assert re.sub(r"&(lt|gt|amp|#34|#39|quot);", "", stripped).count("&") == 0


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=120))
def test_search_never_raises(sample_service, text):
    resp = run(sample_service, text)
    assert resp.total >= 0 and isinstance(resp.parsed, str)
