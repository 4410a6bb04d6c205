"""Reading the schema facts in the scan's one traversal, without LibCST's full providers.

The scan resolves names with :class:`fss_compat.codemod.names.Names` (``symtable`` and a
skeleton module's scopes) and counts lines as it goes (see :mod:`fss_compat.codemod.names`):
both answer for the node being visited. The typed-model family reads a whole class body
when it visits the class, so it needs names and lines of nodes the traversal has not
reached yet:

- :class:`ScanNames` resolves a node of the class body as if the traversal were in that
  body (the class's own scope, then the scopes around it), with the scan's ``Names``;
- :class:`SubtreeLines` gives the line of any node inside one statement: it counts the
  newlines before a class body's members, and runs LibCST's ``PositionProvider`` on the
  statement alone for other nodes; offset by the statement's own line, which the
  traversal knows.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import builtins
import dataclasses
import typing as t

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider

from fss_compat.codemod import call_args
from fss_compat.codemod import names as scan_names


@dataclasses.dataclass
class _InBody:
    """A :class:`~fss_compat.codemod.names.Position` inside the body of the innermost
    class of another position (``Where`` at a class's visit is in its header).
    """

    nesting: list[str]
    scopes: list[cst.ClassDef | cst.FunctionDef]
    scope_lines: list[int]
    in_body: list[bool]
    in_declaration: int = 0

    def line_of(self, node: cst.CSTNode) -> int:
        raise NotImplementedError("a snapshot of a position counts no lines")


class ScanNames(call_args.Names):
    """:class:`~fss_compat.codemod.call_args.Names` answered by the scan's names, for the
    nodes of the body of the class being visited (or of a module-level statement).

    :param found: the scan's names of the module.
    :param where: where the traversal is: at the class (its header) or the statement.
    """

    def __init__(self, found: scan_names.Names, where: scan_names.Position) -> None:
        super().__init__({}, found.run.module, found.run.is_package)
        self.found = found
        in_body = list(where.in_body)
        if in_body:
            in_body[-1] = True
        self.where = _InBody(
            list(where.nesting), list(where.scopes), list(where.scope_lines), in_body
        )
        self._scan_bound: dict[str, frozenset[str]] | None = None

    def of(self, node: cst.CSTNode) -> tuple[str, ...]:
        """What ``node`` may stand for, sorted; builtins as ``builtins.<name>``."""
        found = self.found.qnames(node, self.where)
        if found:
            return tuple(sorted(found))
        name = get_full_name_for_node(node)
        head = (name or "").partition(".")[0]
        if self._scan_bound is None:
            self._scan_bound = self.found.bindings()
        if head and head not in self._scan_bound and hasattr(builtins, head):
            return (f"builtins.{name}",)
        return ()


class SubtreeLines:
    """The lines of the nodes inside one statement, offset by the statement's own line,
    which the traversal knows.

    The members of a class body (its statements and their small statements) are counted:
    the newlines of the class header, then of each statement before. Any other node is
    looked up in LibCST's ``PositionProvider`` run on the statement alone, about ten times
    the cost (measured on ``benchmarks/scan_bench.py``), which only a module-level
    ``Table(...)`` needs.

    :param statement: a class definition or a simple statement line.
    :param line: the line of its first token (of the ``class`` keyword for a class), as
        the traversal has it.
    """

    def __init__(self, statement: cst.ClassDef | cst.SimpleStatementLine, line: int) -> None:
        self.statement = statement
        self.first = line
        self._members: dict[int, int] | None = None
        self._positions: t.Mapping[cst.CSTNode, CodeRange] | None = None

    def __call__(self, node: cst.CSTNode) -> int:
        """The line ``node`` starts on."""
        statement = self.statement
        if isinstance(statement, cst.ClassDef):
            if node is statement.name:
                return self.first + statement.whitespace_after_class.value.count("\n")
            if self._members is None:
                self._members = _member_lines(statement, self.first)
            counted = self._members.get(id(node))
            if counted is not None:
                return counted
        if self._positions is None:
            # Without what comes before its first token: a module of the statement alone
            # starts on that token's line. The children are the file's own nodes.
            alone: cst.BaseStatement
            if isinstance(statement, cst.ClassDef):
                alone = statement.with_changes(
                    leading_lines=(), decorators=(), lines_after_decorators=()
                )
            else:
                alone = statement.with_changes(leading_lines=())
            wrapper = MetadataWrapper(cst.Module(body=[alone]), unsafe_skip_copy=True)
            self._positions = wrapper.resolve(PositionProvider)
        return self.first + self._positions[node].start.line - 1


_CODE = cst.Module(body=[])


def _member_lines(node: cst.ClassDef, first: int) -> dict[int, int]:
    """The line of each statement of a class body, and of each small statement in them."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return {}
    # The header's newlines: the class with one ``pass`` as its body, less that line.
    bare = node.with_changes(
        leading_lines=(),
        decorators=(),
        lines_after_decorators=(),
        body=body.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])], footer=()),
    )
    line = first + _CODE.code_for_node(bare).count("\n") - 1
    lines: dict[int, int] = {}
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            start = line + len(statement.leading_lines)
            lines[id(statement)] = start
            for small in statement.body:
                lines[id(small)] = start
                if len(statement.body) > 1:  # ``a = 1; b = 2``, rare
                    start += _CODE.code_for_node(small).count("\n")
        line += _CODE.code_for_node(statement).count("\n")
    return lines
