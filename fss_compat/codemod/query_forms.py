"""The 2.x forms of a legacy query, written for the FSC201 rewrites.

The one-expression rewrites (``User.query.filter(...).all()``) and the followed values'
(``q = User.query`` ... ``q.all()``, :mod:`fss_compat.codemod.flow`) both end here: a
``Select`` statement goes in, the expression that runs it the way the terminal method did
comes out, keeping the call's own parentheses and arguments.
"""

from __future__ import annotations

import typing as t

import libcst as cst
from libcst.helpers import parse_template_expression


def swap_root(chain: t.Any, new_root: cst.BaseExpression, depth: int) -> t.Any:
    """``chain`` with its root (``depth`` calls down) replaced by ``new_root``."""
    if depth:
        func = t.cast(cst.Attribute, chain.func)
        inner = swap_root(func.value, new_root, depth - 1)
        return chain.with_changes(func=func.with_changes(value=inner))
    return new_root.with_changes(lpar=chain.lpar, rpar=chain.rpar)


def _call(func: str | cst.BaseExpression, *args: cst.BaseExpression) -> cst.Call:
    expression = cst.parse_expression(func) if isinstance(func, str) else func
    return cst.Call(func=expression, args=[cst.Arg(arg) for arg in args])


def _method_call(value: cst.BaseExpression, name: str, *args: cst.BaseExpression) -> cst.Call:
    return _call(cst.Attribute(value=value, attr=cst.Name(name)), *args)


def _prepend(first: list[cst.BaseExpression], updated: cst.Call) -> list[cst.Arg]:
    """``first`` as positional arguments, then the terminal's own arguments."""
    rest = list(updated.args)
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    args = [cst.Arg(value, comma=comma) for value in first]
    if not rest:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return [*args, *rest]


def build(
    updated: cst.Call,
    statement: cst.BaseExpression,
    model: cst.BaseExpression,
    db: str,
    select: str,
    func: str,
    terminal: str,
    rewrite: str,
    unique: bool,
) -> cst.BaseExpression:
    """The 2.x expression for one terminal, keeping the call's own parentheses."""
    parens = {"lpar": updated.lpar, "rpar": updated.rpar}
    one = cst.Integer("1")
    if terminal in ("get", "get_or_404"):
        helper = f"{db}.session.get" if terminal == "get" else f"{db}.get_or_404"
        return updated.with_changes(
            func=cst.parse_expression(helper), args=_prepend([model], updated)
        )
    if terminal in ("first_or_404", "one_or_404", "paginate"):
        if terminal == "first_or_404":
            statement = _method_call(statement, "limit", one)
        return updated.with_changes(
            func=cst.parse_expression(f"{db}.{terminal}"), args=_prepend([statement], updated)
        )
    if rewrite == "count":
        template = f"{db}.session.scalar({select}({func}.count()).select_from({{inner}}))"
        inner = _method_call(statement, "subquery")
        return parse_template_expression(template, inner=inner).with_changes(**parens)
    if rewrite == "count-short":
        return _call(f"{db}.session.scalar", statement).with_changes(**parens)
    if terminal == "first":
        statement = _method_call(statement, "limit", one)
    result: cst.BaseExpression = _call(f"{db}.session.scalars", statement)
    if unique:
        result = _method_call(result, "unique")
    func_node = t.cast(cst.Attribute, updated.func)
    return updated.with_changes(func=func_node.with_changes(value=result))


def iterate(updated: cst.BaseExpression, db: str, unique: bool) -> cst.BaseExpression:
    """``db.session.scalars(<statement>)``, for a ``for`` loop over a legacy query: the
    entities, each once (``unique()`` after a join, outerjoin or options()).
    """
    statement = updated.with_changes(lpar=[], rpar=[])
    result: cst.BaseExpression = _call(f"{db}.session.scalars", statement)
    if unique:
        result = _method_call(result, "unique")
    return result.with_changes(lpar=updated.lpar, rpar=updated.rpar)
