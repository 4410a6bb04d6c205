"""``relationship(...)`` calls in class bodies, as the source writes them.

:func:`relationship_call` reads what the relationship rules need: the target class, the
arguments that decide a collection or a scalar (``uselist``, ``secondary``,
``collection_class``, ``remote_side``), ``lazy``, and ``backref`` with its arguments (kept
as source text, with a note when they use names of the class they are written in).

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

#: The names of SQLAlchemy's (and ``db``'s) relationship functions.
RELATIONSHIPS = frozenset({"relationship", "relation", "dynamic_loader"})


@dataclasses.dataclass(frozen=True)
class Keyword:
    """A keyword argument as written.

    :param code: its value's source text.
    :param local: the value uses names of the class body it is written in (``[id]``).
    :param value: its literal value; ``...`` when it is not a literal.
    """

    name: str
    code: str
    local: bool
    value: object

    def names(self) -> tuple[tuple[str, ...], bool] | None:
        """The plain names the value is (``author_id``, ``[author_id, x]``: columns of the
        class body, for ``foreign_keys=``) and whether they are in a list or tuple; None
        for any other value.
        """
        node = cst.parse_expression(self.code)
        if isinstance(node, (cst.List, cst.Tuple)):
            elements, listed = [e.value for e in node.elements], True
        else:
            elements, listed = [node], False
        if not elements or not all(isinstance(e, cst.Name) for e in elements):
            return None
        return tuple(t.cast(cst.Name, e).value for e in elements), listed


@dataclasses.dataclass(frozen=True)
class Backref:
    """A ``backref=``: the other side's name and arguments.

    :param name: the attribute the other class gets; ``""`` when the tool cannot read it.
    :param keywords: ``backref("name", **keywords)``'s arguments.
    :param call: it is a ``backref(...)`` call (not a plain string).
    """

    name: str
    keywords: tuple[Keyword, ...] = ()
    call: bool = False

    @property
    def lazy(self) -> object:
        """Its ``lazy=`` value (``None`` when not given)."""
        return next((k.value for k in self.keywords if k.name == "lazy"), None)


@dataclasses.dataclass(frozen=True)
class RelationshipCall:
    """One relationship assigned in a class body.

    :param target: the class as written: a string's text (``"Post"``), the qualified name
        of a class named directly, or ``""`` (a lambda, or nothing the tool reads).
    :param annotation: the qualified names of the annotation's head (``Mapped``), if any.
    :param keywords: every keyword argument but ``backref``.
    :param remote_side: the columns ``remote_side=`` names, as qualified names or strings.
    :param star: it passes ``*args`` or ``**kwargs``.
    """

    attribute: str
    callee: tuple[str, ...]
    target: str
    annotation: tuple[str, ...]
    keywords: tuple[Keyword, ...]
    uselist: Flag
    remote_side: tuple[str, ...]
    backref: Backref | None
    star: bool
    line: int

    def keyword(self, name: str) -> Keyword | None:
        """The ``name=`` argument, if given."""
        return next((k for k in self.keywords if k.name == name), None)

    @property
    def lazy(self) -> object:
        """``lazy=``'s literal value: ``None`` when not given, ``...`` when not a literal;
        ``"dynamic"`` for ``dynamic_loader``.
        """
        if self.callee and all(q.endswith(".dynamic_loader") for q in self.callee):
            return "dynamic"
        given = self.keyword("lazy")
        return None if given is None else given.value


def is_relationship(call: cst.Call) -> bool:
    """Whether ``call`` is spelled like a relationship function (the index checks the rest)."""
    return last_name(call.func) in RELATIONSHIPS


def _local(value: cst.BaseExpression, names: Names, owner: str) -> bool:
    found = False

    class _Visitor(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            nonlocal found
            found = found or any(q.startswith(f"{owner}.") for q in names.of(node))

    value.visit(_Visitor())
    return found


def _keywords(args: tuple[cst.Arg, ...], names: Names, owner: str) -> tuple[Keyword, ...]:
    code = cst.Module([]).code_for_node
    return tuple(
        Keyword(
            arg.keyword.value, code(arg.value), _local(arg.value, names, owner), literal(arg.value)
        )
        for arg in args
        if arg.keyword is not None
    )


def _backref(value: cst.BaseExpression, names: Names, owner: str) -> Backref:
    if isinstance(value, cst.Call) and last_name(value.func) == "backref":
        first = value.args[0] if value.args and value.args[0].keyword is None else None
        name = literal(first.value) if first is not None else ...
        if not isinstance(name, str) or any(arg.star for arg in value.args):
            return Backref("")
        return Backref(name, _keywords(tuple(value.args[1:]), names, owner), call=True)
    name = literal(value)
    return Backref(name if isinstance(name, str) else "")


def _names(value: cst.BaseExpression, names: Names) -> tuple[str, ...]:
    items = value.elements if isinstance(value, (cst.List, cst.Tuple)) else None
    nodes = [element.value for element in items] if items is not None else [value]
    found: list[str] = []
    for node in nodes:
        text = literal(node)
        if isinstance(text, str):
            found.append(text)
        elif isinstance(node, (cst.Name, cst.Attribute)):
            found += names.of(node)[:1]
    return tuple(found)


def _annotated_class(node: cst.Subscript, names: Names) -> str:
    """``Post`` of ``Mapped[list[Post]]``, ``Mapped["Post"]`` or ``Mapped[Optional[Post]]``."""
    inner: cst.BaseExpression = node
    while isinstance(inner, cst.Subscript):
        elements = [e.slice for e in inner.slice]
        if len(elements) != 1 or not isinstance(elements[0], cst.Index):
            return ""
        inner = elements[0].value
    text = literal(inner)
    if isinstance(text, str):
        return text
    if isinstance(inner, (cst.Name, cst.Attribute)):
        return (names.of(inner) or ("",))[0]
    return ""


def relationship_call(
    call: cst.Call,
    attribute: str,
    annotation: cst.Annotation | None,
    names: Names,
    owner: str,
    line: int,
) -> RelationshipCall:
    """Read one relationship call assigned to ``attribute`` in the class ``owner``."""
    target = ""
    if call.args and call.args[0].keyword is None and not call.args[0].star:
        first = call.args[0].value
        text = literal(first)
        if isinstance(text, str):
            target = text
        elif isinstance(first, (cst.Name, cst.Attribute)):
            target = (names.of(first) or ("",))[0]
    head: tuple[str, ...] = ()
    if annotation is not None:
        node = annotation.annotation
        if isinstance(node, cst.Subscript):
            target = target or _annotated_class(node, names)
            node = node.value
        head = names.of(node) if isinstance(node, (cst.Name, cst.Attribute)) else ("?",)
    backref = None
    remote_side: tuple[str, ...] = ()
    plain = []
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "backref":
            backref = _backref(arg.value, names, owner)
        else:
            if arg.keyword is not None and arg.keyword.value == "remote_side":
                remote_side = _names(arg.value, names)
            plain.append(arg)
    return RelationshipCall(
        attribute,
        names.of(call.func),
        target,
        head,
        _keywords(tuple(plain), names, owner),
        flag(call.args, "uselist"),
        remote_side,
        backref,
        any(arg.star for arg in call.args),
        line,
    )
