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

import ast
import builtins
import dataclasses
import enum
import typing as t

import libcst as cst
from libcst.metadata import GlobalScope
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider
from libcst.metadata import QualifiedNameSource
from libcst.metadata import Scope
from libcst.metadata import ScopeProvider

from fss_compat.codemod.project import absolute
from fss_compat.codemod.python_types import PyType


class Flag(enum.Enum):
    """A boolean argument as written: ``True``, ``False``, absent, or not a literal."""

    YES = "yes"
    NO = "no"
    UNSET = "unset"
    UNKNOWN = "unknown"


def literal(node: cst.BaseExpression) -> object:
    """The value of a literal expression; ``...`` (Ellipsis) when it is not one."""
    try:
        return ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError):
        return ...


def flag(args: t.Sequence[cst.Arg], keyword: str) -> Flag:
    """The ``keyword=`` argument of a call as a :class:`Flag`."""
    for arg in args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            value = literal(arg.value)
            if value is True or value is False:
                return Flag.YES if value else Flag.NO
            return Flag.UNKNOWN
    return Flag.UNKNOWN if any(arg.star == "**" for arg in args) else Flag.UNSET


@dataclasses.dataclass(frozen=True)
class TypeCall:
    """A column type as written: ``sa.String(80)``, ``sa.Enum(Status)``, ``Money``.

    :param qnames: what the type's name may stand for, as the module spells it.
    :param keywords: the literal keyword arguments (``asdecimal``, ``as_uuid``, ...).
    :param first: the qualified names of the first positional argument, when it is a name
        (the enum class of ``sa.Enum(Status)``, the item type of ``sa.ARRAY(sa.Integer)``).
    :param strings: the first positional argument is a string (``sa.Enum("a", "b")``).
    :param item: the item type of an ``ARRAY``, when it is given as a call.
    """

    qnames: tuple[str, ...]
    keywords: tuple[tuple[str, object], ...] = ()
    first: tuple[str, ...] = ()
    strings: bool = False
    item: TypeCall | None = None


@dataclasses.dataclass(frozen=True)
class ColumnCall:
    """One ``Column(...)`` as written, in a class body or a ``Table(...)``.

    :param attribute: the class attribute it is assigned to; ``""`` in a ``Table``.
    :param name: the column's name in the table (the attribute's when not given).
    :param callee: what the called name may stand for (``sqlalchemy.Column``, ``...db.Column``).
    :param sql_type: its type; None when none is given (it comes from the foreign key).
    :param foreign_key: ``"table.column"`` of a ``ForeignKey("...")`` or ``"Class.attr"`` of a
        ``ForeignKey(Class.attr)``; ``""`` without one.
    :param star: it passes ``*args`` or ``**kwargs``.
    """

    attribute: str
    name: str
    callee: tuple[str, ...]
    sql_type: TypeCall | None
    foreign_key: str
    primary_key: Flag
    nullable: Flag
    star: bool
    line: int


@dataclasses.dataclass(frozen=True)
class ResultType:
    """A ``TypeDecorator``'s ``process_result_value`` return annotation, resolved.

    :param kind: the type without ``None``; None when the tool cannot read the annotation.
    :param reason: why not, when ``kind`` is None.
    """

    kind: PyType | None
    reason: str = ""


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
    #: Column names of a ``PrimaryKeyConstraint("a", "b")`` in ``__table_args__``.
    key_names: set[str] = dataclasses.field(default_factory=set)
    result_type: ResultType | None = None


@dataclasses.dataclass
class ModuleSchema:
    """The schema facts of one module."""

    module: str
    classes: dict[str, ClassSchema] = dataclasses.field(default_factory=dict)
    #: Module-level ``Table("name", ...)``: table name -> its columns.
    tables: dict[str, list[ColumnCall]] = dataclasses.field(default_factory=dict)


_COLUMNS = frozenset({"Column"})
_FOREIGN_KEYS = frozenset({"ForeignKey"})


