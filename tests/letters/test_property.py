"""Property-based tests: the parser never fails, and never invents text.

"Never raises" is checked strictly: `parse_text` has a last-resort handler that
turns an internal error into a warning, so the tests also require that no such
"parser error" warning appears.
"""

from __future__ import annotations

import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.letters import parse_text
from indexer.model import TEXT_FIELDS, Letter
from indexer.text.clean import is_footer, normalize

from .letters_factory import Item, LetterSpec, build_letter, double_blank_lines, paginate, wrap

_SQUASH = re.compile(r"[\s\-\u00ad]+")
_CASE_LINE = re.compile(r"^\s*(?:IMR\s+)?(?:case\s*(?:number|no\.?|#)\s*:?\s*)?[A-Z]{2,4}\d{2}-\d{5,8}\s*$", re.I)


def squash(text: str) -> str:
    """Text modulo reflow: no whitespace, no hyphens (line-break hyphenation is undone)."""
    return _SQUASH.sub("", text)


def haystack(text: str) -> str:
    lines = [
        ln
        for ln in normalize(text).replace("\f", "\n").split("\n")
        if not is_footer(" ".join(ln.split())) and not _CASE_LINE.match(ln)
    ]
    return squash("\n".join(lines))


def is_subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)


def check_letter(letter: Letter, text: str) -> None:
    assert isinstance(letter, Letter)
    assert not any(w.startswith("parser error") for w in letter.warnings), letter.warnings
    hay = haystack(text)
    for p in letter.passages:
        assert p.decision in ("Upheld", "Overturned", None)
        for name in TEXT_FIELDS:
            needle = squash(getattr(p, name))
            if "\f" in text:  # repeated page headers/footers may be cut out of the middle
                assert is_subsequence(needle, hay), (name, getattr(p, name))
            else:
                assert needle in hay, (name, getattr(p, name))
        for c in p.citations:
            assert getattr(p, c.field)[c.start : c.end] == c.raw


FRAGMENTS = [
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "CLINICAL CASE SUMMARY",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "IMR DECISION(S) AND RATIONALE(S)",
    "ISSUE AT DISPUTE:",
    "Decision rationale:",
    "MAXIMUS guideline:",
    "Claims Administrator guideline:",
    ": Upheld",
    ": Overturned",
    "Upheld",
    "1. ",
    "2. ",
    "is not medically necessary and appropriate.",
    "Page 2 of 3",
    "\f",
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "-",
    ":",
    "ODG, Neck Chapter Facet joint diagnostic blocks",
    "Decision based on Non-MTUS Citation ",
    "Page(s): 60",
    "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:",
    "CM15-0104522",
    "State(s) of Licensure: California",
    "Board Certified in",
    "58 year old female",
    "injury on 9/6/14",
    "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:",
    "(",
    ")",
    "sensa-\ntion",
]
letterish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_arbitrary_text_never_breaks_the_parser(text):
    check_letter(parse_text(text, "random.txt"), text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(letterish)
def test_letter_like_noise_never_breaks_the_parser(text):
    check_letter(parse_text(text, "noise.txt"), text)


_RESERVED = {"upheld", "overturned", "page"}
word = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=10).filter(
    lambda w: w.lower() not in _RESERVED
)
phrase = st.lists(word, min_size=1, max_size=12).map(" ".join)
sentence = st.lists(word, min_size=3, max_size=16).map(lambda ws: " ".join(ws) + ".")
rationale = st.lists(sentence, min_size=1, max_size=4).map(" ".join)
item = st.builds(Item, item=phrase, decision=st.sampled_from(["Upheld", "Overturned"]), rationale=rationale)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(item, min_size=1, max_size=4),
    width=st.integers(25, 110),
    doubled=st.booleans(),
    pages=st.sampled_from([0, 6, 11]),
    form_feed=st.booleans(),
)
def test_damaged_generated_letters_parse_back_to_their_items(items, width, doubled, pages, form_feed):
    text = wrap(build_letter(LetterSpec(items=items)), width)
    if pages:
        text = paginate(text, pages, form_feed)
    if doubled:
        text = double_blank_lines(text)
    letter = parse_text(text, "generated.txt")
    check_letter(letter, text)
    assert [(p.item, p.decision, p.rationale) for p in letter.passages] == [
        (it.item, it.decision, it.rationale) for it in items
    ]
    assert letter.reviewer.specialties == ["Occupational Medicine"] and letter.patient.age == 45
