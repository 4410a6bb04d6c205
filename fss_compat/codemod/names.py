"""Qualified names for the scan, without running LibCST's ``ScopeProvider`` on every module.

``ScopeProvider`` is most of a scan's time (60%, measured on ``benchmarks/scan_bench.py``),
while the rules ask for few names, nearly all bound at module level (``db``, ``User``,
``sa``). :class:`Names` answers with two cheaper facts, and with ``ScopeProvider`` itself
only where they do not settle it:

- which names each function, class, lambda and comprehension binds: CPython's
  :mod:`symtable`, which compiles the module in C;
- what the module level binds: ``ScopeProvider`` on a skeleton of the module, whose
  function and class bodies are ``...``.

A name not bound in the scopes around the node is the module's, as LibCST resolves it; a
name bound there is a local (LibCST's ``f.<locals>.x`` form); a name a nested scope imports,
or that a lambda or comprehension below may bind, or a module with ``global`` statements,
type parameter scopes or code ``symtable`` refuses, goes to the full ``ScopeProvider``.
``verify=True`` computes both answers for every question and fails on a difference (the
differential test runs it over corpora).
"""

from __future__ import annotations

import symtable
import typing as t

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider
from libcst.metadata import QualifiedName
from libcst.metadata import QualifiedNameSource
from libcst.metadata import Scope
from libcst.metadata import ScopeProvider

from fss_compat.codemod.project import absolute


class Module(t.Protocol):
    """The module a name is resolved in (a :class:`~fss_compat.codemod.engine.FileRun`)."""

    path: str
    module: str
    is_package: bool


class Position(t.Protocol):
    """Where a traversal is (a :class:`~fss_compat.codemod.engine.Where`)."""

    nesting: list[str]
    scopes: list[cst.ClassDef | cst.FunctionDef]
    scope_lines: list[int]
    in_body: list[bool]
    in_declaration: int

    def line_of(self, node: cst.CSTNode) -> int: ...


def _absolute(qname: QualifiedName, run: Module) -> str:
    if qname.source is QualifiedNameSource.IMPORT:
        return absolute(qname.name, run.module, run.is_package)
    return f"{run.module}.{qname.name}"


def qualified_names(scope: Scope | None, node: cst.CSTNode | str, run: Module) -> frozenset[str]:
    """The absolute qualified names ``node`` (a Name, an Attribute, or a name) may stand for
    in ``scope`` (LibCST's ``ScopeProvider`` value at the node); builtins are left out.
    """
    if scope is None:
        return frozenset()
    return frozenset(
        _absolute(qname, run)
        for qname in scope.get_qualified_names_for(node)
        if qname.source is not QualifiedNameSource.BUILTIN
    )


def module_bindings(
    module: cst.Module, scopes: t.Mapping[cst.CSTNode, object], run: Module
) -> dict[str, frozenset[str]]:
    """Module-level name -> the absolute qualified names it is bound to."""
    scope = next(
        (
            found.globals
            for statement in module.body
            if isinstance(found := scopes.get(statement), Scope)
        ),
        None,
    )
    if scope is None:
        return {}
    return {
        assignment.name: qualified_names(scope, assignment.name, run)
        for assignment in scope.assignments
    }


_PLAIN_TABLES = frozenset({"module", "function", "class"})
_FUNCTIONS = (cst.FunctionDef, cst.ClassDef)
_BODY = cst.SimpleStatementSuite(body=[cst.Expr(cst.Ellipsis())])


class _Skeleton(cst.CSTTransformer):
    """The module with every function and class reduced to ``def f(): ...`` and
    ``class C: ...``: what binds the module's names, without what does not.
    """

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        return cst.FunctionDef(name=updated_node.name, params=cst.Parameters(), body=_BODY)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        return cst.ClassDef(name=updated_node.name, body=_BODY)


def _tables(table: symtable.SymbolTable) -> t.Iterator[symtable.SymbolTable]:
    yield table
    for child in table.get_children():
        yield from _tables(child)


def _kind(table: symtable.SymbolTable) -> str:
    return str(getattr(table.get_type(), "value", table.get_type()))


def _binds(table: symtable.SymbolTable, name: str) -> symtable.Symbol | None:
    try:
        symbol = table.lookup(name)
    except KeyError:
        return None
    return symbol if symbol.is_local() or symbol.is_imported() else None


def _inline_bindings(table: symtable.SymbolTable) -> set[str]:
    """Names bound by the lambdas and comprehensions directly below ``table``."""
    found: set[str] = set()
    for child in table.get_children():
        if child.get_name() in ("lambda", "listcomp", "setcomp", "dictcomp", "genexpr"):
            found |= {s.get_name() for s in child.get_symbols() if s.is_local()}
            found |= _inline_bindings(child)
    return found


