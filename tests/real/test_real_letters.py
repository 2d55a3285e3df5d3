"""Every real letter, as PDF and as text: it opens, every item and decision is found, and the
two files of one letter give the same passages."""

from __future__ import annotations

import re

_DECISION_LINE = re.compile(r":\s*(Upheld|Overturned)\s*$", re.M)


def test_every_pdf_opens_and_parses(real_pdf):
    assert len(real_pdf) == 126
    for stem, letter in real_pdf.items():
        assert letter.parsed, (stem, letter.warnings)
        assert letter.case_number and stem.endswith(letter.case_number), stem


def test_every_item_and_decision_found(real_txt, real_raw):
    """The decision lines of the text ("...: Upheld") are the items, in order."""
    for stem, letter in real_txt.items():
        expected = _DECISION_LINE.findall(real_raw[stem])
        assert expected, stem
        assert [p.decision for p in letter.passages] == expected, stem
        for p in letter.passages:
            assert p.item and p.rationale.strip(), (stem, p.ordinal)
            assert not re.match(r"^\d{1,2}/\d{1,2}/\d{2,4}$", p.item), (stem, p.item)  # not a wrapped tail


def _passages(letter):
    return [
        (
            p.item,
            p.item_context,
            p.decision,
            p.claims_administrator_guideline,
            p.reviewer_guideline,
            p.rationale,
            [(c.key, c.edition, c.cited_by) for c in p.citations],
            p.mtus_based,
            p.claims_administrator_mtus_based,
        )
        for p in letter.passages
    ]


def test_pdf_and_text_give_the_same_passages(real_pdf, real_txt):
    differ = [s for s in real_txt if _passages(real_pdf[s]) != _passages(real_txt[s])]
    assert not differ, differ


def test_partly_authorised_requests_keep_the_disputed_remainder(real_txt):
    """ "X was the original request. Y was authorized by the Claims Administrator. The remaining
    IMR eligible portion of the original request, Z is: Upheld": item Z, the story beside it."""
    partial = [p for letter in real_txt.values() for p in letter.passages if p.item_context]
    assert len(partial) >= 15
    for p in partial:
        assert "authorized" in p.item_context.lower(), p.item_context
        assert "original request" not in p.item.lower() and not p.item.endswith(" is"), p.item
    for letter in real_txt.values():
        for p in letter.passages:
            assert "authorized by the Claims Administrator" not in p.item, p.item
