"""Where a dynamic relationship is used, and whether the use has a write-only form.

A dynamic relationship's attribute is a query; a write-only one's is a collection with
``select()``, ``add()`` and ``remove()``. :func:`classify` reads one ``<obj>.<attribute>``
in its context: a query chain ending in a method the tool rewrites (``.all()``,
``.first()``, ``.one()``, ``.one_or_none()``, ``.count()``, ``.paginate()``,
``.first_or_404()``, ``.one_or_404()``, with ``filter``, ``order_by`` and the other
``Select`` methods before it), a loop over it, or ``append`` / ``extend`` / ``remove``.
Anything else (passed on, returned, ``len()``, a query built here and run elsewhere) is a
:class:`Site` with a reason: the tool cannot prove what happens to it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import enum
import re
import typing as t

import libcst as cst

__all__ = ["BUILDERS", "MUTATIONS", "TERMINALS", "UNIQUE", "Shape", "Site", "classify", "mentions"]

#: Query methods with a ``Select`` method of the same name and meaning.
BUILDERS = frozenset(
    {
        "filter",
        "filter_by",
        "where",
        "order_by",
        "group_by",
        "having",
        "limit",
        "offset",
        "distinct",
        "join",
        "outerjoin",
        "options",
    }
)
#: Methods that run the query, and that the tool rewrites.
TERMINALS = frozenset(
    {"all", "first", "one", "one_or_none", "count", "paginate", "first_or_404", "one_or_404"}
)
_NO_ARGUMENTS = frozenset({"all", "first", "one", "one_or_none", "count"})
#: Chain methods after which the legacy query de-duplicated the entities (``unique()``).
UNIQUE = frozenset({"join", "outerjoin", "options"})
#: ``db`` methods that cannot de-duplicate.
_NO_UNIQUE = frozenset({"first_or_404", "one_or_404"})
#: Collection methods of a dynamic relationship and their write-only names.
MUTATIONS = {"append": "add", "extend": "add_all", "remove": "remove"}


class Shape(enum.Enum):
    """How one use of the attribute reads."""

    QUERY = "query"
    LOOP = "loop"
    MUTATION = "mutation"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class Site:
    """One use of a dynamic relationship's attribute.

    :param node: the outermost node the rewrite replaces (the terminal call, the mutation
        call, or the attribute itself in a loop).
    :param methods: the query chain: ``(name, call)`` from the attribute outwards.
    :param reason: for :attr:`Shape.UNKNOWN`, why the tool cannot prove the use.
    """

    shape: Shape
    attribute: str
    node: cst.CSTNode
    methods: tuple[tuple[str, cst.Call], ...] = ()
    reason: str = ""


def classify(node: cst.Attribute, parents: t.Mapping[cst.CSTNode, cst.CSTNode]) -> Site:
    """What the use ``node`` (``<obj>.<attribute>``) is, read from its parents."""
    attribute = node.attr.value
    methods: list[tuple[str, cst.Call]] = []
    current: cst.CSTNode = node
    while True:
        parent = parents.get(current)
        call = parents.get(parent) if parent is not None else None
        if isinstance(parent, cst.Attribute) and parent.value is current:
            if not (isinstance(call, cst.Call) and call.func is parent):
                return Site(
                    Shape.UNKNOWN, attribute, node, reason=f"'.{attribute}.{parent.attr.value}'"
                )
            name = parent.attr.value
            methods.append((name, call))
            if name in TERMINALS:
                return _query(attribute, call, methods)
            if name in MUTATIONS and len(methods) == 1:
                return Site(Shape.MUTATION, attribute, call, tuple(methods))
            if name not in BUILDERS:
                return Site(Shape.UNKNOWN, attribute, node, reason=f"'.{attribute}...{name}()'")
            current = call
            continue
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is current and not methods:
            return Site(Shape.LOOP, attribute, node)
        if methods:
            reason = f"a query on '.{attribute}' built here and run elsewhere"
        elif isinstance(parent, (cst.AssignTarget, cst.Del)) or _assigned(parent, current):
            reason = f"'.{attribute}' assigned to"
        else:
            reason = f"'.{attribute}' used as a value"
        return Site(Shape.UNKNOWN, attribute, node, reason=reason)


def _query(attribute: str, call: cst.Call, methods: list[tuple[str, cst.Call]]) -> Site:
    name = methods[-1][0]
    builders = {method for method, _ in methods[:-1]}
    if name in _NO_ARGUMENTS and call.args:
        return Site(Shape.UNKNOWN, attribute, call, reason=f"'.{name}()' with arguments")
    if name in _NO_UNIQUE and builders & UNIQUE:
        reason = f"'.{name}()' after a join or options(), which need unique()"
        return Site(Shape.UNKNOWN, attribute, call, reason=reason)
    return Site(Shape.QUERY, attribute, call, tuple(methods))


def _assigned(parent: cst.CSTNode | None, node: cst.CSTNode) -> bool:
    return isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is node


def mentions(text: str, attributes: t.Iterable[str]) -> set[str]:
    """The attributes ``text`` (a template, a string) uses as ``.<attribute>``."""
    return {name for name in attributes if re.search(rf"\.{re.escape(name)}\b", text)}
