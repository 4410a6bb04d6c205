"""The schema as a module's source declares it: what the typed-model rules read.

One pass over a module (:func:`collect`) records, per class, its literal ``__tablename__``,
its ``Column(...)`` and ``relationship(...)`` assignments as written, the column names of a
``PrimaryKeyConstraint`` in ``__table_args__``, and a ``TypeDecorator``'s
``process_result_value`` return annotation; and the module-level ``Table(...)`` objects.
Names stay qualified names as the module spells them (``app.models.db.Column``): whether
``db`` is a Flask-SQLAlchemy object is known only once every module has been read
(:mod:`fss_compat.codemod.schema_index`).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider
from libcst.metadata import ScopeProvider

from fss_compat.codemod.call_args import Names
from fss_compat.codemod.call_args import last_name
from fss_compat.codemod.call_args import literal
from fss_compat.codemod.column_calls import ColumnCall
from fss_compat.codemod.column_calls import ResultType
from fss_compat.codemod.column_calls import annotation_type
from fss_compat.codemod.column_calls import column_call
from fss_compat.codemod.column_calls import is_column
from fss_compat.codemod.column_calls import is_mapped_column
from fss_compat.codemod.column_calls import key_names
from fss_compat.codemod.column_calls import mapped_column_call
from fss_compat.codemod.dynamic_uses import ModuleUses
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.relationship_calls import is_relationship
from fss_compat.codemod.relationship_calls import relationship_call


@dataclasses.dataclass
class ClassSchema:
    """The schema facts of one class body."""

    qname: str
    line: int
    #: The bases' qualified names (``TypeDecorator`` for ``TypeDecorator[str]``).
    bases: list[str] = dataclasses.field(default_factory=list)
    tablename: str = ""
    attributes: set[str] = dataclasses.field(default_factory=set)
    columns: list[ColumnCall] = dataclasses.field(default_factory=list)
    #: The ``x: Mapped[T] = mapped_column(...)`` already typed: foreign keys and types.
    typed_columns: list[ColumnCall] = dataclasses.field(default_factory=list)
    relationships: list[RelationshipCall] = dataclasses.field(default_factory=list)
    #: Column names of a ``PrimaryKeyConstraint("a", "b")`` in ``__table_args__``.
    key_names: set[str] = dataclasses.field(default_factory=set)
    result_type: ResultType | None = None


@dataclasses.dataclass
class ModuleSchema:
    """The schema facts of one module."""

    module: str
    path: str = ""
    classes: dict[str, ClassSchema] = dataclasses.field(default_factory=dict)
    #: Module-level ``Table("name", ...)``: table name -> its columns.
    tables: dict[str, list[ColumnCall]] = dataclasses.field(default_factory=dict)
    #: How it uses attributes (``x.<name>``), recorded by the scan for FSC403's plan.
    uses: ModuleUses = dataclasses.field(default_factory=ModuleUses)


Line = t.Callable[[cst.CSTNode], int]


def module_tables(node: cst.Module, names: Names, line: Line) -> dict[str, list[ColumnCall]]:
    """The module-level ``Table("name", ..., Column(...))`` assignments: name -> columns."""
    tables: dict[str, list[ColumnCall]] = {}
    for statement in node.body:
        if isinstance(statement, cst.SimpleStatementLine):
            tables.update(statement_tables(statement, names, line))
    return tables


def statement_tables(
    statement: cst.SimpleStatementLine, names: Names, line: Line
) -> dict[str, list[ColumnCall]]:
    """The ``Table("name", ..., Column(...))`` assignments of one statement."""
    tables: dict[str, list[ColumnCall]] = {}
    for small in statement.body:
        if not (isinstance(small, cst.Assign) and isinstance(small.value, cst.Call)):
            continue
        call = small.value
        name = literal(call.args[0].value) if call.args else None
        if last_name(call.func) == "Table" and isinstance(name, str):
            tables[name] = [
                column_call(arg.value, "", names, line(arg.value))
                for arg in call.args[1:]
                if isinstance(arg.value, cst.Call) and is_column(arg.value)
            ]
    return tables


def class_schema(node: cst.ClassDef, qname: str, names: Names, line: Line) -> ClassSchema:
    """The schema facts of one class body."""
    facts = class_header(node, qname, names, line)
    for statement in class_statements(node):
        member_facts(facts, statement, names, line)
    return facts


def class_statements(node: cst.ClassDef) -> t.Sequence[cst.BaseStatement]:
    """The statements of a class body that declare its members."""
    return node.body.body if isinstance(node.body, cst.IndentedBlock) else ()


def class_header(node: cst.ClassDef, qname: str, names: Names, line: Line) -> ClassSchema:
    """A class's facts without its attribute statements (:func:`member_facts` adds them):
    its line, bases, methods, and ``process_result_value``'s type.
    """
    facts = ClassSchema(qname, line(node.name))
    for arg in node.bases:
        base = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
        if arg.keyword is None and isinstance(base, (cst.Name, cst.Attribute)):
            facts.bases += names.of(base)[:1]
    for statement in class_statements(node):
        if isinstance(statement, cst.FunctionDef):
            facts.attributes.add(statement.name.value)
            if statement.name.value == "process_result_value":
                returns = statement.returns
                facts.result_type = (
                    annotation_type(returns.annotation, names)
                    if returns is not None
                    else ResultType(None, "its process_result_value() has no return annotation")
                )
    return facts


def member_facts(
    facts: ClassSchema, statement: cst.BaseStatement, names: Names, line: Line
) -> None:
    """Add what one statement of the class body declares (columns, relationships,
    ``__tablename__``, ``__table_args__``) to ``facts``."""
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            _member(facts, small, names, line)


def _member(facts: ClassSchema, small: cst.BaseSmallStatement, names: Names, line: Line) -> None:
    if isinstance(small, cst.Assign):
        targets = [a.target for a in small.targets]
    elif isinstance(small, cst.AnnAssign):
        targets = [small.target]
    else:
        return
    value = small.value
    for target in targets:
        if not isinstance(target, cst.Name):
            continue
        facts.attributes.add(target.value)
        if target.value == "__tablename__" and value is not None:
            name = literal(value)
            facts.tablename = name if isinstance(name, str) else ""
        elif target.value == "__table_args__" and value is not None:
            facts.key_names |= key_names(value)
        elif isinstance(value, cst.Call) and is_relationship(value):
            annotation = small.annotation if isinstance(small, cst.AnnAssign) else None
            facts.relationships.append(
                relationship_call(value, target.value, annotation, names, facts.qname, line(small))
            )
        elif isinstance(small, cst.Assign) and isinstance(value, cst.Call) and is_column(value):
            facts.columns.append(column_call(value, target.value, names, line(small)))
        elif (
            isinstance(small, cst.AnnAssign)
            and isinstance(value, cst.Call)
            and is_mapped_column(value)
        ):
            typed = mapped_column_call(value, target.value, small.annotation, names, line(small))
            facts.typed_columns.append(typed)


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, names: Names, path: str) -> None:
        super().__init__()
        self.names = names
        self.facts = ModuleSchema(names.module, path)
        self.nesting: list[str] = []

    def line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def visit_Module(self, node: cst.Module) -> None:
        self.facts.tables = module_tables(node, self.names, self.line)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qname = ".".join([self.names.module, *self.nesting, node.name.value])
        self.nesting.append(node.name.value)
        self.facts.classes[qname] = class_schema(node, qname, self.names, self.line)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.nesting.pop()


def collect(module: cst.Module, module_name: str, is_package: bool, path: str = "") -> ModuleSchema:
    """The schema facts of one parsed module."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    names = Names(wrapper.resolve(ScopeProvider), module_name, is_package)
    collector = _Collector(names, path)
    wrapper.visit(collector)
    return collector.facts
