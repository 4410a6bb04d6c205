"""FSC402 backref: ``backref=`` becomes ``back_populates=`` on both classes.

``backref="author"`` becomes ``back_populates="author"``, and the other class gets
``author = relationship("User", back_populates="posts")`` with the arguments ``backref()``
gave and the ones SQLAlchemy copies from this side (``secondary``, ``post_update``,
``passive_deletes``, ``viewonly``, ``sync_backref``). Without ``secondary``, SQLAlchemy
gives the other side this side's ``primaryjoin`` and ``foreign_keys`` too: the tool
copies a string as it is (it names classes, so it reads the same from either class) and
writes columns of this class body (``foreign_keys=[author_id]``) as a string naming the
class (``foreign_keys="[Post.author_id]"``). Other join conditions (an expression
``primaryjoin``, ``remote_side``, the joins of a ``secondary``) are reported.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst

from fss_compat.codemod.class_command import ClassCommand
from fss_compat.codemod.class_command import Decision
from fss_compat.codemod.class_command import Outcome
from fss_compat.codemod.python_types import Spelling
from fss_compat.codemod.relationship_calls import Keyword
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.schema_index import SchemaIndex

__all__ = ["BackPopulates", "Reverse", "plan_backrefs"]

#: Arguments SQLAlchemy gives a backref's relationship from the one that declares it.
COPIED = ("secondary", "post_update", "passive_deletes", "viewonly", "sync_backref")
#: Arguments whose reverse the tool does not write.
JOINS = ("primaryjoin", "secondaryjoin", "foreign_keys", "remote_side")


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
    joins = [k for k in call.keywords if k.name in JOINS]
    carried = [_carried(schema, owner, k) for k in joins]
    if joins and (None in carried or call.keyword("secondary") is not None):
        # With a secondary, the other side swaps primaryjoin and secondaryjoin.
        name = joins[carried.index(None)].name if None in carried else joins[0].name
        return Reverse(owner, call, reason=f"the other side needs the reverse of its {name}=")
    same_module = owner.rpartition(".")[0] == target.rpartition(".")[0]
    copied = [k for k in call.keywords if k.name in COPIED] + list(backref.keywords)
    given = {k.name for k in backref.keywords}
    copied += [k for k in t.cast(list[Keyword], carried) if k.name not in given]
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


def _carried(schema: SchemaIndex, owner: str, keyword: Keyword) -> Keyword | None:
    """``primaryjoin=`` or ``foreign_keys=`` as the other side must write it, or None.

    A string is evaluated by class names, the same from either class. Columns of the class
    body (``author_id``, ``[author_id, x]``) become a string naming the class, when no
    other scanned class has its name (the string is looked up in SQLAlchemy's registry).
    """
    if keyword.name not in ("primaryjoin", "foreign_keys"):
        return None
    if isinstance(keyword.value, str):
        return keyword
    if keyword.name != "foreign_keys":
        return None
    found = keyword.names()
    columns = {column.attribute for column in schema.classes[owner].columns}
    columns |= {column.attribute for column in schema.classes[owner].typed_columns}
    if found is None or not set(found[0]) <= columns:
        return None
    names, listed = found
    short = owner.rpartition(".")[2]
    if sum(qname.rpartition(".")[2] == short for qname in schema.classes) > 1:
        return None
    text = ", ".join(f"{short}.{name}" for name in names)
    text = f"[{text}]" if listed else text
    return Keyword(keyword.name, f'"{text}"', local=False, value=text)


class BackPopulates(ClassCommand):
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

    def leave_class(self, qname: str, node: cst.ClassDef) -> cst.ClassDef:
        incoming = [p for p in self.plans if p.target == qname and not p.reason]
        if not incoming or not isinstance(node.body, cst.IndentedBlock):
            return node
        body = list(node.body.body)
        at = max(
            (i + 1 for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine)),
            default=len(body),
        )
        spelling = self.spelling(self.schema.classes[qname].attributes)
        added = [cst.parse_statement(self._statement(plan, spelling)) for plan in incoming]
        self.imports(spelling)
        line = self.schema.classes[qname].line
        for plan in incoming:
            name = t.cast(t.Any, plan.call.backref).name
            self.record(Decision("FSC402", line, qname, name, Outcome.REWRITTEN, "other-side"))
        return node.with_changes(body=node.body.with_changes(body=[*body[:at], *added, *body[at:]]))

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
