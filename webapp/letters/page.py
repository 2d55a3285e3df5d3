"""A letter as the letter page shows it: metadata, sections, anchored passages.

The passages replace the raw text of the issues section, so each disputed
item gets its anchor (`#p-<ordinal>`), its decision, its citations linked to
the citator, and the query's words highlighted. Highlighting goes through
the search service (escaped text with <mark>); every other string is escaped
here, so the template never needs `|safe` on raw letter text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from indexer.model import Citation, Letter, Passage
from webapp import presentation
from webapp.urls import citation_url, letter_part

Highlighter = Callable[[str], Markup]

_ISSUES_TITLE = re.compile(r"ISSUE|RATIONALE|DECISION", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass
class CitationLink:
    key: str
    label: str
    url: str
    raw: list[str]
    cited_by: list[str]


@dataclass
class PassageView:
    passage: Passage
    passage_id: str
    anchor: str
    item_html: Markup
    claims_administrator_html: Markup
    reviewer_html: Markup
    rationale_paragraphs: list[Markup]
    citations: list[CitationLink]


@dataclass
class SectionView:
    title: str
    anchor: str
    paragraphs: list[Markup] = field(default_factory=list)
    passages: list[PassageView] = field(default_factory=list)


@dataclass
class LetterPage:
    letter: Letter
    facts: list[tuple[str, str]]
    sections: list[SectionView]
    unparsed_passage: PassageView | None  # a letter the parser could not split: the whole text as passage 0
    part: int = 1  # which part of a very long letter this page shows (PASSAGES_PER_PART issues each)
    parts: int = 1
    toc: list[Passage] = field(default_factory=list)  # the items listed at the top: this part's


def build_letter_page(letter: Letter, highlight: Highlighter, part: int = 1) -> LetterPage:
    decided = [p for p in letter.passages if not p.unparsed]
    parts = max(1, letter_part(decided[-1].ordinal)) if decided else 1
    part = min(max(1, part), parts)
    shown = [p for p in decided if letter_part(p.ordinal) == part]
    passages = [_passage_view(p, highlight) for p in shown]
    unparsed = next((p for p in letter.passages if p.unparsed), None)
    sections: list[SectionView] = []
    placed = False
    for index, section in enumerate(letter.sections):
        view = SectionView(title=section.title, anchor=f"s-{index + 1}")
        if decided and not placed and _ISSUES_TITLE.search(section.title or ""):
            view.passages = passages
            placed = True
        elif part == 1:  # the rest of the letter is on the first part only
            view.paragraphs = paragraphs(section.text, highlight)
        else:
            continue
        sections.append(view)
    if passages and not placed:
        sections.append(SectionView(title="Issues, decisions and rationales", anchor="s-issues", passages=passages))
    if not sections and not unparsed and letter.text:
        sections.append(SectionView(title="Letter", anchor="s-1", paragraphs=paragraphs(letter.text, highlight)))
    return LetterPage(
        letter=letter,
        facts=_facts(letter),
        sections=sections,
        unparsed_passage=_passage_view(unparsed, highlight) if unparsed and not decided else None,
        part=part,
        parts=parts,
        toc=shown,
    )


def paragraphs(text: str, highlight: Highlighter) -> list[Markup]:
    return [highlight(chunk.strip()) for chunk in _PARAGRAPH_BREAK.split(text or "") if chunk.strip()]


def _passage_view(p: Passage, highlight: Highlighter) -> PassageView:
    return PassageView(
        passage=p,
        passage_id=p.passage_id,
        anchor=f"p-{p.ordinal}",
        item_html=highlight(p.item or ""),
        claims_administrator_html=linked_citations(
            p.claims_administrator_guideline, _in_field(p, "claims_administrator_guideline"), highlight
        ),
        reviewer_html=linked_citations(p.reviewer_guideline, _in_field(p, "reviewer_guideline"), highlight),
        rationale_paragraphs=_linked_paragraphs(p.rationale or "", _in_field(p, "rationale"), highlight),
        citations=_citation_links(p.citations),
    )


def _linked_paragraphs(text: str, citations: list[Citation], highlight: Highlighter) -> list[Markup]:
    """Paragraphs of a field, each with the citations that fall inside it linked."""
    out: list[Markup] = []
    start = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        chunk = text[start:end]
        if chunk.strip():
            inside = [
                dataclasses.replace(c, start=c.start - start, end=c.end - start)
                for c in citations
                if c.start is not None and c.end is not None and start <= c.start and c.end <= end
            ]
            out.append(linked_citations(chunk, inside, highlight))
        if brk:
            start = brk.end()
    return out


def _in_field(p: Passage, field_name: str) -> list[Citation]:
    return [c for c in p.citations if c.field == field_name]


def linked_citations(text: str, citations: list[Citation], highlight: Highlighter) -> Markup:
    """The field's text with each cited span linked to its citator page.

    Spans come from the parser as offsets into this very text; any that do
    not fit (overlapping, out of range) are simply not linked.
    """
    text = text or ""
    out: list[Markup] = []
    cursor = 0
    for c in sorted(citations, key=lambda c: (c.start, c.end)):
        if c.start is None or c.end is None or c.start < cursor or c.end > len(text) or c.start >= c.end:
            continue
        out.append(highlight(text[cursor : c.start]))
        out.append(
            Markup('<a class="cite-link" href="{}" title="{}">{}</a>').format(
                citation_url(c.key),
                "Guideline citator: " + presentation.citation_label(c.key),
                highlight(text[c.start : c.end]),
            )
        )
        cursor = c.end
    out.append(highlight(text[cursor:]))
    return Markup("").join(out)


def _citation_links(citations: list[Citation]) -> list[CitationLink]:
    links: dict[str, CitationLink] = {}
    for c in citations:
        link = links.get(c.key)
        if link is None:
            link = links[c.key] = CitationLink(c.key, presentation.citation_label(c.key), citation_url(c.key), [], [])
        if c.raw and c.raw not in link.raw:
            link.raw.append(c.raw)
        if c.cited_by not in link.cited_by:
            link.cited_by.append(c.cited_by)
    return list(links.values())


def _facts(letter: Letter) -> list[tuple[str, str]]:
    fmt = presentation.format_date
    patient = letter.patient
    who = ", ".join(x for x in (f"{patient.age} years old" if patient.age else "", patient.sex or "") if x)
    pairs = [
        ("Case number", letter.case_number or ""),
        ("Date of injury", fmt(letter.date_of_injury)),
        ("Application received", fmt(letter.application_received)),
        ("UR denial date", fmt(letter.ur_denial_date)),
        ("Date assigned", fmt(letter.date_assigned)),
        ("Decision date", fmt(letter.decision_date)),
        ("Reviewer specialty", ", ".join(letter.reviewer.specialties)),
        ("Board certification", ", ".join(letter.reviewer.board_certified)),
        ("Reviewer licensure", ", ".join(letter.reviewer.licensure)),
        ("Injured worker", who),
        ("Body regions", ", ".join(letter.body_regions)),
        ("Diagnoses", "; ".join(letter.diagnoses)),
    ]
    return [(label, value) for label, value in pairs if value]


def plain_highlighter() -> Highlighter:
    return lambda text: escape(text)
