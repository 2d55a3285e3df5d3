"""Guideline citations, items and specialties of the real letters against what they say.

`expected_letters.toml` holds, for 69 letters read by hand, each guideline paragraph's exact
citation keys (no more, no fewer), each item, decision and authorisation context, and the
reviewer's specialties as stated. The other tests scan every citation of every letter."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

EXPECTED = tomllib.loads((Path(__file__).parent / "expected_letters.toml").read_text(encoding="utf-8"))["letter"]
PARTIES = ("claims_administrator", "reviewer")


def _keys(passage, party: str) -> set[str]:
    return {c.key for c in passage.citations if c.cited_by == party}


def _check(letters) -> tuple[int, int, list[str]]:
    by_case = {letter.case_number: letter for letter in letters.values()}
    right = total = 0
    wrong: list[str] = []
    for exp in EXPECTED:
        letter = by_case[exp["id"]]
        assert letter.reviewer.specialties == exp["specialties"], exp["id"]
        assert [(p.item, p.decision, p.item_context) for p in letter.passages] == [
            (it["item"], it["decision"], it.get("context", "")) for it in exp["item"]
        ], exp["id"]
        for p, it in zip(letter.passages, exp["item"], strict=True):
            for party in PARTIES:
                total += 1
                if _keys(p, party) == set(it[party]):
                    right += 1
                else:
                    wrong.append(f"{exp['id']} #{p.ordinal} {party}: {sorted(_keys(p, party))} != {sorted(it[party])}")
    return right, total, wrong


@pytest.mark.slow  # parses every real letter, PDFs too (~60 s)
@pytest.mark.parametrize("kind", ["txt", "pdf"])
def test_every_paragraph_yields_exactly_the_expected_keys(kind, real_txt, real_pdf):
    right, total, wrong = _check(real_txt if kind == "txt" else real_pdf)
    assert total == 2 * sum(len(e["item"]) for e in EXPECTED) and total >= 200
    assert not wrong, f"{right}/{total} paragraphs exact; wrong: {wrong[:10]}"


# A topic that is a fragment of a wording, not a topic: a lone letter or digit, a leftover
# "& hand" / "and ...", a URL piece, a version note, a year, a dangling "(" or ")".
_FRAGMENT = re.compile(
    r"^(?:\W|\w$|(?:and|or|&)\b|(?:pdf|html?|www|https?|com)$|online\s+version$|web\s+version$|topic$"
    r"|(?:.*\b(?:treatment|complaints)\s+(?:19|20)\d\d$)|(?:19|20)\d\d$)|\b(?:and|or)$",
    re.I,
)


def _all_citations(letters):
    for letter in letters.values():
        for p in letter.passages:
            for c in p.citations:
                yield letter, p, c


@pytest.mark.parametrize("kind", ["txt", "pdf"])
def test_no_citation_has_a_fragment_topic_or_chapter(kind, real_txt, real_pdf):
    letters = real_txt if kind == "txt" else real_pdf
    seen = 0
    for letter, p, c in _all_citations(letters):
        seen += 1
        for part in (c.chapter, c.topic):
            if part is None:
                continue
            assert not _FRAGMENT.search(part.strip()), (letter.case_number, c.key, c.raw)
            assert part.count("(") == part.count(")"), (letter.case_number, c.key)
        assert getattr(p, c.field)[c.start : c.end] == c.raw
    assert seen > 900


def test_mtus_parts_carry_the_edition_the_letter_names(real_txt):
    for letter, p, c in _all_citations(real_txt):
        text = getattr(p, c.field)
        if c.cited_by == "rationale" or c.source != "MTUS" or not re.search(r"Decision\s+based\s+on\s+MTUS", text):
            continue
        years = re.findall(r"\b(?:19|20)\d\d\b", text)
        assert c.edition in years, (letter.case_number, c.key, c.edition, years)
    editions = {c.edition for _, _, c in _all_citations(real_txt) if c.edition}
    assert {"2004", "2007", "2009", "2016"} <= editions


def test_who_based_what_on_the_mtus(real_txt):
    """Each party's basis, from its own paragraph: "outside of the MTUS" is False, an MTUS
    citation True, "did not cite any medical evidence" None."""
    outside = re.compile(r"outside\s+of\s+the\s+MTUS", re.I)
    counts = {False: 0, True: 0, None: 0}
    for letter in real_txt.values():
        for p in letter.passages:
            for text, basis, party in (
                (p.reviewer_guideline, p.mtus_based, "reviewer"),
                (p.claims_administrator_guideline, p.claims_administrator_mtus_based, "claims_administrator"),
            ):
                if outside.search(text):
                    expected = False
                elif re.search(r"Decision\s+based\s+on\s+MTUS\b", text):
                    expected = True
                elif "did not cite any medical evidence" in text:
                    expected = None
                else:
                    continue
                assert basis is expected, (letter.case_number, p.ordinal, party, text)
                counts[expected] += 1
                if outside.search(text) and not re.search(r"Decision\s+based\s+on\s+MTUS\b", text):
                    assert not any(c.source == "MTUS" for c in p.citations if c.cited_by == party), text
    assert all(counts.values()), counts


def test_vocab_audit_of_the_real_letters_lists_only_unknown_sources(real_stems):
    """`imr vocab audit ../shared/real-letters`: every wording canonicalises but a few sources
    the vocabulary does not (and need not) know."""
    from indexer.letters.audit import audit

    from .conftest import REAL

    report = audit([REAL / "txt"])
    assert report.files == 126 and report.citations > 600 and not report.unreadable
    assert report.unknown and all(u.kind == "source" and u.key.startswith("Other | ") for u in report.unknown), [
        (u.kind, u.key) for u in report.unknown
    ]
    assert all(u.count >= 1 and u.example.endswith(".txt") and u.wording for u in report.unknown)
