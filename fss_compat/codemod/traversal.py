"""Where a traversal is: the statements, classes and functions around the node, and the line.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Callable

import libcst as cst

from fss_compat.codemod.shapes import last_name

__all__ = ["Bound", "Where"]

_DECLARATIONS: frozenset[type] = frozenset({cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal})
#: Tokens whose text can hold newlines (line continuations, multi-line strings).
_TEXT: frozenset[type] = frozenset(
    {cst.SimpleWhitespace, cst.SimpleString, cst.FormattedStringText}
)
_BODIES: frozenset[type] = frozenset({cst.IndentedBlock, cst.SimpleStatementSuite})
_EMPTY = cst.Module([])


def _prefixes() -> dict[type, tuple[str, ...]]:
    """Per node type, its fields that come before its first token."""
    found: dict[type, tuple[str, ...]] = {kind: ("leading_lines",) for kind in _STATEMENT_TYPES}
    for definition in (cst.ClassDef, cst.FunctionDef):
        found[definition] = ("leading_lines", "decorators", "lines_after_decorators")
    for kind in _subclasses(cst.BaseExpression):
        if "lpar" in getattr(kind, "__dataclass_fields__", {}):
            found[kind] = ("lpar",)
    return found


def _subclasses(kind: type) -> t.Iterator[type]:
    sub: type
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Exact types, tested with a set lookup: isinstance() on libcst's abstract bases goes
# through ABCMeta, for every node of every file.
_COMPOUND: list[type] = list(cst.BaseCompoundStatement.__subclasses__())
_STATEMENT_TYPES: frozenset[type] = frozenset([cst.SimpleStatementLine, *_COMPOUND]) - {
    cst.BaseCompoundStatement
}


@dataclasses.dataclass(frozen=True)
class Bound:
    """What a method's first parameter is bound to.

    :param qname: the class the method is defined in (the object may be of a subclass).
    :param instance: ``self`` (an instance), not ``cls`` (the class).
    """

    qname: str
    instance: bool


#: Per node type, its fields that come before its first token.
_PREFIXES = _prefixes()


class Where:
    """Where a traversal is: the statements, classes and functions around the node, and
    (for the scan) the line.

    Like LibCST's ``before_visit`` and ``after_leave`` hooks, which update it in the scan's
    batched traversal, it counts the node itself: a class's own visit sees the class last.
    """

    def __init__(self) -> None:
        self.statements: list[cst.CSTNode] = []
        #: Enclosing classes and functions (``f.<locals>``), for qualified names.
        self.nesting: list[str] = []
        #: The enclosing class and function definitions themselves.
        self.scopes: list[cst.ClassDef | cst.FunctionDef] = []
        #: Per scope: the line of its ``class`` or ``def`` keyword.
        self.scope_lines: list[int] = []
        #: Per scope: whether the traversal is in its body yet (not its name, bases,
        #: decorators, parameters or annotations, which belong to the scope around it).
        self.in_body: list[bool] = []
        #: Inside an import, ``global`` or ``nonlocal`` statement, whose names LibCST's
        #: ``ScopeProvider`` gives no scope.
        self.in_declaration = 0
        #: The line the traversal is on: the newlines of every token visited so far, + 1.
        self.line = 1

    def enter(self, node: cst.CSTNode) -> None:
        """Called before the visits of ``node``."""
        kind = type(node)
        if kind is cst.Newline:
            self.line += 1
        elif kind in _TEXT:
            self.line += t.cast(t.Any, node).value.count("\n")
        elif kind in _STATEMENT_TYPES:
            self.statements.append(node)
            if kind is cst.ClassDef or kind is cst.FunctionDef:
                definition = t.cast("cst.ClassDef | cst.FunctionDef", node)
                name = definition.name.value
                self.nesting.append(name if kind is cst.ClassDef else f"{name}.<locals>")
                self.scopes.append(definition)
                self.scope_lines.append(self.line_of(node))
                self.in_body.append(False)
        elif kind in _BODIES:
            if self.scopes and node is self.scopes[-1].body:
                self.in_body[-1] = True
        elif kind in _DECLARATIONS:
            self.in_declaration += 1

    def leave(self, node: cst.CSTNode) -> None:
        """Called after the leaves of ``node``."""
        kind = type(node)
        if kind in _STATEMENT_TYPES:
            self.statements.pop()
            if kind is cst.ClassDef or kind is cst.FunctionDef:
                self.nesting.pop()
                self.scopes.pop()
                self.scope_lines.pop()
                self.in_body.pop()
        elif kind in _DECLARATIONS:
            self.in_declaration -= 1

    def visitors(self) -> t.Mapping[str, Callable[[cst.CSTNode], None]]:
        """:meth:`enter` and :meth:`leave` as the ``visit_`` and ``leave_`` methods of the
        node types they track, for a batched traversal (where it must come first).
        """
        entered: set[type] = {cst.Newline, *_TEXT, *_STATEMENT_TYPES, *_BODIES, *_DECLARATIONS}
        left: set[type] = {*_STATEMENT_TYPES, *_DECLARATIONS}
        return {f"visit_{kind.__name__}": self.enter for kind in entered} | {
            f"leave_{kind.__name__}": self.leave for kind in left
        }

    def line_of(self, node: cst.CSTNode) -> int:
        """The line ``node``, the node being visited, starts on, as ``PositionProvider``
        has it: after its comments and blank lines, its decorators, its parentheses.
        """
        line = self.line
        for name in _PREFIXES.get(type(node), ()):
            for part in getattr(node, name):
                line += _EMPTY.code_for_node(part).count("\n")
        return line

    def bound_class(self, name: str, module: str) -> Bound | None:
        """The class ``name`` stands for, when it is the first parameter (``cls``, ``self``)
        of the method the traversal is in.
        """
        if len(self.scopes) < 2:
            return None
        function, owner = self.scopes[-1], self.scopes[-2]
        if not (isinstance(function, cst.FunctionDef) and isinstance(owner, cst.ClassDef)):
            return None
        params = function.params
        first = [*params.posonly_params, *params.params][:1]
        if not first or first[0].name.value != name:
            return None
        decorators = {last_name(d.decorator) for d in function.decorators}
        if "staticmethod" in decorators:
            return None
        qname = ".".join([module, *self.nesting[:-1]])
        return Bound(qname, instance="classmethod" not in decorators)

    @property
    def module_level(self) -> bool:
        """Whether the current node is in a simple statement of the module's own body."""
        return len(self.statements) == 1 and not self.nesting

    def qname(self, module: str) -> str:
        """The qualified name of the innermost class or function (``m.C``, ``m.f.<locals>``)."""
        return ".".join([module, *self.nesting])
