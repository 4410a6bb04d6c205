"""Family 3xx, models: explicit table names (FSC301), the move to the app's own base (FSC303)
and bind keys (FSC304). Which classes are models, and which objects are ``db``, is in the
index (:mod:`fss_compat.codemod.facts`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import sqlalchemy as sa

from fss_compat.codemod.bind_bases import BindBase
from fss_compat.codemod.bind_bases import base_statements
from fss_compat.codemod.bind_bases import judge_bind_key
from fss_compat.codemod.bind_bases import without_bind_key
from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import OnClass
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.facts import assigned
from fss_compat.codemod.facts import class_body
from fss_compat.codemod.project import ClassFacts
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import TableName
from fss_compat.codemod.shapes import with_tablename
from fss_compat.shims.model import camel_to_snake_case
from fss_compat.shims_v2.model import camel_to_snake_case as camel_to_snake_case_v2


class ModelRules(Rule):
    """FSC301 auto-tablename, FSC303 model-base and FSC304 bind-key."""

    FEATURES = ("FSC301", "FSC303", "FSC304")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A class: report its table name, its base and its bind key."""
        qname = self.where.qname(self.run.module)
        name = node.name.value
        subject = OnClass(qname)
        message = f"model '{name}' has no __tablename__"
        finding = self.report(node, "FSC301", "runtime", message, subject)
        if self.applies(finding):
            table = finding.data
            self.edit(node, finding, lambda updated: with_tablename(updated, table))
        bases = [
            (position, tuple(sorted(self.qnames(arg.value))))
            for position, arg in enumerate(node.bases)
            if arg.keyword is None and isinstance(arg.value, (cst.Name, cst.Attribute))
        ]
        if any(name.endswith(".Model") for _, names in bases for name in names):
            message = f"model '{name}' subclasses db.Model"
            finding = self.report(node, "FSC303", "base", message, subject)
            if self.applies(finding):
                self._move_base(node, finding, bases)
        for statement in class_body(node):
            for member, _ in assigned(statement):
                if member == "__bind_key__":
                    message = f"model '{name}' routes to another database with __bind_key__"
                    finding = self.report(
                        node, "FSC304", "base", message, subject, todo_at=statement
                    )
                    if self.applies(finding):
                        self._own_base(node, finding)

    def start(self, context: t.Any) -> None:
        """Start on another module, with no bind key's base written yet."""
        super().start(context)
        self._bind_bases: set[str] = set()

    def _own_base(self, node: cst.ClassDef, finding: t.Any) -> None:
        """FSC304.base: subclass a generated base per key (:mod:`.bind_bases`)."""
        plan = BindBase.load(finding.data)
        spelled = self.references(
            [
                ("sqlalchemy.orm.DeclarativeBase", "orm"),
                ("sqlalchemy.MetaData", "sa"),
                (plan.db, ""),
            ],
            node,
        )
        if spelled is None:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        declarative, metadata, db = spelled
        model = f"{plan.db}.Model"
        index = t.cast(Index, self.run.index)
        positions = [
            position
            for position, arg in enumerate(node.bases)
            if arg.keyword is None
            and isinstance(arg.value, (cst.Name, cst.Attribute))
            and any(index.resolve(q) == model for q in self.qnames(arg.value))
        ]
        for position in positions:
            self.remove_unused_import_by_node(node.bases[position].value)
        first = plan.key not in self._bind_bases
        self._bind_bases.add(plan.key)

        def edit(updated: cst.ClassDef) -> t.Any:
            bases = list(updated.bases)
            for i in positions:
                bases[i] = bases[i].with_changes(value=cst.Name(plan.name))
            updated = without_bind_key(updated.with_changes(bases=bases))
            if not first:
                return updated
            base, register = base_statements(plan, declarative, metadata, db)
            lines = list(updated.leading_lines)
            blank = next((i for i, ln in enumerate(lines) if ln.comment is not None), len(lines))
            two = [cst.EmptyLine(), cst.EmptyLine()]
            return cst.FlattenSentinel(
                [
                    base.with_changes(leading_lines=lines[:blank]),
                    register.with_changes(leading_lines=two),
                    updated.with_changes(leading_lines=two + lines[blank:]),
                ]
            )

        self.edit(node, finding, edit)

    def _move_base(
        self, node: cst.ClassDef, finding: t.Any, bases: list[tuple[int, tuple[str, ...]]]
    ) -> None:
        index = t.cast(Index, self.run.index)
        reference = self.reference(finding.data, node)
        if not reference:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        positions = [
            position
            for position, names in bases
            if any(index.resolve(q).endswith(".Model") for q in names)
        ]
        for position in positions:
            self.remove_unused_import_by_node(node.bases[position].value)

        def edit(updated: cst.ClassDef) -> cst.ClassDef:
            new = list(updated.bases)
            for i in positions:
                new[i] = new[i].with_changes(value=cst.parse_expression(reference))
            return updated.with_changes(bases=new)

        self.edit(node, finding, edit)

    @classmethod
    def judge_class(cls, candidate: Candidate, index: Index) -> Candidate | None:
        """Judge a class's FSC301, FSC303 or FSC304 site against the index."""
        return _JUDGES[candidate.feature](candidate, index)


