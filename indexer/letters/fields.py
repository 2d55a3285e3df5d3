"""Letter-level facts: case number, dates, reviewer credentials, patient, diagnoses.

Every extractor takes cleaned, reflowed text and returns None/[] when the
letter does not say: a wrong value in a facet is worse than a missing one.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache

from indexer import vocab
from indexer.model import Patient, Reviewer
from indexer.text.phrases import PhraseIndex, tokenize
from indexer.text.scan import AnchoredPattern

# ---------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
DATE = (
    r"(?:\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}"
    r"|\d{4}-\d{2}-\d{2}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
)
_NUMERIC = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})$")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")
_WORDY = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def parse_date(text: str) -> str | None:
    """ISO date (YYYY-MM-DD) from a US-style date, or None if it is not a real date."""
    text = text.strip()
    try:
        if m := _ISO.match(text):
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
        elif m := _NUMERIC.match(text):
            mo, d, y = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                y += 2000 if y <= 40 else 1900
            elif len(m[3]) == 3:
                return None
        elif m := _WORDY.match(text):
            mo = _MONTHS.get(m[1][:3].lower(), 0)
            d, y = int(m[2]), int(m[3])
        else:
            return None
        if not 1900 <= y <= 2100:
            return None
        return _dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- header fields

_HEADER_LABELS = {
    "date_assigned": r"Date Assigned",
    "date_of_injury": r"Date of Injury|DOI",
    "decision_date": r"Decision Date|Date of (?:IMR )?Decision|Final Determination Date",
    "ur_denial_date": r"UR Denial Date|Date of UR Decision|UR Decision Date|Utilization Review Date",
    "application_received": r"(?:IMR )?Application Received|Date (?:IMR )?Application Received",
}
# Both scan the whole letter: anchored on the first words of their labels (see `scan`).
_HEADER_DATES = AnchoredPattern(
    re.compile(
        r"\b(?:"
        + "|".join(f"(?P<{name}>{pat})" for name, pat in _HEADER_LABELS.items())
        + rf")\s*:\s*(?P<date>{DATE})",
        re.I,
    ),
    ["Date", "DOI", "Decision", "Final", "UR", "Utilization", "IMR", "Application"],
    word_start=True,
)
_CASE_LABELLED = AnchoredPattern(
    re.compile(r"\b(?:IMR\s+)?Case\s*(?:Number|No\.?|#)\s*:?\s*([A-Z]{2,4}\d{2}-\d{5,8})\b", re.I),
    ["IMR", "Case"],
    word_start=True,
)
_CASE_BARE = re.compile(r"\b(CM\d{2}-\d{7})\b")


def case_number(text: str) -> str | None:
    m = _CASE_LABELLED.search(text) or _bare_case_number(text)
    return m.group(1).upper() if m else None


def _bare_case_number(text: str) -> re.Match[str] | None:
    """`_CASE_BARE.search(text)`, started at the first "CM": the pattern opens with `\\b`,
    which keeps `re` from skipping ahead to it on its own."""
    at = text.find("CM")
    return _CASE_BARE.search(text, at) if at >= 0 else None


def header_dates(text: str) -> dict[str, str | None]:
    """Labelled dates of the case header (`Date of Injury: 09/06/2014`), first valid one per label."""
    out: dict[str, str | None] = dict.fromkeys(_HEADER_LABELS)
    for m in _HEADER_DATES.finditer(text):
        name = next(k for k in _HEADER_LABELS if m.group(k))
        if out[name] is None:
            out[name] = parse_date(m.group("date"))
    return out


_INJURY_IN_PROSE = re.compile(
    rf"(?:date\s+of\s+(?:the\s+)?injury|\binjur(?:y|ies|ed)|\bDOI)\b[^.;]{{0,60}}?"
    rf"(?:\b(?:on|of|is|was|dated|date)\b|:)\s*(?:or\s+about\s+|approximately\s+)?({DATE})",
    re.I,
)


def injury_date_in_prose(text: str) -> str | None:
    """`injury on 9/6/14`, `date of injury is 01/16/2009` -> ISO date."""
    for m in _INJURY_IN_PROSE.finditer(text):
        value = parse_date(m.group(1))
        if value:
            return value
    return None


# ---------------------------------------------------------------- reviewer

# Anchored on their first words (see `scan`): credentials may be looked for in the whole letter.
_LICENSURE_BLOCK = AnchoredPattern(
    re.compile(r"State\s*\(s\)\s*of\s*Licensure\s*:\s*(.*?)(?=\n|Certification\s*\(s\)|$)", re.I), ["State"]
)
_SPECIALTY_BLOCK = AnchoredPattern(
    re.compile(
        r"Certifications?\s*(?:\(s\))?\s*/\s*Specialt(?:y|ies)\s*:\s*(.*?)(?=\n|State\s*\(s\)\s*of\s*Licensure|$)", re.I
    ),
    ["Certification"],
)
_BOARD_SENTENCE = AnchoredPattern(
    re.compile(
        r"\bboard[-\s]+certified\s+(?:in\s+|by\s+the\s+American\s+Board\s+of\s+)?(.{3,200}?)"
        r"(?=\s*(?:,\s*|\s+and\s+)?(?:is\s+licensed|has\s+a|he/she|who|with\s+a\s+subspecialty|and\s+is\b|licensed)|\.(?:\s|$)|$)",
        re.I,
    ),
    ["board"],
    word_start=True,
)
_SUBSPECIALTY = AnchoredPattern(
    re.compile(
        r"\bsub-?specialty\s+(?:certificate\s+|certification\s+)?in\s+(.{3,120}?)(?=\s+and\s+is\b|\s+and\s+licensed|,|\.(?:\s|$)|$)",
        re.I,
    ),
    ["sub"],
    word_start=True,
)
_LICENSED_SENTENCE = AnchoredPattern(
    re.compile(
        r"\blicensed\s+(?:to\s+practice\s+)?(?:medicine\s+|psychology\s+|chiropractic\s+|acupuncture\s+)?in\s+(.{2,200}?)(?=\.(?:\s|$)|;|\bHe/she\b|\bhe\b|\bshe\b|$)",
        re.I,
    ),
    ["licensed"],
    word_start=True,
)
_AMBIGUOUS_CODES = frozenset(
    {"IN", "OR", "ME", "OK", "HI", "OH", "PA", "MA", "DE", "AL", "CO", "LA", "MD", "ID", "MO", "ND"}
)


@lru_cache(maxsize=1)
def _specialty_index() -> PhraseIndex[str]:
    idx: PhraseIndex[str] = PhraseIndex()
    for s in vocab.specialties():
        idx.add(s.name, s.name)
        for a in s.aliases:
            idx.add(a, s.name)
    return idx


@lru_cache(maxsize=1)
def _state_index() -> PhraseIndex[str]:
    return PhraseIndex((name, name) for name in vocab.states())


@lru_cache(maxsize=1)
def _state_codes() -> dict[str, str]:
    return {code: name for name, code in vocab.states().items()}


def specialties_in(phrase: str, *, keep_unknown: bool = True) -> list[str]:
    """Canonical specialties named in a phrase; unknown comma-separated names kept as written."""
    found = _specialty_index().find_all(phrase)
    names = _unique(p for _, _, p in found)
    if keep_unknown:
        rest = phrase
        for s, e, _ in reversed(found):
            rest = rest[:s] + "," + rest[e:]
        for part in re.split(r"[,;]|\band\b", rest):
            part = " ".join(part.split()).strip(" .:-&/")
            if len(part) >= 4 and re.search(r"[A-Za-z]{4,}", part) and part[0].isupper() and len(part) <= 60:
                names.append(part)
    return _unique(names)


def states_in(phrase: str) -> list[str]:
    names = [p for _, _, p in _state_index().find_all(phrase)]
    codes = _state_codes()
    for tok in tokenize(phrase):
        if tok.text in codes and tok.text not in _AMBIGUOUS_CODES:
            names.append(codes[tok.text])
    return _unique(names)


def reviewer(text: str) -> Reviewer:
    """Credentials in either style: the block (`State(s) of Licensure:` /
    `Certification(s)/Specialty:`) or the sentence ("Board Certified in X and
    is licensed to practice in Y"). Block certifications count as board
    certifications too: the block is the letter's list of certifications."""
    specialties: list[str] = []
    board: list[str] = []
    licensure: list[str] = []
    for m in _SPECIALTY_BLOCK.finditer(text):
        names = specialties_in(m.group(1))
        specialties += names
        board += names
    for m in _LICENSURE_BLOCK.finditer(text):
        licensure += states_in(m.group(1))
    for m in _BOARD_SENTENCE.finditer(text):
        names = specialties_in(m.group(1), keep_unknown=False) or specialties_in(m.group(1))
        specialties += names
        board += names
    for m in _SUBSPECIALTY.finditer(text):
        specialties += specialties_in(m.group(1))
    for m in _LICENSED_SENTENCE.finditer(text):
        licensure += states_in(m.group(1))
    return Reviewer(specialties=_unique(specialties), board_certified=_unique(board), licensure=_unique(licensure))


# ---------------------------------------------------------------- patient

_SEX_WORDS = {
    "female": "female",
    "woman": "female",
    "lady": "female",
    "girl": "female",
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "boy": "male",
}
_AGE_SEX = re.compile(
    r"\b(\d{1,3})[-\s]*(?:year|yr)s?[-\s]*old\b,?\s+(?:[A-Za-z-]+\s+){0,3}?"
    r"(female|male|woman|man|gentleman|lady|girl|boy)\b",
    re.I,
)
_AGE = re.compile(r"\b(\d{1,3})[-\s]*(?:year|yr)s?[-\s]*old\b|\bage(?:d)?\s*:?\s*(\d{1,3})\b", re.I)
_SEX_ONLY = re.compile(r"\b(female|male|woman|gentleman|lady)\b", re.I)
_SHE = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)
_HE = re.compile(r"\b(?:he|him|his|himself)\b", re.I)
_BOTH = re.compile(r"\b(?:he/she|his/her|him/her|she/he|her/his)\b", re.I)


