"""Highlighting from the query tree, in shared code: same output for every engine.

The highlighter walks the positive leaves of the parsed query and finds them
in a field's text with the same analysis the engines index with, so what is
marked is exactly what matched: stemmed words, prefixes and roots, phrases
(with slop) and proximity pairs. Output is data, not markup: a fragment is
a list of text runs, the matched ones marked (`types.Run`); the web app
escapes and marks them (`webapp.highlights`), the command line stars them,
and the JSON API carries them as they are.

Why it is built this way: a search shows twenty hits of five fields each, so
highlighting runs about a hundred times per search and must cost microseconds
(it was a large share of a search at a million passages). The query's rules
are compiled once per query (per field only when the query restricts fields)
and kept across searches (`_RulesCache`). An ASCII field (nearly all) is
scanned as normalised bytes by one regex that stops only at words whose first
two letters could stem to a query word (Snowball keeps them), and each
distinct word is stemmed and classified once per query (`_Rules.ascii_memo`).
Word positions, needed for slop and proximity, are counted only when every
word of such a phrase or pair is present; exact phrases need none. Every shortcut is checked against the plain rules in
tests/search/test_highlight_equivalence.py.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field

from indexer.query.analysis import (
    MAX_SENTENCE_WORDS,
    MAX_TOKEN_BYTES,
    candidate_bytes_regex,
    candidate_tokens,
    normalized_ascii,
    sentence_break,
    special_heads,
    stem,
    tokens,
)
from indexer.query.tree import Near, Node, Phrase, Pin, Prefix, Term, leaves
from indexer.query.types import Fragment, Run
from indexer.query.visit import TreeCollector

FRAGMENT_CHARS = 220
MAX_FRAGMENTS = 3
SHORT_FIELD = 400  # fields up to this long are shown whole

RULES_CACHE_SIZE = 128  # compiled queries kept across searches
MEMO_LIMIT = 4096  # classified words kept per compiled query (a few hundred is usual)

_MISSING = object()

Span = tuple[int, int]


@dataclass(eq=False)
class _Rules:
    """What to mark in one field for one query, compiled once.

    The memos map a word to None (not marked, not part of any phrase or
    proximity pair) or (marked alone, its term if some phrase/pair uses it):
    `memo` by the lowercased word, `ascii_memo` by the bytes `rx` matched."""

    terms: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: tuple[tuple[tuple[str, ...], int], ...]
    nears: tuple[tuple[tuple[str, ...], tuple[str, ...], int, bool], ...]
    heads: frozenset[str]
    seq_terms: frozenset[str]  # every word of every phrase and proximity side
    rx: re.Pattern | None  # finds candidate words in normalised ASCII text (bytes)
    memo: dict = field(default_factory=dict)  # by lowercased word
    ascii_memo: dict = field(default_factory=dict)  # by b" " + word, as `rx` matches it
    sequences: bool = False  # any phrase or proximity pair (word positions needed)
    nothing: bool = False  # nothing to mark in this field

    def __post_init__(self) -> None:
        self.sequences = bool(self.phrases or self.nears)
        self.nothing = not (self.terms or self.prefixes or self.sequences)

    def classify(self, lower: str):
        term = stem(lower)
        hit = term in self.terms or bool(self.prefixes and term.startswith(self.prefixes))
        seq = term if term in self.seq_terms else None
        value = (hit, seq) if hit or seq is not None else None
        _remember(self.memo, lower, value)
        return value

    def classify_ascii(self, key: bytes):
        """`classify` for a match of `rx`: a space, then the word."""
        word = key[1:].decode("ascii")
        # ASCII: one byte per character; the engines drop tokens of 40 bytes or more
        value = self.classify(word) if len(word) < MAX_TOKEN_BYTES else None
        _remember(self.ascii_memo, key, value)
        return value

    def may_sequence(self, present: set[str]) -> bool:
        """Could any phrase or proximity pair match, given the terms present?"""
        for seq, _ in self.phrases:
            if present.issuperset(seq):
                return True
        for left, right, _, _ in self.nears:
            if present.issuperset(left) and present.issuperset(right):
                return True
        return False


def _remember(memo: dict, key, value) -> None:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()  # a pathological vocabulary: start over rather than grow
    memo[key] = value


class _RuleLeaves(TreeCollector):
    """Collects what each positive leaf asks to mark in the field `field_name`
    (None: a field no leaf is restricted to)."""

    def __init__(self, field_name: str | None):
        self.field_name = field_name
        self.terms: set[str] = set()
        self.prefixes: list[str] = []
        self.phrases: list[tuple[tuple[str, ...], int]] = []
        self.nears: list[tuple[tuple[str, ...], tuple[str, ...], int, bool]] = []

    def _here(self, leaf: Term | Prefix | Phrase | Near) -> bool:
        return self.field_name is None or not leaf.fields or self.field_name in leaf.fields

    def visit_Term(self, node: Term) -> None:
        if self._here(node):
            self.terms.add(node.term)

    def visit_Prefix(self, node: Prefix) -> None:
        if self._here(node):
            self.prefixes.append(node.prefix)

    def visit_Phrase(self, node: Phrase) -> None:
        if self._here(node):
            self.phrases.append((node.terms, node.slop))

    def visit_Near(self, node: Near) -> None:
        if self._here(node):
            self.nears.append((_seq(node.left), _seq(node.right), node.distance, node.ordered))

    def visit_Pin(self, node: Pin) -> None:
        self.visit(node.child)

    # Nothing to mark: excluded words are not what matched; a fuzzy word reaches
    # the highlighter already replaced by the indexed words it matched (spelling);
    # facets, dates and "match all" are not words of the text; a summary match
    # (InLetters) marks the letter's summary, with a highlighter of its own.
    def _nothing(self, node: Node) -> None:
        return None

    visit_Not = visit_Fuzzy = visit_FacetTerm = visit_Range = visit_MatchAll = visit_InLetters = _nothing


def _build_rules(positive: tuple, field_name: str | None) -> _Rules:
    found = _RuleLeaves(field_name)
    for leaf in positive:
        found.visit(leaf)
    terms, prefixes, phrases, nears = found.terms, found.prefixes, found.phrases, found.nears
    seq_terms: set[str] = set()
    for seq, _ in phrases:
        seq_terms.update(seq)
    for left, right, _, _ in nears:
        seq_terms.update(left + right)
    words = terms | set(prefixes) | seq_terms
    heads = {w[:2] for w in words}
    heads |= {h[0] + "y" for h in heads if len(h) == 2 and h[1] == "i"}  # lying -> lie
    heads_f = frozenset(heads)
    return _Rules(
        frozenset(terms),
        tuple(prefixes),
        tuple(phrases),
        tuple(nears),
        heads_f,
        frozenset(seq_terms),
        candidate_bytes_regex(heads_f),
    )


class _RulesCache:
    """Compiled rules by (positive leaves, field), least recently used dropped."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, _Rules] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, positive: tuple, field_name: str | None) -> _Rules:
        key = (positive, field_name)
        with self._lock:
            rules = self._items.get(key)
            if rules is not None:
                self._items.move_to_end(key)
                return rules
        rules = _build_rules(positive, field_name)
        with self._lock:
            self._items[key] = rules
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return rules

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_RULES = _RulesCache(RULES_CACHE_SIZE)


