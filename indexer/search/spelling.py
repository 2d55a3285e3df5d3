"""Spelling, from the index's own terms: "did you mean" and `word~`.

Both look for indexed terms a few edits away from a query word's term,
among the terms sharing its first two letters (`SearchEngine.vocabulary`):
typos rarely hit the first two letters, and the prefix keeps the scan to a
small slice of the term dictionary even at a million passages.

- `resolve_fuzzy` replaces each `word~` leaf by the OR of the close terms the
  index holds, so engines compile plain terms and agree, and the highlighter
  marks exactly those words.
- `suggest` offers one corrected query when a word matches nothing, or far
  fewer passages than a close word does, and only if the corrected query
  finds more than the query as typed.
"""

from __future__ import annotations

import re

from indexer.index.engine import SearchEngine
from indexer.query.analysis import stem
from indexer.query.tree import Fuzzy, Near, Node, Or, Phrase, Term, leaves
from indexer.query.visit import TreeRewriter

MAX_FUZZY_TERMS = 30  # close terms one `word~` may stand for, most frequent first
MIN_WORD = 4  # shorter words are left alone: too many real words are one edit apart
RARE = 3  # a word in at most this many passages is checked against close, common ones
MORE_TIMES = 20  # ... and counts as a misspelling when a close word is this many times commoner


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from a to b;
    any value above `limit` is returned as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def close_terms(engine: SearchEngine, term: str, distance: int) -> list[tuple[str, int, int]]:
    """(term, passages, edits) of indexed terms within `distance` edits of `term`
    (itself included), fewest edits first, then the commonest."""
    if len(term) < 2:
        return []
    out = []
    for t, n in engine.vocabulary(term[:2]):
        d = 0 if t == term else edit_distance(term, t, distance)
        if d <= distance and n > 0:
            out.append((t, n, d))
    out.sort(key=lambda x: (x[2], -x[1], x[0]))
    return out


def resolve_fuzzy(node: Node, engine: SearchEngine, messages: list[str]) -> Node:
    """The tree with every `word~` replaced by the OR of the close indexed terms."""
    return _ResolveFuzzy(engine, messages).visit(node)


class _ResolveFuzzy(TreeRewriter):
    def __init__(self, engine: SearchEngine, messages: list[str]):
        self.engine = engine
        self.messages = messages

    def visit_Fuzzy(self, node: Fuzzy) -> Node:
        found = close_terms(self.engine, node.term, node.distance)[:MAX_FUZZY_TERMS]
        if not found:
            self.messages.append(f"{node.text}~ is not close to any word in the index; searched it exactly.")
            return Term(node.text, node.term, node.fields)
        words = [node.text if t == node.term else surface(t, node.text) for t, _, _ in found]
        shown = ", ".join(words[:8]) + (" ..." if len(words) > 8 else "")
        self.messages.append(f"{node.text}~ matched the indexed words {shown}.")
        terms = [Term(w, t, node.fields) for w, (t, _, _) in zip(words, found, strict=True)]
        return terms[0] if len(terms) == 1 else Or(tuple(terms))


def has_fuzzy(node: Node) -> bool:
    return any(isinstance(leaf, Fuzzy) for leaf, _ in leaves(node))


def surface(candidate: str, typed: str) -> str:
    """A word to show for an indexed term (a stem): the typed word's ending on the
    candidate if that stems back to it (acupunture -> acupuncture), else the
    simplest word that does, else the term itself."""
    lower = typed.lower()
    own = stem(lower)
    tries = []
    if lower.startswith(own):
        tries.append(candidate + lower[len(own) :])
    tries += [candidate, candidate + "e", candidate + "s", candidate + "y", candidate + "ion", candidate + "ing"]
    for word in tries:
        if stem(word) == candidate:
            return word.upper() if typed.isupper() else word
    return candidate


def _query_words(tree: Node, text: str) -> list[Term]:
    """The plain words the user typed (not the ones vocabulary expansion added)."""
    typed = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    out: list[Term] = []
    for leaf, negated in leaves(tree):
        if negated:
            continue
        cands: list[Term] = []
        if isinstance(leaf, Term):
            cands = [leaf]
        elif isinstance(leaf, Phrase):
            # words and terms differ in length when analysis splits a word (15mg -> 15 mg);
            # pairs past the shorter are not typed words the check below would keep anyway.
            cands = [Term(w, t, leaf.fields) for w, t in zip(leaf.words, leaf.terms, strict=False)]
        elif isinstance(leaf, Near):
            for side in (leaf.left, leaf.right):
                cands += (
                    [side]
                    if isinstance(side, Term)
                    else [Term(w, t) for w, t in zip(side.words, side.terms, strict=False)]
                )
        for t in cands:
            if t.text.lower() in typed and t.text.isalpha() and len(t.text) >= MIN_WORD and t not in out:
                out.append(t)
    return out


def suggest(engine: SearchEngine, text: str, tree: Node, known_words: frozenset[str]) -> list[tuple[str, str]]:
    """(typed word, suggested word) pairs for words that look misspelt."""
    out: list[tuple[str, str]] = []
    for t in _query_words(tree, text):
        if t.text.lower() in known_words or t.term in known_words:
            continue  # a drug, an abbreviation: rare on purpose
        n = engine.doc_freq(t.term)
        if n > RARE:
            continue
        limit = 1 if len(t.term) <= 5 else 2
        best = [(c, m, d) for c, m, d in close_terms(engine, t.term, limit) if d > 0 and m >= MORE_TIMES * n]
        if best:
            out.append((t.text, surface(best[0][0], t.text)))
    return out


def corrected(text: str, fixes: list[tuple[str, str]]) -> str:
    """The query text with each misspelt word replaced (whole words, any case)."""
    for wrong, right in fixes:
        text = re.sub(rf"(?<![^\W_]){re.escape(wrong)}(?![^\W_])", right, text, flags=re.IGNORECASE)
    return text
