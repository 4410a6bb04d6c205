"""What the typed-model commands share: the class being visited, names, imports, decisions.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import enum
import typing as t

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod import VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import ProviderT
from libcst.metadata import ScopeProvider

from fss_compat.codemod.call_args import Names
from fss_compat.codemod.python_types import Spelling
from fss_compat.codemod.python_types import Target
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.relationship_calls import is_relationship
from fss_compat.codemod.schema_index import SchemaIndex

__all__ = ["ClassCommand", "Decision", "Outcome"]


class Outcome(enum.Enum):
    """What the rule did with one site."""

    #: Rewritten.
    REWRITTEN = "rewritten"
    #: Left as it is; the reason says why.
    REPORTED = "reported"


@dataclasses.dataclass(frozen=True)
class Decision:
    """One site of a typed-model rule, and what became of it.

    :param rule: the catalogue id (``FSC305``).
    :param model: the class (qualified name) the attribute belongs to.
    :param detail: what was written (``Mapped[str | None]``), or why nothing was.
    """

    rule: str
    line: int
    model: str
    attribute: str
    outcome: Outcome
    detail: str


class ClassCommand(VisitorBasedCodemodCommand):
    """The typed-model rules' base: the class being visited, names, and the module's imports.

    ``classes`` is the stack of the classes being visited, by qualified name; a subclass that
    acts when a class ends overrides :meth:`leave_class`.

    :param schema: the joined schema facts of the project (every module read).
    :param module: this module's dotted name.
    :param target: the oldest Python the project supports (``X | None`` from 3.10).
    """

    METADATA_DEPENDENCIES: t.ClassVar[t.Collection[ProviderT]] = (ScopeProvider,)

    def __init__(
        self,
        context: CodemodContext,
        schema: SchemaIndex,
        module: str,
        is_package: bool = False,
        target: Target | None = None,
    ) -> None:
        super().__init__(context)
        self.schema = schema
        self.module_name = module
        self.is_package = is_package
        self.target = target or Target()
        self.decisions: list[Decision] = []
        self.classes: list[str] = []
        self.bindings: dict[str, str] = {}
        self.future = False

    def visit_Module(self, node: cst.Module) -> None:
        names = Names(
            t.cast(t.Any, self.metadata[ScopeProvider]), self.module_name, self.is_package
        )
        self.bindings = names.bindings(node)
        self.future = "__future__.annotations" in self.bindings.values()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.classes[-1] if self.classes else self.module_name
        self.classes.append(f"{outer}.{node.name.value}")

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        return self.leave_class(self.classes.pop(), updated_node)

    def leave_class(self, qname: str, node: cst.ClassDef) -> cst.ClassDef:
        """The class ``qname`` as it leaves the visit, once it is off the stack.

        :param node: the class with the changes made inside it.
        """
        return node

    def spelling(self, taken: t.Iterable[str] = ()) -> Spelling:
        return Spelling(self.bindings, taken)

    def imports(self, spelling: Spelling) -> None:
        for module, obj, alias in spelling.imports:
            AddImportsVisitor.add_needed_import(self.context, module, obj, alias)
        self.bindings.update(spelling.bindings)

    def site(
        self, line: cst.SimpleStatementLine, annotated: bool = False
    ) -> tuple[str, RelationshipCall] | None:
        """The class and the relationship of a class-body ``name = relationship(...)``.

        :param annotated: also ``name: X = relationship(...)``.
        """
        if not self.classes or len(line.body) != 1:
            return None
        small = line.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target: cst.BaseExpression = small.targets[0].target
        elif annotated and isinstance(small, cst.AnnAssign):
            target = small.target
        else:
            return None
        value = t.cast(t.Any, small).value
        if not (
            isinstance(target, cst.Name) and isinstance(value, cst.Call) and is_relationship(value)
        ):
            return None
        owner = self.classes[-1]
        facts = self.schema.classes.get(owner)
        found = [r for r in facts.relationships if r.attribute == target.value] if facts else []
        if not found or not self.schema.is_relationship(found[0]) or self.schema.mapped(owner):
            return None
        return owner, found[0]

    def decide(
        self, rule: str, owner: str, call: RelationshipCall, outcome: Outcome, detail: str
    ) -> None:
        self.record(Decision(rule, call.line, owner, call.attribute, outcome, detail))

    def record(self, decision: Decision) -> None:
        self.decisions.append(decision)
        if decision.outcome is Outcome.REPORTED:
            self.warn(
                f"line {decision.line}: {decision.rule}: relationship '{decision.attribute}'"
                f" left: {decision.detail}"
            )
