"""One way to walk the query tree: a visitor with one method per node type.

Every engine compiles the same tree (tree.Node). An `isinstance` chain that
forgets a node type compiles it to nothing, or to an error only when some user
query first holds it; a `TreeVisitor` subclass names a `visit_<Type>` method
for every node type, and the class itself cannot be defined without all of them
(a new node type fails at import, in every engine at once). `visit()` on an
object that is not a node raises `UnhandledNode`.

Every walk over the tree uses it: the engines' compilers, the tree's own walks
(`tree.to_string`, `leaves`, `simplify`, ...), the parser's rewrites, the
service's and the highlighter's. `TreeRewriter` is the base of the walks that
return a new tree and change only a few node types.
"""

from __future__ import annotations

import typing
from typing import Any, ClassVar, Generic, TypeVar

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

R = TypeVar("R")

NODE_TYPES: tuple[type, ...] = typing.get_args(Node)


class UnhandledNode(TypeError):
    """A query node the visitor has no method for."""


class TreeVisitor(Generic[R]):
    """Dispatches `visit(node)` to `visit_<NodeType>(node)`.

    Subclasses must define a method for every type in NODE_TYPES, checked when
    the subclass is created; `partial=True` in the class statement allows a
    base class that leaves some to its own subclasses."""

    _dispatch: ClassVar[dict[type, Any]] = {}

    def __init_subclass__(cls, partial: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [t.__name__ for t in NODE_TYPES if not callable(getattr(cls, "visit_" + t.__name__, None))]
        if missing and not partial:
            raise TypeError(f"{cls.__name__} does not handle the query nodes {', '.join(missing)}")
        cls._dispatch = {
            t: getattr(cls, "visit_" + t.__name__)
            for t in NODE_TYPES
            if callable(getattr(cls, "visit_" + t.__name__, None))
        }

    def visit(self, node: Node) -> R:
        method = self._dispatch.get(type(node))
        if method is None:
            raise UnhandledNode(f"{type(self).__name__} cannot handle the query node {node!r}")
        return method(self, node)


class TreeCollector(TreeVisitor[None], partial=True):
    """A visitor that gathers something from the tree into its own fields: AND and
    OR groups are walked into; subclasses say what every other node type gives
    (whether an exclusion or a pin is walked into differs from walk to walk)."""

    def visit_And(self, node: And) -> None:
        for c in node.children:
            self.visit(c)

    def visit_Or(self, node: Or) -> None:
        for c in node.children:
            self.visit(c)


class TreeRewriter(TreeVisitor[Node]):
    """A visitor that returns a new tree: groups (And, Or, Not, Pin) are rebuilt
    from their rewritten children and every other node is kept as it is.

    Most walks over the tree change a few node types and carry the rest through;
    a subclass overrides only those. The defaults are written out per node type
    rather than as a fallback, so a node type added to the tree makes this class
    (and every rewriter) fail at import until someone says how it is carried."""

    def visit_Term(self, node: Term) -> Node:
        return node

    def visit_Phrase(self, node: Phrase) -> Node:
        return node

    def visit_Prefix(self, node: Prefix) -> Node:
        return node

    def visit_Fuzzy(self, node: Fuzzy) -> Node:
        return node

    def visit_Near(self, node: Near) -> Node:
        return node

    def visit_FacetTerm(self, node: FacetTerm) -> Node:
        return node

    def visit_Range(self, node: Range) -> Node:
        return node

    def visit_MatchAll(self, node: MatchAll) -> Node:
        return node

    def visit_InLetters(self, node: InLetters) -> Node:
        return node

    def visit_And(self, node: And) -> Node:
        return And(tuple(self.visit(c) for c in node.children))

    def visit_Or(self, node: Or) -> Node:
        return Or(tuple(self.visit(c) for c in node.children))

    def visit_Not(self, node: Not) -> Node:
        return Not(self.visit(node.child))

    def visit_Pin(self, node: Pin) -> Node:
        return Pin(self.visit(node.child), node.score)
