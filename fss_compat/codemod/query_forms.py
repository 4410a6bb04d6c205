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

#: The ``Query`` methods that change what a chain selects, and their ``Select`` names: the
#: chain then returns rows (``Query.with_entities`` sets the columns as
#: ``Select.with_only_columns`` does; ``add_entity`` appends one as ``add_columns``).
ROW_BUILDERS = {
    "with_entities": "with_only_columns",
    "add_entity": "add_columns",
    "add_columns": "add_columns",
}
#: The terminals a row-returning chain is rewritten with.
ROW_TERMINALS = frozenset({"all", "first", "one", "one_or_none", "count"})


def row_shape(calls: t.Sequence[cst.Call]) -> str | None:
    """``"rows"`` when the builders ``calls`` leave two or more columns selected, or one
    column read as ``X.attribute``; a reason the rewrite is blocked when one thing is left
    that may be an entity (a ``Query`` of one entity returns it, not a row); None for
    ``*args`` or no argument.
    """
    count = 1
    single: cst.BaseExpression | None = None
    for call in calls:
        method = t.cast(cst.Attribute, call.func).attr.value
        if method not in ROW_BUILDERS:
            continue
        if not call.args or any(arg.star or arg.keyword for arg in call.args):
            return None
        added = len(call.args)
        count = added if method == "with_entities" else count + added
        single = call.args[0].value if method == "with_entities" and added == 1 else None
    if count > 1:
        return "rows"
    if isinstance(single, cst.Attribute) and isinstance(single.value, cst.Name):
        return "rows"
    return "one thing is selected, which may be an entity: the Query returns it, not a row"


def with_select_columns(chain: t.Any) -> t.Any:
    """``chain`` with ``with_entities`` and ``add_entity`` renamed to ``Select``'s methods."""
    if not isinstance(chain, cst.Call) or not isinstance(chain.func, cst.Attribute):
        return chain
    func = chain.func
    name = ROW_BUILDERS.get(func.attr.value, func.attr.value)
    inner = with_select_columns(func.value)
    return chain.with_changes(func=func.with_changes(value=inner, attr=cst.Name(name)))


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
    rows: bool = False,
) -> cst.BaseExpression:
    """The 2.x expression for one terminal, keeping the call's own parentheses.

    :param rows: the statement selects columns (``with_entities``): run it with
        ``execute``, whose rows are what the ``Query`` returned.
    """
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
    result: cst.BaseExpression = _call(
        f"{db}.session.{'execute' if rows else 'scalars'}", statement
    )
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
