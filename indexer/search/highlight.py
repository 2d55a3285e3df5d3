"""Highlighting from the query tree, in shared code: same output for every engine.

The highlighter walks the positive leaves of the parsed query and finds them
in a field's text with the same analysis the engines index with, so what is
marked is exactly what matched: stemmed words, prefixes and roots, phrases
(with slop) and proximity pairs. Output is HTML built from escaped text:
everything is escaped except the `<mark>` tags we add.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from indexer.search.analysis import Token, candidate_tokens
from indexer.search.tree import Near, Node, Phrase, Prefix, Term, leaves

FRAGMENT_CHARS = 220
MAX_FRAGMENTS = 3
SHORT_FIELD = 400  # fields up to this long are shown whole


@dataclass
class _Rules:
    terms: set[str]
    prefixes: tuple[str, ...]
    phrases: list[tuple[tuple[str, ...], int]]
    nears: list[tuple[tuple[str, ...], tuple[str, ...], int]]
    heads: frozenset[str] = frozenset()

    def empty(self) -> bool:
        return not (self.terms or self.prefixes or self.phrases or self.nears)


class Highlighter:
    def __init__(self, tree: Node):
        self._leaves = [leaf for leaf, negated in leaves(tree)
                        if not negated and isinstance(leaf, (Term, Phrase, Prefix, Near))]
        self._cache: dict[str | None, _Rules] = {}

    def _rules(self, field: str | None) -> _Rules:
        if field in self._cache:
            return self._cache[field]
        r = _Rules(set(), (), [], [])
        prefixes = []
        for leaf in self._leaves:
            if field is not None and leaf.fields and field not in leaf.fields:
                continue
            if isinstance(leaf, Term):
                r.terms.add(leaf.term)
            elif isinstance(leaf, Prefix):
                prefixes.append(leaf.prefix)
            elif isinstance(leaf, Phrase):
                r.phrases.append((leaf.terms, leaf.slop))
            elif isinstance(leaf, Near):
                r.nears.append((_seq(leaf.left), _seq(leaf.right), leaf.distance))
        r.prefixes = tuple(prefixes)
        words = set(r.terms) | set(r.prefixes)
        for seq, _ in r.phrases:
            words.update(seq)
        for left, right, _ in r.nears:
            words.update(left + right)
        heads = {w[:2] for w in words}
        heads |= {h[0] + "y" for h in heads if len(h) == 2 and h[1] == "i"}  # lying -> lie
        r.heads = frozenset(heads)
        self._cache[field] = r
        return r

    # ------------------------------------------------------------------ spans
    def spans(self, text: str, field: str | None = None) -> list[tuple[int, int]]:
        """Character spans of `text` the query matches (merged, sorted)."""
        rules = self._rules(field)
        if not text or rules.empty():
            return []
        toks = candidate_tokens(text, rules.heads, positions=bool(rules.phrases or rules.nears))
        if not toks:
            return []
        raw: list[tuple[int, int]] = []
        for t in toks:
            if t.term in rules.terms or (rules.prefixes and t.term.startswith(rules.prefixes)):
                raw.append((t.start, t.end))
        if rules.phrases or rules.nears:
            by_pos = {t.position: i for i, t in enumerate(toks)}
            for seq, slop in rules.phrases:
                for group in _phrase_hits(toks, by_pos, seq, slop):
                    raw.extend(_runs(toks, group))  # one mark per run of adjacent words
            for left, right, distance in rules.nears:
                raw.extend((toks[i].start, toks[i].end) for i in _near_hits(toks, by_pos, left, right, distance))
        spans: list[tuple[int, int]] = []
        for s, e in sorted(raw):
            if spans and s < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(e, spans[-1][1]))  # overlapping marks become one
            else:
                spans.append((s, e))
        return spans

    # ------------------------------------------------------------------ output
    def mark(self, text: str, field: str | None = None) -> Markup:
        """The whole text, escaped, with matches in <mark>."""
        return render(text, self.spans(text, field))

    def fragments(self, text: str, field: str | None = None, always: bool = False) -> list[str]:
        """The best fragments of a field (whole if short); [] if nothing matched,
        unless `always`, then the opening of the text."""
        if not text:
            return []
        spans = self.spans(text, field)
        if not spans:
            if not always:
                return []
            return [str(render(_clip(text, 0, FRAGMENT_CHARS)[0], [])) + _ellipsis(text, FRAGMENT_CHARS)]
        if len(text) <= SHORT_FIELD:
            return [str(render(text, spans))]
        return [str(f) for f in _best_fragments(text, spans)]


def _runs(toks: list[Token], group: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    prev = None
    for i in group:
        t = toks[i]
        if prev is not None and t.position == prev + 1 and runs:
            runs[-1] = (runs[-1][0], t.end)
        else:
            runs.append((t.start, t.end))
        prev = t.position
    return runs


def _seq(node: Term | Phrase) -> tuple[str, ...]:
    return (node.term,) if isinstance(node, Term) else node.terms


def _phrase_hits(toks: list[Token], by_pos: dict[int, int], seq: tuple[str, ...], slop: int):
    """Token index groups where `seq` occurs in order with at most `slop` extra positions."""
    n = len(seq)
    for i, t in enumerate(toks):
        if t.term != seq[0]:
            continue
        group = [i]
        pos = t.position
        budget = slop
        for want in seq[1:]:
            found = None
            for gap in range(0, budget + 1):
                j = by_pos.get(pos + 1 + gap)
                if j is not None and toks[j].term == want:
                    found = (j, gap)
                    break
            if found is None:
                group = []
                break
            j, gap = found
            budget -= gap
            group.append(j)
            pos = toks[j].position
        if len(group) == n:
            yield group


def _near_hits(toks, by_pos, left, right, distance) -> set[int]:
    lefts = [g for g in _phrase_hits(toks, by_pos, left, 0)]
    rights = [g for g in _phrase_hits(toks, by_pos, right, 0)]
    out: set[int] = set()
    for a in lefts:
        a_first, a_last = toks[a[0]].position, toks[a[-1]].position
        for b in rights:
            b_first, b_last = toks[b[0]].position, toks[b[-1]].position
            gap = b_first - a_last if b_first > a_last else a_first - b_last
            if 0 < gap <= distance:
                out.update(a)
                out.update(b)
    return out


def _esc(text: str) -> str:
    """HTML-escape exactly as markupsafe.escape does (&#34; and &#39; for quotes),
    without building a Markup object per piece (highlighting escapes many)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&#34;")
    if "'" in text:
        text = text.replace("'", "&#39;")
    return text


def render(text: str, spans: list[tuple[int, int]]) -> Markup:
    parts: list[str] = []
    last = 0
    for s, e in spans:
        parts.append(_esc(text[last:s]))
        parts.append("<mark>" + _esc(text[s:e]) + "</mark>")
        last = e
    parts.append(_esc(text[last:]))
    return Markup("".join(parts))


def _clip(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Widen [start, end) to word boundaries."""
    start = max(0, start)
    end = min(len(text), end)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end], start, end


def _ellipsis(text: str, end: int) -> str:
    return " …" if end < len(text) else ""


def _best_fragments(text: str, spans: list[tuple[int, int]]) -> list[Markup]:
    # windows starting a little before each match; score = matches inside; keep non-overlapping best
    windows = []
    for s, _ in spans:
        start = max(0, s - FRAGMENT_CHARS // 4)
        end = start + FRAGMENT_CHARS
        inside = [sp for sp in spans if sp[0] >= start and sp[1] <= end]
        distinct = len({text[a:b].lower() for a, b in inside})
        windows.append((distinct, len(inside), -start, start, end))
    windows.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_score, start, end in windows:
        if any(not (end <= cs or start >= ce) for cs, ce in chosen):
            continue
        chosen.append((start, end))
        if len(chosen) == MAX_FRAGMENTS:
            break
    out = []
    for start, end in sorted(chosen):
        frag, fs, fe = _clip(text, start, end)
        inner = [(a - fs, b - fs) for a, b in spans if a >= fs and b <= fe]
        html = render(frag, inner)
        prefix = "… " if fs > 0 else ""
        suffix = " …" if fe < len(text) else ""
        out.append(Markup(prefix + str(html) + suffix))
    return out
