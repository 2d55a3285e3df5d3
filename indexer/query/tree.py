"""The query tree: what a query means, independent of any engine.

A query string is parsed once (`indexer.search.parser`) into these nodes; each
engine compiles the tree into its own query objects, and the highlighter walks
the same tree to mark what matched. Leaves already carry their analysed terms
(lowercased, stemmed exactly as the index stores them), so engines never
re-analyse text and cannot disagree about it.

`fields` on a text leaf is empty for "all searchable text fields" or names the
fields a `field:` prefix restricted it to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from indexer.query.analysis import PARAGRAPH_SPAN, SENTENCE_SPAN
from indexer.query.nodes import (
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
from indexer.query.visit import TreeRewriter, TreeVisitor

# The node types are defined in `nodes` and read from here with the walks over them.
__all__ = [
    "FIELD_ALIASES",
    "PASSAGE_TEXT_FIELDS",
    "RANGE_NAMES",
    "SCOPES",
    "SUMMARY_FIELD",
    "TEXT_FIELDS",
    "TEXT_FIELD_WEIGHTS",
    "And",
    "FacetTerm",
    "Fuzzy",
    "InLetters",
    "MatchAll",
    "Near",
    "Node",
    "Not",
    "Or",
    "ParsedQuery",
    "Phrase",
    "Pin",
    "Prefix",
    "Range",
    "Term",
    "has_scoring_leaf",
    "leaves",
    "map_text_leaves",
    "restrict",
    "simplify",
    "to_string",
]

# Searchable text fields, their weights, and the names users may type before a
# colon. A passage's score is the sum over fields of weight x BM25 in that field
# (both engines). The request (item) weighs most, so a passage whose request is
# the query term ranks above one whose reasoning only discusses it; the weights
# were tuned on the judged real-letter queries (benchmarks/relevance.py,
# BENCHMARKS.md).
TEXT_FIELD_WEIGHTS: dict[str, float] = {
    "item": 6.0,
    "rationale": 2.0,
    "claims_administrator_guideline": 0.5,  # the denial's reasoning, not the precedent's
    "reviewer_guideline": 1.0,
    "citations": 1.0,  # the canonical citation keys as words ("Neck and Upper Back")
    "summary": 1.0,  # scored in the letter index only; see InLetters
    "case_number": 1.0,  # the letter's case number (CM16-0213037 -> cm16 0213037)
}
TEXT_FIELDS = tuple(TEXT_FIELD_WEIGHTS)
# The letter's case summary is context, not part of the reviewer's rationale: a
# query matches a passage's own text unless the user asks for the summary (a
# `summary:` term, or scope=letter). The summary is indexed once per letter, in
# the letter index beside the passage index (see documents.letter_doc).
SUMMARY_FIELD = "summary"
PASSAGE_TEXT_FIELDS = tuple(f for f in TEXT_FIELDS if f != SUMMARY_FIELD)
# What an unrestricted word matches: "request" (the default) counts the passages
# whose request holds the words when they name requests (indexer/search/focus.py)
# and the passage's own text otherwise; "passage" always the passage's own text;
# "letter" that and the letter's case summary.
SCOPES = ("request", "passage", "letter")
DEFAULT_SCOPE = SCOPES[0]
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "item": ("item",),
    "treatment_requested": ("item",),
    "rationale": ("rationale",),
    "summary": ("summary",),
    "guideline": ("claims_administrator_guideline", "reviewer_guideline", "citations"),
    "guidelines": ("claims_administrator_guideline", "reviewer_guideline", "citations"),
    "claims_administrator_guideline": ("claims_administrator_guideline",),
    "reviewer_guideline": ("reviewer_guideline",),
    "maximus_guideline": ("reviewer_guideline",),
    "case": ("case_number",),
    "case_number": ("case_number",),
    "text": TEXT_FIELDS,
}


@dataclass
class ParsedQuery:
    """A parsed query: the tree, how it was read, and what it reads as."""

    text: str
    tree: Node
    messages: list[str] = field(default_factory=list)
    matched_citations: list[str] = field(default_factory=list)

    @property
    def parsed(self) -> str:
        return to_string(self.tree)

    @property
    def is_browse(self) -> bool:
        """True when nothing in the query scores (empty query or filters only)."""
        return not has_scoring_leaf(self.tree)


_PLAIN_WORD = re.compile(r"^[^\s()\"\\:*!~^-][^\s()\"\\:*!~^]*$")
_OPERATORS = {"AND", "OR", "NOT", "BUT"}


def _quote(text: str) -> str:
    if _PLAIN_WORD.match(text) and text.upper() not in _OPERATORS and "/" not in text and text not in ("&", "%"):
        return text
    return '"' + text.replace("\\", " ").replace('"', " ") + '"'


def _field_prefix(fields: tuple[str, ...]) -> str:
    if not fields:
        return ""
    for alias, names in FIELD_ALIASES.items():
        if names == fields:
            return alias + ":"
    return fields[0] + ":"


def to_string(node: Node, parent: type | None = None) -> str:
    """The tree in query-language syntax: what the user sees as "read as"."""
    return _ToString(parent).visit(node)


class _ToString(TreeVisitor[str]):
    """`parent` is the type of the group the node sits in: an AND inside an OR
    (or the reverse) needs parentheses, one inside its own kind does not."""

    def __init__(self, parent: type | None = None):
        self.parent = parent

    def visit_MatchAll(self, node: MatchAll) -> str:
        return "*"

    def visit_Term(self, node: Term) -> str:
        return _field_prefix(node.fields) + _quote(node.text)

    def visit_Phrase(self, node: Phrase) -> str:
        slop = f"~{node.slop}" if node.slop else ""
        return _field_prefix(node.fields) + '"' + " ".join(node.words) + '"' + slop

    def visit_Prefix(self, node: Prefix) -> str:
        return _field_prefix(node.fields) + node.text + ("!" if node.root else "*")

    def visit_Fuzzy(self, node: Fuzzy) -> str:
        return _field_prefix(node.fields) + node.text + ("~" if node.distance == 2 else f"~{node.distance}")

    def visit_Range(self, node: Range) -> str:
        name = RANGE_NAMES.get(node.field, node.field)
        return f"{name}:{node.start or ''}..{node.end or ''}"

    def visit_Near(self, node: Near) -> str:
        unit = "p" if node.distance >= PARAGRAPH_SPAN else "s" if node.distance == SENTENCE_SPAN else str(node.distance)
        inner = f"{to_string(node.left)} {'pre' if node.ordered else 'w'}/{unit} {to_string(node.right)}"
        return f"{_field_prefix(node.fields)}({inner})" if node.fields else inner

    def visit_FacetTerm(self, node: FacetTerm) -> str:
        return f"{node.facet}:{_quote(node.value)}"

    def visit_Pin(self, node: Pin) -> str:
        return self.visit(node.child)

    def visit_InLetters(self, node: InLetters) -> str:
        return node.label or f"letters:({len(node.letter_ids)})"

    def visit_Not(self, node: Not) -> str:
        if isinstance(node.child, (And, Or, Near)):
            return f"NOT ({to_string(node.child)})"
        return "-" + to_string(node.child, Not)

    def visit_And(self, node: And) -> str:
        return self._group(" AND ", node)

    def visit_Or(self, node: Or) -> str:
        return self._group(" OR ", node)

    def _group(self, op: str, node: And | Or) -> str:
        text = op.join(to_string(c, type(node)) for c in node.children)
        if self.parent is not None and self.parent is not type(node) and len(node.children) > 1:
            return f"({text})"
        return text


# Range fields and the name the query language gives them
RANGE_NAMES = {"decision_date": "decided", "injury_date": "injured"}


def has_scoring_leaf(node: Node) -> bool:
    return _HAS_SCORING_LEAF.visit(node)


class _HasScoringLeaf(TreeVisitor[bool]):
    """Whether anything in the tree adds to a passage's score. Filters (facets,
    ranges) and exclusions do not; a pin and a summary match (InLetters) do."""

    def visit_Term(self, node: Term) -> bool:
        return True

    def visit_Phrase(self, node: Phrase) -> bool:
        return True

    def visit_Prefix(self, node: Prefix) -> bool:
        return True

    def visit_Fuzzy(self, node: Fuzzy) -> bool:
        return True

    def visit_Near(self, node: Near) -> bool:
        return True

    def visit_And(self, node: And) -> bool:
        return any(self.visit(c) for c in node.children)

    def visit_Or(self, node: Or) -> bool:
        return any(self.visit(c) for c in node.children)

    def visit_Pin(self, node: Pin) -> bool:
        return True

    def visit_InLetters(self, node: InLetters) -> bool:
        return True

    def visit_Not(self, node: Not) -> bool:
        return False

    def visit_FacetTerm(self, node: FacetTerm) -> bool:
        return False

    def visit_Range(self, node: Range) -> bool:
        return False

    def visit_MatchAll(self, node: MatchAll) -> bool:
        return False


_HAS_SCORING_LEAF = _HasScoringLeaf()


def restrict(node: Node, fields: tuple[str, ...]) -> Node:
    """`node` with every text leaf below it restricted to `fields` (a `field:` prefix)."""
    return _Restrict(fields).visit(node)


class _Restrict(TreeRewriter):
    def __init__(self, fields: tuple[str, ...]):
        self.fields = fields

    def visit_Term(self, node: Term) -> Node:
        return replace(node, fields=self.fields)

    def visit_Phrase(self, node: Phrase) -> Node:
        return replace(node, fields=self.fields)

    def visit_Prefix(self, node: Prefix) -> Node:
        return replace(node, fields=self.fields)

    def visit_Fuzzy(self, node: Fuzzy) -> Node:
        return replace(node, fields=self.fields)

    def visit_Near(self, node: Near) -> Node:
        f = self.fields
        return replace(node, left=replace(node.left, fields=f), right=replace(node.right, fields=f), fields=f)

    def visit_Pin(self, node: Pin) -> Node:
        # a pin is the parser's own (added after `field:` prefixes are read), never the user's words
        return node


def map_text_leaves(node: Node, fn: Callable[[Term | Phrase | Prefix | Fuzzy | Near], Node]) -> Node:
    """`node` with each text leaf (Term, Phrase, Prefix, Fuzzy, Near) replaced by fn(leaf)."""
    return _MapTextLeaves(fn).visit(node)


class _MapTextLeaves(TreeRewriter):
    def __init__(self, fn: Callable[[Term | Phrase | Prefix | Fuzzy | Near], Node]):
        self.fn = fn

    def visit_Term(self, node: Term) -> Node:
        return self.fn(node)

    def visit_Phrase(self, node: Phrase) -> Node:
        return self.fn(node)

    def visit_Prefix(self, node: Prefix) -> Node:
        return self.fn(node)

    def visit_Fuzzy(self, node: Fuzzy) -> Node:
        return self.fn(node)

    def visit_Near(self, node: Near) -> Node:
        return self.fn(node)


def leaves(node: Node, negated: bool = False) -> Iterator[tuple[Node, bool]]:
    """Yield (leaf, negated) for every leaf: the highlighter marks positive ones."""
    return _LEAVES[negated].visit(node)


class _Leaves(TreeVisitor[Iterator[tuple[Node, bool]]]):
    """Every node that is not a group, with whether an odd number of NOTs is above it."""

    def __init__(self, negated: bool):
        self.negated = negated

    def _leaf(self, node: Node) -> Iterator[tuple[Node, bool]]:
        yield node, self.negated

    visit_Term = visit_Phrase = visit_Prefix = visit_Fuzzy = visit_Near = _leaf
    visit_FacetTerm = visit_Range = visit_MatchAll = visit_InLetters = _leaf

    def visit_And(self, node: And) -> Iterator[tuple[Node, bool]]:
        for c in node.children:
            yield from self.visit(c)

    def visit_Or(self, node: Or) -> Iterator[tuple[Node, bool]]:
        for c in node.children:
            yield from self.visit(c)

    def visit_Not(self, node: Not) -> Iterator[tuple[Node, bool]]:
        return _LEAVES[not self.negated].visit(node.child)

    def visit_Pin(self, node: Pin) -> Iterator[tuple[Node, bool]]:
        return self.visit(node.child)


_LEAVES = {False: _Leaves(False), True: _Leaves(True)}


def simplify(node: Node) -> Node:
    """Flatten nested And/Or of the same kind and unwrap single-child groups."""
    return _SIMPLIFY.visit(node)


class _Simplify(TreeRewriter):
    def visit_And(self, node: And) -> Node:
        return self._group(node)

    def visit_Or(self, node: Or) -> Node:
        return self._group(node)

    def _group(self, node: And | Or) -> Node:
        kind = type(node)
        flat: list[Node] = []
        for c in node.children:
            c = self.visit(c)
            if isinstance(c, kind):
                flat.extend(c.children)
            else:
                flat.append(c)
        if kind is Or and any(isinstance(c, MatchAll) for c in flat):
            return MatchAll()
        if kind is And:
            flat = [c for c in flat if not isinstance(c, MatchAll)]
        # drop duplicates while keeping order
        seen: list[Node] = []
        for c in flat:
            if c not in seen:
                seen.append(c)
        if not seen:
            return MatchAll()
        if len(seen) == 1:
            return seen[0]
        return kind(tuple(seen))


_SIMPLIFY = _Simplify()