def clear_caches() -> None:
    """Forget every compiled query (benchmarks use it to time a query never seen)."""
    _RULES.clear()


class Highlighter:
    def __init__(self, tree: Node):
        self._leaves = tuple(
            leaf for leaf, negated in leaves(tree) if not negated and isinstance(leaf, (Term, Phrase, Prefix, Near))
        )
        # without field restrictions every field gets the same rules: share them
        # (and the words they have classified) instead of compiling five copies
        self._per_field = any(leaf.fields for leaf in self._leaves)
        self._cache: dict[str | None, _Rules] = {}

    def _rules(self, field_name: str | None) -> _Rules:
        rules = self._cache.get(field_name)
        if rules is None:
            key = field_name if self._per_field else None
            rules = self._cache.get(key)
            if rules is None:
                rules = self._cache[key] = _RULES.get(self._leaves, key)
            self._cache[field_name] = rules
        return rules

    # ------------------------------------------------------------------ spans
    def spans(self, text: str, field: str | None = None) -> list[Span]:
        """Character spans of `text` the query matches (merged, sorted)."""
        if not text:
            return []
        rules = self._cache.get(field) or self._rules(field)
        return [] if rules.nothing else _spans(text, rules)

    # ------------------------------------------------------------------ output
    def mark(self, text: str, field: str | None = None) -> Fragment:
        """The whole text as runs, the matches marked."""
        return runs(text, self.spans(text, field))

    def fragments(self, text: str, field: str | None = None, always: bool = False) -> list[Fragment]:
        """The best fragments of a field (whole if short); [] if nothing matched,
        unless `always`, then the opening of the text."""
        if not text:
            return []
        rules = self._cache.get(field) or self._rules(field)
        spans = [] if rules.nothing else _spans(text, rules)
        if not spans:
            if not always:
                return []
            return [[Run(_clip(text, 0, FRAGMENT_CHARS)[0] + _ellipsis(text, FRAGMENT_CHARS))]]
        if len(text) <= SHORT_FIELD:
            return [runs(text, spans)]
        return _best_fragments(text, spans)


