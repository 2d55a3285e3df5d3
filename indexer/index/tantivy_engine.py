"""The Tantivy engine (default): compiled query tree, native aggregations.

Schema: every searchable text field is indexed pre-tokenised by the shared
Python analysis (`indexer.query.analysis`: Tantivy's `en_stem` plus dosages,
spinal levels and sentence gaps), so the query tree's terms are exactly the
indexed ones; the fields keep `en_stem` as their declared tokenizer. Each facet has two raw
fields: `<facet>` holds the display value as a fast field for exact terms
aggregations, `<facet>_k` holds it lowercased for case-insensitive filtering;
facets with a few values per passage are also counted from `<facet>_set` (see
SET_FACETS).
Dates are u64 fast fields that encode date + a fixed per-passage number, so a
date sort is a single fast-field sort with a total order.

The `all` field holds every searchable text field of a passage again, so a
query over all fields (the usual case) finds its matches in one posting list
per word rather than a union of five, which is what keeps ANDed words cheap at
a million passages. Scores still come from the fields themselves, weighted
(tree.TEXT_FIELD_WEIGHTS), checked only on the documents `all` matched: a word
in the request outranks the same word in the reasoning, as in Whoosh. Indexes
built before `all` existed are searched field by field.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from indexer.index.documents import IndexDoc, date_key_range
from indexer.index.engine import (
    RANGE_KEYS,
    SORT_FIELDS,
    EngineError,
    EngineHit,
    EngineResult,
    SearchEngine,
    filter_nodes,
    tie_order,
    tie_window,
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

ALL_FIELD = "all"  # every searchable text field of the passage, for matching across fields
# Facets with a few values per passage drawn from a small vocabulary. Counting a
# multi-valued column costs several times a single-valued one, so each of these is
# also indexed as one value, the passage's sorted set, and counts are summed per
# member: exact, since a passage holds each value once. (Citations have too many
# distinct sets for this.)
SET_FACETS = ("source", "body_region", "specialty", "licensure")
SET_SEPARATOR = "\x1f"
MAX_BUCKETS = 65_000  # tantivy's default aggregation bucket limit
WRITER_HEAP = 256_000_000
COMPILED_CACHE = 512
_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def _regex_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


def build_schema(all_field: bool = True) -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("passage_id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("letter_id", stored=False, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="en_stem", index_option="position")
    if all_field:
        sb.add_text_field(ALL_FIELD, stored=False, tokenizer_name="en_stem", index_option="position")
    for facet in INDEXED_FACETS:
        sb.add_text_field(facet, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
        sb.add_text_field(facet + "_k", stored=False, tokenizer_name="raw", index_option="basic")
        if facet in SET_FACETS and all_field:
            sb.add_text_field(facet + "_set", stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    for key in SORT_FIELDS.values():
        sb.add_unsigned_field(key, stored=False, indexed=False, fast=True)
    sb.add_unsigned_field("letter_key", stored=False, indexed=False, fast=True)
    return sb.build()


class TantivyEngine(SearchEngine, TreeVisitor[Query]):
    name = "tantivy"
    parallel_reads = True  # tantivy-py releases the GIL while it searches
    clone_by_link = True  # segments are immutable: a new generation hard-links the old one's

    def __init__(self, path: Path, writable: bool = False, heap_size: int = WRITER_HEAP, threads: int = 0):
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
        self._all_field = _has_field(self.schema, ALL_FIELD)  # indexes built before it lack it
        self._set_facets = frozenset(f for f in SET_FACETS if _has_field(self.schema, f + "_set"))
        self._text_fields = frozenset(f for f in TEXT_FIELDS if _has_field(self.schema, f))
        self._sort_keys = frozenset(k for k in SORT_FIELDS.values() if _has_u64_field(self.schema, k))
        # facets this index has (one built before the hidden group facet lacks it)
        self._facets = tuple(f for f in INDEXED_FACETS if f in FACETS or _has_field(self.schema, f + "_k"))
        self._letter_key = _has_u64_field(self.schema, "letter_key")
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
        analysed: dict[str, tantivy.PreTokenizedString] = {}  # a letter's passages share its summary
        for d in docs:
            doc = tantivy.Document()
            doc.add_text("passage_id", d.passage_id)
            doc.add_text("letter_id", d.letter_id)
            for name in TEXT_FIELDS:
                value = d.text.get(name)
                if value and name in self._text_fields:
                    # the shared analysis's tokens, so every engine indexes the same terms
                    # at the same positions (sentence gaps, dosages, spinal levels)
                    tokens = analysed.get(value)
                    if tokens is None:
                        if len(analysed) > 64:
                            analysed.clear()
                        tokens = analysed[value] = _pre_tokenized(value)
                    doc.add_pre_tokenized_text(name, tokens)
                    if self._all_field:
                        doc.add_pre_tokenized_text(ALL_FIELD, tokens)  # values are kept apart by a position gap
            for facet in self._facets:
                values = d.facets.get(facet, ())
                for value in values:
                    doc.add_text(facet, value)
                    doc.add_text(facet + "_k", value.lower())
                if facet in self._set_facets and values:
                    doc.add_text(facet + "_set", _set_value(values))
            for key in SORT_FIELDS.values():
                if key in self._sort_keys:
                    doc.add_unsigned(key, getattr(d, key))
            if self._letter_key:
                doc.add_unsigned("letter_key", d.letter_key)
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
        with self._compiled_lock:
            self._compiled.clear()  # citation filters expand to the keys the index holds

    def close(self) -> None:
        if self._writer is not None:
            try:
                self._writer.rollback()
            except (RuntimeError, ValueError) as exc:  # tantivy-py's errors: a consumed writer, an I/O failure
                log.warning("Tantivy: rolling back the writer of %s failed: %s", self.path, exc)
            self._writer = None

    def clear_caches(self) -> None:
        """Forget compiled queries (benchmarks time queries never seen before)."""
        with self._compiled_lock:
            self._compiled.clear()

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
        groups = filter_nodes(filters)
        if not groups:
            return self.compile(tree)
        # filters restrict but do not score
        restrict = [(Occur.Must, Query.boost_query(self.compile(g), 0.0)) for g in groups]
        if (
            self._all_field
            and isinstance(tree, Or)
            and any(isinstance(c, Phrase) for c in tree.children)
            and not any(_subsumed(c, tree.children) for c in tree.children)
        ):
            # ESI OR "epidural steroid injection" under filters: each alternative is
            # filtered on its own, so the phrase is checked only where the filters
            # hold (same matches, same scores: the filters add nothing to a score)
            return Query.boolean_query(
                [(Occur.Should, Query.boolean_query([(Occur.Must, self.compile(c))] + restrict)) for c in tree.children]
            )
        return Query.boolean_query([(Occur.Must, self.compile(tree))] + restrict)

    def search(self, tree, filters, sort, offset, limit) -> EngineResult:
        query = self._query(tree, filters)
        searcher = self._searcher
        if sort in SORT_FIELDS and SORT_FIELDS[sort] not in self._sort_keys:
            raise EngineError(f"this index predates the {sort} sort; index the letters again")
        if sort in SORT_FIELDS:
            result = searcher.search(
                query,
                limit=max(limit, 1),
                count=True,
                offset=offset,
                order_by_field=SORT_FIELDS[sort],
                order=tantivy.Order.Desc,
            )
        else:
            result = searcher.search(query, limit=max(limit, 1), count=True, offset=offset)
        hits = []
        for value, address in result.hits[:limit]:
            score = float(value) if sort not in SORT_FIELDS else 0.0
            hits.append(EngineHit(_passage_id(searcher, address), score))
        return EngineResult(total=_total(result), hits=hits)

    def relevance_page(self, tree, filters, offset, limit, total=None) -> EngineResult:
        """As the base class, but tie keys come from a fast field (the low 32 bits of
        `decision_key`) in one batch, and passage ids are read only for the page.
        With a known total the top is ranked uncounted: block-max WAND may then
        skip passages that cannot reach it (a counted search visits every match)."""
        result = self._ranked(self._query(tree, filters), offset, limit, counted=total is None)
        return result if total is None else EngineResult(total=total, hits=result.hits)

    def _ranked(self, query: Query, offset: int, limit: int, counted: bool) -> EngineResult:
        """The page [offset, offset+limit) of `query` by score, ties in tie_order.

        Only the first search counts the matches (when `counted`): a window widened
        for a tie asks for more hits, not for the total again. Uncounted, Tantivy
        scores a pure disjunction with block-max WAND (more-like-this)."""
        searcher = self._searcher
        first: list[int] = []  # the count of the first search (when counted)

        def fetch(n: int):
            result = searcher.search(query, limit=max(n, 1), count=counted and not first)
            if not first:
                first.append(_total(result) if counted else 0)
            return result

        result = tie_window(offset + limit, fetch, lambda r: [score for score, _ in r.hits])
        raw = result.hits
        keys = [
            int(k or 0) & 0xFFFFFFFF
            for k in (searcher.fast_field_values("decision_key", [a for _, a in raw]) if raw else [])
        ]
        order = sorted(range(len(raw)), key=lambda i: (-raw[i][0], keys[i]))
        ids: dict[int, str] = {}

        def pid(i: int) -> str:
            if i not in ids:
                ids[i] = _passage_id(searcher, raw[i][1])
            return ids[i]

        page = order[offset : offset + limit]
        if page:
            # equal score and equal 32-bit key (rare): order those by passage id
            lo, hi = offset, offset + len(page)
            same = lambda i: (raw[i][0], keys[i])  # noqa: E731
            while lo > 0 and same(order[lo - 1]) == same(order[lo]):
                lo -= 1
            while hi < len(order) and same(order[hi]) == same(order[hi - 1]):
                hi += 1
            span = order[lo:hi]
            span.sort(key=lambda i: (-raw[i][0], *tie_order(pid(i))))
            order[lo:hi] = span
            page = order[offset : offset + limit]
        hits = [EngineHit(pid(i), float(raw[i][0])) for i in page]
        return EngineResult(total=first[0] if counted else len(raw), hits=hits)

    def facet_counts(self, tree, filters, facets) -> dict[str, dict[str, int]]:
        facets = list(facets)
        if not facets:
            return {}
        raw = self._searcher.aggregate(self._query(tree, filters), self._terms_aggs(facets))
        return {f: self._buckets(f, raw, f) for f in facets}

    def facet_counts_many(self, tree, requests) -> list[dict[str, dict[str, int]]]:
        """All requests in one aggregation pass over the query's matches.

        Filter groups every request shares go into the query; the rest become
        filter sub-aggregations, one per request. So a search with k selected
        facets runs its query once for all facet counts instead of k + 1 times."""
        reqs = [({k: list(v) for k, v in (f or {}).items() if v}, list(fs)) for f, fs in requests]
        live = [i for i, (_, fs) in enumerate(reqs) if fs]
        out: list[dict[str, dict[str, int]]] = [{} for _ in reqs]
        if len(live) <= 1 or isinstance(tree, MatchAll):
            # nothing to share, or no query to run once: the filters themselves are
            # the cheapest way to the few documents each request counts
            for i in live:
                out[i] = self.facet_counts(tree, *reqs[i])
            return out
        keyed = [{k: tuple(v) for k, v in reqs[i][0].items()} for i in live]
        common = {k: list(v) for k, v in keyed[0].items() if all(kf.get(k) == v for kf in keyed[1:])}
        rests = [{k: list(v) for k, v in kf.items() if k not in common} for kf in keyed]
        # The pass runs over the query's matches under the shared filters only.
        # Restricting it further to documents some request counts (at least one
        # request's own filters hold) was measured slower: broad filters such as
        # decision:Upheld cost more to evaluate than the documents they would skip.
        query = self._query(tree, common)
        aggs: dict = {}
        for n, (i, rest) in enumerate(zip(live, rests, strict=True)):
            terms = self._terms_aggs(reqs[i][1], prefix=f"r{n}f")
            if rest:
                aggs[f"r{n}"] = {"filter": self._filter_string(rest), "aggs": terms}
            else:
                aggs.update(terms)
        raw = self._searcher.aggregate(query, aggs)
        for n, (i, rest) in enumerate(zip(live, rests, strict=True)):
            scope = raw.get(f"r{n}") or {} if rest else raw
            out[i] = {f: self._buckets(f, scope, f"r{n}f{j}") for j, f in enumerate(reqs[i][1])}
        return out

    def _terms_aggs(self, facets, prefix: str = "") -> dict:
        out = {}
        for j, f in enumerate(facets):
            field = f + "_set" if f in self._set_facets else f
            out[f"{prefix}{j}" if prefix else f] = {
                "terms": {"field": field, "size": MAX_BUCKETS, "segment_size": MAX_BUCKETS}
            }
        return out

    def _buckets(self, facet: str, scope: dict, name: str) -> dict[str, int]:
        buckets = (scope.get(name) or {}).get("buckets", [])
        if facet not in self._set_facets:
            return {str(b["key"]): int(b["doc_count"]) for b in buckets}
        counts: dict[str, int] = {}
        for b in buckets:  # a passage holds each value once in its set
            n = int(b["doc_count"])
            for value in str(b["key"]).split(SET_SEPARATOR):
                counts[value] = counts.get(value, 0) + n
        return counts

    def _filter_string(self, filters: dict[str, list[str]]) -> str:
        """Filters in the query-parser syntax a filter aggregation takes (terms only)."""
        groups = []
        for facet, values in sorted(filters.items()):
            field = facet + "_k"
            keys: list[str] = []
            for v in values:
                keys.extend(self._facet_keys(facet, str(v)))
            groups.append("(" + " OR ".join(f'{field}:"{_qp_escape(k)}"' for k in keys) + ")")
        return " AND ".join(groups)

    def _facet_keys(self, facet: str, value: str) -> list[str]:
        """The indexed `<facet>_k` terms a filter value stands for: itself, and for
        a citation every citation key below it (its chapter's topics)."""
        value = value.lower()
        if facet not in CITATION_FACETS:
            return [value]
        key = CitationKey.parse(value)
        below = [t for t, _ in self._searcher.terms_with_prefix(facet + "_k", key.descendant_prefix)]
        return [str(key)] + sorted(below)

    def vocabulary(self, prefix: str) -> list[tuple[str, int]]:
        if not prefix:
            return []
        if self._all_field:
            return [(str(t), int(n)) for t, n in self._searcher.terms_with_prefix(ALL_FIELD, prefix)]
        merged: dict[str, int] = {}
        for f in self._text_fields:  # an old index: a passage may hold a term in several fields
            for t, n in self._searcher.terms_with_prefix(f, prefix):
                merged[str(t)] = max(merged.get(str(t), 0), int(n))
        return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))

    def doc_freq(self, term: str) -> int:
        if self._all_field:
            return int(self._searcher.doc_freq(ALL_FIELD, term))
        return max((int(self._searcher.doc_freq(f, term)) for f in self._text_fields), default=0)

    def more_like_this(self, field, terms, limit) -> list[EngineHit]:
        """A disjunction of bare term queries ranked without a count: Tantivy then
        scores it with block-max WAND, skipping blocks of passages whose best
        possible score cannot enter the top (a boosted or filtered query, or an
        exact count, makes it score every passage holding any term). Ties are
        ordered from the fast-field keys; passage ids are read for the top only."""
        terms = list(dict.fromkeys(terms))
        if field not in self._text_fields or not terms or limit <= 0:
            return []
        clauses = [(Occur.Should, Query.term_query(self.schema, field, t)) for t in terms]
        query = clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)
        return self._ranked(query, 0, limit, counted=False).hits

    def doc_freqs(self, field, terms) -> dict[str, int]:
        # from the term dictionary (deleted documents still count until a merge: a weight, not a count)
        searcher = self._searcher
        return {t: int(searcher.doc_freq(field, t)) for t in terms}

    def count(self, tree, filters) -> int:
        return _total(self._searcher.search(self._query(tree, filters), limit=1, count=True))

    def _all_matches(self, tree, filters):
        searcher = self._searcher
        query = self._query(tree, filters)
        n = _total(searcher.search(query, limit=1, count=True))
        return searcher, (searcher.search(query, limit=n, count=False).hits if n else [])

    letter_buckets = MAX_BUCKETS  # up to this many matches, letters are counted by aggregation

    def letter_count(self, tree, filters, total=None) -> int:
        """Distinct letters among the matches, exactly, from the `letter_key` column:
        one terms aggregation when the matches are few enough that their letters
        fit tantivy's bucket limit (as facets are counted), else the column read
        for every match (exact too, but costs a pass that collects every match)."""
        if not self._letter_key:
            return super().letter_count(tree, filters, total)
        query = self._query(tree, filters)
        searcher = self._searcher
        if total is None:
            total = _total(searcher.search(query, limit=1, count=True))
        if total == 0:
            return 0
        if total <= self.letter_buckets:
            raw = searcher.aggregate(
                query, {"letters": {"terms": {"field": "letter_key", "size": MAX_BUCKETS, "segment_size": MAX_BUCKETS}}}
            )
            return len((raw.get("letters") or {}).get("buckets", []))
        hits = searcher.search(query, limit=total + 1, count=False).hits
        if len(hits) > total:  # a caller's total fell short: never count from a cut list
            return self.letter_count(tree, filters)
        return len(set(searcher.fast_field_values("letter_key", [a for _, a in hits])))

    def matching_ids(self, tree, filters=None) -> list[str]:
        searcher, hits = self._all_matches(tree, filters or {})
        return [searcher.doc(a).get_first("passage_id") for _, a in hits]

    # ------------------------------------------------------------------ compiling
    def compile(self, node: Node) -> Query:
        return self.visit(node)

    def visit_Fuzzy(self, node: Fuzzy) -> Query:
        # the service resolves fuzzy words against the index before any engine sees them
        raise EngineError(f"unresolved fuzzy word {node.text!r}")

    def visit_MatchAll(self, node: MatchAll) -> Query:
        return Query.all_query()

    def visit_Term(self, node: Term) -> Query:
        schema = self.schema
        return self._text(node.fields, lambda f: Query.term_query(schema, f, node.term))

    def visit_Phrase(self, node: Phrase) -> Query:
        schema = self.schema
        return self._text(
            node.fields, lambda f: Query.phrase_query(schema, f, list(node.terms), slop=node.slop), exact=node.slop == 0
        )

    def visit_Prefix(self, node: Prefix) -> Query:
        schema = self.schema
        pattern = _regex_escape(node.prefix) + ".*"
        return self._text(node.fields, lambda f: Query.regex_query(schema, f, pattern))

    def visit_Near(self, node: Near) -> Query:
        schema = self.schema
        a = list(_terms(node.left))
        b = list(_terms(node.right))
        if node.ordered:
            return self._per_field(node.fields, lambda f: _ordered_near(schema, f, a, b, node.distance))
        slop = max(node.distance - 1, 0)
        ab: list[str | tuple[int, str]] = [*a, *b]
        ba: list[str | tuple[int, str]] = [*b, *a]
        return self._per_field(
            node.fields,
            lambda f: Query.boolean_query(
                [
                    (Occur.Should, Query.phrase_query(schema, f, ab, slop=slop)),
                    (Occur.Should, Query.phrase_query(schema, f, ba, slop=slop)),
                ]
            ),
        )

    def visit_Range(self, node: Range) -> Query:
        schema = self.schema
        lo, hi = date_key_range(node.start, node.end)
        return Query.range_query(schema, RANGE_KEYS[node.field], tantivy.FieldType.Unsigned, lo, hi)

    def visit_FacetTerm(self, node: FacetTerm) -> Query:
        schema = self.schema
        if node.facet not in self._facets:
            return Query.empty_query()
        keys = self._facet_keys(node.facet, node.value)
        if len(keys) == 1:
            return Query.term_query(schema, node.facet + "_k", keys[0])
        return Query.term_set_query(schema, node.facet + "_k", keys)

    def visit_Pin(self, node: Pin) -> Query:
        return Query.const_score_query(self.compile(node.child), node.score)

    def visit_InLetters(self, node: InLetters) -> Query:
        schema = self.schema
        if not node.letter_ids:
            return Query.empty_query()
        return Query.const_score_query(Query.term_set_query(schema, "letter_id", sorted(node.letter_ids)), node.score)

    def visit_Not(self, node: Not) -> Query:
        return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, self.compile(node.child))])

    def visit_And(self, node: And) -> Query:
        return self._and(node.children, distribute=True)

    def visit_Or(self, node: Or) -> Query:
        boosts = [c for c in node.children if _subsumed(c, node.children)]
        rest = [c for c in node.children if c not in boosts]
        if boosts and rest:
            # "physical therapy" next to (physical AND therapy): the phrase only adds
            # score, so it is checked just for documents the rest matched, and not
            # at all when nothing is scored (facet counting). Same matches, same scores.
            must = rest[0] if len(rest) == 1 else Or(tuple(rest))
            return Query.boolean_query(
                [(Occur.Must, self.compile(must))] + [(Occur.Should, self.compile(b)) for b in boosts]
            )
        return Query.boolean_query([(Occur.Should, self.compile(c)) for c in node.children])

    def _and(self, children: tuple[Node, ...], distribute: bool) -> Query:
        if distribute and self._all_field:
            # a OR-group holding a phrase the words can only match as (e.g. ODG OR
            # "official disability guidelines"), ANDed with other words: spread the AND
            # over the group, so each phrase is checked only where the other words
            # already match instead of across the whole index
            for i, c in enumerate(children):
                if (
                    len(children) > 1
                    and isinstance(c, Or)
                    and any(isinstance(g, Phrase) and not _subsumed(g, c.children) for g in c.children)
                ):
                    others = children[:i] + children[i + 1 :]
                    return Query.boolean_query(
                        [(Occur.Should, self._and(others + (g,), distribute=False)) for g in c.children]
                    )
        clauses = []
        for c in children:
            if isinstance(c, Not):
                clauses.append((Occur.MustNot, self.compile(c.child)))
            else:
                clauses.append((Occur.Must, self.compile(c)))
        if all(o == Occur.MustNot for o, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _text(self, fields: tuple[str, ...], make, exact: bool = True) -> Query:
        """A text leaf. Over every passage field, matches come from the catch-all
        field when the index has one (one posting list instead of five) and the
        score from the weighted fields, which are only checked on those matches.
        Phrases with slop and proximity stay per field, so they never match words
        of two different fields."""
        if self._all_field and exact and (not fields or set(fields) == set(PASSAGE_TEXT_FIELDS)):
            return Query.boolean_query(
                [(Occur.Must, Query.boost_query(make(ALL_FIELD), 0.0)), (Occur.Should, self._per_field((), make))]
            )
        return self._per_field(fields, make)

    def _per_field(self, fields: tuple[str, ...], make) -> Query:
        names = [f for f in fields or PASSAGE_TEXT_FIELDS if f in self._text_fields]  # older indexes lack some
        if not names:
            return Query.empty_query()
        clauses = [(Occur.Should, Query.boost_query(make(f), TEXT_FIELD_WEIGHTS.get(f, 1.0))) for f in names]
        return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def _has_field(schema: tantivy.Schema, name: str) -> bool:
    try:
        Query.term_query(schema, name, "x")
    except ValueError:
        return False
    return True


def _ordered_near(schema, field: str, a: list[str], b: list[str], distance: int) -> Query:
    """`a pre/n b`: b's first word 1..n positions after a's last.

    Tantivy's phrase slop lets a word sit up to `slop` positions either side of
    its offset (order included), so the window [1, n] is asked for as a word at
    offset c with slop s where c - s = 1 and c + s = n; an even n adds the
    offset n exactly."""

    def phrase(offset: int, slop: int) -> Query:
        words: list[str | tuple[int, str]] = [(i, t) for i, t in enumerate(a)]
        words += [(len(a) - 1 + offset + j, t) for j, t in enumerate(b)]
        return Query.phrase_query(schema, field, words, slop=slop)

    if distance % 2:
        return phrase((distance + 1) // 2, (distance - 1) // 2)
    return Query.boolean_query(
        [(Occur.Should, phrase(distance // 2, (distance - 2) // 2)), (Occur.Should, phrase(distance, 0))]
    )


def _pre_tokenized(text: str) -> tantivy.PreTokenizedString:
    toks = [tantivy.Token(t.term, t.position, t.start, t.end) for t in analysis.tokens(text)]
    return tantivy.PreTokenizedString(text, toks)


def _has_u64_field(schema: tantivy.Schema, name: str) -> bool:
    try:
        Query.range_query(schema, name, tantivy.FieldType.Unsigned, 0, 1)
    except ValueError:
        return False
    return True


def _set_value(values) -> str:
    return SET_SEPARATOR.join(sorted(values))


def _total(result: tantivy.SearchResult) -> int:
    """The match count of a search run with count=True. (tantivy-py's stub leaves out
    SearchResult.count, a documented property of the class.)"""
    return int(result.count or 0)  # type: ignore[attr-defined]


def _passage_id(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> str:
    return str(searcher.doc(address).get_first("passage_id"))


def _qp_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _subsumed(node: Node, siblings: tuple[Node, ...]) -> bool:
    """A phrase whose every match a sibling AND of its words already matches."""
    if not isinstance(node, Phrase):
        return False
    fields = set(node.fields or PASSAGE_TEXT_FIELDS)
    for sib in siblings:
        if not isinstance(sib, And):
            continue
        words = [c for c in sib.children if isinstance(c, Term)]
        if len(words) != len(sib.children):
            continue
        covered = {c.term for c in words if fields <= set(c.fields or PASSAGE_TEXT_FIELDS)}
        if set(node.terms) <= covered:
            return True
    return False


def _terms(node: Term | Phrase) -> tuple[str, ...]:
    return (node.term,) if isinstance(node, Term) else node.terms
