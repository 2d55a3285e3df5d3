"""The query tree is walked by one dispatch: every engine compiler and every other
walker handles every node type, a visitor that forgets one cannot even be defined,
and a node type no walker knows is refused by each, never passed through."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from indexer.index.engine import ENGINE_CLASSES, engine_class
from indexer.query.tree import (
    And,
    FacetTerm,
    Fuzzy,
    InLetters,
    MatchAll,
    Near,
    Not,
    Or,
    Phrase,
    Pin,
    Prefix,
    Range,
    Term,
    has_scoring_leaf,
    leaves,
    map_text_leaves,
    restrict,
    simplify,
    to_string,
)
from indexer.query.visit import NODE_TYPES, TreeVisitor, UnhandledNode
from indexer.search import focus, highlight, parser, partial, service, spelling


@pytest.mark.parametrize("name", list(ENGINE_CLASSES))
def test_every_engine_compiles_every_node_type_through_the_visitor(name):
    cls = engine_class(name)
    assert issubclass(cls, TreeVisitor)
    assert set(cls._dispatch) == set(NODE_TYPES)


def test_a_visitor_missing_a_node_type_is_refused_when_defined():
    with pytest.raises(TypeError, match="InLetters"):

        class Forgetful(TreeVisitor[str]):  # noqa: F841 (defining it is the test)
            def visit_Term(self, node):
                return node.term

    class Partial(TreeVisitor[str], partial=True):
        def visit_Term(self, node):
            return node.term

    assert Partial().visit(Term("a", "a")) == "a"
    with pytest.raises(UnhandledNode, match="MatchAll"):
        Partial().visit(MatchAll())
    with pytest.raises(UnhandledNode):
        Partial().visit("not a node")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Stray:
    """A node type the walkers were not taught: what a new node type is to them."""

    text: str = "stray"


class _NoWords:
    """An index vocabulary with no words (what `word~` looks its neighbours up in)."""

    def vocabulary(self, prefix: str) -> list[tuple[str, int]]:
        return []


# Every walk over the query tree outside the engines (their compilers are checked above).
WALKERS = {
    "to_string": to_string,
    "has_scoring_leaf": has_scoring_leaf,
    "restrict": lambda node: restrict(node, ("item",)),
    "map_text_leaves": lambda node: map_text_leaves(node, lambda leaf: leaf),
    "leaves": lambda node: list(leaves(node)),
    "simplify": simplify,
    "parser.alternatives": parser._alternatives,
    "parser.to_facet": lambda node: parser._to_facet("specialty", node, parser._Parser([], [])),
    "parser.apply_cited_by": lambda node: parser._apply_cited_by(node, []),
    "parser.cited_by": lambda node: parser._CitedBy("reviewer").visit(node),
    "parser.expand": parser._expand,
    "service.inline_citations": service._inline_citations,
    "service.repin": lambda node: service._repin(node, ["ODG | Low Back"]),
    "spelling.resolve_fuzzy": lambda node: spelling.resolve_fuzzy(node, _NoWords(), []),  # type: ignore[arg-type]
    "highlight.rules": lambda node: highlight._build_rules((node,), None),
    "highlight.Highlighter": highlight.Highlighter,
    "partial.is_word": partial._is_word,
    "focus.request_words": focus.request_words,
}


@pytest.mark.parametrize("name", list(WALKERS))
@pytest.mark.parametrize("where", ["alone", "in an OR"])
def test_every_walker_refuses_a_node_type_it_does_not_handle(name, where):
    """An isinstance chain passes an unknown node through silently (or drops it);
    every walker dispatches through TreeVisitor and says which node it cannot handle."""
    tree = Stray() if where == "alone" else Or((Stray(), Term("a", "a")))
    with pytest.raises(UnhandledNode, match="Stray"):
        WALKERS[name](tree)  # type: ignore[operator]


@pytest.mark.parametrize("name", list(WALKERS))
def test_every_walker_handles_every_node_type(name):
    """The other side of the contract: no known node type is refused."""
    every = [
        Term("a", "a"),
        Phrase(("a", "b"), ("a", "b")),
        Prefix("ab*", "ab"),
        Fuzzy("abc", "abc"),
        Near(Term("a", "a"), Term("b", "b"), 5),
        And((Term("a", "a"), Term("b", "b"))),
        Or((Term("a", "a"), Term("b", "b"))),
        Not(Term("a", "a")),
        FacetTerm("citation", "ODG | Low Back"),
        Range("decision_date", "2016-01-01", None),
        Pin(FacetTerm("citation", "ODG | Low Back")),
        MatchAll(),
        InLetters(frozenset({"CM16-0000001"})),
    ]
    assert {type(node) for node in every} == set(NODE_TYPES)
    for node in every:
        WALKERS[name](node)  # type: ignore[operator]