def _spans(text: str, rules: _Rules) -> list[Span]:
    # Marked-alone words go straight to `hits` (sorted, disjoint: one per word);
    # words some phrase or proximity pair uses go to `seq_spans`/`seq_terms`.
    hits: list[Span] = []
    seq_spans: list[Span] = []
    seq_terms: list[str] = []
    positions: list[int] | None = None
    norm = normalized_ascii(text) if text.isascii() else b""
    # ASCII text where no word the rules look for is read specially (analysis.special_heads)
    if norm and rules.heads.isdisjoint(special_heads(norm)):
        rx = rules.rx
        if rx is None:
            return []
        get = rules.ascii_memo.get
        classify = rules.classify_ascii
        # a match [i, j) of `rx` is the space before a word, then the word: the
        # word is text[i:j - 1]
        if not rules.sequences:
            for m in rx.finditer(norm):
                c = get(m.group(), _MISSING)
                if c is _MISSING:
                    c = classify(m.group())
                if c is not None:
                    i, j = m.span()
                    hits.append((i, j - 1))
            return hits
        for m in rx.finditer(norm):
            c = get(m.group(), _MISSING)
            if c is _MISSING:
                c = classify(m.group())
            if c is not None:
                i, j = m.span()
                span = (i, j - 1)
                if c[0]:
                    hits.append(span)
                if c[1] is not None:
                    seq_spans.append(span)
                    seq_terms.append(c[1])
    else:
        positions = []
        get = rules.memo.get
        for t in candidate_tokens(text, rules.heads):
            c = get(t.lower, _MISSING)
            if c is _MISSING:
                c = rules.classify(t.lower)
            if c is not None:
                if c[0]:
                    hits.append((t.start, t.end))
                if c[1] is not None:
                    seq_spans.append((t.start, t.end))
                    seq_terms.append(c[1])
                    positions.append(t.position)
    if not seq_terms:
        return hits
    present = set(seq_terms)
    if not rules.may_sequence(present):
        return hits
    extra = _sequence_marks(seq_spans, seq_terms, positions, text, norm, present, rules)
    if not extra:
        return hits
    raw = hits + extra
    raw.sort()
    spans: list[Span] = [raw[0]]
    for s, e in raw:
        last = spans[-1]
        if s < last[1]:
            if e > last[1]:
                spans[-1] = (last[0], e)  # overlapping marks become one
        else:
            spans.append((s, e))
    return spans


def _ascii_positions(text: str, spans: list[Span]) -> list[int]:
    """Word positions of the words at `spans` (sorted) in plain ASCII text, as
    tokens() numbers them (sentence gaps included)."""
    at = {t.start: t.position for t in tokens(text)}
    return [at[s] for s, _ in spans]


