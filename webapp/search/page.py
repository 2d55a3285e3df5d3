"""The search results page as data: what the template shows, computed once.

Kept apart from the view so the template stays logic-free and the same
pieces (outcome split, pagination) are reusable by the citator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from markupsafe import Markup, escape

from indexer.query.tree import SCOPES
from indexer.query.types import FACETS, FacetValue, Hit, SearchResponse
from indexer.query.types import Fragment as HitFragment
from webapp import presentation
from webapp.highlights import to_html
from webapp.presentation import OutcomeSplit, outcome_split
from webapp.search.state import PER_PAGE_CHOICES, SearchState
from webapp.urls import citation_url, passage_url, search_url

FACET_VISIBLE = 8  # values shown before "more"
# A result shows the reasoning first and stays short enough to scan.
FRAGMENTS_PER_FIELD = {"rationale": 2}
MAX_FRAGMENTS = 4


@dataclass
class FacetEntry:
    value: str
    label: str
    count: int | None
    active: bool
    url: str  # toggles this value


@dataclass
class FacetGroup:
    name: str
    label: str
    help: str | None
    entries: list[FacetEntry]
    active_count: int
    clear_url: str | None

    @property
    def visible(self) -> list[FacetEntry]:
        return self.entries[:FACET_VISIBLE]

    @property
    def more(self) -> list[FacetEntry]:
        return self.entries[FACET_VISIBLE:]


@dataclass
class Chip:
    facet: str
    facet_label: str
    value: str
    label: str
    remove_url: str


@dataclass
class CitationChip:
    key: str
    label: str
    raw: list[str]
    matched: bool
    url: str
    cited_by: list[str]
    editions: list[str] = field(default_factory=list)  # the editions the letter names ("2016")


@dataclass
class Fragment:
    field: str
    label: str
    html: Markup


@dataclass
class HitView:
    hit: Hit
    passage_id: str
    item_html: Markup
    url: str
    fragments: list[Fragment]
    citations: list[CitationChip]
    folded: list[HitView] = field(default_factory=list)  # near-identical hits of this page under it
    group_url: str | None = None  # this search narrowed to the hit's near-identical rationales

    @property
    def others(self) -> int:
        """Near-identical rationales among the search's matches besides this one."""
        return max(self.hit.group_matches - 1, 0)

    @property
    def others_upheld(self) -> int:
        return max(self.hit.group_upheld - (self.hit.decision == "Upheld"), 0)

    @property
    def others_overturned(self) -> int:
        return max(self.hit.group_overturned - (self.hit.decision == "Overturned"), 0)


@dataclass
class PageLink:
    number: int | None  # None = a gap ("…")
    url: str | None
    current: bool = False


@dataclass
class Pagination:
    page: int
    pages: int
    prev_url: str | None
    next_url: str | None
    links: list[PageLink]
    first: int  # 1-based index of the first hit on this page
    last: int


@dataclass
class SuggestedCitation:
    key: str
    label: str
    filter_url: str
    citator_url: str
    active: bool
    count: int | None = None  # passages citing it (or a citation below it)


@dataclass
class LetterView:
    """One letter of a grouped result page with its matching passages."""

    letter_id: str
    case_number: str | None
    decision_date: str | None
    url: str
    hits: list[HitView]


def count_label(passages: int, letters: int) -> str:
    """ "N passages in M letters": what every count of results says."""
    return f"{passages:,} passage{'' if passages == 1 else 's'} in {letters:,} letter{'' if letters == 1 else 's'}"


@dataclass
class PerPageChoice:
    number: int
    url: str
    current: bool


@dataclass
class SearchPage:
    state: SearchState
    response: SearchResponse
    outcome: OutcomeSplit
    facets: list[FacetGroup]
    chips: list[Chip]
    clear_all_url: str | None
    hits: list[HitView]
    pagination: Pagination
    notices: list[str] = field(default_factory=list)
    read_as: str | None = None
    suggested_citations: list[SuggestedCitation] = field(default_factory=list)
    suggestions: list[tuple[str, str]] = field(default_factory=list)  # (label, url) for an empty result
    letters: list[LetterView] = field(default_factory=list)  # the grouped view's letters
    scope_urls: dict[str, str] = field(default_factory=dict)  # scope -> the same search in that scope
    group_url: str = ""  # the same search grouped the other way
    did_you_mean: tuple[str, str, int] | None = None  # (corrected query, its url, passages it finds)
    letter_url: str | None = None  # the query is exactly this letter's case number
    per_page_choices: list[PerPageChoice] = field(default_factory=list)
    discussed: list[HitView] = field(default_factory=list)  # rationales discussing the words for another request
    closer: list[HitView] = field(default_factory=list)  # passages with all words but one (not counted)

    @property
    def counts(self) -> str:
        return count_label(self.response.total, self.response.total_letters)


