"""Families 3xx and 4xx, typed models: FSC305, FSC401, FSC402 and FSC403 in the engine.

The rules themselves are LibCST codemod commands (:class:`~.typed_models.TypedColumns`,
:class:`~.typed_relationships.TypedRelationships`, :class:`~.backrefs.BackPopulates`,
:class:`~.dynamic_relationships.DynamicRelationships`) that need the schema of the whole
project. :class:`TypedRules` is their rule family: in the scan's traversal it records each
module's schema facts (:func:`~.model_schema.class_schema`, into ``ModuleFacts.extra``) and
reports a candidate per site, which :meth:`TypedRules.judge_class` judges with the joined
:class:`~.schema_index.SchemaIndex`; in ``migrate`` it runs the selected commands on the
module and turns their decisions into findings.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import ScopeProvider

from fss_compat.codemod.backrefs import BackPopulates
from fss_compat.codemod.backrefs import plan_backrefs
from fss_compat.codemod.call_args import Names
from fss_compat.codemod.call_args import last_name
from fss_compat.codemod.dynamic_relationships import DynamicRelationships
from fss_compat.codemod.dynamic_uses import MUTATIONS
from fss_compat.codemod.dynamic_uses import TERMINALS
from fss_compat.codemod.dynamic_uses import query_chain
from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import OnClass
from fss_compat.codemod.model_schema import ClassSchema
from fss_compat.codemod.model_schema import Line
from fss_compat.codemod.model_schema import ModuleSchema
from fss_compat.codemod.model_schema import class_header
from fss_compat.codemod.model_schema import member_facts
from fss_compat.codemod.model_schema import statement_tables
from fss_compat.codemod.project import Index
from fss_compat.codemod.schema_scan import ScanNames
from fss_compat.codemod.schema_scan import SubtreeLines
from fss_compat.codemod.typed_models import Outcome
from fss_compat.codemod.typed_models import TypedColumns
from fss_compat.codemod.typed_models import column_plan
from fss_compat.codemod.typed_plans import KEY
from fss_compat.codemod.typed_plans import backref_blocked
from fss_compat.codemod.typed_plans import plan_of
from fss_compat.codemod.typed_plans import reverse_of
from fss_compat.codemod.typed_plans import schema_of
from fss_compat.codemod.typed_plans import target_of
from fss_compat.codemod.typed_relationships import TypedRelationships
from fss_compat.codemod.typed_relationships import relationship_type
from fss_compat.codemod.use_recording import UseRecordingRule

#: The rewrites each command makes. FSC402's two sides are made together (one without the
#: other leaves a back_populates= without its partner): selecting either runs it.
COMMANDS: tuple[tuple[str, tuple[str, ...], type[t.Any]], ...] = (
    ("FSC402", ("back-populates", "other-side"), BackPopulates),
    ("FSC403", ("write-only",), DynamicRelationships),
    ("FSC401", ("relationship",), TypedRelationships),
    ("FSC305", ("column",), TypedColumns),
)


class TypedRules(UseRecordingRule):
    """FSC305 typed-columns, FSC401 typed-relationships, FSC402 backref, FSC403
    dynamic-relationship.

    .. versionadded:: 0.1.0
    """

    FEATURES = ("FSC305", "FSC401", "FSC402", "FSC403")

    # -- scan: facts and candidates ---------------------------------------------------

    def _reader(self, statement: cst.ClassDef | cst.SimpleStatementLine) -> tuple[Names, Line]:
        """Names and lines for the nodes inside ``statement``, the node being visited."""
        if self.run.names is None:  # migrate: LibCST's providers
            scopes = t.cast(t.Any, self.metadata[ScopeProvider])
            return Names(scopes, self.run.module, self.run.is_package), self.line
        return ScanNames(self.run.names, self.where), SubtreeLines(statement, self.line(statement))

    def visit_Module(self, node: cst.Module) -> None:
        """Start the module's schema facts (and, in the scan, its uses of attributes)."""
        schema = self.run.facts.extra[KEY] = ModuleSchema(self.run.module, self.run.path)
        self.start_uses(schema)
        #: The classes of the module by node: their facts, completed member by member.
        self._classes: dict[int, tuple[cst.ClassDef, ClassSchema]] = {}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        """Record a module-level ``Table(...)``'s columns, or a class member's facts."""
        where = self.where
        if where.module_level and any(
            isinstance(small, cst.Assign)
            and isinstance(small.value, cst.Call)
            and last_name(small.value.func) == "Table"
            for small in node.body
        ):
            names, line = self._reader(node)
            self._schema.tables.update(statement_tables(node, names, line))
        elif (
            where.scopes and len(where.statements) > 1 and where.statements[-2] is where.scopes[-1]
        ):
            # A statement of a class body: the class's facts are its header's so far.
            owner = self._classes.get(id(where.scopes[-1]))
            if owner is not None:
                self._member(owner, node)

    @property
    def _schema(self) -> ModuleSchema:
        return t.cast(ModuleSchema, self.run.facts.extra[KEY])

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Record a class's header (its members come with their statements' visits)."""
        qname = self.where.qname(self.run.module)
        names, line = self._reader(node)
        facts = self._schema.classes[qname] = class_header(node, qname, names, line)
        self._classes[id(node)] = (node, facts)
        message = f"'{node.name.value}' gets the other side of a backref="
        self.report(node, "FSC402", "other-side", message, OnClass(qname))

    def _member(
        self, owner: tuple[cst.ClassDef, ClassSchema], statement: cst.SimpleStatementLine
    ) -> None:
        """Record one class member's facts; report its column or relationship."""
        node, facts = owner
        columns, relationships = len(facts.columns), len(facts.relationships)
        names, line = self._reader(statement)
        member_facts(facts, statement, names, line)
        subject = OnClass(facts.qname)
        for column in facts.columns[columns:]:
            message = f"column '{column.attribute}' is not typed"
            self.report(
                node, "FSC305", "column", message, subject, data=column.attribute, line=column.line
            )
        for call in facts.relationships[relationships:]:
            name = call.attribute
            if call.lazy == "dynamic":
                message = f"relationship '{name}' is dynamic"
                self.report(
                    node, "FSC403", "write-only", message, subject, data=name, line=call.line
                )
            elif not call.annotation:
                message = f"relationship '{name}' is not typed"
                self.report(
                    node, "FSC401", "relationship", message, subject, data=name, line=call.line
                )
            backref = call.backref
            if backref is not None and backref.lazy == "dynamic" and call.lazy != "dynamic":
                message = f"relationship '{name}' declares a dynamic backref {backref.name!r}"
                self.report(
                    node, "FSC403", "write-only", message, subject, data=name, line=call.line
                )
            if backref is not None:
                message = f"relationship '{name}' declares the other side with backref="
                self.report(
                    node, "FSC402", "back-populates", message, subject, data=name, line=call.line
                )

    def visit_Call(self, node: cst.Call) -> None:
        """``<obj>.<attribute>...all()`` and the other uses of a dynamic relationship."""
        super().visit_Call(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in TERMINALS | MUTATIONS.keys():
            base, _ = query_chain(func.value)
            if base is not None:
                self._use(node, base, f"'.{base.attr.value}...{func.attr.value}()'")

    def visit_For(self, node: cst.For) -> None:
        """A loop over a dynamic relationship."""
        super().visit_For(node)
        if isinstance(node.iter, cst.Attribute):
            self._use(node, node.iter, f"a loop over '.{node.iter.attr.value}'")

    def visit_CompFor(self, node: cst.CompFor) -> None:
        """A comprehension over a dynamic relationship."""
        super().visit_CompFor(node)
        if isinstance(node.iter, cst.Attribute):
            self._use(node, node.iter, f"a loop over '.{node.iter.attr.value}'")

    def _use(self, visited: cst.CSTNode, node: cst.Attribute, message: str) -> None:
        # The use's line is its attribute's, which the scan counts at the node being
        # visited (a chain starts where its attribute does; a loop's line is its iter's).
        at = node if self.run.names is None else visited
        subject = OnClass(node.attr.value)
        message = f"{message} on a dynamic relationship"
        self.report(at, "FSC403", "write-only", message, subject, data="")

    @classmethod
    def prepare(cls, index: Index) -> None:
        """Record the dynamic relationships FSC403 rewrites, with every use."""
        if not index.extra.get(KEY):
            return
        plan = plan_of(index)
        names = {name for name in plan.relationships if plan.convertible(name)}
        # A dynamic backref= is rewritten once FSC402 has declared it on its class.
        for name, definitions in plan_of(index, True).relationships.items():
            backrefs = [call for _, call in definitions if call.attribute != name]
            if backrefs and not any(backref_blocked(index, call) for call in backrefs):
                names.add(name)
        index.rewritten_dynamic = frozenset(names)

    # -- judging ----------------------------------------------------------------------

    @classmethod
    def judge_class(cls, candidate: Candidate, index: Index) -> Candidate | None:
        """Judge one site with the project's schema."""
        schema = schema_of(index)
        qname = t.cast(OnClass, candidate.subject).qname
        if candidate.feature == "FSC403" and not candidate.data:
            dynamic = plan_of(index)
            if qname not in dynamic.relationships:
                return None
            blockers = dynamic.blocked.get(qname, [])
            return _blocked(candidate, [f"{b.where}:{b.line}: {b.reason}" for b in blockers])
        facts = schema.classes.get(qname)
        if facts is None or schema.mapped(qname):
            return None
        if candidate.feature == "FSC305":
            column = next(c for c in facts.columns if c.attribute == candidate.data)
            if not schema.is_column(column):
                return None
            typed = column_plan(schema, column, facts.key_names)
            return dataclasses.replace(candidate, blocked=typed if isinstance(typed, str) else "")
        if candidate.rewrite == "other-side":
            plans = schema.memo("backrefs", "", lambda _: plan_backrefs(schema))
            incoming = [p for p in plans if p.target == qname and not p.reason]
            return candidate if incoming else None
        call = next(c for c in facts.relationships if c.attribute == candidate.data)
        if not schema.is_relationship(call):
            return None
        if candidate.feature == "FSC401":
            shape = relationship_type(schema, qname, call)
            return dataclasses.replace(candidate, blocked=shape if isinstance(shape, str) else "")
        if candidate.feature == "FSC402":
            return dataclasses.replace(candidate, blocked=reverse_of(schema, call).reason)
        if call.lazy != "dynamic":  # FSC403 at a dynamic backref=
            reason = reverse_of(schema, call).reason
            if reason:
                blocked = f"FSC402 must declare it on its class first, and cannot: {reason}"
                return dataclasses.replace(candidate, blocked=blocked)
            return _blocked(candidate, backref_blocked(index, call))
        blockers = plan_of(index).blocked.get(call.attribute, [])
        return _blocked(candidate, [f"{b.where}:{b.line}: {b.reason}" for b in blockers])

    # -- migrate: the commands ----------------------------------------------------------

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Report the sites (as the scan does), then run the selected commands on the module."""
        tree = super().transform_module_impl(tree)
        index = self.run.index
        if index is None:
            return tree
        schema = schema_of(index)
        findings = {(f.feature, f.line): f for f in self.run.findings if f.feature in self.FEATURES}
        for feature, rewrites, command in COMMANDS:
            if not any(self.run.options.selects(feature, rewrite) for rewrite in rewrites):
                continue
            extra = {"plan": plan_of(index)} if command is DynamicRelationships else {}
            context = CodemodContext(filename=self.run.path, full_module_name=self.run.module)
            rule = command(
                context, schema, self.run.module, self.run.is_package, target_of(index), **extra
            )
            tree = rule.transform_module(tree)
            for decision in rule.decisions:
                found = findings.get((feature, decision.line))
                if decision.outcome is Outcome.REWRITTEN and found is not None:
                    self.run.applied.append(found)
        return tree


def _blocked(candidate: Candidate, blockers: t.Sequence[str]) -> Candidate:
    if not blockers:
        return candidate
    where = "; ".join(blockers[:3])
    more = f" (and {len(blockers) - 3} more)" if len(blockers) > 3 else ""
    return dataclasses.replace(candidate, blocked=f"uses it cannot rewrite: {where}{more}")
