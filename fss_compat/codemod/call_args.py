"""Reading calls as the source writes them: qualified names, literal arguments.

:class:`Names` resolves a module's names and attributes to qualified names through
libcst's scopes (``sa.Column`` -> ``sqlalchemy.Column``, a relative import made absolute);
:func:`literal` and :func:`flag` read literal arguments without running anything.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import ast
import builtins
import enum
import typing as t

import libcst as cst
from libcst.metadata import GlobalScope
from libcst.metadata import QualifiedNameSource
from libcst.metadata import Scope

from fss_compat.codemod.project import absolute

__all__ = ["Flag", "Names", "flag", "last_name", "literal"]


class Flag(enum.Enum):
    """A boolean argument as written: ``True``, ``False``, absent, or not a literal."""

    YES = "yes"
    NO = "no"
    UNSET = "unset"
    UNKNOWN = "unknown"


def literal(node: cst.BaseExpression) -> object:
    """The value of a literal expression; ``...`` (Ellipsis) when it is not one."""
    try:
        return ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError):
        return ...


def flag(args: t.Sequence[cst.Arg], keyword: str) -> Flag:
    """The ``keyword=`` argument of a call as a :class:`Flag`."""
    for arg in args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            value = literal(arg.value)
            if value is True or value is False:
                return Flag.YES if value else Flag.NO
            return Flag.UNKNOWN
    return Flag.UNKNOWN if any(arg.star == "**" for arg in args) else Flag.UNSET


class Names:
    """Qualified names of one module's expressions, through libcst's scopes."""

    def __init__(
        self, scopes: t.Mapping[cst.CSTNode, Scope | None], module: str, is_package: bool
    ) -> None:
        self.scopes = scopes
        self.module = module
        self.is_package = is_package
        self._module_bindings: dict[str, str] | None = None

    def of(self, node: cst.CSTNode) -> tuple[str, ...]:
        """What ``node`` (a Name or an Attribute) may stand for, sorted.

        A node that is not in the module (parsed from a string annotation) is resolved
        through the module-level names.
        """
        scope = self.scopes.get(node)
        if scope is None:
            return self._by_text(node)
        names = set()
        for qname in scope.get_qualified_names_for(node):
            if qname.source is QualifiedNameSource.IMPORT:
                names.add(absolute(qname.name, self.module, self.is_package))
            elif qname.source is QualifiedNameSource.LOCAL:
                names.add(f"{self.module}.{qname.name}")
            elif qname.source is QualifiedNameSource.BUILTIN:
                names.add(f"builtins.{qname.name}")
        return tuple(sorted(names))

    def _by_text(self, node: cst.CSTNode) -> tuple[str, ...]:
        parts: list[str] = []
        while isinstance(node, cst.Attribute):
            parts.insert(0, node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return ()
        head = self._globals().get(node.value)
        if head is None:
            head = f"builtins.{node.value}" if hasattr(builtins, node.value) else ""
        return (".".join([head, *parts]),) if head else ()

    def _globals(self) -> dict[str, str]:
        if self._module_bindings is None:
            scope = next((s for s in self.scopes.values() if s is not None), None)
            self._module_bindings = self._bound(scope.globals) if scope is not None else {}
        return self._module_bindings

    def bindings(self, module: cst.Module) -> dict[str, str]:
        """Module-level name -> the one qualified name it is bound to (imports, classes)."""
        scope = next((self.scopes.get(s) for s in module.body if self.scopes.get(s)), None)
        return self._bound(scope.globals) if scope is not None else {}

    def _bound(self, scope: GlobalScope) -> dict[str, str]:
        found: dict[str, str] = {}
        for assignment in scope.assignments:
            names = scope.get_qualified_names_for(assignment.name)
            if len(names) == 1:
                (qname,) = names
                if qname.source is QualifiedNameSource.IMPORT:
                    found[assignment.name] = absolute(qname.name, self.module, self.is_package)
                else:
                    found[assignment.name] = f"{self.module}.{qname.name}"
        return found


def last_name(node: cst.BaseExpression) -> str:
    """``Column`` for ``Column``, ``sa.Column`` or ``db.Column``; ``""`` for other shapes."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""