class Names:
    """Qualified names of one module for the scan (see the module docstring).

    :param wrapper: the module's metadata wrapper, for LibCST's ``ScopeProvider`` where it
        is needed (and its ``PositionProvider`` with ``verify``).
    :param verify: check every name and line against ``ScopeProvider`` and
        ``PositionProvider``.
    """

    def __init__(
        self,
        module: cst.Module,
        source: str,
        run: Module,
        wrapper: MetadataWrapper,
        verify: bool = False,
    ) -> None:
        self.run = run
        self.wrapper = wrapper
        self.verify = verify
        self.skeleton = module.visit(_Skeleton())
        scopes = MetadataWrapper(self.skeleton, unsafe_skip_copy=True).resolve(ScopeProvider)
        self.skeleton_scopes: t.Mapping[cst.CSTNode, Scope | None] = scopes
        found = scopes.get(self.skeleton)
        self.globals = found.globals if found is not None else None
        self.table = self._symtable(source)
        self._children: dict[int, symtable.SymbolTable | None] = {}
        self._inline: dict[int, set[str]] = {}

    def _symtable(self, source: str) -> symtable.SymbolTable | None:
        try:
            table = symtable.symtable(source, self.run.path, "exec")
        except (SyntaxError, ValueError):
            return None
        for inner in _tables(table):
            if _kind(inner) not in _PLAIN_TABLES:
                return None  # type parameter and annotation scopes (3.12+)
            if inner is not table and any(s.is_declared_global() for s in inner.get_symbols()):
                return None  # 'global x' binds module names from inside a function
        return table

    def qnames(self, node: cst.CSTNode, where: Position) -> frozenset[str]:
        """The absolute qualified names ``node`` (a Name or an Attribute) may stand for."""
        fast = self._fast(node, where)
        if fast is None or self.verify:
            full = qualified_names(self.wrapper.resolve(ScopeProvider).get(node), node, self.run)
            if self.verify and fast is not None and fast != full:
                raise AssertionError(
                    f"{self.run.path}: {cst.Module([]).code_for_node(node)!r}: the fast names"
                    f" {sorted(fast)} differ from ScopeProvider's {sorted(full)}"
                )
            return full
        return fast

    def _fast(self, node: cst.CSTNode, where: Position) -> frozenset[str] | None:
        if self.table is None or self.globals is None:
            return None
        full_name = get_full_name_for_node(node)
        if full_name is None or where.in_declaration:
            return frozenset()
        head = full_name.partition(".")[0]
        chain = self._chain(where)
        if chain is None:
            return None
        nesting = where.nesting
        if where.scopes and not where.in_body[-1]:
            # A definition's header (bases, decorators, defaults) is in the scope around it.
            chain, nesting = chain[:-1], nesting[:-1]
        innermost = chain[-1] if chain else self.table
        if head in self._inline_of(innermost):
            return None
        for depth in range(len(chain) - 1, -1, -1):
            table = chain[depth]
            if _kind(table) == "class" and depth != len(chain) - 1:
                continue  # a class's names are not visible in its methods
            symbol = _binds(table, head)
            if symbol is None:
                continue
            if symbol.is_imported() or _kind(table) == "class":
                # A class body reads a name it binds from the module until it binds it
                # (``tags = relationship(secondary=tags)``): ScopeProvider knows the order.
                return None
            prefix = ".".join(nesting[: depth + 1])
            return frozenset({f"{self.run.module}.{prefix}.{full_name}"})
        return qualified_names(self.globals, full_name, self.run)

    def _inline_of(self, table: symtable.SymbolTable) -> set[str]:
        found = self._inline.get(id(table))
        if found is None:
            found = self._inline[id(table)] = _inline_bindings(table)
        return found

    def _chain(self, where: Position) -> list[symtable.SymbolTable] | None:
        """The symbol tables of ``where.scopes``, outermost first; None if one is unknown."""
        assert self.table is not None
        chain: list[symtable.SymbolTable] = []
        parent = self.table
        for scope, line in zip(where.scopes, where.scope_lines, strict=True):
            child = self._children.get(id(scope), ...)
            if child is ...:
                name = scope.name.value
                child = next(
                    (
                        c
                        for c in parent.get_children()
                        if c.get_name() == name and c.get_lineno() == line
                    ),
                    None,
                )
                self._children[id(scope)] = child
            if child is None:
                return None
            chain.append(child)
            parent = child
        return chain

    def line(self, node: cst.CSTNode, where: Position) -> int:
        """The line of ``node``, the node being visited: the traversal's count."""
        counted = where.line_of(node)
        if self.verify:
            position = self.wrapper.resolve(PositionProvider)[node].start.line
            if position != counted:
                raise AssertionError(
                    f"{self.run.path}: {cst.Module([]).code_for_node(node)[:60]!r}: the counted"
                    f" line {counted} differs from PositionProvider's {position}"
                )
        return counted

    def bindings(self) -> dict[str, frozenset[str]]:
        """Module-level name -> the absolute qualified names it is bound to."""
        return module_bindings(self.skeleton, self.skeleton_scopes, self.run)
