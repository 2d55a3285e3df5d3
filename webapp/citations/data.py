"""The citator's data, shared by `/citations...` pages and their `/api/citations...` twins.

Everything comes from facet counts of the search service, so counts are exactly
what a search shows. Two rules keep them quotable:

- Figures are of the IMR reviewer's citations by default (`reviewer_citation`:
  what the reviewer relied on); `cited_by=any` counts a citation in either
  party's paragraph. The detail page shows the passages that cite a guideline
  only in the claims administrator's paragraph separately.
- A guideline's passages are selected by a citation term in the query, not by a
  facet filter: a facet's counts ignore its own filter (multi-select), so the
  co-citations of a filtered search would count every passage. In the query,
  every facet, the co-citations included, is counted over the citing passages
  only: "cited with it" is the number of passages citing both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from indexer.model import CitationKey
from indexer.query.limits import PAGING
from indexer.query.types import FacetValue, SearchRequest, SearchResponse
from webapp import presentation
from webapp.charts import NO_DATE, BarChart, year_chart
from webapp.presentation import OutcomeSplit, outcome_split, rate_interval

ALL_VALUES = 100_000  # facet_limit meaning "every value"
CO_CITED_SHOWN = 15
CITED_BY = ("reviewer", "any")  # whose citations the citator counts
INDEX_SORTS = ("count", "rate", "name")
FACET_OF = {"reviewer": "reviewer_citation", "any": "citation"}
SOURCE_ORDER = ("MTUS", "ACOEM", "ODG", "Other")


def natural_key(text: str | None) -> tuple:
    """Order "ACOEM Chapter 2" before "ACOEM Chapter 10": numbers compare as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", text or "")
        if part
    )


def word_starts_match(words: list[str], text: str) -> bool:
    """Every filter word begins some word of `text` (`ESI` is not "analgESIcs")."""
    return all(re.search(r"(?<![^\W_])" + re.escape(w), text, re.IGNORECASE) for w in words)


def citation_query(facet: str, key: str) -> str | None:
    """The query selecting passages that cite `key` (or a topic below it); None if
    the key cannot be written as a query value."""
    if '"' in key or not key.strip():
        return None
    return f'{facet}:"{key}"'


@dataclass
class CitationEntry:
    key: str
    source: str
    chapter: str | None
    topic: str | None
    count: int
    upheld: int = 0
    overturned: int = 0

    @property
    def label(self) -> str:
        return presentation.citation_label(self.key)

    @property
    def decided(self) -> int:
        return self.upheld + self.overturned

    @property
    def overturn_rate(self) -> float | None:
        return round(100.0 * self.overturned / self.decided, 1) if self.decided else None

    @property
    def overturn_ci(self) -> tuple[float, float] | None:
        return rate_interval(self.overturned, self.decided)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "source": self.source,
            "chapter": self.chapter,
            "topic": self.topic,
            "count": self.count,
            "upheld": self.upheld,
            "overturned": self.overturned,
            "overturn_rate": self.overturn_rate,
            "overturn_ci95": list(self.overturn_ci) if self.overturn_ci else None,
        }


@dataclass
class ChapterGroup:
    chapter: str
    entries: list[CitationEntry]


@dataclass
class SourceGroup:
    source: str
    chapters: list[ChapterGroup]
    count: int  # passages citing anything under this source (a passage may count twice)


def _sort_entries(entries: list[CitationEntry], sort: str) -> list[CitationEntry]:
    if sort == "rate":  # highest overturn rate first; citations without decided passages last
        return sorted(
            entries, key=lambda e: (e.overturn_rate is None, -(e.overturn_rate or 0), -e.count, natural_key(e.key))
        )
    if sort == "name":
        return sorted(entries, key=lambda e: natural_key(e.key))
    return sorted(entries, key=lambda e: (-e.count, natural_key(e.key)))


