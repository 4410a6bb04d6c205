"""Spelling an object at a node of the module a command runs on, importing it when needed.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.codemod import VisitorBasedCodemodCommand
from libcst.metadata import BuiltinAssignment
from libcst.metadata import ProviderT
from libcst.metadata import ScopeProvider

from fss_compat.codemod.names import Module

__all__ = ["ReferencingCommand"]


@dataclasses.dataclass(frozen=True)
class _Reference:
    """How to spell an object at a node, and the import that spelling needs (if any)."""

    text: str
    module: str = ""
    obj: str | None = None
    bound_name: str = ""
    bound_to: str = ""

    @property
    def asname(self) -> str | None:
        return self.bound_name if self.obj is None and self.bound_name else None


class ReferencingCommand(VisitorBasedCodemodCommand):
    """A codemod command that writes references to objects into its module.

    A subclass sets :attr:`run` and gives the module's :attr:`bindings`.

    .. versionadded:: 0.1.0
    """

    METADATA_DEPENDENCIES: t.ClassVar[t.Collection[ProviderT]] = (ScopeProvider,)
    #: The module the command runs on.
    run: Module

    @property
    def bindings(self) -> dict[str, frozenset[str]]:
        """Module-level name -> the absolute qualified names it is bound to."""
        raise NotImplementedError(f"{type(self).__name__} does not give its module's bindings.")

    def usable(self, name: str, at: cst.CSTNode | None, qname: str) -> bool:
        """Whether module-level ``name`` is, or can be bound to, ``qname`` at node ``at``."""
        bound = self.bindings.get(name)
        if bound is not None and bound != {qname}:
            return False
        scope = self.get_metadata(ScopeProvider, at, None) if at is not None else None
        if scope is not None and name in scope:
            return all(a.scope is scope.globals for a in scope[name])
        return True

    def builtin(self, name: str, at: cst.CSTNode) -> bool:
        """Whether ``name`` at ``at`` is the builtin of that name (``type``), not shadowed."""
        scope = self.get_metadata(ScopeProvider, at, None)
        if scope is None or self.bindings.get(name) is not None:
            return False
        return name not in scope or all(isinstance(a, BuiltinAssignment) for a in scope[name])

    def _plan(self, qname: str, at: cst.CSTNode | None, preferred: str) -> _Reference:
        module, _, name = qname.rpartition(".")
        for alias, bound in sorted(self.bindings.items()):
            if bound == {qname} and self.usable(alias, at, qname):
                return _Reference(alias)
        for alias, bound in sorted(self.bindings.items()):
            if bound == {module} and self.usable(alias, at, module):
                return _Reference(f"{alias}.{name}")
        if f"{self.run.module}.{name}" == qname and name in self.bindings:
            return _Reference(name if self.usable(name, at, qname) else "")
        if preferred and self.usable(preferred, at, module):
            return _Reference(f"{preferred}.{name}", module, None, preferred, module)
        if self.usable(name, at, qname):
            return _Reference(name, module, name, name, qname)
        return _Reference("")

    def references(
        self, wanted: t.Sequence[tuple[str, str]], at: cst.CSTNode | None
    ) -> list[str] | None:
        """Expressions for the objects ``wanted`` (``(qname, preferred alias)``) at ``at``,
        scheduling the imports they need with ``AddImportsVisitor``; None, and no import,
        when any of them clashes with a name already in use.

        A name is reused when the module binds it to the object, or to its module
        (``sa.select`` for ``sqlalchemy.select`` when ``sa`` is ``sqlalchemy``); otherwise
        it is imported: ``import <module> as <preferred>`` when ``preferred`` is given, else
        ``from <module> import <name>``.
        """
        plans = []
        for qname, preferred in wanted:
            plan = self._plan(qname, at, preferred)
            if not plan.text:
                return None
            plans.append(plan)
            if plan.module:
                # Later names of the same run see this one as bound.
                self.bindings[plan.bound_name] = frozenset({plan.bound_to})
        for plan in plans:
            if plan.module:
                self.add_needed_import(plan.module, plan.obj, plan.asname)
        return [plan.text for plan in plans]

    def reference(self, qname: str, at: cst.CSTNode | None, preferred: str = "") -> str:
        """:meth:`references` for one object: its expression, or ``""`` on a clash."""
        found = self.references([(qname, preferred)], at)
        return found[0] if found else ""

    def sqlalchemy(self, name: str, at: cst.CSTNode | None) -> str:
        """``sa.<name>`` (or the module's own spelling) for ``sqlalchemy.<name>``."""
        return self.reference(f"sqlalchemy.{name}", at, "sa")

    def orm(self, name: str, at: cst.CSTNode | None) -> str:
        """``orm.<name>`` (or the module's own spelling) for ``sqlalchemy.orm.<name>``."""
        return self.reference(f"sqlalchemy.orm.{name}", at, "orm")
