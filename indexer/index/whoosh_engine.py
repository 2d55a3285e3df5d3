"""The Whoosh engine: the same schema and query semantics as Tantivy, in Python.

Text is analysed by `EnStemAnalyzer`, a Whoosh tokenizer running the shared
analysis (`indexer.query.analysis`), which reproduces Tantivy's `en_stem`; so
both engines hold identical terms and the conformance suite expects identical
matches. Facets are multi-valued keyword fields grouped natively by Whoosh.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import spans
from whoosh.writing import IndexingError

from indexer.index.documents import IndexDoc, date_key_range
from indexer.index.engine import (
    RANGE_KEYS,
    SORT_FIELDS,
    EngineError,
    EngineHit,
    EngineResult,
    SearchEngine,
    filter_nodes,
)
from indexer.model import CitationKey
from indexer.query import analysis
from indexer.query.tree import (
    PASSAGE_TEXT_FIELDS,
    TEXT_FIELD_WEIGHTS,
    TEXT_FIELDS,
    And,
    FacetTerm,
    Fuzzy,
    InLetters,
    MatchAll,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Pin,
    Prefix,
    Range,
    Term,
)
from indexer.query.types import CITATION_FACETS, FACETS, INDEXED_FACETS
from indexer.query.visit import TreeVisitor

log = logging.getLogger(__name__)

SEP = "\x1f"  # joins a facet's several values into one field value
# date ranges run over the day part (the high 32 bits) of the date sort keys
DAY_FIELDS = {"decision_key": "decision_day", "injury_key": "injury_day"}


class EnStemAnalyzer(Tokenizer):
    """Tantivy's en_stem, as a Whoosh analyzer (see indexer.query.analysis)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for tok in analysis.tokens(value):
            t.text = tok.term
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = tok.text
            if positions:
                t.pos = start_pos + tok.position
            if chars:
                t.startchar, t.endchar = start_char + tok.start, start_char + tok.end
            yield t