@dataclass
class CitationIndex:
    filter: str
    entries: list[CitationEntry]
    total_citations: int  # before filtering
    cited_by: str = "reviewer"
    sort: str = "count"

    @property
    def groups(self) -> list[SourceGroup]:
        by_source: dict[str, dict[str, list[CitationEntry]]] = {}
        for e in self.entries:
            by_source.setdefault(e.source, {}).setdefault(e.chapter or "", []).append(e)
        order = {s: i for i, s in enumerate(SOURCE_ORDER)}
        return [
            SourceGroup(
                source=source,
                chapters=[
                    ChapterGroup(ch, _sort_entries(es, self.sort))
                    for ch, es in sorted(chapters.items(), key=lambda kv: natural_key(kv[0]))
                ],
                count=sum(e.count for es in chapters.values() for e in es),
            )
            for source, chapters in sorted(by_source.items(), key=lambda kv: (order.get(kv[0], 9), kv[0]))
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "filter": self.filter,
            "cited_by": self.cited_by,
            "sort": self.sort,
            "total_citations": self.total_citations,
            "citations": [e.to_json() for e in self.entries],
        }


def entry_for(key: str, count: int, upheld: int = 0, overturned: int = 0) -> CitationEntry:
    parsed = CitationKey.parse(key)
    return CitationEntry(
        key=key,
        source=parsed.source or key,
        chapter=parsed.chapter,
        topic=parsed.topic,
        count=count,
        upheld=upheld,
        overturned=overturned,
    )


def _counts(values: list[FacetValue]) -> dict[str, int]:
    return {str(fv.value): int(fv.count) for fv in values}


def _facet(service: Any, facet: str, query: str = "", filters: dict | None = None) -> dict[str, int]:
    response = service.search(SearchRequest(query=query, filters=filters or {}, per_page=1, facet_limit=ALL_VALUES))
    return _counts(response.facets.get(facet, []))


def citation_index(
    service: Any, filter_text: str = "", cited_by: str = "reviewer", sort: str = "count"
) -> CitationIndex:
    cited_by = cited_by if cited_by in CITED_BY else "reviewer"
    sort = sort if sort in INDEX_SORTS else "count"
    facet = FACET_OF[cited_by]
    counts = _facet(service, facet)
    # a decision filter narrows the citation facet (it is another facet's filter)
    upheld = _facet(service, facet, filters={"decision": ["Upheld"]})
    overturned = _facet(service, facet, filters={"decision": ["Overturned"]})
    entries = [entry_for(k, n, upheld.get(k, 0), overturned.get(k, 0)) for k, n in counts.items()]
    total = len(entries)
    words = filter_text.split()
    if words:
        entries = [e for e in entries if word_starts_match(words, e.key)]
    return CitationIndex(
        filter=filter_text, entries=_sort_entries(entries, sort), total_citations=total, cited_by=cited_by, sort=sort
    )


@dataclass
class Breakdown:
    """One row of a breakdown (a specialty, a year, an edition) with its outcome split."""

    value: str
    count: int
    upheld: int
    overturned: int

    @property
    def outcome(self) -> OutcomeSplit:
        return OutcomeSplit(
            self.upheld, self.overturned, max(self.count - self.upheld - self.overturned, 0), self.count
        )

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, **self.outcome.to_json()}


@dataclass
class CitationDetail:
    entry: CitationEntry
    response: SearchResponse  # the page of passages citing it
    outcome: OutcomeSplit
    year_basis: str  # "decision_year" or "injury_year"
    years: dict[str, dict[str, int]]  # year (or "no date") -> {"upheld", "overturned", "other"}
    specialties: list[Breakdown]
    co_cited: list[CitationEntry]
    direct: int  # passages citing exactly this key (the rest cite a topic below it)
    cited_by: str = "reviewer"
    sources: list[tuple[str, int]] = field(default_factory=list)
    editions: list[Breakdown] = field(default_factory=list)
    administrator_only: OutcomeSplit | None = None  # passages citing it only in the claims administrator's paragraph
    query: str = ""  # the query selecting these passages (for "search within")

    @property
    def chart(self) -> BarChart:
        return year_chart(self.years)

    def to_json(self) -> dict[str, Any]:
        return {
            "citation": self.entry.to_json(),
            "cited_by": self.cited_by,
            "direct": self.direct,
            "total_letters": self.response.total_letters,
            "outcome": self.outcome.to_json(),
            "administrator_only": self.administrator_only.to_json() if self.administrator_only else None,
            "year_basis": self.year_basis,
            "by_year": [{"year": y, **counts} for y, counts in self.years.items()],
            "specialties": [b.to_json() for b in self.specialties],
            "editions": [b.to_json() for b in self.editions],
            "co_cited": [e.to_json() for e in self.co_cited],
            "passages": self.response.to_json(),
        }


