"""The query tree's node types: what a query means, independent of any engine.

Plain frozen data. The walks over them (printing, simplifying, restricting to
fields, listing leaves) live in `indexer.query.tree`, written as visitors
(`indexer.query.visit`), which import these types: that is why the types have a
module of their own below both. Import them from `indexer.query.tree`.
"""

from __future__ import annotations

from dataclasses import dataclass


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
