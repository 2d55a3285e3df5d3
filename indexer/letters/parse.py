"""Turning a letter's text into a `Letter` with one `Passage` per disputed item.

`parse_text` never raises: a letter it cannot fully read still comes back with
its cleaned text, whatever fields it could find and a warning, so the indexer
can keep it searchable as whole text (the indexer adds that passage itself).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Container
from pathlib import Path

from indexer import vocab
from indexer.letters import fields
from indexer.letters.read import text_safe
from indexer.model import Letter, Passage, Section, make_passage_id
from indexer.passages.citations import extract_citations
from indexer.passages.classify import body_region_of, body_regions_in, treatment_of
from indexer.passages.split import RawItem, split_decision_lines, split_headed, split_numbered
from indexer.text.clean import LazyWordSet, normalize, paragraphs_of_normalized
from indexer.text.layout import Line, RawSection, display_text, sections

log = logging.getLogger(__name__)

_SUMMARY_BOILERPLATE = re.compile(
    r"^\s*The\s+(?:expert|physician|professional|medical)\s+reviewer\s+developed\s+the\s+following\s+"
    r"clinical\s+case\s+summary\b[^:]*:\s*",
    re.I,
)
# A party saying it did not rely on the MTUS, in the wordings letters use: "did not base
# their decision on the MTUS", "based their decision on recommendation(s) outside of the
# MTUS Guidelines".
_NOT_MTUS = re.compile(
    r"\b(?:(?:did\s+not|didn't|does\s+not)\s+base\s+(?:their|its|his/her|his|her|the)\s+decisions?\s+on\s+"
    r"|based\s+(?:their|its|his/her|his|her|the)\s+decisions?\s+on\s+(?:\w+(?:\(s\))?\s+){0,3}"
    r"(?:outside|independent)\s+of\s+)"
    r"(?:the\s+)?(?:CA\s+|California\s+)?(?:MTUS|Medical\s+Treatment\s+Utilization\s+Schedule)\b",
    re.I,
)
_ENDS_SENTENCE = re.compile(r"""[.!?]["')\]]*\s*$""")
# How a text cut off mid-sentence ends: on a comma, hyphen or open bracket, or on a word no
# sentence ends with. A complete letter whose last sentence lacks only its period ("...
# is not medically necessary") is not cut off.
_CUT_OFF = re.compile(
    r"""(?:[,;:(\[&/-]|\b(?:the|a|an|of|and|or|to|for|with|in|on|by|at|from|that|which|is|was|are|were|be|as|than"""
    r"""|not|no|per|this|these|his|her|their|its))\s*$""",
    re.I,
)


# The words a rationale's concluding sentence ends on ("... is not medically necessary").
_CONCLUDES = re.compile(
    r"\b(?:necessary|reasonable|appropriate|warranted|recommended|supported|indicated|established"
    r"|certified|approved|denied|upheld|overturned|met)(?:\s+at\s+this\s+time)?\s*$",
    re.I,
)


def _cut_off(rationale: str) -> bool:
    """Whether the last rationale stops mid-sentence: no closing punctuation, and it ends on a
    word no sentence ends with, or its last sentence does not conclude ("... is not medically
    necessary" without its period is a complete letter)."""
    text = rationale.strip()
    if not text or _ENDS_SENTENCE.search(text):
        return False
    return _CUT_OFF.search(text) is not None or _CONCLUDES.search(text) is None


NO_ISSUES = "no IMR issues section recognised (truncated, or not an IMR letter): kept as whole text only"
NO_ITEMS = "issues section found but no disputed item recognised in it: kept as whole text only"


def parse_text(text: str, source_file: str) -> Letter:
    """Parse a letter's text. Never raises; problems become `Letter.warnings`."""
    stem = Path(source_file).stem or "letter"
    try:
        return _parse(text or "", source_file, stem)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the letter
        # the warning below reaches the index report; the traceback is for `--log-level debug`
        log.debug("parser error on %s", source_file, exc_info=True)
        try:
            cleaned = normalize(text or "")
        except Exception:  # noqa: BLE001 - the same bug may sit in normalize: keep the raw text
            log.debug("normalize failed on %s", source_file, exc_info=True)
            cleaned = text_safe(text or "")
        return Letter(
            letter_id=stem,
            source_file=source_file,
            text=cleaned,
            warnings=[f"parser error ({type(exc).__name__}: {exc}); kept as whole text only"],
        )