def _sequence_marks(
    spans: list[Span],
    terms: list[str],
    positions: list[int] | None,
    text: str,
    norm: bytes,
    present: set[str],
    rules: _Rules,
) -> list[Span]:
    """Marks of phrases (one per run of adjacent words) and proximity pairs.

    `spans`/`terms` are the words some phrase or pair uses, in text order, with
    their word `positions` or, for ASCII text, its normalised bytes `norm` to
    count them from. An exact phrase needs no positions there: two words are
    adjacent when only spaces lie between them in `norm` (an over-long word the
    engines dropped is not spaces) and no sentence ends between them."""
    raw: list[Span] = []
    if positions is None and len(text) >= 2 * MAX_SENTENCE_WORDS:
        # a run of MAX_SENTENCE_WORDS words is cut into sentences (analysis): count them
        positions = _ascii_positions(text, spans)
    need_positions = any(present.issuperset(left) and present.issuperset(right) for left, right, _, _ in rules.nears)
    for seq, slop in rules.phrases:
        if not present.issuperset(seq):
            continue
        if slop or positions is not None:
            need_positions = True
            continue
        n = len(seq)
        first = seq[0]
        count = norm.count
        for i in range(len(terms) - n + 1):
            if terms[i] != first:
                continue
            end = spans[i][1]
            for k in range(1, n):
                start = spans[i + k][0]
                # characters [end, start) are bytes [end + 1, start + 1)
                if (
                    terms[i + k] != seq[k]
                    or count(b" ", end + 1, start + 1) != start - end
                    or sentence_break(text, spans[i + k - 1][0], end, start)
                ):
                    break
                end = spans[i + k][1]
            else:
                raw.append((spans[i][0], end))
    if not need_positions:
        return raw
    exact_done = positions is None
    if positions is None:
        positions = _ascii_positions(text, spans)
    by_pos = {p: i for i, p in enumerate(positions)}
    for seq, slop in rules.phrases:
        if not present.issuperset(seq) or (exact_done and not slop):
            continue  # absent, or an exact phrase marked above
        for group in _phrase_hits(terms, positions, by_pos, seq, slop):
            prev = -2
            for i in group:
                p = positions[i]
                if p == prev + 1:
                    raw[-1] = (raw[-1][0], spans[i][1])
                else:
                    raw.append(spans[i])
                prev = p
    for left, right, distance, ordered in rules.nears:
        if present.issuperset(left) and present.issuperset(right):
            raw.extend(spans[i] for i in sorted(_near_hits(terms, positions, by_pos, left, right, distance, ordered)))
    return raw


def _seq(node: Term | Phrase) -> tuple[str, ...]:
    return (node.term,) if isinstance(node, Term) else node.terms


def _phrase_hits(
    terms: list[str], positions: list[int], by_pos: dict[int, int], seq: tuple[str, ...], slop: int
) -> list[list[int]]:
    """Word index groups where `seq` occurs in order with at most `slop` extra positions
    (each next word taken at the smallest gap that fits, as the engines' slop allows)."""
    first = seq[0]
    rest = seq[1:]
    out = []
    for i, t in enumerate(terms):
        if t != first:
            continue
        group = [i]
        pos = positions[i]
        budget = slop
        for want in rest:
            for gap in range(budget + 1):
                j = by_pos.get(pos + 1 + gap)
                if j is not None and terms[j] == want:
                    budget -= gap
                    group.append(j)
                    pos = positions[j]
                    break
            else:
                break  # `want` is not within reach: no occurrence starts at i
        else:
            out.append(group)
    return out


