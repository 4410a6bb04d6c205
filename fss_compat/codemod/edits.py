"""Edits and TODO comments registered for a node, made when the traversal leaves it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from collections.abc import Iterable

import libcst as cst
from libcst.codemod import VisitorBasedCodemodCommand

from fss_compat.codemod.traversal import Where

__all__ = ["Edit", "EditingCommand"]

#: A change of a node: the node as LibCST rebuilt it on the way up -> its replacement.
Edit = Callable[[t.Any], t.Any]
_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


class EditingCommand(VisitorBasedCodemodCommand):
    """A codemod command that knows where its traversal is (:attr:`where`) and makes the
    edits and TODO comments registered for a node when the traversal leaves it.

    A subclass calls :meth:`begin_edits` before each module.

    .. versionadded:: 0.1.0
    """

    def begin_edits(self) -> None:
        """Forget the last module's place, edits, TODO comments and claimed nodes."""
        self.where = Where()
        self._claimed: set[int] = set()
        self._edits: dict[int, list[Edit]] = {}
        self._todos: dict[int, list[str]] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.where.enter(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> t.Any:
        node: t.Any = super().on_leave(original_node, updated_node)
        for edit in self._edits.get(id(original_node), ()):
            node = edit(node)
        marks = self._todos.get(id(original_node))
        if marks and isinstance(node, _STATEMENTS):
            # Comments above a module's first statement are the module's header.
            first = self.module.body[0] if self.module.body else None
            above = self.module.header if original_node is first else ()
            node = _with_todos(node, marks, above)
        self.where.leave(original_node)
        return node

    def add_todo(self, statement: cst.CSTNode, feature: str, text: str) -> None:
        """Put ``# TODO(fss <feature>): <text>`` above ``statement``, unless it has a TODO
        of ``feature`` already.
        """
        marks = self._todos.setdefault(id(statement), [])
        if not any(mark.startswith(f"# TODO(fss {feature})") for mark in marks):
            marks.append(f"# TODO(fss {feature}): {text}")

    def edit_also(self, node: cst.CSTNode, change: Edit) -> None:
        """Replace ``node`` on the way up by ``change(updated_node)``, for a rewrite already
        counted (``Rule.edit`` counts one; this is for its other end, where a value built in
        one place is run in another).
        """
        self._edits.setdefault(id(node), []).append(change)

    def claim(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Mark nodes as handled, so this family's visits of inner nodes skip them."""
        self._claimed.update(id(node) for node in nodes)

    def claimed(self, node: cst.CSTNode) -> bool:
        """Whether :meth:`claim` marked ``node``."""
        return id(node) in self._claimed


def _with_todos(statement: t.Any, marks: list[str], above: t.Sequence[cst.EmptyLine]) -> t.Any:
    lines = [*above, *statement.leading_lines]
    existing = {line.comment.value for line in lines if line.comment}
    prefixes = {value.split(")", 1)[0] for value in existing if value.startswith("# TODO(fss ")}
    added = [
        cst.EmptyLine(indent=True, comment=cst.Comment(mark))
        for mark in marks
        if mark.split(")", 1)[0] not in prefixes
    ]
    if not added:
        return statement
    return statement.with_changes(leading_lines=[*statement.leading_lines, *added])
