"""FSC401 typed-relationships and FSC402 backref: relationships as plain, typed SQLAlchemy.

**FSC401**: ``posts = relationship("Post")`` becomes ``posts: Mapped[list["Post"]] =
relationship("Post")``. SQLAlchemy reads the annotation: a collection type makes the
relationship a collection, a plain class makes it a scalar, whatever the foreign keys say
(a ``Mapped["Post"]`` on a one-to-many is a one-to-one). So the annotation follows what the
relationship is now: ``uselist=`` when given, else its direction, read from the foreign
keys the tool sees; ``collection_class=list`` or ``set`` picks the collection. A scalar is
``Optional`` unless it is a many-to-one whose foreign key columns are all NOT NULL. The
call itself is kept as it is. Dynamic relationships are FSC403's.

**FSC402**: ``backref="author"`` becomes ``back_populates="author"``, and the other class
gets ``author = relationship("User", back_populates="posts")`` with the arguments
``backref()`` gave and the ones SQLAlchemy copies from this side (``secondary``,
``post_update``, ``passive_deletes``, ``viewonly``, ``sync_backref``). A relationship with
its own join conditions (``primaryjoin``, ``foreign_keys``, ``remote_side``) is reported:
the other side's are the reverse, which the tool does not write.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod import VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import ProviderT
from libcst.metadata import ScopeProvider

from fss_compat.codemod.call_args import Flag
from fss_compat.codemod.call_args import Names
from fss_compat.codemod.python_types import PyType
from fss_compat.codemod.python_types import Spelling
from fss_compat.codemod.python_types import Target
from fss_compat.codemod.relationship_calls import Keyword
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.relationship_calls import is_relationship
from fss_compat.codemod.schema_index import Direction
from fss_compat.codemod.schema_index import SchemaIndex
from fss_compat.codemod.typed_models import Decision
from fss_compat.codemod.typed_models import Outcome

__all__ = ["BackPopulates", "TypedRelationships", "relationship_type"]

#: Arguments SQLAlchemy gives a backref's relationship from the one that declares it.
COPIED = ("secondary", "post_update", "passive_deletes", "viewonly", "sync_backref")
#: Arguments whose reverse the tool does not write.
JOINS = ("primaryjoin", "secondaryjoin", "foreign_keys", "remote_side")
_COLLECTIONS = {"list": "builtins.list", "set": "builtins.set"}


@dataclasses.dataclass(frozen=True)
class RelationshipType:
    """What a relationship's annotation says: ``Mapped[list["Post"]]``."""

    mapped: str
    kind: PyType
    optional: bool = False


def relationship_type(
    schema: SchemaIndex, owner: str, call: RelationshipCall
) -> RelationshipType | str:
    """The annotation a relationship needs to stay what it is, or why the tool cannot tell."""
    target = schema.target_class(call)
    if not target:
        return f"the tool cannot tell which class {call.target!r} is"
    other = PyType(target, forward=True)
    if call.lazy == "write_only":
        return RelationshipType("sqlalchemy.orm.WriteOnlyMapped", other)
    if call.lazy is ...:
        return "lazy= is not a literal"
    direction = schema.direction(owner, target, call)
    if call.uselist is Flag.UNKNOWN:
        return "uselist= is not a literal"
    collection = (
        call.uselist is Flag.YES
        if call.uselist is not Flag.UNSET
        else direction in (Direction.ONE_TO_MANY, Direction.MANY_TO_MANY)
    )
    if call.uselist is Flag.UNSET and isinstance(direction, str):
        return direction
    if not collection:
        required = direction is Direction.MANY_TO_ONE and schema.required(owner, target)
        return RelationshipType("sqlalchemy.orm.Mapped", other, optional=not required)
    given = call.keyword("collection_class")
    kind = _COLLECTIONS.get(given.code if given is not None else "list")
    if kind is None:
        return "collection_class= is not list or set"
    return RelationshipType("sqlalchemy.orm.Mapped", PyType(kind, (other,)))


class _ClassCommand(VisitorBasedCodemodCommand):
    """The parts both rules share: the class being visited, names, and the module's imports."""

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


class TypedRelationships(_ClassCommand):
    """FSC401: annotate the relationships of mapped classes.

    .. versionadded:: 0.1.0
    """

    DESCRIPTION = "FSC401 typed-relationships: relationship(...) -> Mapped[...] = relationship(...)"

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.classes.pop()
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        found = self.site(updated_node)
        if found is None:
            return updated_node
        owner, call = found
        if call.lazy == "dynamic":
            return updated_node  # FSC403 dynamic-relationship decides
        if call.star:
            self.decide("FSC401", owner, call, Outcome.REPORTED, "it passes *args or **kwargs")
            return updated_node
        shape = relationship_type(self.schema, owner, call)
        if isinstance(shape, str):
            self.decide("FSC401", owner, call, Outcome.REPORTED, shape)
            return updated_node
        spelling = self.spelling(self.schema.classes[owner].attributes)
        kind = shape.kind
        inner = kind.args[0] if kind.args else kind
        if self.future and spelling.bindings.get(inner.qname.rpartition(".")[2]) == inner.qname:
            plain = dataclasses.replace(inner, forward=False)
            kind = dataclasses.replace(kind, args=(plain,)) if kind.args else plain
        text = spelling.annotation(kind, shape.optional, self.target)
        annotation = f"{spelling.reference(shape.mapped)}[{text}]"
        self.imports(spelling)
        self.decide("FSC401", owner, call, Outcome.REWRITTEN, annotation)
        small = t.cast(cst.Assign, updated_node.body[0])
        new = cst.AnnAssign(
            target=small.targets[0].target,
            annotation=cst.Annotation(cst.parse_expression(annotation)),
            value=small.value,
        )
        return updated_node.with_changes(body=[new])