def patient(summary: str) -> Patient:
    age: int | None = None
    sex: str | None = None
    if m := _AGE_SEX.search(summary):
        age, sex = int(m.group(1)), _SEX_WORDS[m.group(2).lower()]
    else:
        if m := _AGE.search(summary):
            age = int(m.group(1) or m.group(2))
        if m := _SEX_ONLY.search(summary):
            sex = _SEX_WORDS[m.group(1).lower()]
        else:
            plain = _BOTH.sub(" ", summary)
            she, he = len(_SHE.findall(plain)), len(_HE.findall(plain))
            if she >= 2 and she > 2 * he:
                sex = "female"
            elif he >= 2 and he > 2 * she:
                sex = "male"
    if age is not None and not 14 <= age <= 110:
        age = None
    return Patient(age=age, sex=sex)


# ---------------------------------------------------------------- diagnoses

_DIAGNOSES = AnchoredPattern(
    re.compile(
        r"(?:\bdiagnosed\s+(?:as\s+having|with)|\bdiagnos(?:es|is)\s+(?:have\s+included|has\s+included|included|includes?|are|were|is|was|of|consist\s+of)"
        r"|following\s+diagnos(?:es|is)\s*(?:,|:|of|include)?|\bassessment\s+(?:notes|is|was|includes?|revealed)|\bdiagnos(?:es|is)\s*:)"
        r"\s*(.+?)(?:\.(?:\s|$)|$)",
        re.I | re.S,
    ),
    ["diagnos", "following", "assessment"],
)
_SPLIT_DIAG = re.compile(r"\s*(?:;|,|\band\b)\s*", re.I)


def diagnoses(summary: str) -> list[str]:
    out: list[str] = []
    for m in _DIAGNOSES.finditer(summary):
        for part in _SPLIT_DIAG.split(m.group(1)):
            part = " ".join(part.split()).strip(" :-")
            part = re.sub(r"^(?:and|or|the|a|an|as having|with)\s+", "", part, flags=re.I)
            if 3 <= len(part) <= 80 and re.search(r"[A-Za-z]{3}", part):
                out.append(part)
    return _unique(out)[:25]


def _unique(items) -> list[str]:
    """Distinct non-empty strings in first-seen order, ignoring case."""
    out: list[str] = []
    lowered: set[str] = set()
    for it in items:
        if it and it.lower() not in lowered:
            lowered.add(it.lower())
            out.append(it)
    return out
