"""Every synthetic letter parses back into what it was generated from.

This doubles as a parser test over hundreds of letters in the real layout:
both credential styles, header blocks, PDF line wrapping and page footers,
items wrapped across lines or with the decision on the next line, and
guideline citations in the vocabulary's many wordings.
"""

from __future__ import annotations

import pytest

from indexer.letters.parse import parse_text
from indexer.synth import generate_letter, letter_rng

SEED = 20240611
LETTERS = 300


def _generated():
    for index in range(LETTERS):
        yield generate_letter(letter_rng(SEED, index), index, SEED)


@pytest.fixture(scope="module")
def pairs():
    out = []
    for text, expected in _generated():
        name = expected.file.rsplit("/", 1)[1]
        out.append((text, expected, parse_text(text, name)))
    return out


def _report(problems: list[str]) -> str:
    return f"{len(problems)} mismatches; first ones:\n" + "\n".join(problems[:15])


def test_items_and_decisions_round_trip(pairs):
    problems = []
    for _text, exp, letter in pairs:
        got = [(p.item, p.decision) for p in letter.passages if not p.unparsed]
        want = [(p.item, p.decision) for p in exp.passages]
        if got != want:
            problems.append(f"{exp.file}: want {want}\n    got  {got}")
    assert not problems, _report(problems)


def test_citation_keys_round_trip(pairs):
    problems = []
    for _text, exp, letter in pairs:
        passages = [p for p in letter.passages if not p.unparsed]
        if len(passages) != len(exp.passages):
            continue  # reported by the items test
        for want, got in zip(exp.passages, passages, strict=True):
            for who, keys in (
                ("claims_administrator", want.claims_administrator_keys),
                ("reviewer", want.reviewer_keys),
            ):
                found = sorted({c.key for c in got.citations if c.cited_by == who})
                if found != keys:
                    field = {
                        "claims_administrator": got.claims_administrator_guideline,
                        "reviewer": got.reviewer_guideline,
                    }[who]
                    problems.append(
                        f"{exp.file} item {want.item!r} ({who}):\n    text {field!r}\n    want {keys}\n    got  {found}"
                    )
    assert not problems, _report(problems)


def test_citation_spans_point_at_their_text(pairs):
    """The UI highlights `raw` at [start, end) in its field: the offsets must be right."""
    problems = []
    for _text, exp, letter in pairs:
        for p in letter.passages:
            for c in p.citations:
                field = getattr(p, c.field, None)
                if field is None or field[c.start : c.end] != c.raw:
                    problems.append(f"{exp.file} {p.passage_id}: {c.field}[{c.start}:{c.end}] != {c.raw!r}")
    assert not problems, _report(problems)


def test_mtus_based_round_trips(pairs):
    problems = []
    for _text, exp, letter in pairs:
        passages = [p for p in letter.passages if not p.unparsed]
        for want, got in zip(exp.passages, passages, strict=False):
            if got.mtus_based is not want.mtus_based:
                problems.append(f"{exp.file} {want.item!r}: want mtus_based={want.mtus_based}, got {got.mtus_based}")
    assert not problems, _report(problems)


def test_letter_fields_round_trip(pairs):
    problems = []
    for _text, exp, letter in pairs:
        checks = {
            "letter_id": (letter.letter_id, exp.letter_id),
            "case_number": (letter.case_number, exp.case_number),
            "date_of_injury": (letter.date_of_injury, exp.date_of_injury),
            "specialties": (letter.reviewer.specialties, exp.specialties),
            "licensure": (letter.reviewer.licensure, exp.licensure),
            "age": (letter.patient.age, exp.age),
            "sex": (letter.patient.sex, exp.sex),
        }
        if exp.header_block:
            checks["decision_date"] = (letter.decision_date, exp.decision_date)
            checks["date_assigned"] = (letter.date_assigned, exp.date_assigned)
        for name, (got, want) in checks.items():
            if got != want:
                problems.append(f"{exp.file} ({exp.credential_style} credentials): {name} want {want!r} got {got!r}")
    assert not problems, _report(problems)


def test_no_warnings_on_well_formed_letters(pairs):
    noisy = [(exp.file, letter.warnings) for _t, exp, letter in pairs if letter.warnings]
    assert not noisy, _report([f"{f}: {w}" for f, w in noisy])