@dataclasses.dataclass(frozen=True)
class Reverse:
    """The other side FSC402 writes for one ``backref=``, or why it does not."""

    owner: str
    call: RelationshipCall
    target: str = ""
    #: The ``db`` whose ``relationship`` the other side calls; ``""`` for SQLAlchemy's.
    db: str = ""
    keywords: tuple[Keyword, ...] = ()
    reason: str = ""


def plan_backrefs(schema: SchemaIndex) -> list[Reverse]:
    """Every ``backref=`` of the mapped classes, with the other side to write."""
    plans = []
    for owner, facts in schema.classes.items():
        for call in facts.relationships:
            if (
                call.backref is not None
                and schema.is_relationship(call)
                and not schema.mapped(owner)
            ):
                plans.append(_reverse(schema, owner, call))
    return plans


def _reverse(schema: SchemaIndex, owner: str, call: RelationshipCall) -> Reverse:
    backref = t.cast(t.Any, call.backref)
    if not backref.name:
        return Reverse(owner, call, reason="the tool cannot read its backref=")
    target = schema.target_class(call)
    if not target:
        return Reverse(owner, call, reason=f"the tool cannot tell which class {call.target!r} is")
    short = target.rpartition(".")[2]
    if backref.name in schema.classes[target].attributes:
        return Reverse(owner, call, reason=f"'{short}' already has an attribute {backref.name!r}")
    joins = [name for name in JOINS if call.keyword(name) is not None]
    if joins:
        return Reverse(owner, call, reason=f"the other side needs the reverse of its {joins[0]}=")
    same_module = owner.rpartition(".")[0] == target.rpartition(".")[0]
    copied = [k for k in call.keywords if k.name in COPIED] + list(backref.keywords)
    for keyword in copied:
        movable = keyword.value is not ... or (same_module and not keyword.local) or owner == target
        if not movable:
            return Reverse(owner, call, reason=f"its {keyword.name}= is not a literal it can move")
    db = ""
    if backref.lazy == "dynamic":
        # Only a dynamic collection uses the query_class a db.relationship adds.
        owners = (schema.project.resolve(q).rpartition(".")[0] for q in call.callee)
        db = next((o for o in owners if o in schema.project.dbs), "")
    return Reverse(owner, call, target, db, tuple(copied))


class BackPopulates(_ClassCommand):
    """FSC402: ``backref=`` becomes ``back_populates=`` on both classes.

    .. versionadded:: 0.1.0
    """

    DESCRIPTION = "FSC402 backref: backref= -> back_populates= on both classes"

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self.plans: list[Reverse] = self.schema.memo(
            "backrefs", "", lambda _: plan_backrefs(self.schema)
        )

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        found = self.site(updated_node)
        if found is None or found[1].backref is None:
            return updated_node
        owner, call = found
        plan = next(p for p in self.plans if p.owner == owner and p.call == call)
        if plan.reason:
            self.decide("FSC402", owner, call, Outcome.REPORTED, plan.reason)
            return updated_node
        name = t.cast(t.Any, call.backref).name
        self.decide("FSC402", owner, call, Outcome.REWRITTEN, f"back_populates={name!r}")
        small = t.cast(cst.Assign, updated_node.body[0])
        value = t.cast(cst.Call, small.value)
        args = [
            arg.with_changes(
                keyword=cst.Name("back_populates"), value=cst.SimpleString(f'"{name}"')
            )
            if arg.keyword is not None and arg.keyword.value == "backref"
            else arg
            for arg in value.args
        ]
        new = small.with_changes(value=value.with_changes(args=args))
        return updated_node.with_changes(body=[new])

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        qname = self.classes.pop()
        incoming = [p for p in self.plans if p.target == qname and not p.reason]
        if not incoming or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = list(updated_node.body.body)
        at = max(
            (i + 1 for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine)),
            default=len(body),
        )
        spelling = self.spelling(self.schema.classes[qname].attributes)
        added = [cst.parse_statement(self._statement(plan, spelling)) for plan in incoming]
        self.imports(spelling)
        return updated_node.with_changes(
            body=updated_node.body.with_changes(body=[*body[:at], *added, *body[at:]])
        )

    @staticmethod
    def _statement(plan: Reverse, spelling: Spelling) -> str:
        backref = t.cast(t.Any, plan.call.backref)
        arguments = [
            f'"{plan.owner.rpartition(".")[2]}"',
            f'back_populates="{plan.call.attribute}"',
            *(f"{k.name}={k.code}" for k in plan.keywords),
        ]
        if plan.db:
            callee = f"{spelling.reference(plan.db)}.relationship"
        else:
            callee = spelling.reference("sqlalchemy.orm.relationship")
        return f"{backref.name} = {callee}({', '.join(arguments)})\n"
