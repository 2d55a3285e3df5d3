"""Closer matches: the passages that match all but one of a query's words.

A plain query of several words means all of them (`ketoprofen cream`), and the
totals, the outcome split and the facets count only those passages. But letters
word a request their own way ("Compound Ketoprofen 20%" has no "cream"), so
when the exact results run out, the last page goes on with the passages that
lack one word, in relevance order, as a block of their own that no figure
counts. On the judged real-letter queries (benchmarks/relevance.py) this is
where most relevant passages that strict AND missed are found.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from indexer.query.tree import And, Node, Not, Or, Pin
from indexer.query.visit import TreeVisitor

# Above this many words the combinations grow (n of them) while one missing word
# matters less; such queries get no closer-matches block.
MAX_WORDS = 6


@dataclass(frozen=True)
class Relaxed:
    tree: Node  # passages matching all words but one, and not the exact query
    words: int  # how many words the query has
    need: int  # how many of them each closer match has


class _IsWord(TreeVisitor[bool]):
    """A word of the query as typed: a term, a phrase, a prefix, a fuzzy word, a
    proximity pair, a summary match, or one of these with its expansions (ORed
    alternatives) or a citation pin around it. Groups, exclusions and filters
    are not words: they stay required in the closer-matches query."""

    def _word(self, node: Node) -> bool:
        return True

    visit_Term = visit_Phrase = visit_Prefix = visit_Fuzzy = visit_Near = visit_InLetters = _word

    def visit_Pin(self, node: Pin) -> bool:
        return self.visit(node.child)

    def visit_Or(self, node: Or) -> bool:
        return all(self.visit(c) for c in node.children)

    def _not_a_word(self, node: Node) -> bool:
        return False

    visit_And = visit_Not = visit_FacetTerm = visit_Range = visit_MatchAll = _not_a_word


def _is_word(node: Node) -> bool:
    return _IsWord().visit(node)


def relax(tree: Node) -> Relaxed | None:
    """The closer-matches query of `tree`, or None when it has none: only a
    top-level AND of 2..MAX_WORDS words relaxes; filters, dates and exclusions
    in it stay required."""
    if not isinstance(tree, And):
        return None
    words = [c for c in tree.children if _is_word(c)]
    fixed = [c for c in tree.children if not _is_word(c)]
    n = len(words)
    if n < 2 or n > MAX_WORDS:
        return None
    need = n - 1
    alternatives = tuple(
        And(tuple(fixed) + combo) if fixed or len(combo) > 1 else combo[0] for combo in combinations(words, need)
    )
    core = alternatives[0] if len(alternatives) == 1 else Or(alternatives)
    return Relaxed(And((core, Not(tree))), n, need)
