"""The citator's data, shared by `/citations...` pages and their `/api/citations...` twins.

Everything comes from facet counts of the search service: the citation
facet over all passages lists every canonical citation; a search filtered by
one citation gives its passages, outcome split, specialties, co-citations and
years. Counts are therefore exactly what a search would show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.search.types import SearchRequest, SearchResponse
from webapp import presentation
from webapp.charts import BarChart, year_chart
from webapp.presentation import OutcomeSplit, outcome_split

ALL_VALUES = 100_000  # facet_limit meaning "every value"
CO_CITED_SHOWN = 15


@dataclass
class CitationEntry:
    key: str
    source: str
    chapter: str | None
    topic: str | None
    count: int

    @property
    def label(self) -> str:
        return presentation.citation_label(self.key)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "source": self.source, "chapter": self.chapter, "topic": self.topic,
                "count": self.count}


@dataclass
class ChapterGroup:
    chapter: str
    entries: list[CitationEntry]


@dataclass
class SourceGroup:
    source: str
    chapters: list[ChapterGroup]
    count: int  # passages citing anything under this source (a passage may count twice)


@dataclass
class CitationIndex:
    filter: str
    entries: list[CitationEntry]
    total_citations: int  # before filtering

    @property
    def groups(self) -> list[SourceGroup]:
        by_source: dict[str, dict[str, list[CitationEntry]]] = {}
        for e in self.entries:
            by_source.setdefault(e.source, {}).setdefault(e.chapter or "", []).append(e)
        order = {s: i for i, s in enumerate(("MTUS", "ACOEM", "ODG", "Other"))}
        return [
            SourceGroup(
                source=source,
                chapters=[ChapterGroup(ch, sorted(es, key=lambda e: (-e.count, e.key)))
                          for ch, es in sorted(chapters.items())],
                count=sum(e.count for es in chapters.values() for e in es),
            )
            for source, chapters in sorted(by_source.items(), key=lambda kv: (order.get(kv[0], 9), kv[0]))
        ]

    def to_json(self) -> dict[str, Any]:
        return {"filter": self.filter, "total_citations": self.total_citations,
                "citations": [e.to_json() for e in self.entries]}


def entry_for(key: str, count: int) -> CitationEntry:
    parts = presentation.citation_parts(key)
    source = parts[0] if parts else key
    chapter = parts[1] if len(parts) > 1 else None
    topic = " | ".join(parts[2:]) if len(parts) > 2 else None
    return CitationEntry(key=key, source=source, chapter=chapter, topic=topic, count=count)


def citation_index(service: Any, filter_text: str = "") -> CitationIndex:
    response = service.search(SearchRequest(query="", per_page=1, facet_limit=ALL_VALUES))
    entries = [entry_for(str(fv.value), int(fv.count)) for fv in response.facets.get("citation", [])]
    total = len(entries)
    words = filter_text.lower().split()
    if words:
        entries = [e for e in entries if all(w in e.key.lower() for w in words)]
    entries.sort(key=lambda e: (-e.count, e.key))
    return CitationIndex(filter=filter_text, entries=entries, total_citations=total)


@dataclass
class CitationDetail:
    entry: CitationEntry
    response: SearchResponse  # the page of passages citing it
    outcome: OutcomeSplit
    year_basis: str  # "decision_year" or "injury_year"
    years: dict[str, dict[str, int]]  # year -> {"upheld", "overturned", "other"}
    specialties: list[tuple[str, int]]
    co_cited: list[CitationEntry]
    direct: int  # passages citing exactly this key (the rest cite a topic below it)
    sources: list[tuple[str, int]] = field(default_factory=list)

    @property
    def chart(self) -> BarChart:
        return year_chart(self.years)

    @property
    def year_label(self) -> str:
        return presentation.facet_label(self.year_basis)

    def to_json(self) -> dict[str, Any]:
        return {
            "citation": self.entry.to_json(),
            "direct": self.direct,
            "outcome": self.outcome.to_json(),
            "year_basis": self.year_basis,
            "by_year": [{"year": y, **counts} for y, counts in self.years.items()],
            "specialties": [{"value": v, "count": c} for v, c in self.specialties],
            "co_cited": [e.to_json() for e in self.co_cited],
            "passages": self.response.to_json(),
        }


def citation_detail(service: Any, key: str, page: int = 1, per_page: int = 20,
                    sort: str = "relevance") -> CitationDetail | None:
    """None when no passage cites `key` (the citator has nothing to say about it).

    Counts include passages citing a topic below `key`, as the search filter does."""
    filters = {"citation": [key]}
    response = service.search(SearchRequest(query="", filters=filters, page=page, per_page=per_page,
                                            sort=sort, facet_limit=ALL_VALUES))
    if response.total == 0:
        return None
    decision_values = response.facets.get("decision", [])
    basis = "decision_year" if response.facets.get("decision_year") else "injury_year"
    years: dict[str, dict[str, int]] = {
        str(fv.value): {"upheld": 0, "overturned": 0, "other": int(fv.count)}
        for fv in response.facets.get(basis, [])
    }
    # One filtered count per decision value gives the stacked split per year.
    for dv in decision_values:
        series = str(dv.value).lower()
        if series not in ("upheld", "overturned"):
            continue
        split = service.search(SearchRequest(query="", filters={**filters, "decision": [str(dv.value)]},
                                             per_page=1, facet_limit=ALL_VALUES))
        for fv in split.facets.get(basis, []):
            row = years.setdefault(str(fv.value), {"upheld": 0, "overturned": 0, "other": 0})
            row[series] += int(fv.count)
            row["other"] = max(row["other"] - int(fv.count), 0)
    citing = response.facets.get("citation", [])
    # A citation filter takes in the topics below the key (`ODG | Low Back` finds
    # `ODG | Low Back | Lumbar supports`): those are not "cited alongside" it.
    co_cited = [entry_for(str(fv.value), int(fv.count)) for fv in citing
                if str(fv.value) != key and not str(fv.value).startswith(key + " | ")][:CO_CITED_SHOWN]
    direct = next((int(fv.count) for fv in citing if str(fv.value) == key), 0)
    return CitationDetail(
        entry=entry_for(key, response.total),
        response=response,
        outcome=outcome_split(response.total, decision_values),
        year_basis=basis,
        years=dict(sorted(years.items())),
        specialties=[(str(fv.value), int(fv.count)) for fv in response.facets.get("specialty", [])],
        co_cited=co_cited,
        direct=direct,
        sources=[(str(fv.value), int(fv.count)) for fv in response.facets.get("source", [])],
    )
