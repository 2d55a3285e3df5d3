"""The query tree is walked by one dispatch: every engine compiler handles every
node type, and a visitor that forgets one cannot even be defined."""

from __future__ import annotations

import pytest

from indexer.index.engine import ENGINE_CLASSES, engine_class
from indexer.query.tree import MatchAll, Term
from indexer.query.visit import NODE_TYPES, TreeVisitor, UnhandledNode


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
