"""``Column(...)`` calls and column types as the source writes them.

:func:`column_call` reads one ``Column(...)`` (its name, type, foreign key, and the
``primary_key=`` and ``nullable=`` it says); :func:`annotation_type` reads a
``TypeDecorator``'s ``process_result_value`` return annotation as a :class:`PyType`.
Names stay as the module spells them: what they stand for across modules is the
:mod:`~fss_compat.codemod.schema_index`'s question.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst

from fss_compat.codemod.call_args import Flag
from fss_compat.codemod.call_args import Names
from fss_compat.codemod.call_args import flag
from fss_compat.codemod.call_args import last_name
from fss_compat.codemod.call_args import literal
from fss_compat.codemod.python_types import PyType

_COLUMNS = frozenset({"Column"})
_MAPPED_COLUMNS = frozenset({"mapped_column"})
_FOREIGN_KEYS = frozenset({"ForeignKey"})


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
    #: For a ``mapped_column()`` already annotated ``Mapped[T]``: ``T`` without ``None``.
    annotated: PyType | None = None


@dataclasses.dataclass(frozen=True)
class ResultType:
    """A ``TypeDecorator``'s ``process_result_value`` return annotation, resolved.

    :param kind: the type without ``None``; None when the tool cannot read the annotation.
    :param reason: why not, when ``kind`` is None.
    """

    kind: PyType | None
    reason: str = ""


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
        if last_name(func) in _FOREIGN_KEYS and isinstance(value, cst.Call):
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
    return last_name(call.func) in _COLUMNS


def key_names(node: cst.BaseExpression) -> set[str]:
    """Column names of ``PrimaryKeyConstraint("a", "b")`` calls anywhere in ``node``."""
    found: set[str] = set()

    class _Keys(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            if last_name(call.func) == "PrimaryKeyConstraint":
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


def is_mapped_column(call: cst.Call) -> bool:
    """Whether ``call`` is spelled like ``mapped_column(...)``."""
    return last_name(call.func) in _MAPPED_COLUMNS


def mapped_column_call(
    call: cst.Call, attribute: str, annotation: cst.Annotation, names: Names, line: int
) -> ColumnCall:
    """Read an annotated ``x: Mapped[T] = mapped_column(...)`` as the column it makes.

    Its nullability, when ``nullable=`` is not given, is what the annotation says: NOT
    NULL unless ``T`` is ``Optional`` or ``| None`` (a primary key is NOT NULL).
    """
    column = column_call(call, attribute, names, line)
    node = annotation.annotation
    inner = node.slice[0].slice if isinstance(node, cst.Subscript) and node.slice else None
    kind = annotation_type(inner.value, names) if isinstance(inner, cst.Index) else None
    nullable = column.nullable
    if nullable is Flag.UNSET and column.primary_key is not Flag.YES:
        text = cst.Module([]).code_for_node(node)
        optional = "Optional[" in text or "None" in text
        nullable = Flag.YES if optional else Flag.NO
    return dataclasses.replace(
        column, nullable=nullable, annotated=kind.kind if kind is not None else None
    )