def _breakdown(
    facet: str, response: SearchResponse, upheld: SearchResponse, overturned: SearchResponse
) -> list[Breakdown]:
    up, ov = _counts(upheld.facets.get(facet, [])), _counts(overturned.facets.get(facet, []))
    return [Breakdown(v, n, up.get(v, 0), ov.get(v, 0)) for v, n in _counts(response.facets.get(facet, [])).items()]


def _years(basis: str, response: SearchResponse, splits: dict[str, SearchResponse]) -> dict[str, dict[str, int]]:
    """Passages per year split by outcome; passages without a date form a "no date"
    row (a passage has one year at most, so they are what the year counts miss)."""
    totals = _counts(response.facets.get(basis, []))
    per = {d.lower(): _counts(split.facets.get(basis, [])) for d, split in splits.items()}
    rows: dict[str, dict[str, int]] = {}
    for year, n in totals.items():
        up, ov = per["upheld"].get(year, 0), per["overturned"].get(year, 0)
        rows[year] = {"upheld": up, "overturned": ov, "other": max(n - up - ov, 0)}
    undated = {d.lower(): split.total - sum(per[d.lower()].values()) for d, split in splits.items()}
    other = (response.total - sum(totals.values())) - undated["upheld"] - undated["overturned"]
    if undated["upheld"] or undated["overturned"] or other > 0:
        rows[NO_DATE] = {"upheld": undated["upheld"], "overturned": undated["overturned"], "other": max(other, 0)}
    return dict(sorted(rows.items(), key=lambda kv: (kv[0] == NO_DATE, kv[0])))


def citation_detail(
    service: Any,
    key: str,
    page: int = 1,
    per_page: int = PAGING.per_page,
    sort: str = "relevance",
    cited_by: str = "reviewer",
) -> CitationDetail | None:
    """None when no passage cites `key` (the citator has nothing to say about it).

    Counts include passages citing a topic below `key`, as the search filter does."""
    cited_by = cited_by if cited_by in CITED_BY else "reviewer"
    facet = FACET_OF[cited_by]
    query = citation_query(facet, key)
    if query is None:
        return None
    response = service.search(
        SearchRequest(query=query, page=page, per_page=per_page, sort=sort, facet_limit=ALL_VALUES)
    )
    administrator_only = None
    if cited_by == "reviewer":
        ca = service.search(SearchRequest(query=f'citation:"{key}" -{query}', per_page=1, facet_limit=ALL_VALUES))
        if ca.total:
            administrator_only = outcome_split(ca.total, ca.facets.get("decision", []))
    if response.total == 0 and administrator_only is None:
        return None
    splits = {
        d: service.search(SearchRequest(query=query, filters={"decision": [d]}, per_page=1, facet_limit=ALL_VALUES))
        for d in ("Upheld", "Overturned")
    }
    basis = "decision_year" if response.facets.get("decision_year") else "injury_year"
    years = _years(basis, response, splits)
    citing = response.facets.get(facet, [])
    # A citation term takes in the topics below the key (`ODG | Low Back` finds
    # `ODG | Low Back | Lumbar supports`): those are not "cited alongside" it.
    this = CitationKey.parse(key)
    co_cited = [
        entry_for(str(fv.value), int(fv.count))
        for fv in citing
        if not CitationKey.parse(str(fv.value)).is_under(this) and int(fv.count)
    ]
    co_cited.sort(key=lambda e: (-e.count, natural_key(e.key)))
    direct = next((int(fv.count) for fv in citing if str(fv.value) == key), 0)
    outcome = outcome_split(response.total, response.facets.get("decision", []))
    return CitationDetail(
        entry=entry_for(key, response.total, outcome.upheld, outcome.overturned),
        response=response,
        outcome=outcome,
        year_basis=basis,
        years=years,
        specialties=_breakdown("specialty", response, splits["Upheld"], splits["Overturned"]),
        co_cited=co_cited[:CO_CITED_SHOWN],
        direct=direct,
        cited_by=cited_by,
        sources=[(str(fv.value), int(fv.count)) for fv in response.facets.get("source", [])],
        editions=(
            _breakdown("edition", response, splits["Upheld"], splits["Overturned"])
            if "edition" in response.facets
            else []
        ),
        administrator_only=administrator_only,
        query=query,
    )
