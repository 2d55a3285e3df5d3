"""The one interface every search engine implements, and the engine registry.

The search service speaks only this interface; Tantivy (default), Whoosh and
OpenSearch implement it. Engines receive the
engine-neutral query tree (`indexer.query.tree`) and filters as facet -> values
(OR within a facet, AND across facets), and return passage ids with scores and
exact facet counts. Everything above that (parsing, highlighting, hit building,
tie-breaking for stable paging) is shared code, so engines stay small and agree.
"""

from __future__ import annotations

import importlib
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.index.documents import IndexDoc
from indexer.query.tree import FacetTerm, Node, Or

if TYPE_CHECKING:  # pragma: no cover
    from indexer.index.store import LetterStore

# The engine registry: the one place engines are named. The command line's
# --engine choices, the conformance suite's engine list and `engine_class` all
# read it; adding an engine is a module and one line here.
ENGINE_CLASSES: dict[str, str] = {
    "tantivy": "indexer.index.tantivy_engine:TantivyEngine",
    "whoosh": "indexer.index.whoosh_engine:WhooshEngine",
    "opensearch": "indexer.index.opensearch_engine:OpenSearchEngine",
}
ENGINES = tuple(ENGINE_CLASSES)
# Sorts an engine executes natively (a u64 fast field, descending; documents.py
# makes each key so that descending is the wanted order); "relevance" is by score.
SORT_FIELDS = {
    "decision_date": "decision_key",
    "decision_date_asc": "decision_key_asc",
    "injury_date": "injury_key",
    "injury_date_asc": "injury_key_asc",
}
# Date ranges (tree.Range) are ranges over these sort keys (documents.date_key_range).
RANGE_KEYS = {"decision_date": "decision_key", "injury_date": "injury_key"}


# (filters, facets): count these facets over the query's matches under these filters
FacetRequest = tuple[dict[str, list[str]], Sequence[str]]


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


TIE_SLACK = 10  # extra hits fetched to see whether a score tie crosses the page end
TIE_CAP = 5_000  # the widest window a tie may grow to


def tie_order(passage_id: str) -> tuple[int, str]:
    """How equal scores are ordered: a fixed per-passage number (the low 32 bits
    of the date sort keys, see documents.sort_key), then the id itself."""
    return zlib.crc32(passage_id.encode("utf-8")), passage_id


def tie_window(want: int, fetch, scores_of):
    """The first result of `fetch(n)` (the top n by score) that holds the whole
    score tie at position `want`: start a little past it, widen while the last
    score fetched still equals the score at `want` (up to TIE_CAP more)."""
    window = want + TIE_SLACK
    while True:
        result = fetch(window)
        scores = sorted(scores_of(result), reverse=True)
        if len(scores) < window or want == 0:
            return result
        if scores[-1] != scores[want - 1] or window >= want + TIE_CAP:
            return result
        window = min(window * 4, want + TIE_CAP)


def filter_nodes(filters: dict[str, list[str]]) -> list[Node]:
    """Filters as query-tree nodes: one OR group per facet, ANDed by the caller."""
    groups: list[Node] = []
    for facet, values in sorted(filters.items()):
        terms = [FacetTerm(facet, v) for v in values if v is not None and str(v).strip()]
        if terms:
            groups.append(terms[0] if len(terms) == 1 else Or(tuple(terms)))
    return groups


@dataclass(frozen=True)
class Generation:
    """One generation of an engine's index, as its home names it ("g000007").
    A published generation never changes, so a reader compares names to know
    when to reopen."""

    name: str


