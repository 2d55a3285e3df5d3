"""The parser's fast paths find exactly what the plain patterns find.

Parsing is made fast by skipping work that cannot change the result: scanning
only where a pattern's first word occurs, guarding slow patterns with cheap
necessary conditions, tokens built without one object per word. Each check
here compares a fast path with the plain computation it replaces, on texts
built from the letters' own vocabulary plus the characters that make case
folding tricky, so editing a pattern without its guard shows up as a failure.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.letters import fields  # the letters package first: it loads `split`
from indexer.passages import citations, classify, split
from indexer.text import (
    clean,  # the letters package first: it loads `split`
    layout,  # the letters package first: it loads `split`
)
from indexer.text.phrases import _TOKEN, normalize_word, tokenize
from indexer.text.scan import AnchoredPattern, lowered

FRAGMENTS = [
    "Claims Administrator guideline:",
    "MAXIMUS guideline:",
    "Decision rationale:",
    "Decision based on",
    "The Expert Reviewer based his/her decision on",
    "did not base their decision on the MTUS.",
    "Date of Injury: 09/06/2014",
    "DOI: 1/2/13",
    "UR Denial Date:",
    "Application Received: May 3, 2015",
    "IMR Case Number: CM15-0104522",
    "CM14-1234567",
    "Page 2 of 3",
    "page(s) 76-80",
    "pp. 4-5, 7",
    "p 12",
    "Official Disability Guidelines",
    "ODG Neck Chapter",
    "California MTUS/ACOEM",
    "Non-MTUS",
    "guidelines used by the Claims Administrator:",
    "Upheld",
    "Overturned",
    "L4-L5",
    "C5-6",
    "20mg",
    "the",
    "patient",
    "reviewer",
    "physician",
    "Rationale for the Decision:",
    "Guidelines Used by",
    "State(s) of Licensure: CA",
    "Certification(s)/Specialty: Orthopedic Surgery",
    "Board Certified in",
    "subspecialty in Pain",
    "licensed to practice in California",
    "diagnosed with",
    "diagnoses:",
    "following diagnoses",
    "assessment is",
    "_",
    "2",
    "x",
    "İ",
    "ı",
    "ſ",
    "\u212a",
    "é",
    "–",
    "’",
    "\n",
    ".",
    ",",
    ":",
    "(",
    ")",
    "-",
    " ",
    "  ",
]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join) | st.text(max_size=200)

ANCHORED = {
    "item fields": split._FIELD_RE,
    "header dates": fields._HEADER_DATES,
    "case number": fields._CASE_LABELLED,
    "statement starts": citations._STATEMENT_START,
    "not MTUS": citations._NOT_MTUS,
    "pages": citations._PAGES,
    "licensure block": fields._LICENSURE_BLOCK,
    "specialty block": fields._SPECIALTY_BLOCK,
    "board sentence": fields._BOARD_SENTENCE,
    "subspecialty": fields._SUBSPECIALTY,
    "licensed sentence": fields._LICENSED_SENTENCE,
    "diagnoses": fields._DIAGNOSES,
}


def _spans(matches) -> list[tuple]:
    return [(m.span(), m.groups()) for m in matches]


@pytest.mark.parametrize("name", sorted(ANCHORED))
@settings(max_examples=150, deadline=None)
@given(text=texts)
def test_anchored_patterns_find_what_finditer_finds(name: str, text: str) -> None:
    anchored = ANCHORED[name]
    assert _spans(anchored.finditer(text)) == _spans(anchored.pattern.finditer(text))
    plain = anchored.pattern.search(text)
    fast = anchored.search(text)
    assert (fast and fast.span()) == (plain and plain.span())


def test_anchored_pattern_falls_back_where_case_folding_differs() -> None:
    rx = AnchoredPattern(re.compile(r"\bdisk\b", re.I), ["disk"])
    # IGNORECASE matches the Kelvin sign to "k"; lower-casing does not: the plain scan runs instead
    assert lowered("DIS\u212a") is None
    assert [m.group() for m in rx.finditer("a DIS\u212a and a disk")] == ["DIS\u212a", "disk"]


def test_anchored_pattern_needs_its_first_words() -> None:
    with pytest.raises(ValueError):
        AnchoredPattern(re.compile("x"), [])
    with pytest.raises(ValueError):
        AnchoredPattern(re.compile(r"\b#\d"), ["#"], word_start=True)


def test_word_start_skips_words_continued_on_the_left() -> None:
    rx = AnchoredPattern(re.compile(r"\bbased on", re.I), ["based"], word_start=True)
    text = "unbased on, é_based on, (Based on"
    assert [m.start() for m in rx.finditer(text)] == [m.start() for m in rx.pattern.finditer(text)] == [25]


_PLAIN_FOOTER = [clean._FOOTER_PAGE_AT_START, clean._FOOTER_WITHOUT_PAGE, clean._FOOTER_RUNNING_HEADER]
footer_lines = st.lists(
    st.sampled_from(
        [
            "Page",
            "page",
            "of",
            "2",
            "13",
            " ",
            "-",
            "–",
            "|",
            "CM15-0104522",
            "Case Number:",
            "IMR",
            "the patient",
            "(",
            ")",
            "#",
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(line=footer_lines | st.text(max_size=120))
def test_footer_guards_keep_every_footer(line: str) -> None:
    plain = len(line) <= 110 and bool(re.search(r"\d", line)) and any(p.match(line) for p in _PLAIN_FOOTER)
    assert clean.is_footer(line) == plain


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_guideline_prefilter_agrees_with_its_regex(text: str) -> None:
    rx, _words = citations._prose_prefilter()
    assert citations._may_cite(text) == (rx.search(text) is not None)


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_tokens_and_offsets_match_the_token_regex(text: str) -> None:
    expected = [(normalize_word(m.group()), m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    assert [(t.norm, t.text, t.start, t.end) for t in tokenize(text)] == expected


@settings(max_examples=200, deadline=None)
@given(text=texts, cut=st.integers(min_value=0, max_value=250))
def test_body_region_patterns_match_a_plain_search(text: str, cut: int) -> None:
    for kind in ("region", "treatment"):
        v = classify._index(kind)
        for limit in (None, min(cut, len(text))):
            plain = []
            for name, rx in v.patterns:
                m = rx.search(text) if limit is None else rx.search(text, 0, limit + 1)
                if m:
                    plain.append((m.start(), -(m.end() - m.start()), name))
            assert sorted(classify._pattern_hits(v, text, limit)) == sorted(plain)


@settings(max_examples=200, deadline=None)
@given(line=texts)
def test_decision_line_guards(line: str) -> None:
    assert layout._is_decision_line(line) == bool(layout._DECISION_LINE.search(line))
    for rx in (split._DECISION_END, split._DECISION_ONLY):
        fast, plain = split._decision_match(rx, line), rx.match(line)
        assert (fast and fast.span()) == (plain and plain.span())


_OLD_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(max_codepoint=0x2100) | st.sampled_from("\ufb01\ufeff\u00ad\r\n\t\f"), max_size=200
    )
)
def test_normalize_is_one_translation_of_the_same_characters(text: str) -> None:
    step = text.replace("\r\n", "\n").replace("\r", "\n")
    step = clean._SOFT_HYPHEN_EOL.sub("-\n", step).replace("\u00ad", "")
    assert clean.normalize(text) == _OLD_CONTROLS.sub("", step.translate(clean._LIGATURES))
    assert len(_OLD_CONTROLS.findall(text)) == len(text) - len(text.translate(dict.fromkeys(clean.CONTROL_CHARS)))
