"""What each module contributes to the index: its aliases, ``db`` objects and classes.

:class:`Facts` runs in the scan's single traversal of a module, beside the rule families,
and fills the module's :class:`~fss_compat.codemod.project.ModuleFacts`; the
:class:`~fss_compat.codemod.project.Index` joins them, so that a rule in one file knows
that ``User`` (imported from ``app.models``, perhaps through a re-export) is a model of the
``db`` defined in ``app.ext``.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Callable
from collections.abc import Mapping

import libcst as cst
from libcst.helpers import get_full_name_for_node

from fss_compat.codemod.bulk_forms import BULK_EVENTS
from fss_compat.codemod.engine import FileRun
from fss_compat.codemod.engine import Where
from fss_compat.codemod.project import ClassFacts
from fss_compat.codemod.project import DbFacts
from fss_compat.codemod.project import absolute
from fss_compat.codemod.shapes import CONFIG_SWITCHES
from fss_compat.codemod.shapes import RELATIONSHIP_FUNCTIONS
from fss_compat.codemod.shapes import V2_CONFIG
from fss_compat.codemod.shapes import config_settings
from fss_compat.codemod.shapes import last_name
from fss_compat.codemod.shapes import laziness
from fss_compat.codemod.shapes import may_enable
from fss_compat.codemod.shapes import v2_config_enables


def assigned(statement: cst.CSTNode) -> list[tuple[str, cst.Assign | cst.AnnAssign]]:
    """``(name, assignment)`` for each plain name a class-body statement assigns."""
    found: list[tuple[str, cst.Assign | cst.AnnAssign]] = []
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        found.append((target.target.value, small))
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                found.append((small.target.value, small))
    return found


def class_body(node: cst.ClassDef) -> t.Sequence[cst.BaseStatement]:
    """The statements of a class body (none for ``class A: pass`` on one line)."""
    return node.body.body if isinstance(node.body, cst.IndentedBlock) else ()


_BULK_EVENTS = frozenset(name for names in BULK_EVENTS.values() for name in names)


def _is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


class Facts(cst.BatchableCSTVisitor):
    """Records one module's facts into its :class:`~fss_compat.codemod.engine.FileRun`.

    :param where: the traversal's shared position (statements, enclosing scopes).
    """

    def __init__(self, run: FileRun, where: Where) -> None:
        super().__init__()
        self.run = run
        self.facts = run.facts
        self.where = where

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        # LibCST's default looks through every attribute (inspect.getmembers) on each module.
        return {name: getattr(self, name) for name in _VISITS}

    def _qnames(self, node: cst.CSTNode) -> frozenset[str]:
        assert self.run.names is not None, "Facts runs in the scan, with its names"
        return self.run.names.qnames(node, self.where)

    def visit_Module(self, node: cst.Module) -> None:
        """Module-level imports, as aliases other modules' names resolve through."""
        assert self.run.names is not None, "Facts runs in the scan, with its names"
        bindings = self.run.names.bindings()
        for name, bound in bindings.items():
            if len(bound) == 1:
                (qname,) = bound
                if qname != f"{self.run.module}.{name}":
                    self.facts.aliases[name] = qname

    def visit_Assign(self, node: cst.Assign) -> None:
        """Module level: ``db = SQLAlchemy(...)`` and ``Column = db.Column``-style aliases."""
        self._assignment([target.target for target in node.targets], node.value)
        self._config(node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """Module level: ``db: SQLAlchemy = SQLAlchemy(...)``."""
        if node.value is not None:
            self._assignment([node.target], node.value)
        self._config(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        """``config.update(SQLALCHEMY_RECORD_QUERIES=True)``."""
        self._config(node)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        """``{"SQLALCHEMY_RECORD_QUERIES": True}``."""
        self._config(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """``"after_bulk_delete"``: an event name, as ``event.listen`` takes it."""
        if node.raw_value in _BULK_EVENTS:
            self.facts.bulk_events.add(node.raw_value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """``def after_bulk_delete(...)``: an event method of a ``SessionEvents`` subclass."""
        if node.name.value in _BULK_EVENTS:
            self.facts.bulk_events.add(node.name.value)

    def _config(self, node: cst.CSTNode) -> None:
        for key, value in config_settings(node):
            if key in CONFIG_SWITCHES and may_enable(value):
                self.facts.config_keys.add(key)
            elif key in V2_CONFIG and v2_config_enables(key, value):
                self.facts.config_keys.add(key)

    def _assignment(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        if not self.where.module_level:
            return
        names = [target.value for target in targets if isinstance(target, cst.Name)]
        if isinstance(value, (cst.Name, cst.Attribute)):
            found = sorted(self._qnames(value))
            for name in names:
                if found:
                    self.facts.aliases[name] = found[0]
        elif isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
            constructor = sorted(self._qnames(value.func))
            if not constructor:
                return
            model_class = query_class_name = ""
            query_class = metadata = False
            for arg in value.args:
                keyword = arg.keyword.value if arg.keyword is not None else ""
                named = isinstance(arg.value, (cst.Name, cst.Attribute))
                if keyword == "model_class" and named:
                    model_class = min(self._qnames(arg.value), default="")
                if keyword == "query_class":
                    query_class = True
                    query_class_name = min(self._qnames(arg.value), default="") if named else ""
                metadata = metadata or keyword == "metadata"
            for name in names:
                qname = f"{self.run.module}.{name}"
                db = DbFacts(qname, constructor, model_class, query_class, metadata)
                self.facts.dbs.append(dataclasses.replace(db, query_class_name=query_class_name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A class: its bases and what its body declares."""
        qname = self.where.qname(self.run.module)
        bases = [
            min(self._qnames(arg.value), default="")
            for arg in node.bases
            if arg.keyword is None and isinstance(arg.value, (cst.Name, cst.Attribute))
        ]
        facts = ClassFacts(qname, self.run.path, [base for base in bases if base])
        for statement in class_body(node):
            if isinstance(statement, cst.FunctionDef):
                if statement.name.value == "__tablename__":
                    facts.tablename = "declared_attr"
                facts.repr |= statement.name.value == "__repr__"
                facts.methods.append(statement.name.value)
            for name, small in assigned(statement):
                self._member(facts, name, small.value)
        self.facts.classes.append(facts)

    def _member(self, facts: ClassFacts, name: str, value: cst.BaseExpression | None) -> None:
        if name == "__tablename__":
            facts.tablename = facts.tablename or "explicit"
        elif name == "__table__":
            facts.table = True
        elif name == "__abstract__":
            facts.abstract = _is_true(value)
        elif name == "__bind_key__":
            facts.bind_key = True
            if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
                facts.bind_key_value = value.evaluated_value
        elif name == "metadata":
            facts.metadata = True
        elif name == "query_class":
            facts.query_class = True
            if isinstance(value, (cst.Name, cst.Attribute)):
                facts.query_class_name = min(self._qnames(value), default="")
        if not isinstance(value, cst.Call):
            return
        facts.primary_key |= any(
            arg.keyword is not None and arg.keyword.value == "primary_key" and _is_true(arg.value)
            for arg in value.args
        )
        if last_name(value.func) in RELATIONSHIP_FUNCTIONS:
            facts.relationships = True
            lazy = laziness(value)
            facts.dynamic += [name] if lazy.dynamic else []
            facts.dynamic += lazy.backrefs

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """``from <module> import *``: every public name of the module may be used here."""
        if isinstance(node.names, cst.ImportStar):
            dots = "." * len(node.relative)
            name = get_full_name_for_node(node.module) if node.module is not None else ""
            module = absolute(dots + (name or ""), self.run.module, self.run.is_package)
            self.facts.star_imports.add(module)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``X.query``: a use of the query property of whatever ``X`` is; for ``cls.query``,
        ``self.query`` and ``type(self).query``, of the method's class. And ``alias.attr``,
        an attribute read on what the module imports (``views.base``).
        """
        value = node.value
        if type(value) is cst.Name and value.value in self.facts.aliases:
            self.facts.reads.add(f"{value.value}.{node.attr.value}")
        if node.attr.value != "query":
            return
        receiver = node.value
        if isinstance(receiver, cst.Call) and last_name(receiver.func) == "type" and receiver.args:
            receiver = receiver.args[0].value
        if isinstance(receiver, cst.Name):
            bound = self.where.bound_class(receiver.value, self.run.module)
            if bound is not None:
                self.facts.queried.add(bound.qname)
                return
        if isinstance(receiver, (cst.Name, cst.Attribute)):
            self.facts.queried.update(self._qnames(receiver))


_VISITS = tuple(name for name in vars(Facts) if name.startswith("visit_"))
