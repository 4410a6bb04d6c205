"""The schema facts of every module, joined: which calls are columns, and what they hold.

:class:`SchemaIndex` answers the typed-model rules' questions across modules, with the
project :class:`~fss_compat.codemod.project.Index` for what a name stands for (``db``, a
model, an alias in a shared module): is this ``Column`` SQLAlchemy's (or a ``db``'s), is this
class mapped, and which Python type does a column hold, following a foreign key to the
column it references and a ``TypeDecorator`` to its ``process_result_value`` annotation.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import typing as t
from collections.abc import Iterable

import sqlalchemy as sa

from fss_compat.codemod.call_args import Flag
from fss_compat.codemod.column_calls import ColumnCall
from fss_compat.codemod.column_calls import TypeCall
from fss_compat.codemod.model_schema import ClassSchema
from fss_compat.codemod.model_schema import ModuleSchema
from fss_compat.codemod.project import Index
from fss_compat.codemod.python_types import PyType
from fss_compat.codemod.python_types import sql_python_type
from fss_compat.codemod.python_types import sqlalchemy_class
from fss_compat.codemod.relationship_calls import RELATIONSHIPS
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.shims.extension import forwarded_module
from fss_compat.shims.model import camel_to_snake_case

#: What ``Column`` is, whichever module it is reached through.
COLUMN_CLASSES = frozenset(
    {"sqlalchemy.Column", "sqlalchemy.schema.Column", "sqlalchemy.sql.schema.Column"}
)
#: Bases that make a class a Python enum.
ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"})
#: Bases with which ``mapped_column()`` means something else (a dataclass field).
DATACLASS_BASES = frozenset(
    {"sqlalchemy.orm.MappedAsDataclass", "sqlalchemy.orm.decl_api.MappedAsDataclass"}
)


@dataclasses.dataclass(frozen=True)
class Typed:
    """What a column holds: a Python type, or why the tool cannot tell."""

    kind: PyType | None
    reason: str = ""


@dataclasses.dataclass
class SchemaIndex:
    """Every module's schema facts, joined, with the project index."""

    project: Index
    modules: list[ModuleSchema] = dataclasses.field(default_factory=list)
    classes: dict[str, ClassSchema] = dataclasses.field(default_factory=dict)
    tables: dict[str, list[ColumnCall]] = dataclasses.field(default_factory=dict)
    #: Answers computed once: the index does not change after :meth:`build`.
    _cache: dict[tuple[str, str], t.Any] = dataclasses.field(default_factory=dict, repr=False)
    #: Short class name -> the qualified names of the classes so named.
    _short: dict[str, list[str]] = dataclasses.field(default_factory=dict, repr=False)

    def memo(self, kind: str, key: str, compute: t.Callable[[str], t.Any]) -> t.Any:
        """``compute(key)``, computed once per index (the index does not change)."""
        if (kind, key) not in self._cache:
            self._cache[kind, key] = compute(key)
        return self._cache[kind, key]

    @classmethod
    def build(cls, modules: Iterable[ModuleSchema], project: Index) -> SchemaIndex:
        """Join the facts of all modules."""
        index = cls(project)
        for module in modules:
            index.modules.append(module)
            index.classes.update(module.classes)
            index.tables.update(module.tables)
        for qname in index.classes:
            index._short.setdefault(qname.rpartition(".")[2], []).append(qname)
        for qname, facts in index.classes.items():
            table = index.table_of(qname)
            if table and table not in index.tables:
                index.tables[table] = facts.columns + facts.typed_columns
        return index

    # -- what names stand for ----------------------------------------------------------

    def sqlalchemy_name(self, qname: str) -> str:
        """``sqlalchemy.X`` for ``db.X`` (a forward of a Flask-SQLAlchemy object), else the
        resolved name.
        """
        resolved = self.project.resolve(qname)
        owner, _, name = resolved.rpartition(".")
        if owner in self.project.dbs:
            module = forwarded_module(name)
            return f"{module.__name__}.{name}" if module is not None else resolved
        return resolved

    def is_column(self, column: ColumnCall) -> bool:
        """Whether the call is SQLAlchemy's ``Column`` (directly or as ``db.Column``)."""
        return any(self.sqlalchemy_name(q) in COLUMN_CLASSES for q in column.callee)

    def mapped(self, qname: str) -> str:
        """``""`` when ``qname`` is a declarative class (a model, its base or mixin), else why
        not.
        """
        return t.cast(str, self.memo("mapped", qname, self._mapped))

    def _mapped(self, qname: str) -> str:
        self._cache["mapped", qname] = "it is not a mapped class"  # a cycle of bases
        lineage = self.project.lineage(qname)
        bases = {self.project.resolve(b) for c in lineage for b in self.project.classes[c].bases}
        if bases & DATACLASS_BASES:
            return "it is a dataclass mapping, where mapped_column() takes dataclass arguments"
        if self.project.model_db(qname) or self.project.plain_base(qname):
            return ""
        if any(self.mapped(sub) == "" for sub in self.project.subclasses(qname)):
            return ""
        return "it is not a mapped class"

    def lineage(self, qname: str) -> list[str]:
        """``qname`` and its scanned base classes (subscripted ones too), nearest first."""
        return t.cast(list[str], self.memo("lineage", qname, self._lineage))

    def _lineage(self, qname: str) -> list[str]:
        seen: list[str] = []
        todo = [self.project.resolve(qname)]
        while todo:
            name = todo.pop(0)
            if name not in seen and name in self.classes:
                seen.append(name)
                todo.extend(self.project.resolve(base) for base in self.classes[name].bases)
        return seen

    def bases(self, qname: str) -> list[str]:
        """The resolved bases of ``qname`` and of its scanned base classes."""
        return [self.project.resolve(b) for c in self.lineage(qname) for b in self.classes[c].bases]

    def _is_enum(self, qname: str) -> bool:
        resolved = self.project.resolve(qname)
        if resolved in self.classes:
            return bool(set(self.bases(resolved)) & ENUM_BASES)
        module, _, name = resolved.rpartition(".")
        try:
            value = getattr(importlib.import_module(module), name, None) if module else None
        except ImportError:
            return False
        return isinstance(value, type) and issubclass(value, enum.Enum)

    # -- tables ----------------------------------------------------------------------

    def table_of(self, qname: str) -> str:
        """The table a class maps, when the tool can tell; ``""`` otherwise."""
        return t.cast(str, self.memo("table", qname, self._table_of))

    def _table_of(self, qname: str) -> str:
        facts = self.classes.get(qname)
        if facts is None:
            return ""
        if facts.tablename:
            return facts.tablename
        runtime = self.project.runtime_names.get(qname)
        if runtime is not None and runtime.name:
            return runtime.name
        own_key = any(
            c.primary_key is Flag.YES for c in facts.columns + facts.typed_columns
        ) or bool(facts.key_names)
        if own_key and self.project.model_db(qname):
            return camel_to_snake_case(qname.rpartition(".")[2])
        return ""

    def _referenced(self, target: str) -> ColumnCall | None:
        """The column a ``ForeignKey`` names: ``"table.column"`` or ``"pkg.Class.attr"``."""
        owner, _, name = target.rpartition(".")
        resolved = self.project.resolve(owner)
        if resolved in self.classes:
            facts = self.classes[resolved]
            found = [c for c in facts.columns + facts.typed_columns if c.attribute == name]
            return found[0] if found else None
        return next((c for c in self.tables.get(owner, ()) if c.name == name), None)

    # -- Python types ----------------------------------------------------------------

    def column_type(self, column: ColumnCall, depth: int = 0) -> Typed:
        """The Python type of the values of ``column``, or why the tool cannot tell."""
        if column.sql_type is not None:
            return self.type_of(column.sql_type)
        if column.annotated is not None:
            return Typed(column.annotated)
        if not column.foreign_key:
            return Typed(None, "it has no type and no ForeignKey")
        referenced = self._referenced(column.foreign_key)
        if referenced is None or depth > 10:
            return Typed(None, f"the tool does not see the column {column.foreign_key!r}")
        return self.column_type(referenced, depth + 1)

    def type_of(self, call: TypeCall, depth: int = 0) -> Typed:
        """The Python type a column of type ``call`` holds."""
        for qname in call.qnames:
            name = self.sqlalchemy_name(qname)
            kind = sqlalchemy_class(name)
            if kind is not None:
                return self._sqlalchemy_type(kind, call)
            if name in self.classes and depth < 20:
                return self._own_type(name, call, depth)
        shown = call.qnames[0].rpartition(".")[2] if call.qnames else "?"
        return Typed(None, f"the tool does not know the column type {shown!r}")

    def _sqlalchemy_type(self, kind: type[t.Any], call: TypeCall) -> Typed:
        keywords = dict(call.keywords)
        if issubclass(kind, sa.Enum) and not call.strings:
            enum_class = next((q for q in call.first if self._is_enum(q)), "")
            if not enum_class:
                return Typed(None, "the tool cannot tell that Enum's argument is an enum class")
            return Typed(PyType(self.project.resolve(enum_class)))
        if issubclass(kind, sa.ARRAY):
            item = call.item or (TypeCall(call.first) if call.first else None)
            inner = self.type_of(item) if item is not None else Typed(None, "no item type")
            if inner.kind is None:
                return Typed(None, f"ARRAY: {inner.reason}")
            return Typed(PyType("builtins.list", (inner.kind,)))
        found = sql_python_type(kind, keywords)
        if found is None:
            return Typed(None, f"the tool does not know the Python type of {kind.__name__!r}")
        return Typed(found)

    def _own_type(self, qname: str, call: TypeCall, depth: int) -> Typed:
        """A column type class defined in the scanned code."""
        for name in self.lineage(qname):
            facts = self.classes[name]
            if facts.result_type is not None:
                if facts.result_type.kind is None:
                    return Typed(None, f"'{qname.rpartition('.')[2]}': {facts.result_type.reason}")
                return Typed(facts.result_type.kind)
        for base in self.classes[qname].bases:
            found = self.type_of(dataclasses.replace(call, qnames=(base,)), depth + 1)
            if found.kind is not None:
                return found
        short = qname.rpartition(".")[2]
        if not any(self._decorator(self.sqlalchemy_name(b)) for b in self.bases(qname)):
            return Typed(None, f"the tool does not know the Python type of {short!r}")
        return Typed(
            None,
            f"'{short}' has no process_result_value() with a return annotation the tool reads",
        )

    @staticmethod
    def _decorator(qname: str) -> bool:
        kind = sqlalchemy_class(qname)
        return kind is not None and issubclass(kind, sa.types.TypeDecorator)

    # -- relationships ---------------------------------------------------------------

    def is_relationship(self, call: RelationshipCall) -> bool:
        """Whether the call is SQLAlchemy's relationship function or a ``db``'s."""
        for qname in call.callee:
            resolved = self.project.resolve(qname)
            owner, _, name = resolved.rpartition(".")
            if name in RELATIONSHIPS and (
                owner in self.project.dbs or owner.split(".")[0] == "sqlalchemy"
            ):
                return True
        return False

    def target_class(self, call: RelationshipCall) -> str:
        """The class a relationship points to, when exactly one scanned class fits."""
        if not call.target:
            return ""
        resolved = self.project.resolve(call.target)
        if resolved in self.classes:
            return resolved
        short = call.target.rpartition(".")[2]
        found = [
            q
            for q in self._short.get(short, [])
            if q == call.target or q.endswith(f".{call.target}")
        ]
        mapped = [q for q in found if not self.mapped(q)]
        return mapped[0] if len(mapped) == 1 else ""