class IndexHome(ABC):
    """Where an engine's index generations live, and their lifecycle hooks.

    The pipeline and the service go through these hooks only, so an engine
    whose index is not a folder (a cluster) fits without special cases:
    create a generation (optionally cloned from the live one), open it,
    publish it, drop it; plus the writer lock and clean-up of leftovers."""

    engine_name: str = ""

    @abstractmethod
    def describe(self) -> str:
        """Where this is, for messages ("data/index", "https://host:9200 imr")."""

    @abstractmethod
    def writer_lock(self) -> AbstractContextManager:
        """Held by the one indexing run allowed at a time; raises IndexBusy."""

    @abstractmethod
    def live(self) -> Generation | None:
        """The published generation, or None before the first build."""

    @abstractmethod
    def create(self, clone_from: Generation | None) -> Generation:
        """A new generation to write, empty or holding what `clone_from` holds."""

    @abstractmethod
    def open(self, gen: Generation, writable: bool = False) -> tuple[SearchEngine, LetterStore]:
        """The engine and the letter store of a generation."""

    @abstractmethod
    def open_letters(self, gen: Generation, writable: bool = False) -> SearchEngine | None:
        """The generation's letter index: one document per letter holding its case
        summary (documents.letter_doc), which summary terms are looked up in.
        None for a generation written before there was one."""

    def has_letter_index(self, gen: Generation) -> bool:
        """False for a generation written before the letter index (rebuilt, not extended)."""
        return True

    @abstractmethod
    def publish(self, gen: Generation) -> Generation:
        """Make a finished generation the live one, atomically; returns it as published."""

    @abstractmethod
    def drop(self, gen: Generation) -> None:
        """Remove a generation that is not live (an abandoned build)."""

    @abstractmethod
    def sweep(self) -> None:
        """Remove abandoned builds and generations no reader needs any more
        (call only while holding the writer lock)."""

    # True when an incremental run updates the live generation itself (a cluster,
    # where cloning means copying shards) instead of a clone published by a switch
    updates_in_place: bool = False

    def begin_update(self, live: Generation, paths: Sequence[str], letter_ids: Sequence[str]) -> Generation:
        """Start an incremental run in the live generation itself (homes that
        `updates_in_place`). `paths` and `letter_ids`: every file and letter the run
        may touch, recorded first, so that a run that dies midway can be repaired
        (see `interrupted`). Readers keep the state before the run until `publish`;
        `drop` leaves the record for the repair."""
        raise NotImplementedError(f"{self.engine_name} does not update its index in place")

    def interrupted(self, live: Generation) -> list[str] | None:
        """The files an in-place run on `live` recorded before it died, or None.
        The next run then builds a new generation from a clone of `live` in which
        `create` has removed everything of those files and letters, and indexes
        those files again (they are read as new)."""
        return None

    def scratch_engine(self, folder: Path) -> SearchEngine:
        """A throwaway writable index of this engine, removed when it is closed (alerts
        search the new passages in one). Local engines put it in `folder`."""
        return engine_class(self.engine_name)(folder, writable=True)

    def missing_message(self) -> str:
        """What to run when there is no index yet."""
        flag = "" if self.engine_name == "tantivy" else f" --engine {self.engine_name}"
        return f"no {self.engine_name} index in {self.describe()}; build one with: imr index PATH{flag}"