def _near_hits(terms, positions, by_pos, left, right, distance, ordered=False) -> set[int]:
    lefts = _phrase_hits(terms, positions, by_pos, left, 0)
    if not lefts:
        return set()
    rights = _phrase_hits(terms, positions, by_pos, right, 0)
    out: set[int] = set()
    for a in lefts:
        a_first, a_last = positions[a[0]], positions[a[-1]]
        for b in rights:
            b_first, b_last = positions[b[0]], positions[b[-1]]
            gap = b_first - a_last if b_first > a_last or ordered else a_first - b_last
            if 0 < gap <= distance:
                out.update(a)
                out.update(b)
    return out


def runs(text: str, spans: list[Span]) -> Fragment:
    """`text` as runs, `spans` (sorted, not overlapping) marked."""
    out: Fragment = []
    last = 0
    for s, e in spans:
        if s > last:
            out.append(Run(text[last:s]))
        out.append(Run(text[s:e], True))
        last = e
    if last < len(text) or not out:
        out.append(Run(text[last:]))
    return out


def _cut(fragment: Fragment, before: bool, after: bool) -> Fragment:
    """The fragment with " …" where the text goes on (merged into a plain run beside it)."""
    if before:
        head = fragment[0]
        fragment[0] = Run("… " + head.text) if not head.marked else head
        if head.marked:
            fragment.insert(0, Run("… "))
    if after:
        tail = fragment[-1]
        if tail.marked:
            fragment.append(Run(" …"))
        else:
            fragment[-1] = Run(tail.text + " …")
    return fragment


def _clip(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Widen [start, end) to word boundaries (whitespace as str.isspace sees it,
    which is exactly what the regex class \\s matches)."""
    start = max(0, start)
    size = len(text)
    end = min(size, end)
    if start > 0 and not text[start - 1].isspace():
        # back to just after the last plain space, unless other whitespace is nearer
        k = text.rfind(" ", 0, start) + 1
        if _SPACE.search(text, k, start) is None:
            start = k
        else:
            while start > 0 and not text[start - 1].isspace():
                start -= 1
    if end < size:
        run = _NON_SPACE_RUN.match(text, end)
        assert run is not None  # \S* matches, if only the empty string
        end = run.end()
    return text[start:end], start, end


_SPACE = re.compile(r"\s")
_NON_SPACE_RUN = re.compile(r"\S*")


def _ellipsis(text: str, end: int) -> str:
    return " …" if end < len(text) else ""


def _best_fragments(text: str, spans: list[Span]) -> list[Fragment]:
    # Windows start a little before each match; score = distinct matched words
    # inside, then matches inside, then the earlier; the best that do not overlap
    # are kept. Spans are sorted and disjoint, so starts and ends both ascend and
    # the spans inside a window are one slice, found by bisection.
    width = FRAGMENT_CHARS
    lead = width // 4
    starts = [s for s, _ in spans]
    ends = [e for _, e in spans]
    if len(spans) == 1:
        s = starts[0]
        chosen = [s - lead if s > lead else 0]
    else:
        lowered = None
        windows = []
        previous = -1
        for i, s in enumerate(starts):
            start = s - lead if s > lead else 0
            if start == previous:
                continue  # the same window again (matches near the top)
            previous = start
            # starts[i] >= start, and every earlier span ends by starts[i] <= start + width
            lo = bisect_left(starts, start, 0, i)
            n = bisect_right(ends, start + width, i) - lo
            if n > 1:
                if lowered is None:
                    lowered = [text[a:b].lower() for a, b in spans]
                windows.append((len(set(lowered[lo : lo + n])), n, -start))
            else:
                windows.append((n, n, -start))
        windows.sort(reverse=True)
        chosen = []
        for w in windows:
            start = -w[2]
            for cs in chosen:
                if start + width > cs and start < cs + width:
                    break  # overlaps one already chosen
            else:
                chosen.append(start)
                if len(chosen) == MAX_FRAGMENTS:
                    break
        chosen.sort()
    out = []
    size = len(text)
    for start in chosen:
        frag, fs, fe = _clip(text, start, start + width)
        lo = bisect_left(starts, fs)
        hi = bisect_right(ends, fe)
        out.append(_cut(runs(frag, [(a - fs, b - fs) for a, b in spans[lo:hi]]), fs > 0, fe < size))
    return out
