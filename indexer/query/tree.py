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
from dataclasses import dataclass, field, replace

from indexer.query.analysis import PARAGRAPH_SPAN, SENTENCE_SPAN

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
SCOPES = ("passage", "letter")  # what an unrestricted word matches: the passage, or also its letter
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


@dataclass(frozen=True)
class Term:
    """One word; `term` is its indexed (stemmed) form."""

    text: str
    term: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phrase:
    """Words in this order; `slop` extra positions allowed (`"a b"~3`)."""

    words: tuple[str, ...]
    terms: tuple[str, ...]
    slop: int = 0
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prefix:
    """`word*` (prefix of the lowercased word) or `word!` (prefix of its root)."""

    text: str
    prefix: str
    root: bool = False
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fuzzy:
    """`word~` (`word~1`): indexed terms within `distance` edits of the word's term.

    Engines never see it: the search service replaces it by the OR of the close
    terms the index holds (indexer.search.spelling), so every engine matches
    the same words and the highlighter marks them."""

    text: str
    term: str
    distance: int = 2
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Near:
    """`a w/5 b`: both within `distance` positions of each other in one field,
    either order, or with `ordered` (`a pre/5 b`) `b` after `a`. The analysis
    puts SENTENCE_GAP positions between sentences, so `distance` SENTENCE_SPAN
    is "same sentence" (`w/s`), and PARAGRAPH_SPAN is "same field" (`w/p`)."""

    left: Term | Phrase
    right: Term | Phrase
    distance: int
    fields: tuple[str, ...] = ()
    ordered: bool = False


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class FacetTerm:
    """`facet:value` inline. Values match case-insensitively; a citation value
    also matches every citation below it (`ODG | Neck and Upper Back` matches
    all topics of that chapter)."""

    facet: str
    value: str


@dataclass(frozen=True)
class Pin:
    """Match `child`, adding a constant `score` so these hits rank first
    (used to put passages citing the guideline a query names on top)."""

    child: Node
    score: float = 1000.0


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class InLetters:
    """The passages of these letters, scoring `score` each: what a summary term
    becomes once the service has looked it up in the letter index (engines
    never see summary terms). Not written by users."""

    letter_ids: frozenset[str]
    score: float = 0.0
    label: str = ""  # the summary term it stands for, for display


@dataclass(frozen=True)
class Range:
    """A date between `start` and `end` (ISO dates, inclusive; None = open).
    `field` is "decision_date" or "injury_date". Filters only: never scores."""

    field: str
    start: str | None = None
    end: str | None = None


Node = Term | Phrase | Prefix | Fuzzy | Near | And | Or | Not | FacetTerm | Range | Pin | MatchAll | InLetters


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
    if isinstance(node, MatchAll):
        return "*"
    if isinstance(node, Term):
        return _field_prefix(node.fields) + _quote(node.text)
    if isinstance(node, Phrase):
        slop = f"~{node.slop}" if node.slop else ""
        return _field_prefix(node.fields) + '"' + " ".join(node.words) + '"' + slop
    if isinstance(node, Prefix):
        return _field_prefix(node.fields) + node.text + ("!" if node.root else "*")
    if isinstance(node, Fuzzy):
        return _field_prefix(node.fields) + node.text + ("~" if node.distance == 2 else f"~{node.distance}")
    if isinstance(node, Range):
        name = RANGE_NAMES.get(node.field, node.field)
        return f"{name}:{node.start or ''}..{node.end or ''}"
    if isinstance(node, Near):
        unit = "p" if node.distance >= PARAGRAPH_SPAN else "s" if node.distance == SENTENCE_SPAN else str(node.distance)
        inner = f"{to_string(node.left)} {'pre' if node.ordered else 'w'}/{unit} {to_string(node.right)}"
        return f"{_field_prefix(node.fields)}({inner})" if node.fields else inner
    if isinstance(node, FacetTerm):
        return f"{node.facet}:{_quote(node.value)}"
    if isinstance(node, Pin):
        return to_string(node.child, parent)
    if isinstance(node, InLetters):
        return node.label or f"letters:({len(node.letter_ids)})"
    if isinstance(node, Not):
        if isinstance(node.child, (And, Or, Near)):
            return f"NOT ({to_string(node.child)})"
        return "-" + to_string(node.child, Not)
    if isinstance(node, (And, Or)):
        op = " AND " if isinstance(node, And) else " OR "
        text = op.join(to_string(c, type(node)) for c in node.children)
        if parent is not None and parent is not type(node) and len(node.children) > 1:
            return f"({text})"
        return text
    raise TypeError(f"not a query node: {node!r}")


# Range fields and the name the query language gives them
RANGE_NAMES = {"decision_date": "decided", "injury_date": "injured"}


def has_scoring_leaf(node: Node) -> bool:
    if isinstance(node, (Term, Phrase, Prefix, Fuzzy, Near)):
        return True
    if isinstance(node, (And, Or)):
        return any(has_scoring_leaf(c) for c in node.children)
    if isinstance(node, (Pin, InLetters)):
        return True
    return False


def restrict(node: Node, fields: tuple[str, ...]) -> Node:
    """`node` with every text leaf below it restricted to `fields` (a `field:` prefix)."""
    if isinstance(node, (Term, Phrase, Prefix, Fuzzy)):
        return replace(node, fields=fields)
    if isinstance(node, Near):
        return replace(
            node, left=replace(node.left, fields=fields), right=replace(node.right, fields=fields), fields=fields
        )
    if isinstance(node, (And, Or)):
        return type(node)(tuple(restrict(c, fields) for c in node.children))
    if isinstance(node, Not):
        return Not(restrict(node.child, fields))
    return node


def map_text_leaves(node: Node, fn) -> Node:
    """`node` with each text leaf (Term, Phrase, Prefix, Fuzzy, Near) replaced by fn(leaf)."""
    if isinstance(node, (Term, Phrase, Prefix, Fuzzy, Near)):
        return fn(node)
    if isinstance(node, (And, Or)):
        return type(node)(tuple(map_text_leaves(c, fn) for c in node.children))
    if isinstance(node, Not):
        return Not(map_text_leaves(node.child, fn))
    if isinstance(node, Pin):
        return Pin(map_text_leaves(node.child, fn), node.score)
    return node


def leaves(node: Node, negated: bool = False):
    """Yield (leaf, negated) for every leaf: the highlighter marks positive ones."""
    if isinstance(node, (And, Or)):
        for c in node.children:
            yield from leaves(c, negated)
    elif isinstance(node, Not):
        yield from leaves(node.child, not negated)
    elif isinstance(node, Pin):
        yield from leaves(node.child, negated)
    else:
        yield node, negated


def simplify(node: Node) -> Node:
    """Flatten nested And/Or of the same kind and unwrap single-child groups."""
    if isinstance(node, (And, Or)):
        kind = type(node)
        flat: list[Node] = []
        for c in node.children:
            c = simplify(c)
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
    if isinstance(node, Not):
        return Not(simplify(node.child))
    if isinstance(node, Pin):
        return Pin(simplify(node.child), node.score)
    return node
