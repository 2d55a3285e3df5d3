"""Cutting a cleaned letter into its titled sections.

IMR letters come in a few layouts (see ../shared/domain.md): the MAXIMUS
layout with `CLINICAL CASE SUMMARY` and `IMR ISSUES, DECISIONS AND
RATIONALES`, the same with a header block of case fields, the 2013 layout with
`IMR DECISION(S) AND RATIONALE(S)`, and another organisation's `MEDICAL
PROFESSIONAL REVIEW` layout with colon headings (`ISSUE AT DISPUTE: ...`).
Each known heading gets a `kind` the parser dispatches on; other all-caps lines
become generic sections so the letter page still shows them as printed.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field

from indexer.text.clean import reflow


@dataclass(slots=True)
class Line:
    text: str
    para: bool  # first line of a paragraph


@dataclass
class RawSection:
    title: str  # as printed, without a trailing colon
    kind: str  # "header", "how", "summary", "issues", "decisions", "documents", "issue_at_dispute",
    #            "guidelines_relied", "rationale_why", "qualifications", "other"
    lines: list[Line] = field(default_factory=list)
    heading_extra: str = ""  # text after the heading's words (e.g. "NOT" in RATIONALE FOR WHY...)


_KNOWN = [
    ("how", r"HOW THE (?:IMR )?FINAL DETERMINATION WAS MADE"),
    ("summary", r"CLINICAL CASE SUMMARY|CLINICAL SUMMARY|CASE SUMMARY|SUMMARY OF (?:THE )?CASE|CASE HISTORY"),
    ("issues", r"IMR ISSUES,? DECISIONS,? AND RATIONALES?"),
    ("decisions", r"IMR DECISIONS?\s*(?:\(S\))?\s*AND RATIONALES?\s*(?:\(S\))?"),
    ("documents", r"DOCUMENTS REVIEWED(?: FOR DETERMINATION)?|DOCUMENTATION REVIEWED|RECORDS REVIEWED"),
    ("issue_at_dispute", r"ISSUES? AT DISPUTE|ISSUES? IN DISPUTE|TREATMENTS? IN DISPUTE"),
    (
        "guidelines_relied",
        r"MEDICAL TREATMENT GUIDELINES?\s*(?:\(S\))? RELIED UPON BY (?:THE )?(?:PROFESSIONAL |MEDICAL |EXPERT )?REVIEWER(?: AND WHY)?",
    ),
    (
        "rationale_why",
        r"RATIONALE FOR WHY THE REQUESTED TREATMENT\s*/?\s*SERVICES? (?P<verb>IS\s*/\s*WAS|IS|WAS)(?P<neg>\s+NOT)? MEDICALLY NECESSARY",
    ),
    (
        "qualifications",
        r"(?:MEDICAL |EXPERT |PHYSICIAN |PROFESSIONAL )?REVIEWER(?:'S)? QUALIFICATIONS|(?:EXPERT |MEDICAL )?REVIEWER CREDENTIALS",
    ),
]
_KNOWN_RE = [(kind, re.compile(rf"^(?:{pat})(?P<colon>\s*:)?\s*(?P<rest>.*)$", re.I)) for kind, pat in _KNOWN]
_GENERIC = re.compile(r"^[A-Z][A-Z0-9 ,&/()'.\-]{3,88}:?$")
_DECISION_WORD = re.compile(r"\b(?:UPHELD|OVERTURNED)\b", re.I)
_CASE_NUMBER = re.compile(r"[A-Z]{2,4}\d{2}-\d{5,8}")

# Lines that start a field of their own even inside a paragraph.
LABEL_LINE = re.compile(
    r"^(?:State\(s\) of Licensure|Certification\(s\)\s*/\s*Specialty|(?:IMR )?Case (?:Number|No\.?)|Date Assigned"
    r"|Date of Injury|Decision Date|UR Denial Date|Priority|Application Received|Employee Name|Employee"
    r"|Provider Name|Claim Number|Treatment\(s\) in Dispute|Claims Administrator(?:'s)? guidelines?"
    r"|MAXIMUS guidelines?|Decision rationale|Rationale for the Decision|Date of UR Decision)\s*:",
    re.I,
)


_HEADING_FIRST_WORDS = frozenset(
    "HOW CLINICAL CASE SUMMARY IMR DOCUMENTS DOCUMENTATION RECORDS ISSUE ISSUES TREATMENT TREATMENTS "
    "MEDICAL RATIONALE EXPERT PHYSICIAN PROFESSIONAL REVIEWER REVIEWER'S".split()
)


def _known_heading(text: str) -> tuple[str, re.Match[str]] | None:
    if not text or not text[0].isupper():
        return None
    first = text.split(None, 1)[0].rstrip(":")
    if first not in _HEADING_FIRST_WORDS:
        return None
    for kind, rx in _KNOWN_RE:
        m = rx.match(text)
        if not m:
            continue
        heading_upper = text[: m.start("rest")].upper() == text[: m.start("rest")]
        rest = m.group("rest")
        if not heading_upper:
            continue
        if rest and not m.group("colon") and kind not in ("rationale_why",):
            continue  # a heading with text after it needs a colon between them
        return kind, m
    return None


def _generic_heading(text: str) -> bool:
    if not _GENERIC.match(text) or _DECISION_WORD.search(text) or _CASE_NUMBER.search(text):
        return False
    words = list(re.findall(r"[A-Z]{3,}", text))
    return len(words) >= 2


def sections(paras: list[list[str]]) -> list[RawSection]:
    """Split paragraphs into sections at heading lines."""
    flat: list[Line] = [Line(ln, j == 0) for p in paras for j, ln in enumerate(p)]
    out: list[RawSection] = [RawSection("", "header")]
    in_items = False
    i = 0
    while i < len(flat):
        line = flat[i]
        hit = _known_heading(line.text)
        consumed = 1
        if hit is None and i + 1 < len(flat) and line.text.isupper() and len(line.text) > 20:
            joined = line.text + " " + flat[i + 1].text
            hit2 = _known_heading(joined)
            if hit2 and not hit2[1].group("rest"):
                hit, consumed = hit2, 2
        if hit:
            kind, m = hit
            title = m.string[: m.start("colon") if m.group("colon") else m.start("rest")].strip()
            sec = RawSection(title, kind)
            if kind == "rationale_why":
                sec.heading_extra = (m.group("neg") or "").strip()
            rest = m.group("rest").strip()
            if rest:
                sec.lines.append(Line(rest, True))
            out.append(sec)
            in_items = kind in ("issues", "decisions")
            i += consumed
            continue
        if not in_items and _generic_heading(line.text):
            out.append(RawSection(line.text.rstrip(":").strip(), "other"))
            i += 1
            continue
        if not out[-1].lines:
            line = Line(line.text, True)
        out[-1].lines.append(line)
        i += 1
    return [s for s in out if s.lines or s.kind != "header"]


def paragraph_groups(lines: list[Line]) -> list[list[str]]:
    groups: list[list[str]] = []
    for ln in lines:
        if ln.para or not groups:
            groups.append([ln.text])
        else:
            groups[-1].append(ln.text)
    return groups


def display_text(lines: list[Line], words: Container[str]) -> str:
    """Readable text: paragraphs reflowed, field labels kept at line starts."""
    out: list[str] = []
    for group in paragraph_groups(lines):
        parts: list[list[str]] = []
        after_decision = False
        for ln in group:
            if not parts or after_decision or (":" in ln and LABEL_LINE.match(ln)):  # labels end in ":"
                parts.append([ln])
            else:
                parts[-1].append(ln)
            after_decision = _is_decision_line(ln)
        out.append("\n".join(reflow(p, words) for p in parts))
    return "\n\n".join(out)


_DECISION_LINE = re.compile(r"(?::\s*|^)(?:Upheld|Overturned)\s*$", re.I)


def _is_decision_line(line: str) -> bool:
    """A line ending in `: Upheld` / `Overturned`. The regex is only tried on lines that
    end in a decision word: unanchored, it would try every position of every line."""
    if not line.rstrip().lower().endswith(("upheld", "overturned")):
        return False
    return _DECISION_LINE.search(line) is not None