def _tablename(candidate: Candidate, index: Index) -> Candidate | None:
    qname = t.cast(OnClass, candidate.subject).qname
    facts = index.classes[qname]
    if not index.model_db(qname) or facts.abstract or facts.tablename or facts.table:
        return None
    for base in index.lineage(qname)[1:]:
        other = index.classes[base]
        concrete = index.model_db(base) and not other.abstract
        if other.tablename == "declared_attr" or (other.tablename and not concrete):
            return None  # the name comes from a mixin or an abstract parent
        if concrete and not facts.primary_key:
            return None  # single-table inheritance: no table of its own
    if index.runtime_names:
        found = index.runtime_names.get(qname, TableName(why_not="the app did not map it"))
        if not found.name:
            return dataclasses.replace(candidate, blocked=found.why_not)
        return dataclasses.replace(candidate, data=found.name)
    short = qname.rpartition(".")[2]
    guess = camel_to_snake_case(short)
    old = camel_to_snake_case_v2(short)
    if old != guess:
        # The database may have 2.x's name: FSC710 writes it at the 2.5 level.
        why = f"Flask-SQLAlchemy 2.x names it '{old}' and 3.x '{guess}': --app reads the real one"
        return dataclasses.replace(candidate, blocked=why)
    if facts.primary_key:
        message = f"{candidate.message} (static guess '{guess}'; --app reads the real one)"
        return dataclasses.replace(candidate, rewrite="static", data=guess, message=message)
    return dataclasses.replace(candidate, blocked="run migrate with --app to read the name")


def _base(candidate: Candidate, index: Index) -> Candidate | None:
    qname = t.cast(OnClass, candidate.subject).qname
    facts = index.classes[qname]
    db = next(
        (
            owner
            for owner, _, attr in (index.resolve(b).rpartition(".") for b in facts.bases)
            if attr == "Model" and owner in index.dbs
        ),
        "",
    )
    if not db or facts.abstract:
        return None
    base = index.resolve(index.dbs[db].model_class) if index.dbs[db].model_class else ""
    short = qname.rpartition(".")[2]
    reasons = [
        (not base or not index.plain_base(base), "db's model_class is not a DeclarativeBase"),
        (facts.tablename != "explicit" and not facts.table, "no explicit __tablename__"),
        (facts.bind_key, "it has __bind_key__"),
        (facts.query_class, "it sets query_class"),
        (
            any(name in index.queried for name in index.lineage(qname)),
            f"'{short}.query' is still used (or 'cls.query' in a base's method)",
        ),
        (bool(index.subclasses(qname)), "it has subclasses: move the hierarchy by hand"),
    ]
    blocked = "; ".join(reason for failed, reason in reasons if failed)
    message = f"{candidate.message}; it can subclass '{base.rpartition('.')[2] or 'Base'}'"
    if not index.classes[qname].repr:
        message += f" (and loses the '<{short} 1>' repr)"
    return dataclasses.replace(candidate, blocked=blocked, data=base, message=message)


_JUDGES: dict[str, t.Callable[[Candidate, Index], Candidate | None]] = {
    "FSC301": _tablename,
    "FSC303": _base,
    "FSC304": judge_bind_key,
}


@contextlib.contextmanager
def _importable(roots: t.Iterable[Path]) -> Iterator[None]:
    """``roots`` on ``sys.path`` for the duration, and ``sys.path`` as it was afterwards."""
    saved = list(sys.path)
    sys.path[:0] = [str(root) for root in roots if str(root) not in sys.path]
    try:
        yield
    finally:
        sys.path[:] = saved


def runtime_names(
    app: str, classes: t.Iterable[ClassFacts], roots: t.Iterable[Path]
) -> dict[str, TableName]:
    """Import ``app`` (``module`` or ``module:factory``) and read each class's table name.

    :param roots: the folders to import the scanned code from, on ``sys.path`` meanwhile.
    :returns: class qualified name -> the table name its mapper has, or why none is written.
    """
    with _importable(roots):
        module_name, _, factory = app.partition(":")
        module = importlib.import_module(module_name)
        if factory:
            getattr(module, factory)()
        return {facts.qname: _runtime_name(facts) for facts in classes}


def _runtime_name(facts: ClassFacts) -> TableName:
    parts = facts.qname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        value: t.Any = module
        for part in parts[cut:]:
            value = getattr(value, part, None)
        if not isinstance(value, type):
            return TableName(why_not="the app has no such class")
        mapper: t.Any = sa.inspect(value, raiseerr=False)
        if mapper is None:
            return TableName(why_not="not mapped")
        inherits = mapper.inherits
        if inherits is not None and mapper.local_table is inherits.local_table:
            return TableName(why_not="single-table inheritance: no table of its own")
        if "__tablename__" not in vars(value):
            return TableName(why_not="the name comes from a mixin or a declared_attr")
        return TableName(str(mapper.local_table.name))
    return TableName(why_not="its module was not imported by the app")
