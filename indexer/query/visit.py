"""One way to walk the query tree: a visitor with one method per node type.

Every engine compiles the same tree (tree.Node). An `isinstance` chain that
forgets a node type compiles it to nothing, or to an error only when some user
query first holds it; a `TreeVisitor` subclass names a `visit_<Type>` method
for every node type, and the class itself cannot be defined without all of them
(a new node type fails at import, in every engine at once). `visit()` on an
object that is not a node raises `UnhandledNode`.
"""

from __future__ import annotations

import typing
from typing import Any, ClassVar, Generic, TypeVar

from indexer.query.tree import Node

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
