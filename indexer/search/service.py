"""SearchService: the one entry point the CLI and the web app search through.

It owns the moving parts around an engine: parsing the query (once, cached),
disjunctive facet counts (a facet's own selection does not narrow its own
counts, so multi-select within a facet is OR; other facets' selections do),
stable paging (relevance ties broken by passage id), hit building from the
letter store, and highlights computed from the query tree. It never raises on
a bad query or bad request values: it searches what it can and says how in
`SearchResponse.messages`.

Thread-safe for searching: the web app shares one instance across threads.
`reload()` swaps in a newer index generation without disturbing searches in
flight.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.index import generations as gens
from indexer.index.engine import EngineError, Generation, IndexHome, SearchEngine, engine_home
from indexer.index.pipeline import BROWSE_FACETS_META, DECIDED_LETTERS_META
from indexer.index.store import HitData, LetterStore
from indexer.model import DECISIONS, CitationKey, Letter, Passage
from indexer.query.analysis import terms as analysis_terms
from indexer.query.facets import of_kind
from indexer.query.limits import PAGING
from indexer.query.tree import (
    SCOPES,
    SUMMARY_FIELD,
    TEXT_FIELDS,
    And,
    FacetTerm,
    InLetters,
    MatchAll,
    Near,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Pin,
    Prefix,
    Range,
    Term,
    leaves,
    map_text_leaves,
    restrict,
    simplify,
    to_string,
)
from indexer.query.types import (
    CITATION_FACETS,
    FACETS,
    GROUP_FACET,
    GROUPS,
    INDEXED_FACETS,
    SORTS,
    DecisionCounts,
    FacetValue,
    Fragment,
    Hit,
    HitCitation,
    LetterGroup,
    SearchRequest,
    SearchResponse,
)
from indexer.query.visit import TreeCollector, TreeVisitor
from indexer.search import dates, spelling, vocab_adapter
from indexer.search import similar as mlt
from indexer.search.focus import Focus, request_focus
from indexer.search.highlight import Highlighter
from indexer.search.parser import BOOLEAN_WORDS, CITATION_PIN_SCORE, parse_query
from indexer.search.partial import relax
from indexer.search.spelling import has_fuzzy, resolve_fuzzy

log = logging.getLogger(__name__)

MAX_OFFSET = PAGING.max_offset
SLOW_QUERY_MS = 1000.0  # default threshold of the slow-search log line
SPELL_CHECK_BELOW = 20  # results under which the query's words are checked for misspellings
CASE_NUMBER = re.compile(r"(?i)CM\d{2}-\d{7}")
YEAR_FACETS = of_kind("year")  # listed newest year first, not by count
BOOLEAN_FACETS = of_kind("boolean")
FACET_CACHE_SIZE = 256
PARALLEL_FROM_PASSAGES = 200_000
SUMMARY_CACHE_SIZE = 256
# Citations a query reads as are offered (and pinned first) only when passages
# cite them, and never more than this many: a long query can name dozens.
MAX_OFFERED_CITATIONS = 5
# What a passage scores for a word found only in its letter's case summary
# (scope=letter): a constant far below any match in the passage's own text, so
# those passages follow every passage that discusses the word itself.
SUMMARY_SCORE = 0.01
HIGHLIGHT_FIELDS = ("item", "rationale", "claims_administrator_guideline", "reviewer_guideline", "summary")


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Threads for facet passes that run beside the page query (shared by all services)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="imr-facets")
        return _POOL


@lru_cache(maxsize=512)
def _parse(text: str) -> ParsedQuery:
    return parse_query(text)


@dataclass
class _Generation:
    """One published generation. It never changes, so results computed on it
    (facet counts, which paging recomputes for every page) can be cached."""

    gen: Generation
    engine: SearchEngine
    store: LetterStore
    facet_cache: OrderedDict[tuple, dict[str, dict[str, int]]] = field(default_factory=OrderedDict)
    count_cache: OrderedDict[tuple, int] = field(default_factory=OrderedDict)  # citation and letter counts
    cache_lock: threading.Lock = field(default_factory=threading.Lock)
    browse: dict[str, dict[str, int]] | None = None  # see browse_counts()
    parallel: bool = False  # page query and facet pass side by side (see SearchService.search)
    letters: SearchEngine | None = None  # the letter index (case summaries); None in older generations
    summary_cache: OrderedDict[Node, frozenset[str]] = field(default_factory=OrderedDict)
    passages: int | None = None  # see passage_total()

    def passage_total(self) -> int:
        """Passages in the generation (counted once: a generation never changes)."""
        if self.passages is None:
            self.passages = self.engine.count(MatchAll(), {})
        return self.passages

    def summary_letters(self, leaf: Node) -> frozenset[str]:
        """Ids of the letters whose case summary matches a summary-restricted leaf."""
        with self.cache_lock:
            found = self.summary_cache.get(leaf)
            if found is not None:
                self.summary_cache.move_to_end(leaf)
                return found
        found = frozenset(self.letters.matching_ids(leaf, {})) if self.letters is not None else frozenset()
        with self.cache_lock:
            self.summary_cache[leaf] = found
            while len(self.summary_cache) > SUMMARY_CACHE_SIZE:
                self.summary_cache.popitem(last=False)
        return found

    def scoped(self, tree: Node, scope: str) -> Node:
        """The tree as the passage index can run it: summary terms (a `summary:`
        field, or any unrestricted word when scope is "letter") become the
        passages of the letters whose summary matches (`InLetters`)."""

        def leaf(node):
            fields = node.fields
            if not (SUMMARY_FIELD in fields or (not fields and scope == "letter")):
                return node
            if self.letters is None:  # an older generation: every passage holds its summary
                return node if fields else restrict(node, TEXT_FIELDS)
            summary_leaf = restrict(node, (SUMMARY_FIELD,))
            found = InLetters(self.summary_letters(summary_leaf), SUMMARY_SCORE, to_string(summary_leaf))
            own = tuple(f for f in fields if f != SUMMARY_FIELD)
            if fields and not own:
                return found
            return Or((restrict(node, own) if own else node, found))

        return map_text_leaves(tree, leaf)

    def citation_count(self, key: str) -> int:
        """Passages citing `key` or a citation below it (cached like facet counts)."""
        return self._cached_count(("cites", key), lambda: self.engine.count(FacetTerm("citation", key), {}))

    def unfiltered_count(self, tree: Node) -> int:
        """Passages `tree` matches without filters (cached: a generation never changes)."""
        return self._cached_count(("all", tree), lambda: self.engine.count(tree, {}))

    def _cached_count(self, key: tuple, count: Callable[[], int]) -> int:
        with self.cache_lock:
            hit = self.count_cache.get(key)
            if hit is not None:
                self.count_cache.move_to_end(key)
                return hit
        n = count()
        with self.cache_lock:
            self.count_cache[key] = n
            while len(self.count_cache) > FACET_CACHE_SIZE:
                self.count_cache.popitem(last=False)
        return n

    def offered_citations(self, pq: ParsedQuery) -> list[tuple[str, int]]:
        """The citations the query's words read as that passages cite, with their
        counts, most cited first, at most MAX_OFFERED_CITATIONS.

        The vocabulary may read a query as a topic under a chapter although no
        letter cites it there; and a topic word shared by several topics
        (`MTUS chronic pain opioids`) stands for every cited topic of that
        chapter holding the word, not just the one named exactly so."""
        inline = _inline_citations(pq.tree)
        read = [k for k in pq.matched_citations if k not in inline]
        if not read:
            return []
        query_terms = set(analysis_terms(pq.text))
        known = self.browse_counts().get("citation", {})
        candidates: dict[str, None] = {}
        for key in read:
            candidates.setdefault(key, None)
            cited = CitationKey.parse(key)
            if cited.topic is None or cited.parent is None:
                continue
            shared = set(analysis_terms(cited.topic)) & query_terms
            if not shared:
                continue
            chapter = CitationKey(cited.parts[:2])
            for other in known:
                other_key = CitationKey.parse(other)
                if (
                    other_key != chapter
                    and other_key.is_under(chapter)
                    and other_key.topic is not None
                    and shared <= set(analysis_terms(other_key.topic))
                ):
                    candidates.setdefault(other, None)
        counted = [(k, self.citation_count(k)) for k in candidates]
        counted = [(k, n) for k, n in counted if n > 0]
        counted.sort(key=lambda kn: -kn[1])
        return counted[:MAX_OFFERED_CITATIONS]

    def letter_count(self, tree: Node, filters: dict[str, list[str]], total: int | None = None) -> int:
        """Distinct letters of the matching passages (cached like facet counts).
        `total`, the passages matching when the caller knows it, saves the
        engine counting them again."""
        if not filters and isinstance(tree, MatchAll):
            return self.store.counts()[0]  # every letter has at least one passage
        key = ("letters", tree, tuple(sorted((k, tuple(v)) for k, v in filters.items())))
        return self._cached_count(
            key, lambda: self._stored_letter_count(tree, filters) or self.engine.letter_count(tree, filters, total)
        )

    def _stored_letter_count(self, tree: Node, filters: dict[str, list[str]]) -> int | None:
        """The statistics page's count with no query and no filter (letters with a
        decided item), as the indexer stored it; None for any other count."""
        if (
            isinstance(tree, MatchAll)
            and set(filters) == {"decision"}
            and sorted(filters["decision"]) == sorted(DECISIONS)
        ):
            stored = self.store.meta(DECIDED_LETTERS_META)
            if stored is not None and stored.isdigit():
                return int(stored)
        return None

    def browse_counts(self) -> dict[str, dict[str, int]]:
        """Every facet's counts over the whole generation, as the indexer stored them
        (counted here, once, for generations built before it did)."""
        with self.cache_lock:
            if self.browse is not None:
                return self.browse
        stored = self.store.meta(BROWSE_FACETS_META)
        counts = json.loads(stored) if stored else None
        if not isinstance(counts, dict) or any(f not in counts for f in FACETS):
            counts = self.engine.facet_counts(MatchAll(), {}, FACETS)
        with self.cache_lock:
            self.browse = counts
        return counts

    def close(self) -> None:
        self.engine.close()
        if self.letters is not None:
            self.letters.close()
        self.store.close()

    def facet_counts_many(
        self, tree, requests: list[tuple[dict[str, list[str]], list[str]]]
    ) -> list[dict[str, dict[str, int]]]:
        """Counts for each (filters, facets) request: from the browse counts when
        nothing narrows the whole index, from the cache, and the rest from the
        engine in a single call (one pass over the matches for Tantivy)."""
        out: list[dict[str, dict[str, int]] | None] = [None] * len(requests)
        missing: list[int] = []
        keys: list[tuple] = []
        for i, (filters, facets) in enumerate(requests):
            keys.append((tree, tuple(sorted((k, tuple(v)) for k, v in filters.items())), tuple(facets)))
            if not filters and isinstance(tree, MatchAll):
                # the landing page and every facet whose selection is the only filter
                browse = self.browse_counts()
                out[i] = {f: browse.get(f, {}) for f in facets}
                continue
            with self.cache_lock:
                hit = self.facet_cache.get(keys[i])
                if hit is not None:
                    self.facet_cache.move_to_end(keys[i])
                    out[i] = hit
                    continue
            missing.append(i)
        if missing:
            counted = self.engine.facet_counts_many(tree, [requests[i] for i in missing])
            with self.cache_lock:
                for i, counts in zip(missing, counted, strict=True):
                    out[i] = counts
                    self.facet_cache[keys[i]] = counts
                while len(self.facet_cache) > FACET_CACHE_SIZE:
                    self.facet_cache.popitem(last=False)
        return [o or {} for o in out]


class SearchService:
    def __init__(self, home: IndexHome, gen: _Generation):
        self.home = home
        self.engine_name = home.engine_name
        self._gen = gen
        self._lock = threading.Lock()
        # a search slower than this is logged as a warning (the web app sets it from IMR_SLOW_QUERY_MS)
        self.slow_query_ms = SLOW_QUERY_MS

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, index_dir: str | Path | None, engine: str = "tantivy") -> SearchService:
        """Open the live generation. Raises generations.IndexNotFound if there is none.
        (`index_dir` is the folder of a local engine; a remote one may take None.)"""
        home = engine_home((engine or "tantivy").lower(), index_dir)
        return cls(home, _open_generation(home))

    @property
    def generation(self) -> str:
        return self._gen.gen.name

    def reload(self) -> bool:
        """Switch to a newer generation if indexing published one. Cheap if none."""
        live = self.home.live()
        if live is None or live.name == self._gen.gen.name:
            return False
        with self._lock:
            if live.name == self._gen.gen.name:
                return False
            # the old generation stays open for searches still running on it
            self._gen = _open_generation(self.home)
        return True

    def close(self) -> None:
        self._gen.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def stats(self) -> dict:
        letters, passages = self._gen.store.counts()
        return {"engine": self.engine_name, "generation": self.generation, "letters": letters, "passages": passages}

    # ------------------------------------------------------------------ letters
    def get_letter(self, letter_id: str) -> Letter | None:
        return self._gen.store.get_letter(str(letter_id))

    def get_passage(self, passage_id: str) -> Passage | None:
        return self._gen.store.get_passage(str(passage_id))

    def letter_source_path(self, letter_id: str) -> Path | None:
        """The file a letter was indexed from, if it is still a regular file there
        (without symbolic links on its path); `read_letter_source` checks its content."""
        rec = self._gen.store.source_file(str(letter_id))
        if rec is None:
            return None
        p = Path(rec.path)
        try:
            if os.path.realpath(p) != str(p) or not stat.S_ISREG(os.lstat(p).st_mode):
                return None
        except (OSError, ValueError):
            return None
        return p

    def read_letter_source(self, letter_id: str) -> tuple[Path, bytes] | None:
        """The original file's bytes, only if they are exactly what was indexed.

        Only a path the index recorded (so inside the folders that were indexed),
        only a regular file reached without any symbolic link, and only when its
        SHA-256 still matches: a file replaced by a link to /etc/passwd, or edited
        since, is not served."""
        from indexer.letters.read import UnreadableLetterError, read_letter_bytes

        rec = self._gen.store.source_file(str(letter_id))
        path = self.letter_source_path(letter_id)
        if rec is None or path is None:
            return None
        try:
            data, _ = read_letter_bytes(path)
        except UnreadableLetterError:
            return None
        if hashlib.sha256(data).hexdigest() != rec.sha256:
            return None
        return path, data

    def highlight(self, query: str, text: str) -> Fragment:
        """`text` as runs, the query's matches (stems, phrases, expansions) marked."""
        tree = _parse(query or "").tree
        if has_fuzzy(tree):
            tree = resolve_fuzzy(tree, self._gen.engine, [])
        return Highlighter(tree).mark(text or "")

    def parse(self, query: str) -> ParsedQuery:
        return _parse(query or "")

    def compile_request(self, req: SearchRequest) -> tuple:
        """(query tree, cleaned filters) exactly as `search` reads the request (one
        reading, `_read`: fuzzy words resolved against this index, date ranges, the
        citations the words read as pinned, the scope applied with summary terms
        looked up in this generation's letter index). What an engine needs to run
        this search itself: alerts run it over an index of the new passages only."""
        reading = self._read(self._gen, req, [])
        return reading.tree, reading.filters

    # ------------------------------------------------------------------ history
    def history_position(self) -> tuple[str | None, int]:
        """(lineage, highest passage number) of the live generation: see LetterStore."""
        return self._gen.store.history_position()

    def passages_after(self, seq: int) -> list[tuple[str, str, int]]:
        """(passage_id, letter_id, seq) first indexed after `seq`, oldest first."""
        return self._gen.store.passages_after(seq)

    # ------------------------------------------------------------------ search
    def search(self, req: SearchRequest) -> SearchResponse:
        """Run one search request (see the module docstring); slow ones are logged."""
        started = time.perf_counter()
        response = self._search(req)
        ms = (time.perf_counter() - started) * 1000
        if ms >= self.slow_query_ms:
            log.warning(
                "slow search: %.0f ms, %d passages; q=%r filters=%r sort=%s page=%d scope=%s "
                "(engine %s, generation %s)",
                ms,
                response.total,
                (req.query or "")[:500],
                req.filters,
                req.sort,
                response.page,
                response.scope,
                self.engine_name,
                self.generation,
            )
        else:
            log.debug("search: %.0f ms, %d passages; q=%r", ms, response.total, (req.query or "")[:500])
        return response

    def _search(self, req: SearchRequest) -> SearchResponse:
        gen = self._gen  # one generation for the whole request
        messages: list[str] = []
        r = self._read(gen, req, messages)
        pq, tree, text_tree, filters, scope, offered = r.pq, r.tree, r.text_tree, r.filters, r.scope, r.offered
        sort = req.sort if req.sort in SORTS else "relevance"
        if req.sort and req.sort not in SORTS:
            messages.append(f"Unknown sort {req.sort!r}; sorted by relevance.")
        per_page = _int(req.per_page, PAGING.per_page, 1, PAGING.max_per_page)
        facet_limit = _int(req.facet_limit, PAGING.facet_values, 1, PAGING.max_facet_values)
        requested = _int(req.page, 1, 1, 10**9)
        deepest = PAGING.deepest_page(per_page)
        page = min(requested, deepest)
        offset = (page - 1) * per_page
        group = _choice(req.group, GROUPS, "group", messages)

        engine_sort = sort
        if sort == "relevance" and pq.is_browse:
            engine_sort = "decision_date"  # nothing scores: newest first is the useful order
        page_of = self._page if group == "passage" else self._letter_page
        if gen.parallel:
            # the page query and the facet pass each run the query over every match;
            # the engine releases the GIL, so they run side by side on two cores
            pending = _pool().submit(self._facets, gen, tree, filters, facet_limit)
            total, hits, grouped = page_of(gen, tree, filters, engine_sort, offset, per_page, messages)
            facets = pending.result()
        else:
            total, hits, grouped = page_of(gen, tree, filters, engine_sort, offset, per_page, messages)
            facets = self._facets(gen, tree, filters, facet_limit)
        total_letters = gen.letter_count(tree, filters, total) if total else 0
        units = total_letters if group == "letter" else total  # what a page lists
        last = max(1, -(-min(units, MAX_OFFSET) // per_page))
        if requested > last:
            # past the end: the last page, with one notice saying so
            if units > MAX_OFFSET and last == deepest:
                messages.append(
                    f"Results can be paged through to the {MAX_OFFSET:,}th; showing the last "
                    f"page of those, page {last:,}. Narrow the search to see the rest."
                )
            else:
                messages.append(f"There is no page {requested:,}: these results end at page {last:,}, shown here.")
            if page != last:
                page, offset = last, (last - 1) * per_page
                total, hits, grouped = page_of(gen, tree, filters, engine_sort, offset, per_page, messages)
        inline = _inline_citations(pq.tree)
        matched = [k for k, _ in offered] + [k for k in pq.matched_citations if k in inline]
        cited = matched + filters.get("citation", []) + filters.get("reviewer_citation", [])
        built = self._build_hits(gen, hits, text_tree, cited, scope)
        if req.group_duplicates and group == "passage":
            self._group_hits(gen, tree, filters, built)
        discussed: list[Hit] = []
        discussed_total = 0
        closer, closer_total, closer_need = [], 0, 0
        at_the_end = engine_sort == "relevance" and group == "passage" and page == last and not pq.is_browse
        if r.focus is not None:
            discussed_total = self._discussed_total(gen, r.focus, filters)
        if r.focus is not None and at_the_end:
            if discussed_total:
                found = gen.engine.relevance_page(r.focus.discussed, filters, 0, per_page, discussed_total).hits
                discussed = self._build_hits(gen, found, text_tree, cited, scope)
        if at_the_end:
            # all the words but one, and not the query: apart from the discussed as from the counted
            relaxed = relax(r.focus.query if r.focus else tree)
            if relaxed is not None:
                closer_total = self._count(gen, relaxed.tree, filters)
                if closer_total:
                    closer_need = relaxed.need
                    found = gen.engine.relevance_page(relaxed.tree, filters, 0, per_page, closer_total).hits
                    closer = self._build_hits(gen, found, text_tree, cited, scope)
        letters: list[LetterGroup] = []
        if grouped is not None:
            by_id = {h.passage_id: h for h in built}
            for lid, pids, meta in grouped:
                letters.append(
                    LetterGroup(
                        lid, meta.get("case_number"), meta.get("decision_date"), [by_id[p] for p in pids if p in by_id]
                    )
                )
        response = SearchResponse(
            query=req.query or "",
            parsed=pq.parsed if not (pq.is_browse and not (req.query or "").strip()) else "",
            total=total,
            hits=built,
            facets=facets,
            messages=messages,
            matched_citations=matched,
            filters=filters,
            sort=sort,
            page=page,
            per_page=per_page,
            dates=r.applied_dates,
            last_page=last,
            total_letters=total_letters,
            scope=scope,
            group=group,
            letters=letters,
            citation_counts=dict(offered),
            requests_only=r.focus is not None,
            discussed=discussed,
            discussed_total=discussed_total,
            closer_matches=closer,
            closer_total=closer_total,
            closer_need=closer_need,
        )
        self._letter_link(gen, response)
        if total <= SPELL_CHECK_BELOW and not pq.is_browse:
            self._spelling(gen, response, pq, filters, r.ranges)
        return response

    def _count(self, gen, tree, filters) -> int:
        return gen.engine.count(tree, filters)

    def _discussed_total(self, gen, focus: Focus, filters) -> int:
        """The matches outside the counted requests. Without filters it is known:
        the query's matches less its requests (`discussed` is the query AND NOT the
        request words, `tree` the query AND them)."""
        if not filters:
            return focus.matches - focus.requests
        return self._count(gen, focus.discussed, filters)

    def _letter_link(self, gen, response: SearchResponse) -> None:
        """A query that is exactly a case number offers to open that letter."""
        text = response.query.strip().strip('"\u201c\u201d').strip()
        if CASE_NUMBER.fullmatch(text):
            letter_id = text.upper()
            if gen.store.get_letter(letter_id) is not None:
                response.letter_id = letter_id

    def _spelling(self, gen, response: SearchResponse, pq: ParsedQuery, filters, ranges) -> None:
        """Offer the query with misspelt words corrected, if it finds more."""
        fixes = spelling.suggest(gen.engine, pq.text, pq.tree, vocab_adapter.known_terms())
        if not fixes:
            return
        better = spelling.corrected(pq.text, fixes)
        alt = _parse(better)
        tree = resolve_fuzzy(alt.tree, gen.engine, []) if has_fuzzy(alt.tree) else alt.tree
        if ranges:
            tree = simplify(And((tree, *ranges)))
        found = self._count(gen, gen.scoped(tree, response.scope), filters)
        if found > response.total + response.discussed_total:  # what the words matched, counted or listed
            response.did_you_mean = better
            response.did_you_mean_total = found

    def _read(self, gen, req: SearchRequest, messages: list[str]) -> _Reading:
        """What every answer about "this search" (results, statistics) is computed
        over, so they always agree: the parsed query, the tree to run (fuzzy words
        resolved, date ranges ANDed, the citations the words read as pinned, the
        scope applied), the tree the highlighter marks, and the clean filters."""
        pq = _parse(req.query or "")
        messages.extend(pq.messages)
        filters = _clean_filters(req.filters or {}, messages)
        tree = resolve_fuzzy(pq.tree, gen.engine, messages) if has_fuzzy(pq.tree) else pq.tree
        applied_dates, ranges = _date_filters(req, messages)
        if ranges:
            tree = simplify(And((tree, *ranges)))
        scope = _choice(req.scope, SCOPES, "scope", messages)
        offered = gen.offered_citations(pq)
        text_tree = tree  # what the highlighter marks: the query as written, fuzzy words resolved
        tree = gen.scoped(_repin(tree, [k for k, _ in offered]), scope)
        focus = None
        if scope == "request" and not offered and not pq.is_browse:
            # a citation reading is about guidelines, not requests: counted as a passage search
            focus = request_focus(tree, gen.unfiltered_count)
        return _Reading(
            pq, focus.tree if focus else tree, text_tree, filters, applied_dates, ranges, scope, offered, focus
        )

    def decision_counts(self, req: SearchRequest, facets: list[str], letters: bool = True) -> DecisionCounts:
        """Upheld and overturned passages among the search's matches, overall and
        per value of each facet in `facets` (exact counts, from the engine's facet
        counting: one pass for Tantivy). A decision filter on the request is set
        aside (with a message): a split by decision under a decision filter says nothing."""
        gen = self._gen
        messages: list[str] = []
        r = self._read(gen, req, messages)
        tree, filters = r.tree, r.filters
        if filters.pop("decision", None):
            messages.append("The decision filter is set aside: statistics split every decision.")
        if r.focus is not None:
            messages.append(
                f"Counting the passages whose request matches ({r.focus.requests:,} before filters); "
                f"{r.focus.matches - r.focus.requests:,} more passages that have these words only in the "
                "reasoning are not counted (scope=passage counts them)."
            )
        facets = [f for f in facets if f in FACETS and f != "decision"]
        requests = [(filters, ["decision"])]
        for decision in DECISIONS:
            requests.append(({**filters, "decision": [decision]}, facets))
        overall, *split = gen.facet_counts_many(tree, requests)
        decided = {str(k).lower(): v for k, v in overall.get("decision", {}).items()}
        by: dict[str, dict[str, dict[str, int]]] = {f: {} for f in facets}
        for decision, counts in zip(DECISIONS, split, strict=True):
            for facet in facets:
                for value, n in counts.get(facet, {}).items():
                    row = by[facet].setdefault(value, {d.lower(): 0 for d in DECISIONS})
                    row[decision.lower()] += n
        overall_counts = {d.lower(): decided.get(d.lower(), 0) for d in DECISIONS}
        n_letters = 0
        if letters and any(overall_counts.values()):
            # a passage has one decision: the decided matches are upheld + overturned
            n_letters = gen.letter_count(tree, {**filters, "decision": list(DECISIONS)}, sum(overall_counts.values()))
        return DecisionCounts(
            overall=overall_counts,
            by=by,
            filters=filters,
            messages=messages,
            scope=r.scope,
            letters=n_letters,
            requests_only=r.focus is not None,
        )

    def similar(self, text: str, exclude: str | None = None, limit: int = 20) -> SimilarResult:
        """Passages whose rationale says the same things as `text` (more like this
        over its distinctive terms, see indexer.search.similar), best first, never
        the passage `exclude`, only decided items (an unparsed letter's whole text is
        no rationale). Equal scores are ordered by tie_order, so it is stable.

        The engine returns its exact top passages, ties in tie_order, without a
        total or a filter (so it can prune, see SearchEngine.more_like_this); the
        undecided and `exclude` are dropped here and, if that leaves too few, a
        wider top is asked for. Since the engine's top is exact, the similar set
        is the same on every engine and a smaller limit gives a prefix of a larger
        one. Only the passages fetched are read from the store: reading a widened
        window of 2,000 to find the tie at the cut was most of the time at 1M
        passages (BENCHMARKS.md, issue 15)."""
        gen = self._gen
        terms = mlt.distinctive_terms(text or "", lambda ts: gen.engine.doc_freqs(mlt.FIELD, ts), gen.passage_total())
        tree = mlt.similarity_query(terms)
        if tree is None:
            return SimilarResult([], [], "")
        words = [w.term for w in terms]
        fetch = limit + 1  # room for the excluded passage
        data: dict[str, HitData] = {}
        while True:
            found = gen.engine.more_like_this(mlt.FIELD, words, fetch)
            data.update(gen.store.hit_data(h.passage_id for h in found if h.passage_id not in data))
            kept = [
                h
                for h in found
                if h.passage_id != exclude and h.passage_id in data and data[h.passage_id].passage.decision in DECISIONS
            ]
            if len(kept) >= limit or len(found) < fetch or fetch >= mlt.MAX_FETCH:
                break  # enough decided ones, or every match is in hand, or as many as are ever fetched
            fetch = min(fetch * 4, mlt.MAX_FETCH)
        hits = kept[:limit]
        return SimilarResult(self._build_hits(gen, hits, tree, [], data=data), terms, mlt.search_text(terms))

    def _page(self, gen, tree, filters, sort, offset, limit, messages):
        if sort != "relevance":
            res = gen.engine.search(tree, filters, sort, offset, limit)
        else:
            # without filters the count is the unfiltered one: cached for every page of
            # the search (and usually counted already, when requests first read it)
            known = None if filters else gen.unfiltered_count(tree)
            res = gen.engine.relevance_page(tree, filters, offset, limit, known)
        return res.total, res.hits, None

    def _letter_page(self, gen, tree, filters, sort, offset, limit, messages):
        """A page of letters (`limit` letters from the `offset`-th), each with its
        matching passages, in the order of each letter's best passage. Letters are
        read from the first MAX_OFFSET passages in order, as passage pages are."""
        total, hits, _ = self._page(gen, tree, filters, sort, 0, MAX_OFFSET, messages)
        order: dict[str, list] = {}
        owner = gen.store.letters_of(h.passage_id for h in hits)
        for h in hits:
            order.setdefault(owner.get(h.passage_id) or h.passage_id.rsplit("-", 1)[0], []).append(h)
        if total > len(hits):
            messages.append(f"Letters are grouped from the first {MAX_OFFSET:,} passages in this order.")
        chosen = list(order.items())[offset : offset + limit]
        metas = gen.store.letter_metas([lid for lid, _ in chosen])
        page_hits = [h for _, group in chosen for h in group]
        grouped = [(lid, [h.passage_id for h in group], metas.get(lid, {})) for lid, group in chosen]
        return total, page_hits, grouped

    def _facets(self, gen, tree, filters, facet_limit) -> dict[str, list[FacetValue]]:
        # a facet's own selection does not narrow its own counts: each selected
        # facet is counted under the other facets' filters only
        requests = []
        plain = [f for f in FACETS if f not in filters]
        if plain:
            requests.append((filters, plain))
        for facet in FACETS:
            if facet in filters:
                requests.append(({k: v for k, v in filters.items() if k != facet}, [facet]))
        counts: dict[str, dict[str, int]] = {}
        for part in gen.facet_counts_many(tree, requests):
            counts.update(part)
        out: dict[str, list[FacetValue]] = {}
        for facet in FACETS:
            values = counts.get(facet, {})
            if facet in YEAR_FACETS:
                ranked = sorted(values.items(), key=lambda kv: kv[0], reverse=True)[:facet_limit]
            else:
                ranked = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:facet_limit]
            shown = {v for v, _ in ranked}
            lowered = {v.lower(): (v, c) for v, c in values.items()}
            for sel in filters.get(facet, []):
                if sel in shown or sel.lower() in {s.lower() for s in shown}:
                    continue
                v, c = lowered.get(sel.lower(), (sel, 0))
                ranked.append((v, c))
            out[facet] = [FacetValue(v, c) for v, c in ranked]
        return out

    def _group_hits(self, gen, tree, filters, hits: list[Hit]) -> None:
        """Near-identical rationales on the page: each hit learns its group's size
        and decisions among all of the search's matches (not just this page), and a
        hit whose group an earlier hit of the page already shows is folded under it.
        Totals and facet counts are untouched: every decision still counts."""
        groups = gen.store.groups_of(h.passage_id for h in hits)
        wanted = sorted(set(groups.values()))
        if not wanted:
            return
        chosen = {d.lower() for d in filters.get("decision", [])}
        requests = [({**filters, GROUP_FACET: wanted}, [GROUP_FACET])]
        for d in DECISIONS:
            requests.append(({**filters, GROUP_FACET: wanted, "decision": [d]}, [GROUP_FACET]))
        matches, upheld, overturned = (c.get(GROUP_FACET, {}) for c in gen.facet_counts_many(tree, requests))
        if chosen:  # under a decision filter only the chosen decisions are among the matches
            upheld = upheld if "upheld" in chosen else {}
            overturned = overturned if "overturned" in chosen else {}
        first: dict[str, str] = {}
        for h in hits:
            g = groups.get(h.passage_id)
            if g is None:
                continue
            key = g.lower()  # facet values are matched case-insensitively; counts keep the case
            h.group = g
            h.group_matches = _get_ci(matches, key)
            h.group_upheld = _get_ci(upheld, key)
            h.group_overturned = _get_ci(overturned, key)
            if key in first:
                h.folded_under = first[key]
            else:
                first[key] = h.passage_id

    def _build_hits(
        self, gen, hits, tree, cited: list[str], scope: str = "passage", data: dict[str, HitData] | None = None
    ) -> list[Hit]:
        if data is None:
            data = gen.store.hit_data(h.passage_id for h in hits)
        hl = Highlighter(tree)
        # the case summary is marked where it was searched: everywhere with
        # scope=letter, else only for terms the user restricted to it (summary:)
        summary_hl = hl if scope == "letter" else _summary_highlighter(tree)
        wanted = [c.lower() for c in cited]
        seen: dict[tuple[str, str], list[Fragment]] = {}
        out = []
        for h in hits:
            d: HitData | None = data.get(h.passage_id)
            if d is None:
                continue  # engine and store disagree only if files were tampered with
            p = d.passage
            texts = {
                "item": p.item,
                "rationale": p.rationale,
                "claims_administrator_guideline": p.claims_administrator_guideline,
                "reviewer_guideline": p.reviewer_guideline,
                "summary": d.summary,
            }
            highlights: dict[str, list[Fragment]] = {}
            for name in HIGHLIGHT_FIELDS:
                text = texts[name] or ""
                marker = summary_hl if name == SUMMARY_FIELD else hl
                if marker is None:
                    continue
                seen_key = (name, text)
                frags = seen.get(seen_key)  # passages of one letter share its summary
                if frags is None:
                    frags = seen[seen_key] = marker.fragments(text, name, always=name in ("item", "rationale"))
                if frags:
                    highlights[name] = list(frags)
            citations = []
            for c in p.citations:
                key = c.key
                citations.append(
                    HitCitation(
                        key=key,
                        source=c.source,
                        chapter=c.chapter,
                        topic=c.topic,
                        pages=c.pages,
                        cited_by=c.cited_by,
                        raw=c.raw,
                        matched=_cited(key, wanted),
                        edition=c.edition,
                    )
                )
            out.append(
                Hit(
                    passage_id=p.passage_id,
                    letter_id=p.letter_id,
                    ordinal=p.ordinal,
                    item=p.item,
                    decision=p.decision,
                    score=round(h.score, 4),
                    citations=citations,
                    highlights=highlights,
                    treatment=p.treatment,
                    body_region=p.body_region,
                    specialties=list(d.meta.get("specialties") or []),
                    licensure=list(d.meta.get("licensure") or []),
                    date_of_injury=d.meta.get("date_of_injury"),
                    decision_date=d.meta.get("decision_date"),
                    unparsed=bool(p.unparsed),
                    item_context=p.item_context or "",
                    mtus_based=p.mtus_based,
                    claims_administrator_mtus_based=p.claims_administrator_mtus_based,
                    case_number=d.meta.get("case_number"),
                )
            )
        return out


def _inline_citations(tree: Node) -> set[str]:
    """Citation values the user wrote (`citation:"..."`), not those a pin added."""
    found: set[str] = set()
    _InlineCitations(found).visit(tree)
    return found


class _InlineCitations(TreeCollector):
    """Adds to `found` the citation terms outside pins (a pin is the parser's
    reading of the words, not a citation the user wrote)."""

    def __init__(self, found: set[str]):
        self.found = found

    def visit_FacetTerm(self, node: FacetTerm) -> None:
        if node.facet in CITATION_FACETS:
            self.found.add(node.value)

    def visit_Not(self, node: Not) -> None:
        self.visit(node.child)

    def _nothing(self, node: Node) -> None:
        return None

    visit_Term = visit_Phrase = visit_Prefix = visit_Fuzzy = visit_Near = _nothing
    visit_Range = visit_Pin = visit_MatchAll = visit_InLetters = _nothing


def _repin(tree: Node, keys: list[str]) -> Node:
    """The tree with its citation pin (parser: passages citing what the query reads
    as rank first) replaced by one for `keys`, the readings passages cite."""
    base = _UNPIN.visit(tree)
    if base is None:
        base = MatchAll()
    if base == tree and not keys:
        return tree
    if not keys:
        return base
    terms = tuple(FacetTerm("citation", k) for k in keys)
    return Or((base, Pin(terms[0] if len(terms) == 1 else Or(terms), CITATION_PIN_SCORE)))


class _Unpin(TreeVisitor[Node | None]):
    """The tree without its pin (None when the pin was all of it). The parser puts
    the pin in an OR beside the query, so only the top ORs are searched."""

    def visit_Pin(self, node: Pin) -> Node | None:
        return None

    def visit_Or(self, node: Or) -> Node | None:
        kids = [k for k in (self.visit(c) for c in node.children) if k is not None]
        return kids[0] if len(kids) == 1 else Or(tuple(kids)) if kids else None

    def _kept(self, node: Node) -> Node | None:
        return node

    visit_Term = visit_Phrase = visit_Prefix = visit_Fuzzy = visit_Near = visit_And = visit_Not = _kept
    visit_FacetTerm = visit_Range = visit_MatchAll = visit_InLetters = _kept


_UNPIN = _Unpin()


def _summary_highlighter(tree: Node) -> Highlighter | None:
    named = tuple(
        leaf
        for leaf, neg in leaves(tree)
        if not neg and isinstance(leaf, (Term, Phrase, Prefix, Near)) and SUMMARY_FIELD in leaf.fields
    )
    if not named:
        return None
    return Highlighter(named[0] if len(named) == 1 else And(named))


def _choice(value, allowed: tuple[str, ...], name: str, messages: list[str]) -> str:
    value = (value or allowed[0]).strip().lower() if isinstance(value, str) else allowed[0]
    if value not in allowed:
        messages.append(f"Unknown {name} {value!r}; used {allowed[0]!r} (choose one of: {', '.join(allowed)}).")
        return allowed[0]
    return value


DATE_PARAMS = (
    ("decided_from", "decision_date", False),
    ("decided_to", "decision_date", True),
    ("injured_from", "injury_date", False),
    ("injured_to", "injury_date", True),
)


def _date_filters(req: SearchRequest, messages: list[str]) -> tuple[dict[str, str], list[Range]]:
    """The request's date parameters as ranges (bad ones ignored, saying so)."""
    applied: dict[str, str] = {}
    bounds: dict[str, list[str | None]] = {}
    for param, field_, end in DATE_PARAMS:
        raw = getattr(req, param, None)
        try:
            value = dates.bound(raw, end)
        except dates.DateError as exc:
            messages.append(f"{param} ignored: {exc}.")
            continue
        if value is not None:
            applied[param] = value
            bounds.setdefault(field_, [None, None])[1 if end else 0] = value
    ranges = []
    for field_, (first, last) in bounds.items():
        if first and last and first > last:
            messages.append(f"The {field_.replace('_', ' ')} range ends before it starts; it was ignored.")
            for param, f, _ in DATE_PARAMS:
                if f == field_:
                    applied.pop(param, None)
            continue
        ranges.append(Range(field_, first, last))
    return applied, ranges


@dataclass
class _Reading:
    """A search request as SearchService._read understood it."""

    pq: ParsedQuery
    tree: Node  # what runs: scoped, citations pinned
    text_tree: Node  # what the highlighter marks
    filters: dict[str, list[str]]
    applied_dates: dict[str, str]
    ranges: list
    scope: str
    offered: list[tuple[str, int]]
    focus: Focus | None = None  # the words name requests: `tree` is focus.tree


@dataclass
class SimilarResult:
    hits: list[Hit]
    terms: list  # indexer.search.similar.WeightedTerm, best first
    query: str  # the same search in the query language ("" when nothing distinctive)


def _get_ci(counts: dict[str, int], key: str) -> int:
    return counts.get(key, 0) or next((n for v, n in counts.items() if v.lower() == key), 0)


def _cited(key: str, wanted: list[str]) -> bool:
    """The citation is one of the wanted keys or below one (case aside)."""
    cited = CitationKey.parse(key).lower()
    return any(cited.is_under(CitationKey.parse(w).lower()) for w in wanted)


def _open_generation(home: IndexHome) -> _Generation:
    last_error: Exception | None = None
    for _ in range(3):  # a switch may remove the generation between reading it and opening it
        gen = home.live()
        if gen is None:
            raise gens.IndexNotFound(home.missing_message())
        try:
            eng, store = home.open(gen, writable=False)
            letters = home.open_letters(gen, writable=False)
            # below some size a thread hand-off costs more than the engine work it overlaps;
            # a remote engine's two requests always overlap their network round trips
            parallel = eng.parallel_reads and (eng.remote or eng.count(MatchAll(), {}) >= PARALLEL_FROM_PASSAGES)
            return _Generation(gen, eng, store, parallel=parallel, letters=letters)
        except (EngineError, OSError, sqlite3.Error) as exc:  # files gone or unreadable; not a bug
            log.warning(
                "cannot open generation %s of the %s index in %s: %s", gen.name, home.engine_name, home.describe(), exc
            )
            last_error = exc
    raise gens.IndexNotFound(f"cannot open the {home.engine_name} index in {home.describe()}: {last_error}")


def _int(value, default: int, lo: int, hi: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = default
    return max(lo, min(hi, n))


def _clean_filters(filters: dict, messages: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for facet, values in filters.items():
        if facet not in INDEXED_FACETS:
            messages.append(f"Unknown filter {facet!r} ignored; filters are: {', '.join(FACETS)}.")
            continue
        if isinstance(values, str):
            values = [values]
        clean: list[str] = []
        for v in values or []:
            v = " ".join(str(v).split())
            if facet in BOOLEAN_FACETS and v:
                norm = BOOLEAN_WORDS.get(v.lower())
                if norm is None:
                    messages.append(f"{facet}={v} should be true or false; ignored.")
                    continue
                v = norm
            if v and v not in clean:
                clean.append(v)
        if clean:
            out[facet] = clean
    return out
