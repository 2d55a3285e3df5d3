"""The one interface every search engine implements.

The search service speaks only this interface; Tantivy (default) and Whoosh
implement it, and a future distributed engine will too. Engines receive the
engine-neutral query tree (`indexer.search.tree`) and filters as facet -> values
(OR within a facet, AND across facets), and return passage ids with scores and
exact facet counts. Everything above that (parsing, highlighting, hit building,
tie-breaking for stable paging) is shared code, so engines stay small and agree.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from indexer.index.documents import IndexDoc
from indexer.search.tree import FacetTerm, Node, Or

ENGINES = ("tantivy", "whoosh")
# Sorts an engine executes natively; "relevance" is by score.
SORT_FIELDS = {"decision_date": "decision_key", "injury_date": "injury_key"}


class EngineError(Exception):
    """An engine could not open or use its index (message is user-readable)."""


@dataclass
class EngineHit:
    passage_id: str
    score: float


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]


def filter_nodes(filters: dict[str, list[str]]) -> list[Node]:
    """Filters as query-tree nodes: one OR group per facet, ANDed by the caller."""
    groups: list[Node] = []
    for facet, values in sorted(filters.items()):
        terms = [FacetTerm(facet, v) for v in values if v is not None and str(v).strip()]
        if terms:
            groups.append(terms[0] if len(terms) == 1 else Or(tuple(terms)))
    return groups


class SearchEngine(ABC):
    """A passage index at `path`. Open for writing with `writable=True`."""

    name: str = ""

    def __init__(self, path: Path, writable: bool = False):
        self.path = Path(path)
        self.writable = writable

    # -- writing ------------------------------------------------------------
    @abstractmethod
    def add(self, docs: Iterable[IndexDoc]) -> int:
        """Add documents; returns how many were added."""

    @abstractmethod
    def delete_letter(self, letter_id: str) -> None:
        """Remove every passage of a letter."""

    @abstractmethod
    def commit(self) -> None:
        """Make everything added/deleted durable and visible to new readers."""

    # -- reading ------------------------------------------------------------
    @abstractmethod
    def search(self, tree: Node, filters: dict[str, list[str]], sort: str,
               offset: int, limit: int) -> EngineResult:
        """Hits in order for the page [offset, offset+limit) and the exact total.

        sort: "relevance" (score, descending) or a key of SORT_FIELDS (newest first)."""

    @abstractmethod
    def facet_counts(self, tree: Node, filters: dict[str, list[str]],
                     facets: Iterable[str]) -> dict[str, dict[str, int]]:
        """Exact counts of every value of each facet over all matching passages."""

    @abstractmethod
    def count(self, tree: Node, filters: dict[str, list[str]]) -> int:
        """How many passages match."""

    def close(self) -> None:
        """Release files and threads (engines without any may keep the default)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def engine_class(name: str) -> type[SearchEngine]:
    name = (name or "tantivy").lower()
    if name == "tantivy":
        from indexer.index.tantivy_engine import TantivyEngine
        return TantivyEngine
    if name == "whoosh":
        from indexer.index.whoosh_engine import WhooshEngine
        return WhooshEngine
    raise EngineError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")


def open_engine(name: str, path: Path, writable: bool = False) -> SearchEngine:
    return engine_class(name)(Path(path), writable=writable)