def _parse(text: str, source_file: str, stem: str) -> Letter:
    normalized = normalize(text)
    words = LazyWordSet(normalized)
    secs = sections(paragraphs_of_normalized(normalized))
    shown = [(s, display_text(s.lines, words)) for s in secs]

    letter = Letter(letter_id=stem, source_file=source_file)
    letter.sections = [Section(title=s.title, text=t) for s, t in shown if t or s.title]
    letter.text = "\n\n".join(f"{s.title}\n{t}".strip() if s.title else t for s, t in shown if t or s.title)
    full = letter.text

    # identity and dates
    letter.case_number = fields.case_number(full)
    if letter.case_number:
        letter.letter_id = letter.case_number
    for name, value in fields.header_dates(full).items():
        setattr(letter, name, value)

    # reviewer credentials: the "how" / qualifications sections, else anywhere
    cred = "\n".join(t for s, t in shown if s.kind in ("how", "qualifications", "header"))
    letter.reviewer = fields.reviewer(cred)
    if not (letter.reviewer.specialties or letter.reviewer.licensure):
        letter.reviewer = fields.reviewer(full)

    # the clinical case summary and what it tells about the patient
    summary = "\n\n".join(t for s, t in shown if s.kind == "summary")
    letter.summary = _SUMMARY_BOILERPLATE.sub("", summary).strip()
    about = letter.summary or full
    letter.patient = fields.patient(about)
    if not letter.date_of_injury:
        letter.date_of_injury = fields.injury_date_in_prose(about) or (
            fields.injury_date_in_prose(full) if letter.summary else None
        )
    letter.diagnoses = fields.diagnoses(letter.summary)

    # the disputed items
    raw_items, warning = _items(secs, words)
    if warning:
        letter.warnings.append(warning)
    summary_regions = body_regions_in(letter.summary)
    for n, raw in enumerate(raw_items, start=1):
        letter.passages.append(_passage(letter.letter_id, n, raw, summary_regions))
    letter.warnings += _item_warnings(letter.passages)

    regions = summary_regions + [p.body_region for p in letter.passages if p.body_region]
    letter.body_regions = list(dict.fromkeys(regions))
    return letter


def _items(secs: list[RawSection], words: Container[str]) -> tuple[list[RawItem], str | None]:
    kinds = {s.kind for s in secs}
    if "issues" in kinds or "decisions" in kinds:
        items: list[RawItem] = []
        for s in secs:
            if s.kind == "issues":
                items += split_decision_lines(s.lines, words) or split_numbered(s.lines, words)
            elif s.kind == "decisions":
                items += split_numbered(s.lines, words) or split_decision_lines(s.lines, words)
        return items, (None if items else NO_ITEMS)
    if "issue_at_dispute" in kinds:
        items = split_headed(secs, words)
        return items, (None if items else NO_ITEMS)
    # No issues heading (damaged or unusual letter): look for decision lines after the summary.
    lines: list[Line] = []
    after_summary = "summary" not in kinds
    for s in secs:
        if after_summary:
            lines += s.lines
        if s.kind == "summary":
            after_summary = True
    items = split_decision_lines(lines, words)
    if items:
        return items, "no IMR issues heading: items recognised by their decision lines"
    return [], NO_ISSUES


def _passage(letter_id: str, ordinal: int, raw: RawItem, summary_regions: list[str]) -> Passage:
    cites = (
        extract_citations(raw.claims_administrator_guideline, "claims_administrator_guideline", "claims_administrator")
        + extract_citations(raw.reviewer_guideline, "reviewer_guideline", "reviewer")
        + extract_citations(raw.rationale, "rationale", "rationale")
    )
    return Passage(
        passage_id=make_passage_id(letter_id, ordinal),
        letter_id=letter_id,
        ordinal=ordinal,
        item=raw.item,
        item_context=raw.item_context,
        decision=raw.decision,
        claims_administrator_guideline=raw.claims_administrator_guideline,
        reviewer_guideline=raw.reviewer_guideline,
        rationale=raw.rationale,
        treatment=treatment_of(raw.item),
        body_region=_passage_region(raw, cites, summary_regions),
        mtus_based=_mtus_based(raw.reviewer_guideline, cites, "reviewer"),
        claims_administrator_mtus_based=_mtus_based(raw.claims_administrator_guideline, cites, "claims_administrator"),
        citations=cites,
    )


def _passage_region(raw: RawItem, cites, summary_regions: list[str]) -> str | None:
    """The item's body region: named in the item; else the body region of the guideline
    chapter cited for it; else the one region its rationale names, or else the one
    region the case summary names. Several candidate regions give None: a wrong
    facet value misleads more than a missing one."""
    region = body_region_of(raw.item)
    if region:
        return region
    chapters = vocab.chapter_by_key()
    for c in cites:
        if c.cited_by != "rationale" and c.chapter:
            ch = chapters.get(f"{c.source} | {c.chapter}") or chapters.get(f"MTUS | {c.chapter}")
            if ch is not None and ch.body_region:
                return ch.body_region
    in_rationale = body_regions_in(raw.rationale)
    if in_rationale:
        return in_rationale[0] if len(in_rationale) == 1 else None
    return summary_regions[0] if len(summary_regions) == 1 else None


def _mtus_based(guideline: str, cites, party: str) -> bool | None:
    """Whether one party (`party`: the `cited_by` of its paragraph) based its decision on
    the MTUS: False when it says it did not or went outside the MTUS, or cites only
    non-MTUS guidelines; True when it cites the MTUS; None when it cites nothing
    ("did not cite any medical evidence") or has no paragraph."""
    if not guideline.strip():
        return None
    if _NOT_MTUS.search(guideline):
        return False
    mine = [c for c in cites if c.cited_by == party]
    if any(c.source == "MTUS" for c in mine):
        return True
    if mine:
        return False
    return None


def _item_warnings(passages: list[Passage]) -> list[str]:
    out = []
    for p in passages:
        if p.decision is None:
            out.append(f"item {p.ordinal}: decision not recognised")
        if not p.rationale.strip():
            out.append(f"item {p.ordinal}: no decision rationale found")
    if passages and _cut_off(passages[-1].rationale):
        out.append("the last rationale ends mid-sentence: the letter may be truncated")
    return out