def build_page(state: SearchState, response: SearchResponse, problems: list[str]) -> SearchPage:
    # the service may show another page than the one asked for (past the last page)
    shown = state.with_page(response.page) if response.page != state.page else state
    grouped = state.group == "letter"
    views = {hit.passage_id: hit_view(shown, hit) for hit in response.hits}
    units = response.total_letters if grouped else response.total  # what a page lists
    return SearchPage(
        state=shown,
        response=response,
        outcome=outcome_split(response.total, response.facets.get("decision", []), state.values("decision")),
        facets=_facet_groups(state, response.facets),
        chips=_chips(state),
        clear_all_url=search_url(state.cleared()) if state.filters or state.dates else None,
        hits=fold_duplicates(shown, list(views.values())),
        discussed=[hit_view(shown, hit) for hit in response.discussed],
        closer=[hit_view(shown, hit) for hit in response.closer_matches],
        letters=[
            LetterView(
                g.letter_id,
                g.case_number,
                g.decision_date,
                url_for("letters.show", letter_id=g.letter_id, q=state.q or None),
                [views[h.passage_id] for h in g.hits if h.passage_id in views],
            )
            for g in response.letters
        ],
        scope_urls={scope: search_url(state.with_scope(scope)) for scope in SCOPES},
        group_url=search_url(state.with_group("passage" if grouped else "letter")),
        pagination=pagination(
            min(units, response.last_page * shown.per_page),
            shown.page,
            shown.per_page,
            lambda n: search_url(shown.with_page(n)),
        ),
        notices=list(problems) + list(response.messages),
        read_as=response.parsed if read_differently(state.q, response.parsed) else None,
        suggested_citations=[
            SuggestedCitation(
                key=key,
                label=presentation.citation_label(key),
                filter_url=search_url(state.with_filter("citation", key)),
                citator_url=citation_url(key),
                active=state.is_active("citation", key),
                count=response.citation_counts.get(key),
            )
            for key in response.matched_citations
            if key in response.citation_counts
        ],
        suggestions=_suggestions(state) if response.total == 0 else [],
        did_you_mean=(
            (response.did_you_mean, search_url(state.with_query(response.did_you_mean)), response.did_you_mean_total)
            if response.did_you_mean
            else None
        ),
        letter_url=url_for("letters.show", letter_id=response.letter_id) if response.letter_id else None,
        per_page_choices=[
            PerPageChoice(n, search_url(shown.with_per_page(n)), n == shown.per_page) for n in PER_PAGE_CHOICES
        ],
    )


_IMPLICIT = re.compile(r"\bAND\b|[()]")


def _normalise(text: str) -> str:
    text = _IMPLICIT.sub(" ", text or "")
    return " ".join(text.lower().split())


def read_differently(typed: str, parsed: str) -> bool:
    """True when the parsed query says more than "the words you typed, ANDed"."""
    if not typed.strip():
        return False
    return _normalise(typed) != _normalise(parsed)


def _facet_groups(state: SearchState, facets: dict[str, list[FacetValue]]) -> list[FacetGroup]:
    groups: list[FacetGroup] = []
    for name in FACETS:
        values = list(facets.get(name, []))
        active = state.values(name)
        listed = {str(fv.value) for fv in values}
        entries = [
            FacetEntry(
                value=str(fv.value),
                label=presentation.facet_value_label(name, fv.value),
                count=int(fv.count),
                active=str(fv.value) in active,
                url=search_url(state.toggled(name, str(fv.value))),
            )
            for fv in values
        ]
        # A selected value always stays visible (and removable), even if it
        # fell out of the top values or matches nothing now.
        for value in active:
            if value not in listed:
                entries.insert(
                    0,
                    FacetEntry(
                        value,
                        presentation.facet_value_label(name, value),
                        None,
                        True,
                        search_url(state.without_filter(name, value)),
                    ),
                )
        if not entries:
            continue
        entries.sort(key=lambda e: not e.active)  # stable: active first, then by count as given
        groups.append(
            FacetGroup(
                name=name,
                label=presentation.facet_label(name),
                help=presentation.FACET_HELP.get(name),
                entries=entries,
                active_count=len(active),
                clear_url=search_url(state.without_facet(name)) if active else None,
            )
        )
    return groups


