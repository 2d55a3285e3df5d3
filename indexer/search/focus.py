"""Requests first: when a query names requested treatments, the figures count the
passages whose request matches it, and the rationales that only discuss it are
listed apart.

A rationale mentions far more treatments than it decides: "various
practitioners (including Physical Therapy, Occupational Therapy, Chiropractic
...)", a list of failed prior treatments, a guideline quotation on epidural
injections in an MRI rationale. Counted with the requests, those mentions made
the totals of treatment queries mostly irrelevant on the judged real-letter set
(benchmarks/relevance.py): `occupational therapy` 15 passages of which 5 about
it, `epidural steroid injection` 3 of which 1, `lumbar support` 19 of which 2.
Those are the numbers an attorney quotes ("of 15 decisions on occupational
therapy..."), so when the words name requests, the answer is the requests:

- the query's positive, unrestricted words, each restricted to the request
  (the `item` field), ANDed with the query, give the counted passages;
- the query AND NOT those give the rationales that discuss the words for some
  other request, which the results list after the counted ones, counted in no
  figure (as closer matches are).

Whether the words name requests is read from the index, not from a word list:
they do when the requests holding them are at least FOCUS_SHARE of the passages
where they appear together (for several plain words: each next to the next
within one sentence; words scattered over a rationale are no mention of the
thing: `lumbar support` matched 19 passages, most of them "lumbar spine" in
one sentence and "not supported" in another, and 3 with the words in one
sentence, 1 of them the request). On the real letters a treatment's requests are a large share of its
matches (MRI 59 of 66, hydrocodone 4 of 7, occupational therapy 4 of 15, cold
therapy unit 1 of 3) while a concept the rationales discuss is rarely the words
of a request (surgery 1 of 50, injection 2 of 13, radiculopathy 0 of 25): the
whole set is counted for those, as the `passage` scope always does. The share
is taken over the query alone, without the facet filters, so narrowing a search
never switches what its figures count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from indexer.query.analysis import SENTENCE_SPAN
from indexer.query.tree import And, Fuzzy, Near, Node, Not, Or, Phrase, Prefix, Term, restrict
from indexer.query.visit import TreeVisitor

REQUEST_FIELDS = ("item",)  # the treatment requested, as the letter words it
FOCUS_SHARE = 0.2  # see the module docstring: treatments 0.27-0.9, concepts 0-0.15 on the real letters


@dataclass(frozen=True)
class Focus:
    """A query read as naming requests."""

    query: Node  # the query as it runs without the focus: every passage it matches
    tree: Node  # the passages whose request matches: what every figure counts
    discussed: Node  # the other matches: rationales that discuss the words for another request
    requests: int  # passages with a matching request, before filters
    matches: int  # passages the query matches, before filters


class _RequestWords(TreeVisitor["Node | None"]):
    """The query's positive words that no field restricts, each restricted to the
    request; None for a node that holds no such word, or that a passage can match
    without one (an OR with such an alternative, an exclusion, a filter)."""

    def _word(self, node: Term | Phrase | Prefix | Fuzzy | Near) -> Node | None:
        return None if node.fields else restrict(node, REQUEST_FIELDS)

    visit_Term = visit_Phrase = visit_Prefix = visit_Fuzzy = visit_Near = _word

    def visit_And(self, node: And) -> Node | None:
        words = [w for w in (self.visit(c) for c in node.children) if w is not None]
        if not words:
            return None
        return words[0] if len(words) == 1 else And(tuple(words))

    def visit_Or(self, node: Or) -> Node | None:
        words = [self.visit(c) for c in node.children]
        if any(w is None for w in words):
            return None
        return Or(tuple(w for w in words if w is not None))

    def _nothing(self, node: Node) -> None:
        return None

    # An exclusion says what the request is not; a citation reading (Pin), a
    # facet, a date range or a summary match are not words of a request.
    visit_Not = visit_Pin = visit_FacetTerm = visit_MatchAll = visit_InLetters = visit_Range = _nothing


def _together(tree: Node) -> Node | None:
    """For a query of several plain words, the passages where each word is in one
    sentence with the next; None for any other query (its matches are the base)."""
    if not isinstance(tree, And):
        return None
    words = [w for w in tree.children if isinstance(w, (Term, Phrase)) and not w.fields]
    if len(words) < 2 or len(words) != len(tree.children):
        return None
    return And(tuple(Near(a, b, SENTENCE_SPAN) for a, b in pairwise(words)))


def request_words(tree: Node) -> Node | None:
    """The words of `tree` a request must hold to be "a request for it", or None."""
    return _RequestWords().visit(tree)


def request_focus(tree: Node, count: Callable[[Node], int]) -> Focus | None:
    """The focus of `tree` (already scoped: what the passage index runs) when its
    words name requests, else None. `count(tree)` counts passages without filters."""
    words = request_words(tree)
    if words is None:
        return None
    matches = count(tree)
    if not matches:
        return None
    focused = And((tree, words))
    requests = count(focused)
    if not requests:
        return None
    if requests < FOCUS_SHARE * matches:
        # the words together are fewer than the matches: counted only when the
        # share over all matches falls short (a count saved for most treatments)
        together = _together(tree)
        if together is None or requests < FOCUS_SHARE * count(together):
            return None
    return Focus(tree, focused, And((tree, Not(words))), requests, matches)


__all__ = ["FOCUS_SHARE", "REQUEST_FIELDS", "Focus", "request_focus", "request_words"]