class SearchEngine(ABC):
    """A passage index at `path`. Open for writing with `writable=True`."""

    name: str = ""
    # True when searching runs outside the GIL, so the service may run the page
    # query and the facet counting of one search side by side on two cores
    parallel_reads: bool = False

    def __init__(self, path: Path, writable: bool = False):
        self.path = Path(path)
        self.writable = writable

    @classmethod
    def home(cls, index_dir: Path | str | None) -> IndexHome:
        """Where this engine keeps its generations: by default folders under
        `index_dir` (see `generations.LocalHome`)."""
        from indexer.index.generations import LocalHome

        if index_dir is None:
            raise EngineError(f"the {cls.name} engine needs an index folder (--index DIR)")
        return LocalHome(Path(index_dir), cls)

    @classmethod
    def prepare_docs(cls, docs: list[IndexDoc]) -> None:
        """Work on documents that can run in the parsing workers, before `add`
        (engines that analyse text in Python do it here, on every core)."""
        return None  # optional hook: engines that analyse in Rust or on a server need nothing here

    @classmethod
    def configured(cls) -> bool:
        """True when this engine can run here without further settings (a remote
        engine needs its server's address)."""
        return True

    # True when a new generation may share the previous one's files by hard links
    # (the engine never rewrites a file it wrote)
    clone_by_link: bool = False
    # True when the index lives on a server, not in local folders
    remote: bool = False

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
    def search(self, tree: Node, filters: dict[str, list[str]], sort: str, offset: int, limit: int) -> EngineResult:
        """Hits in order for the page [offset, offset+limit) and the exact total.

        sort: "relevance" (score, descending) or a key of SORT_FIELDS (newest first)."""

    def relevance_page(
        self, tree: Node, filters: dict[str, list[str]], offset: int, limit: int, total: int | None = None
    ) -> EngineResult:
        """The page [offset, offset+limit) by score, ties in `tie_order`, and the total.
        `total`, when the caller already knows how many passages match, is the
        answer's total: an engine may then rank the top without counting.

        Equal scores are common (one short field, one word), and engines order
        ties each their own way, so the page is cut from a window wide enough
        to hold the whole tie at its end; paging is then stable and every engine
        pages alike. Engines with a cheaper way to read the tie keys override."""
        res = tie_window(
            offset + limit, lambda n: self.search(tree, filters, "relevance", 0, n), lambda r: [h.score for h in r.hits]
        )
        hits = sorted(res.hits, key=lambda h: (-h.score, *tie_order(h.passage_id)))
        return EngineResult(res.total, hits[offset : offset + limit])

    @abstractmethod
    def facet_counts(
        self, tree: Node, filters: dict[str, list[str]], facets: Iterable[str]
    ) -> dict[str, dict[str, int]]:
        """Exact counts of every value of each facet over all matching passages."""

    def facet_counts_many(self, tree: Node, requests: Sequence[FacetRequest]) -> list[dict[str, dict[str, int]]]:
        """Several `facet_counts` for one query, each under its own filters.

        A search with facet selections needs this: a facet's own selection must
        not narrow its own counts (multi-select within a facet is OR), so each
        selected facet is counted under the other facets' filters only. Engines
        that can count everything in one pass over the matches override this;
        the default simply asks once per request."""
        return [self.facet_counts(tree, filters, facets) for filters, facets in requests]

    @abstractmethod
    def count(self, tree: Node, filters: dict[str, list[str]]) -> int:
        """How many passages match."""

    def letter_count(self, tree: Node, filters: dict[str, list[str]], total: int | None = None) -> int:
        """How many distinct letters the matching passages belong to (exact).
        `total` is how many passages match, when the caller already knows it
        (an engine may use it to skip counting them).

        The default reads every match's id (`letter_id-ordinal`); engines
        override it with a cheaper column read."""
        return len({pid.rsplit("-", 1)[0] for pid in self.matching_ids(tree, filters)})

    @abstractmethod
    def matching_ids(self, tree: Node, filters: dict[str, list[str]] | None = None) -> list[str]:
        """The ids of every matching document, in no particular order (the
        letter index answers summary terms with these)."""

    def vocabulary(self, prefix: str) -> list[tuple[str, int]]:
        """The indexed terms of the searchable text that start with `prefix`, with
        the number of passages holding each, most frequent first. Spelling
        suggestions and `word~` come from here (an engine without a term
        dictionary may return [] and go without them)."""
        return []

    def doc_freq(self, term: str) -> int:
        """Passages whose searchable text holds the indexed term (0 if unknown)."""
        return 0

    def more_like_this(self, field: str, terms: Sequence[str], limit: int) -> list[EngineHit]:
        """The `limit` best passages (BM25) holding any of the analysed `terms` in
        `field`, best first, equal scores in `tie_order`: similar rationales. Exact,
        so a smaller limit gives a prefix of a larger one. No total and no filter,
        so an engine may prune (skip passages that cannot reach the top `limit`);
        the caller drops what it does not show. This default runs the OR as a
        query tree through `relevance_page`."""
        from indexer.query.tree import Or, Term

        leaves = tuple(Term(t, t, (field,)) for t in dict.fromkeys(terms))
        if not leaves:
            return []
        tree = leaves[0] if len(leaves) == 1 else Or(leaves)
        return self.relevance_page(tree, {}, 0, limit).hits

    def doc_freqs(self, field: str, terms: Iterable[str]) -> dict[str, int]:
        """How many passages hold each analysed term in `field` (similar rationales
        weigh terms by it). Engines with a term dictionary at hand override this."""
        from indexer.query.tree import Term

        return {t: self.count(Term(t, t, (field,)), {}) for t in terms}

    def close(self) -> None:
        """Release files and threads (engines without any may keep the default)."""
        return None  # optional hook, not abstract: an engine may hold nothing to release

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def engine_class(name: str) -> type[SearchEngine]:
    """The engine class registered under `name` (imported on first use)."""
    target = ENGINE_CLASSES.get((name or "tantivy").lower())
    if target is None:
        raise EngineError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def configured_engines() -> tuple[str, ...]:
    """The registered engines that can run here (the conformance suite runs each)."""
    return tuple(name for name in ENGINES if engine_class(name).configured())


def engine_home(name: str, index_dir: Path | str | None) -> IndexHome:
    """The home of engine `name`'s generations (`index_dir` for the local engines)."""
    return engine_class(name).home(index_dir)


def open_engine(name: str, path: Path, writable: bool = False) -> SearchEngine:
    return engine_class(name)(Path(path), writable=writable)