def _chips(state: SearchState) -> list[Chip]:
    return [
        Chip(
            facet=name,
            facet_label=presentation.facet_label(name),
            value=value,
            label=presentation.facet_value_label(name, value),
            remove_url=search_url(state.without_filter(name, value)),
        )
        for name, value in state.active_filters
    ] + [
        Chip(
            facet=name,
            facet_label=DATE_LABELS.get(name, name),
            value=value,
            label=value,
            remove_url=search_url(state.without_date(name)),
        )
        for name, value in state.dates
    ]


DATE_LABELS = {
    "decided_from": "Decided from",
    "decided_to": "Decided to",
    "injured_from": "Injured from",
    "injured_to": "Injured to",
}


def hit_view(state: SearchState, hit: Hit) -> HitView:
    highlights = hit.highlights or {}
    item_fragments = highlights.get("item") or []
    # Highlights come as text runs; to_html escapes them and marks the matches.
    # Everything else goes through escape().
    item_html = to_html(item_fragments[0]) if item_fragments else escape(hit.item)
    fragments = [
        Fragment(name, presentation.FIELD_LABELS.get(name, name), to_html(fragment))
        for name in _fragment_fields(highlights)
        for fragment in highlights.get(name, [])[: FRAGMENTS_PER_FIELD.get(name, 1)]
    ][:MAX_FRAGMENTS]
    chips: dict[str, CitationChip] = {}
    for c in hit.citations:
        chip = chips.get(c.key)
        if chip is None:
            chip = chips[c.key] = CitationChip(
                c.key, presentation.citation_label(c.key), [], False, citation_url(c.key), []
            )
        chip.matched = chip.matched or bool(c.matched)
        if c.raw and c.raw not in chip.raw:
            chip.raw.append(c.raw)
        if c.cited_by not in chip.cited_by:
            chip.cited_by.append(c.cited_by)
        if c.edition and c.edition not in chip.editions:
            chip.editions.append(c.edition)
    return HitView(
        hit=hit,
        passage_id=hit.passage_id,
        item_html=item_html,
        url=passage_url(hit.letter_id, hit.ordinal, state.q, back=search_url(state)),
        fragments=fragments,
        citations=sorted(chips.values(), key=lambda ch: not ch.matched),
    )


def fold_duplicates(state: SearchState, views: list[HitView]) -> list[HitView]:
    """The page's hits with each near-identical rationale folded under the first
    hit of its group (the service marks them; counts elsewhere are untouched)."""
    by_id = {v.passage_id: v for v in views}
    out: list[HitView] = []
    for v in views:
        if v.hit.group and v.hit.group_matches > 1:
            v.group_url = search_url(state.with_filter("rationale_group", v.hit.group))
        lead = by_id.get(v.hit.folded_under or "")
        if lead is not None and lead is not v:
            lead.folded.append(v)
        else:
            out.append(v)
    return out


def _fragment_fields(highlights: dict[str, list[HitFragment]]) -> list[str]:
    ordered = [f for f in presentation.FRAGMENT_ORDER if f in highlights]
    return ordered + [f for f in highlights if f not in ordered and f != "item"]


def pagination(total: int, page: int, per_page: int, page_url: Callable[[int], str]) -> Pagination:
    pages = max(1, math.ceil(total / per_page))
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[PageLink] = []
    previous = 0
    for n in numbers:
        if n - previous > 1:
            links.append(PageLink(None, None))
        links.append(PageLink(n, page_url(n), n == page))
        previous = n
    first = (page - 1) * per_page + 1
    return Pagination(
        page=page,
        pages=pages,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page < pages else None,
        links=links,
        first=first if total and first <= total else 0,
        last=min(total, page * per_page),
    )


def _suggestions(state: SearchState) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if state.page > 1:
        out.append(("Go back to the first page", search_url(state.with_page(1))))
    for name, value in state.active_filters:
        out.append(
            (
                f"Remove the filter {presentation.facet_label(name)}: {presentation.facet_value_label(name, value)}",
                search_url(state.without_filter(name, value)),
            )
        )
    if state.filters and state.q:
        out.append(("Search all passages for these words (no filters)", search_url(state.cleared())))
    words = state.q.split()
    if len(words) > 1 and " OR " not in state.q:
        out.append(
            (
                f"Match any of the words: {' OR '.join(words)}",
                search_url(state.cleared().with_query(" OR ".join(words))),
            )
        )
    return out