class ValuesAnalyzer(Tokenizer):
    """Splits a SEP-joined list of facet values into one token per value."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        parts = value.split(SEP) if tokenize else [value]
        for i, part in enumerate(p for p in parts if p):
            t.text = part
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = part
            if positions:
                t.pos = start_pos + i
            yield t


def build_schema() -> Schema:
    fields = {
        "passage_id": ID(stored=True, unique=True),
        "letter_id": ID(),
    }
    for name in TEXT_FIELDS:
        fields[name] = TEXT(analyzer=EnStemAnalyzer(), phrase=True)
    for facet in INDEXED_FACETS:
        fields[facet] = KEYWORD(analyzer=ValuesAnalyzer())
        fields[facet + "_k"] = KEYWORD(analyzer=ValuesAnalyzer())
    for key in SORT_FIELDS.values():
        fields[key] = NUMERIC(numtype=int, bits=64, signed=False, sortable=True)
    for day in DAY_FIELDS.values():
        # one term per day (no tiers): Whoosh's tiered numeric ranges matched
        # documents outside the range when measured (a range from day 1 matched all)
        fields[day] = NUMERIC(numtype=int, bits=32, signed=False, shift_step=32)
    return Schema(**fields)


class WhooshEngine(SearchEngine, TreeVisitor[Any]):
    name = "whoosh"

    def __init__(self, path: Path, writable: bool = False, limitmb: int = 256):
        super().__init__(path, writable)
        try:
            if writable:
                self.path.mkdir(parents=True, exist_ok=True)
                if windex.exists_in(str(self.path)):
                    self.index = windex.open_dir(str(self.path))
                else:
                    self.index = windex.create_in(str(self.path), build_schema())
            else:
                if not windex.exists_in(str(self.path)):
                    raise EngineError(f"no Whoosh index at {self.path}")
                self.index = windex.open_dir(str(self.path), readonly=True)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"cannot open the Whoosh index at {self.path}: {exc}") from exc
        self.schema = self.index.schema
        # facets this index has (one built before the hidden group facet lacks it)
        self._facets = tuple(f for f in INDEXED_FACETS if f in FACETS or f + "_k" in self.schema.names())
        self._limitmb = limitmb
        self._writer = None
        # Whoosh searchers read files through shared handles: one per thread
        self._local = threading.local()
        self._searchers: list = []
        self._searchers_lock = threading.Lock()

    @property
    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self.index.searcher()
            self._local.searcher = searcher
            with self._searchers_lock:
                self._searchers.append(searcher)
        return searcher

    def _close_searchers(self) -> None:
        with self._searchers_lock:
            searchers, self._searchers = self._searchers, []
        for searcher in searchers:
            try:
                searcher.close()
            except OSError as exc:  # a file already gone; the others are closed anyway
                log.warning("Whoosh: closing a searcher of %s failed: %s", self.path, exc)
        self._local = threading.local()

    # ------------------------------------------------------------------ writing
    def _w(self):
        if not self.writable:
            raise EngineError("this index was opened read-only")
        if self._writer is None:
            self._writer = self.index.writer(limitmb=self._limitmb)
        return self._writer

    def add(self, docs: Iterable[IndexDoc]) -> int:
        writer = self._w()
        n = 0
        for d in docs:
            fields = {"passage_id": d.passage_id, "letter_id": d.letter_id}
            for key in SORT_FIELDS.values():
                if key in self.schema:
                    fields[key] = getattr(d, key)
            for key, day in DAY_FIELDS.items():
                if day in self.schema:
                    fields[day] = getattr(d, key) >> 32
            for name in TEXT_FIELDS:
                if d.text.get(name):
                    fields[name] = d.text[name]
            for facet in self._facets:
                values = [v.replace(SEP, " ") for v in d.facets.get(facet, ())]
                if values:
                    fields[facet] = SEP.join(values)
                    fields[facet + "_k"] = SEP.join(v.lower() for v in values)
            writer.add_document(**fields)
            n += 1
        return n

    def delete_letter(self, letter_id: str) -> None:
        self._w().delete_by_term("letter_id", letter_id)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer = None
        self._close_searchers()

    def close(self) -> None:
        if self._writer is not None:
            try:
                self._writer.cancel()
            except (OSError, IndexingError, LockError) as exc:  # its lock file goes with the generation
                log.warning("Whoosh: cancelling the writer of %s failed: %s", self.path, exc)
            self._writer = None
        self._close_searchers()

    # ------------------------------------------------------------------ reading
    def _filter(self, filters: dict[str, list[str]]):
        groups = filter_nodes(filters)
        if not groups:
            return None
        return wq.And([self.compile(g) for g in groups])

    def _run(self, q, **kwargs):
        """`searcher.search` with exact totals. Whoosh's scored collectors "replace"
        their matcher as the top-N threshold rises, pruning sub-queries that cannot
        reach it, and then count only what they still visit: `lumbar OR <letters,
        constant score>` counted 28 of its 53 matches with limit=1. Pruning is off."""
        collector = self._searcher.collector(**kwargs)
        c = collector
        while c is not None:
            if hasattr(c, "replace"):
                c.replace = 0
            c = getattr(c, "child", None)
        self._searcher.search_with_collector(q, collector)
        return collector.results()

    def _query(self, tree, filters):
        """The query with the filters folded in as required clauses.

        Whoosh's `filter=` argument miscounts `len(results)` when a `limit` is
        given (it counted 30 matches for a filtered query with no hits), so
        filters are applied as part of the query itself."""
        q = self.compile(tree)
        flt = self._filter(filters)
        return q if flt is None else wq.And([q, wq.ConstantScoreQuery(flt, 0.0)])

    def search(self, tree, filters, sort, offset, limit) -> EngineResult:
        q = self._query(tree, filters)
        kwargs = {"limit": offset + max(limit, 1)}
        if sort in SORT_FIELDS:
            kwargs["sortedby"] = sorting.FieldFacet(SORT_FIELDS[sort], reverse=True)
        results = self._run(q, **kwargs)
        hits = []
        for i in range(offset, min(offset + limit, results.scored_length())):
            pid = results[i]["passage_id"]
            score = float(results.score(i) or 0.0) if sort not in SORT_FIELDS else 0.0
            hits.append(EngineHit(pid, score))
        return EngineResult(total=len(results), hits=hits)

    def facet_counts(self, tree, filters, facets) -> dict[str, dict[str, int]]:
        facets = list(facets)
        if not facets:
            return {}
        groupedby = sorting.Facets()
        for f in facets:
            groupedby.add_facet(f, sorting.FieldFacet(f, allow_overlap=True, maptype=sorting.Count))
        results = self._run(self._query(tree, filters), limit=1, groupedby=groupedby)
        out: dict[str, dict[str, int]] = {}
        for f in facets:
            counts = results.groups(f)
            out[f] = {str(k): int(v) for k, v in counts.items() if k is not None}
        return out

    def vocabulary(self, prefix: str) -> list[tuple[str, int]]:
        if not prefix:
            return []
        reader = self._searcher.reader()
        merged: dict[str, int] = {}
        for f in TEXT_FIELDS:
            if f not in reader.schema:
                continue
            for t in reader.expand_prefix(f, prefix):
                term = t.decode("utf-8") if isinstance(t, bytes) else str(t)
                n = int(reader.doc_frequency(f, term))
                # a passage may hold the word in several fields: the largest count is
                # the closest lower bound without reading postings
                merged[term] = max(merged.get(term, 0), n)
        return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))

    def doc_freq(self, term: str) -> int:
        reader = self._searcher.reader()
        return max((int(reader.doc_frequency(f, term)) for f in TEXT_FIELDS if f in reader.schema), default=0)

    def doc_freqs(self, field, terms) -> dict[str, int]:
        searcher = self._searcher
        return {t: int(searcher.doc_frequency(field, t)) for t in terms}

    def count(self, tree, filters) -> int:
        return len(self._run(self._query(tree, filters), limit=1))

    def letter_count(self, tree, filters, total=None) -> int:
        groupedby = sorting.Facets()
        groupedby.add_facet("letters", sorting.FieldFacet("letter_id", maptype=sorting.Count))
        results = self._run(self._query(tree, filters), limit=1, groupedby=groupedby)
        return sum(1 for k in results.groups("letters") if k is not None)

    def matching_ids(self, tree, filters=None) -> list[str]:
        results = self._run(self._query(tree, filters or {}), limit=None)
        return [hit["passage_id"] for hit in results]

    # ------------------------------------------------------------------ compiling
    def compile(self, node: Node):
        return self.visit(node)

    def visit_Fuzzy(self, node: Fuzzy):
        # the service resolves fuzzy words against the index before any engine sees them
        raise EngineError(f"unresolved fuzzy word {node.text!r}")

    def visit_MatchAll(self, node: MatchAll):
        return wq.Every()

    def visit_Term(self, node: Term):
        return self._per_field(node.fields, lambda f, b: wq.Term(f, node.term, boost=b))

    def visit_Phrase(self, node: Phrase):
        # Whoosh's slop counts positions per gap (1 = adjacent); Tantivy's counts extra ones
        return self._per_field(node.fields, lambda f, b: wq.Phrase(f, list(node.terms), slop=node.slop + 1, boost=b))

    def visit_Prefix(self, node: Prefix):
        return self._per_field(node.fields, lambda f, b: wq.Prefix(f, node.prefix, boost=b))

    def visit_Near(self, node: Near):
        def near(f, b):
            return spans.SpanNear2(
                [_span(f, node.left), _span(f, node.right)], slop=node.distance, ordered=node.ordered
            )

        return self._per_field(node.fields, near)

    def visit_Range(self, node: Range):
        lo, hi = date_key_range(node.start, node.end)
        return wq.NumericRange(DAY_FIELDS[RANGE_KEYS[node.field]], lo >> 32, hi >> 32)

    def visit_FacetTerm(self, node: FacetTerm):
        if node.facet not in self._facets:
            return wq.NullQuery
        field = node.facet + "_k"
        value = node.value.lower()
        if node.facet in CITATION_FACETS:  # the key and every key below it
            key = CitationKey.parse(value)
            return wq.Or([wq.Term(field, str(key)), wq.Prefix(field, key.descendant_prefix)])
        return wq.Term(field, value)

    def visit_Pin(self, node: Pin):
        return wq.ConstantScoreQuery(self.compile(node.child), node.score)

    def visit_InLetters(self, node: InLetters):
        if not node.letter_ids:
            return wq.NullQuery
        return wq.ConstantScoreQuery(wq.Or([wq.Term("letter_id", i) for i in sorted(node.letter_ids)]), node.score)

    # Exclusions compile to And([..., Not(x)]), not AndNot: Whoosh's AndNot
    # matcher lets excluded documents through when the excluded side is a
    # boosted multi-field Or (seen with `muscle relaxant -Soma`).
    def visit_Not(self, node: Not):
        return wq.And([wq.Every(), wq.Not(self.compile(node.child))])

    def visit_And(self, node: And):
        pos = [self.compile(c) for c in node.children if not isinstance(c, Not)]
        neg = [wq.Not(self.compile(c.child)) for c in node.children if isinstance(c, Not)]
        parts = (pos or [wq.Every()]) + neg
        return wq.And(parts) if len(parts) > 1 else parts[0]

    def visit_Or(self, node: Or):
        return wq.Or([self.compile(c) for c in node.children])

    def _per_field(self, fields: tuple[str, ...], make):
        names = fields or PASSAGE_TEXT_FIELDS
        qs = [make(f, TEXT_FIELD_WEIGHTS.get(f, 1.0)) for f in names]
        return qs[0] if len(qs) == 1 else wq.Or(qs)


def _span(field: str, node: Term | Phrase):
    if isinstance(node, Term):
        return wq.Term(field, node.term)
    return spans.SpanNear2([wq.Term(field, t) for t in node.terms], slop=node.slop + 1, ordered=True)
