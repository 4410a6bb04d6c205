"""Reading a ``Model.query`` chain: its root, its calls, the model it queries.

A chain is read from its outermost call down to ``<receiver>.query`` (a name, an
attribute, ``type(self)``) or to ``<db>.session.query(<model>)``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import typing as t

import libcst as cst

#: Where a chain starts: ``<receiver>.query`` or ``<db>.session.query(<model>)``.
Root = cst.Attribute | cst.Call


def session_query(node: cst.BaseExpression) -> bool:
    """Whether ``node`` is ``<receiver>.session.query(<one model>)``."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
        return False
    func = node.func
    return (
        func.attr.value == "query"
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value == "session"
        and isinstance(func.value.value, (cst.Name, cst.Attribute))
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
        and isinstance(node.args[0].value, (cst.Name, cst.Attribute))
    )


def queried_model(root: Root) -> cst.BaseExpression:
    """The model of a chain's root: ``M`` in ``M.query`` and in ``db.session.query(M)``."""
    return root.args[0].value if isinstance(root, cst.Call) else root.value


def type_argument(node: cst.BaseExpression) -> cst.Name | None:
    """``self`` in ``type(self)``."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "type"
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
        and isinstance(node.args[0].value, cst.Name)
    ):
        return node.args[0].value
    return None


def query_receiver(node: cst.BaseExpression) -> bool:
    """Whether ``node`` can be what ``.query`` is read on: a name, an attribute, ``type(x)``."""
    return isinstance(node, (cst.Name, cst.Attribute)) or type_argument(node) is not None


def chain_of(node: cst.Call) -> tuple[Root, list[cst.Call]] | None:
    """``(<root>, [calls from the innermost out])`` if ``node`` is a chain on ``<model>.query``
    or on ``<db>.session.query(<model>)``.
    """
    calls: list[cst.Call] = []
    current: cst.BaseExpression = node
    while True:
        if session_query(current) and calls:
            calls.reverse()
            return t.cast(cst.Call, current), calls
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            calls.append(current)
            current = current.func.value
        elif isinstance(current, cst.Attribute) and current.attr.value == "query":
            if query_receiver(current.value) and calls:
                calls.reverse()
                return current, calls
            return None
        else:
            return None


def chain_method(call: cst.Call) -> str:
    """The method one call of a chain calls: ``filter`` in ``<...>.filter(x)``."""
    return t.cast(cst.Attribute, call.func).attr.value


def below_terminal(
    updated: cst.Call, depth: int, instance: bool
) -> tuple[t.Any, cst.BaseExpression]:
    """The chain a terminal call is made on, and the model it queries.

    :param depth: the calls between the terminal and the chain's root.
    :param instance: the chain starts at ``self.query``: the model is ``type(self)``.
    """
    chain = t.cast(cst.Attribute, updated.func).value
    root: t.Any = chain
    for _ in range(depth):
        root = root.func.value
    model = queried_model(root)
    if instance:
        model = cst.Call(func=cst.Name("type"), args=[cst.Arg(model)])
    return chain, model