class Names:
    """Qualified names of one module's expressions, through libcst's scopes."""

    def __init__(
        self, scopes: t.Mapping[cst.CSTNode, Scope | None], module: str, is_package: bool
    ) -> None:
        self.scopes = scopes
        self.module = module
        self.is_package = is_package
        self._module_bindings: dict[str, str] | None = None

    def of(self, node: cst.CSTNode) -> tuple[str, ...]:
        """What ``node`` (a Name or an Attribute) may stand for, sorted.

        A node that is not in the module (parsed from a string annotation) is resolved
        through the module-level names.
        """
        scope = self.scopes.get(node)
        if scope is None:
            return self._by_text(node)
        names = set()
        for qname in scope.get_qualified_names_for(node):
            if qname.source is QualifiedNameSource.IMPORT:
                names.add(absolute(qname.name, self.module, self.is_package))
            elif qname.source is QualifiedNameSource.LOCAL:
                names.add(f"{self.module}.{qname.name}")
            elif qname.source is QualifiedNameSource.BUILTIN:
                names.add(f"builtins.{qname.name}")
        return tuple(sorted(names))

    def _by_text(self, node: cst.CSTNode) -> tuple[str, ...]:
        parts: list[str] = []
        while isinstance(node, cst.Attribute):
            parts.insert(0, node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return ()
        head = self._globals().get(node.value)
        if head is None:
            head = f"builtins.{node.value}" if hasattr(builtins, node.value) else ""
        return (".".join([head, *parts]),) if head else ()

    def _globals(self) -> dict[str, str]:
        if self._module_bindings is None:
            scope = next((s for s in self.scopes.values() if s is not None), None)
            self._module_bindings = self._bound(scope.globals) if scope is not None else {}
        return self._module_bindings

    def bindings(self, module: cst.Module) -> dict[str, str]:
        """Module-level name -> the one qualified name it is bound to (imports, classes)."""
        scope = next((self.scopes.get(s) for s in module.body if self.scopes.get(s)), None)
        return self._bound(scope.globals) if scope is not None else {}

    def _bound(self, scope: GlobalScope) -> dict[str, str]:
        found: dict[str, str] = {}
        for assignment in scope.assignments:
            names = scope.get_qualified_names_for(assignment.name)
            if len(names) == 1:
                (qname,) = names
                if qname.source is QualifiedNameSource.IMPORT:
                    found[assignment.name] = absolute(qname.name, self.module, self.is_package)
                else:
                    found[assignment.name] = f"{self.module}.{qname.name}"
        return found


def _last(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def type_call(node: cst.BaseExpression, names: Names) -> TypeCall | None:
    """The column type ``node`` as written, or None when it is not a name or a call of one."""
    call = node if isinstance(node, cst.Call) else None
    func = call.func if call is not None else node
    if not isinstance(func, (cst.Name, cst.Attribute)):
        return None
    if call is None:
        return TypeCall(names.of(func))
    keywords = []
    for arg in call.args:
        if arg.keyword is not None and (value := literal(arg.value)) is not ...:
            keywords.append((arg.keyword.value, value))
    positional = [arg for arg in call.args if arg.keyword is None]
    first: tuple[str, ...] = ()
    strings = False
    item = None
    if positional and not positional[0].star:
        value = positional[0].value
        strings = isinstance(value, (cst.SimpleString, cst.ConcatenatedString))
        if isinstance(value, (cst.Name, cst.Attribute)):
            first = names.of(value)
        elif isinstance(value, cst.Call):
            item = type_call(value, names)
    return TypeCall(names.of(func), tuple(keywords), first, strings, item)


def _foreign_key(node: cst.Call, names: Names) -> str:
    if not node.args or node.args[0].keyword is not None:
        return ""
    value = node.args[0].value
    target = literal(value)
    if isinstance(target, str):
        return target
    if isinstance(value, (cst.Name, cst.Attribute)):
        found = names.of(value)
        return found[0] if found else ""
    return ""


def column_call(call: cst.Call, attribute: str, names: Names, line: int) -> ColumnCall:
    """Read one ``Column(...)`` call."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    name = attribute
    if positional and isinstance(literal(positional[0].value), str):
        name = t.cast(str, literal(positional[0].value))
        positional = positional[1:]
    sql_type = None
    foreign_key = ""
    items = positional + [a for a in call.args if a.keyword and a.keyword.value == "type_"]
    for arg in items:
        value = arg.value
        func = value.func if isinstance(value, cst.Call) else value
        if _last(func) in _FOREIGN_KEYS and isinstance(value, cst.Call):
            foreign_key = _foreign_key(value, names)
        elif sql_type is None and (arg is items[0] or arg.keyword is not None):
            sql_type = type_call(value, names)
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "name":
            given = literal(arg.value)
            name = given if isinstance(given, str) else name
    return ColumnCall(
        attribute,
        name,
        names.of(call.func),
        sql_type,
        foreign_key,
        flag(call.args, "primary_key"),
        flag(call.args, "nullable"),
        any(arg.star for arg in call.args),
        line,
    )


def is_column(call: cst.Call) -> bool:
    """Whether ``call`` is spelled like a ``Column(...)`` (the index checks what it is)."""
    return _last(call.func) in _COLUMNS


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, names: Names) -> None:
        super().__init__()
        self.names = names
        self.facts = ModuleSchema(names.module)
        self.nesting: list[str] = []

    def line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def visit_Module(self, node: cst.Module) -> None:
        for statement in node.body:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                    self._table(small.value)

    def _table(self, call: cst.Call) -> None:
        if _last(call.func) != "Table" or not call.args:
            return
        name = literal(call.args[0].value)
        if not isinstance(name, str):
            return
        columns = [
            column_call(arg.value, "", self.names, self.line(arg.value))
            for arg in call.args[1:]
            if isinstance(arg.value, cst.Call) and is_column(arg.value)
        ]
        self.facts.tables[name] = columns

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qname = ".".join([self.names.module, *self.nesting, node.name.value])
        self.nesting.append(node.name.value)
        facts = ClassSchema(qname, self.line(node.name))
        for arg in node.bases:
            base = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
            if arg.keyword is None and isinstance(base, (cst.Name, cst.Attribute)):
                facts.bases += self.names.of(base)[:1]
        self.facts.classes[qname] = facts
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                facts.attributes.add(statement.name.value)
                if statement.name.value == "process_result_value":
                    facts.result_type = self._result_type(statement)
                continue
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                self._class_statement(facts, small)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.nesting.pop()

    def _class_statement(self, facts: ClassSchema, small: cst.BaseSmallStatement) -> None:
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
                facts.key_names |= _key_names(value)
            elif isinstance(small, cst.Assign) and isinstance(value, cst.Call):
                if is_column(value):
                    line = self.line(small)
                    facts.columns.append(column_call(value, target.value, self.names, line))

    def _result_type(self, node: cst.FunctionDef) -> ResultType:
        if node.returns is None:
            return ResultType(None, "its process_result_value() has no return annotation")
        return annotation_type(node.returns.annotation, self.names)


def _key_names(node: cst.BaseExpression) -> set[str]:
    """Column names of ``PrimaryKeyConstraint("a", "b")`` calls anywhere in ``node``."""
    found: set[str] = set()

    class _Keys(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            if _last(call.func) == "PrimaryKeyConstraint":
                for arg in call.args:
                    value = literal(arg.value) if arg.keyword is None else None
                    if isinstance(value, str):
                        found.add(value)

    node.visit(_Keys())
    return found


def annotation_type(node: cst.BaseExpression, names: Names) -> ResultType:
    """A return annotation as a :class:`PyType` without ``None`` (``Optional``, ``| None``)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        parts = [node.left, node.right]
        kept = [p for p in parts if not (isinstance(p, cst.Name) and p.value == "None")]
        if len(kept) == 1:
            return annotation_type(kept[0], names)
        return ResultType(None, "its process_result_value() returns a union")
    if isinstance(node, cst.Subscript) and isinstance(node.value, (cst.Name, cst.Attribute)):
        head = names.of(node.value)
        args = [s.slice.value for s in node.slice if isinstance(s.slice, cst.Index)]
        if "typing.Optional" in head and len(args) == 1:
            return annotation_type(args[0], names)
        resolved = [annotation_type(arg, names) for arg in args]
        failed = next((r for r in resolved if r.kind is None), None)
        if failed is not None or not head or len(args) != len(node.slice):
            return failed or ResultType(None, "the tool cannot read its annotation")
        return ResultType(PyType(head[0], tuple(t.cast(PyType, r.kind) for r in resolved)))
    if isinstance(node, cst.SimpleString):
        text = literal(node)
        try:
            parsed = cst.parse_expression(text) if isinstance(text, str) else None
        except cst.ParserSyntaxError:
            parsed = None
        if parsed is None:
            return ResultType(None, "the tool cannot read its string annotation")
        return annotation_type(parsed, names)
    if isinstance(node, (cst.Name, cst.Attribute)):
        qnames = names.of(node)
        if len(qnames) == 1 and qnames[0] != "builtins.None":
            return ResultType(PyType(qnames[0]))
    return ResultType(None, "the tool cannot read its process_result_value() annotation")


def collect(module: cst.Module, module_name: str, is_package: bool) -> ModuleSchema:
    """The schema facts of one parsed module."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    names = Names(wrapper.resolve(ScopeProvider), module_name, is_package)
    collector = _Collector(names)
    wrapper.visit(collector)
    return collector.facts
