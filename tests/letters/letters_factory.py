"""Building letters for tests: a layout-1/2 letter from parts, and PDF-style damage."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

HOW = (
    "MAXIMUS Federal Services sent the complete case file to an expert reviewer. He/she has no "
    "affiliation with the employer, employee, providers or the claims administrator. The expert "
    "reviewer is Board Certified in {specialty} and is licensed to practice in {state}. He/she has "
    "been in active clinical practice for more than five years."
)


@dataclass
class Item:
    item: str
    decision: str = "Upheld"
    claims: str = "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids, criteria for use Page(s): 76-80."
    reviewer: str = (
        "The Expert Reviewer did not base their decision on the MTUS. Decision based on Non-MTUS "
        "Citation Official Disability Guidelines (ODG) Low Back Chapter, Facet joint diagnostic blocks."
    )
    rationale: str = (
        "The requested treatment is not supported by the guidelines. Therefore it is not medically necessary."
    )


@dataclass
class LetterSpec:
    items: list[Item]
    specialty: str = "Occupational Medicine"
    state: str = "California"
    summary: str = (
        "The injured worker is a 45 year old male who sustained an industrial injury on 03/02/2012. "
        "He complains of low back pain radiating to the left leg. Treatment to date has included "
        "physical therapy and medications."
    )
    header: list[str] = field(default_factory=list)


def build_letter(spec: LetterSpec) -> str:
    """A clean single-spaced letter in the samples' layout (paragraphs separated by a blank line)."""
    parts: list[str] = []
    if spec.header:
        parts.append("\n".join(spec.header))
    parts += [
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        HOW.format(specialty=spec.specialty, state=spec.state),
        "CLINICAL CASE SUMMARY\nThe expert reviewer developed the following clinical case summary based on a "
        "review of the case file, including all medical records:",
        spec.summary,
        "IMR ISSUES, DECISIONS AND RATIONALES\nThe Final Determination was based on decisions for the disputed "
        "items/services set forth below:",
    ]
    for it in spec.items:
        parts += [
            f"{it.item}: {it.decision}",
            f"Claims Administrator guideline: {it.claims}",
            f"MAXIMUS guideline: {it.reviewer}",
            f"Decision rationale: {it.rationale}",
        ]
    return "\n\n".join(parts) + "\n"


def wrap(text: str, width: int = 60) -> str:
    """Wrap every paragraph at `width` columns, as PDF text extraction does."""
    out = []
    for para in text.split("\n\n"):
        lines = []
        for line in para.split("\n"):
            lines += textwrap.wrap(line, width=width, break_on_hyphens=False) or [""]
        out.append("\n".join(lines))
    return "\n\n".join(out)


def double_blank_lines(text: str) -> str:
    """The samples' damage: a blank line after every line, paragraphs separated by a ' ' line."""
    out = []
    for para in text.split("\n\n"):
        out.append("\n\n".join(ln + " " for ln in para.split("\n")))
    return "\n\n \n\n".join(out)


def paginate(text: str, lines_per_page: int = 15, form_feed: bool = False) -> str:
    """Insert `Page n of m` footers (and optionally form feeds) every few lines."""
    lines = text.split("\n")
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    total = len(pages)
    out = []
    for n, page in enumerate(pages, start=1):
        out.append("\n".join(page + [f"Page {n} of {total}"]))
    return ("\f" if form_feed else "\n").join(out)
