"""The Tantivy engine (default): compiled query tree, native aggregations.

Schema: every searchable text field uses Tantivy's `en_stem` analyzer (the
shared Python analysis in `indexer.search.analysis` reproduces it, so the
query tree's terms are exactly the indexed ones). Each facet has two raw
fields: `<facet>` holds the display value as a fast field for exact terms
aggregations, `<facet>_k` holds it lowercased for case-insensitive filtering.
Dates are u64 fast fields that encode date + a fixed per-passage number, so a
date sort is a single fast-field sort with a total order.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

import tantivy
from tantivy import Occur, Query

from indexer.index.documents import IndexDoc
from indexer.index.engine import SORT_FIELDS, EngineError, EngineHit, EngineResult, SearchEngine, filter_nodes
from indexer.search.tree import (
    TEXT_FIELD_WEIGHTS,
    TEXT_FIELDS,
    And,
    FacetTerm,
    MatchAll,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Pin,
    Prefix,
    Term,
)
from indexer.search.types import FACETS

MAX_BUCKETS = 65_000  # tantivy's default aggregation bucket limit
WRITER_HEAP = 256_000_000
COMPILED_CACHE = 512
_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def _regex_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("passage_id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("letter_id", stored=False, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="en_stem", index_option="position")
    for facet in FACETS:
        sb.add_text_field(facet, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
        sb.add_text_field(facet + "_k", stored=False, tokenizer_name="raw", index_option="basic")
    for key in SORT_FIELDS.values():
        sb.add_unsigned_field(key, stored=False, indexed=False, fast=True)
    return sb.build()


class TantivyEngine(SearchEngine):
    name = "tantivy"

    def __init__(self, path: Path, writable: bool = False, heap_size: int = WRITER_HEAP,
                 threads: int = 0):
        super().__init__(path, writable)
        self.schema = build_schema()
        try:
            if writable:
                self.path.mkdir(parents=True, exist_ok=True)
                if tantivy.Index.exists(str(self.path)):
                    self.index = tantivy.Index.open(str(self.path))
                else:
                    self.index = tantivy.Index(self.schema, path=str(self.path))
            else:
                if not tantivy.Index.exists(str(self.path)):
                    raise EngineError(f"no Tantivy index at {self.path}")
                self.index = tantivy.Index.open(str(self.path))
            self.index.config_reader("manual", 0)
        except EngineError:
            raise
        except Exception as exc:  # corrupt or incompatible files
            raise EngineError(f"cannot open the Tantivy index at {self.path}: {exc}") from exc
        self.schema = self.index.schema
        self._searcher = self.index.searcher()
        self._writer: tantivy.IndexWriter | None = None
        self._heap_size = heap_size
        self._threads = threads
        # compiled queries by (tree, filters): a search compiles its query for the
        # top hits, the total and each facet count (prefixes build automata)
        self._compiled: OrderedDict[tuple, Query] = OrderedDict()
        self._compiled_lock = threading.Lock()

    def _w(self) -> tantivy.IndexWriter:
        if not self.writable:
            raise EngineError("this index was opened read-only")
        if self._writer is None:
            self._writer = self.index.writer(heap_size=self._heap_size, num_threads=self._threads)
        return self._writer

    # ------------------------------------------------------------------ writing
    def add(self, docs: Iterable[IndexDoc]) -> int:
        n = 0
        writer = self._w()
        for d in docs:
            doc = tantivy.Document()
            doc.add_text("passage_id", d.passage_id)
            doc.add_text("letter_id", d.letter_id)
            for name in TEXT_FIELDS:
                value = d.text.get(name)
                if value:
                    doc.add_text(name, value)
            for facet in FACETS:
                for value in d.facets.get(facet, ()):
                    doc.add_text(facet, value)
                    doc.add_text(facet + "_k", value.lower())
            doc.add_unsigned("decision_key", d.decision_key)
            doc.add_unsigned("injury_key", d.injury_key)
            writer.add_document(doc)
            n += 1
        return n

    def delete_letter(self, letter_id: str) -> None:
        self._w().delete_documents_by_term("letter_id", letter_id)

    def commit(self) -> None:
        writer = self._w()
        writer.commit()
        writer.wait_merging_threads()  # consumes the writer; a new one is made on demand
        self._writer = None
        self.index.reload()
        self._searcher = self.index.searcher()

    def close(self) -> None:
        if self._writer is not None:
            try:
                self._writer.rollback()
            except Exception:
                pass
            self._writer = None

    # ------------------------------------------------------------------ reading
    def _query(self, tree: Node, filters: dict[str, list[str]]) -> Query:
        key = (tree, tuple(sorted((k, tuple(v)) for k, v in filters.items())))
        with self._compiled_lock:
            query = self._compiled.get(key)
            if query is not None:
                self._compiled.move_to_end(key)
                return query
        query = self._build_query(tree, filters)
        with self._compiled_lock:
            self._compiled[key] = query  # immutable: the same query serves every search
            while len(self._compiled) > COMPILED_CACHE:
                self._compiled.popitem(last=False)
        return query

    def _build_query(self, tree: Node, filters: dict[str, list[str]]) -> Query:
        main = self.compile(tree)
        groups = filter_nodes(filters)
        if not groups:
            return main
        clauses = [(Occur.Must, main)]
        for g in groups:
            # filters restrict but do not score
            clauses.append((Occur.Must, Query.boost_query(self.compile(g), 0.0)))
        return Query.boolean_query(clauses)

    def search(self, tree, filters, sort, offset, limit) -> EngineResult:
        query = self._query(tree, filters)
        searcher = self._searcher
        if sort in SORT_FIELDS:
            result = searcher.search(query, limit=max(limit, 1), count=True, offset=offset,
                                     order_by_field=SORT_FIELDS[sort], order=tantivy.Order.Desc)
        else:
            result = searcher.search(query, limit=max(limit, 1), count=True, offset=offset)
        hits = []
        for value, address in result.hits[:limit]:
            pid = searcher.doc(address).get_first("passage_id")
            score = float(value) if sort not in SORT_FIELDS else 0.0
            hits.append(EngineHit(pid, score))
        return EngineResult(total=int(result.count or 0), hits=hits)

    def facet_counts(self, tree, filters, facets) -> dict[str, dict[str, int]]:
        facets = list(facets)
        if not facets:
            return {}
        query = self._query(tree, filters)
        aggs = {f: {"terms": {"field": f, "size": MAX_BUCKETS, "segment_size": MAX_BUCKETS}}
                for f in facets}
        raw = self._searcher.aggregate(query, aggs)
        out: dict[str, dict[str, int]] = {}
        for f in facets:
            buckets = (raw.get(f) or {}).get("buckets", [])
            out[f] = {str(b["key"]): int(b["doc_count"]) for b in buckets}
        return out

    def count(self, tree, filters) -> int:
        return int(self._searcher.search(self._query(tree, filters), limit=1, count=True).count)

    # ------------------------------------------------------------------ compiling
    def compile(self, node: Node) -> Query:
        schema = self.schema
        if isinstance(node, MatchAll):
            return Query.all_query()
        if isinstance(node, Term):
            return self._per_field(node.fields, lambda f: Query.term_query(schema, f, node.term))
        if isinstance(node, Phrase):
            return self._per_field(node.fields, lambda f: Query.phrase_query(
                schema, f, list(node.terms), slop=node.slop))
        if isinstance(node, Prefix):
            pattern = _regex_escape(node.prefix) + ".*"
            return self._per_field(node.fields, lambda f: Query.regex_query(schema, f, pattern))
        if isinstance(node, Near):
            a = list(_terms(node.left))
            b = list(_terms(node.right))
            slop = max(node.distance - 1, 0)
            return self._per_field(node.fields, lambda f: Query.boolean_query([
                (Occur.Should, Query.phrase_query(schema, f, a + b, slop=slop)),
                (Occur.Should, Query.phrase_query(schema, f, b + a, slop=slop)),
            ]))
        if isinstance(node, FacetTerm):
            value = node.value.lower()
            field = node.facet + "_k"
            if node.facet not in FACETS:
                return Query.empty_query()
            term = Query.term_query(schema, field, value)
            if node.facet == "citation":
                below = Query.regex_query(schema, field, _regex_escape(value + " | ") + ".*")
                return Query.boolean_query([(Occur.Should, term), (Occur.Should, below)])
            return term
        if isinstance(node, Pin):
            return Query.const_score_query(self.compile(node.child), node.score)
        if isinstance(node, Not):
            return Query.boolean_query([(Occur.Must, Query.all_query()),
                                        (Occur.MustNot, self.compile(node.child))])
        if isinstance(node, And):
            clauses = []
            for c in node.children:
                if isinstance(c, Not):
                    clauses.append((Occur.MustNot, self.compile(c.child)))
                else:
                    clauses.append((Occur.Must, self.compile(c)))
            if all(o == Occur.MustNot for o, _ in clauses):
                clauses.append((Occur.Must, Query.all_query()))
            return Query.boolean_query(clauses)
        if isinstance(node, Or):
            return Query.boolean_query([(Occur.Should, self.compile(c)) for c in node.children])
        raise EngineError(f"cannot compile query node {node!r}")

    def _per_field(self, fields: tuple[str, ...], make) -> Query:
        names = fields or TEXT_FIELDS
        clauses = [(Occur.Should, Query.boost_query(make(f), TEXT_FIELD_WEIGHTS.get(f, 1.0)))
                   for f in names]
        return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def _terms(node: Term | Phrase) -> tuple[str, ...]:
    return (node.term,) if isinstance(node, Term) else node.terms
