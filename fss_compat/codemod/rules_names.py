"""Family 1xx, names on ``db``: ``db.Column``-style forwards (FSC101), ``db.Table`` (FSC102)
and ``db.relationship`` (FSC104), with the use sites of dynamic relationships.
"""

from __future__ import annotations

import ast
import typing as t

import libcst as cst
import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import Context
from fss_compat.codemod.engine import Handler
from fss_compat.shims.extension import SQLAlchemy
from fss_compat.shims.extension import forwarded_module

#: What ``SQLAlchemy.__init__`` sets on the instance, hiding a class-level forward of the
#: same name (``db.session`` is the scoped session, not ``sqlalchemy.orm.session``).
INSTANCE_ATTRIBUTES = frozenset({"Model", "Query", "Table", "metadatas", "session"})
#: Name on ``db`` -> the module it forwards to, exactly as the runtime forwards it.
FORWARDS: dict[str, str] = {
    name: module.__name__
    for name in {n for m in (sa, orm) for n in dir(m)} - INSTANCE_ATTRIBUTES
    if not hasattr(SQLAlchemy, name) and (module := forwarded_module(name)) is not None
}
_RELATIONSHIPS = frozenset({"relationship", "relation", "dynamic_loader"})
#: The methods Flask-SQLAlchemy's Query adds, which a plain Query (a dynamic collection's, or
#: a plain session's ``session.query(...)``) lacks.
FSA_QUERY_METHODS = frozenset({"paginate", "first_or_404", "one_or_404", "get_or_404"})
_BUILDERS = frozenset({"filter", "filter_by", "where", "order_by", "limit", "offset", "join"})
#: Callees whose result, second in ``db.Table(...)``, is a schema item and not a MetaData.
_SCHEMA_ITEMS = frozenset(
    {
        "CheckConstraint",
        "Column",
        "Computed",
        "ForeignKeyConstraint",
        "Identity",
        "Index",
        "PrimaryKeyConstraint",
        "UniqueConstraint",
    }
)


def _literal(node: cst.BaseExpression) -> object:
    """The value of a literal expression; ``...`` (Ellipsis) when it is not one."""
    try:
        return ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError):
        return ...


def _lazy(call: cst.Call) -> str:
    """``"dynamic"``, ``""`` (not dynamic), or why the tool cannot tell."""
    if any(arg.star == "**" for arg in call.args):
        return "it passes **kwargs, so the tool cannot see lazy="
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "lazy":
            value = _literal(arg.value)
            if value is ...:
                return "lazy= is not a literal the tool can read"
            if value == "dynamic":
                return "dynamic"
    return ""


def dynamic(call: cst.Call) -> tuple[str, list[str]]:
    """For a relationship call: its state (see :func:`_lazy`) and its dynamic backref names."""
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "dynamic_loader":
        return "dynamic", []
    state = _lazy(call)
    backrefs: list[str] = []
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value != "backref":
            continue
        value = arg.value
        if isinstance(value, cst.Call):
            backref = _lazy(value)
            name = _literal(value.args[0].value) if value.args else ...
        elif isinstance(value, cst.SimpleString):
            continue
        else:
            literal = _literal(value)
            backref, name = "backref= is not a literal the tool can read", ...
            if isinstance(literal, tuple) and len(literal) == 2:
                options = literal[1] if isinstance(literal[1], dict) else {}
                backref = "dynamic" if options.get("lazy") == "dynamic" else ""
                name = literal[0]
        if backref == "dynamic" and isinstance(name, str):
            backrefs.append(name)
        if backref and state != "dynamic":
            state = backref if backref == "dynamic" else f"its backref: {backref}"
    return state, backrefs


def _receiver(ctx: Context, node: cst.BaseExpression) -> frozenset[str]:
    """The qualified names of a possible ``db``; empty for ``sqlalchemy`` modules themselves."""
    if not isinstance(node, (cst.Name, cst.Attribute)):
        return frozenset()
    names = ctx.qnames(node)
    if any(name == "sqlalchemy" or name.startswith("sqlalchemy.") for name in names):
        return frozenset()
    return names


def on_attribute(ctx: Context, node: cst.Attribute) -> None:
    """``db.Column`` and the other forwards."""
    module = FORWARDS.get(node.attr.value)
    if module is None or id(node) in ctx.claimed:
        return
    target = _receiver(ctx, node.value)
    if not target:
        return
    name = node.attr.value
    candidate = Candidate(ctx.line, "FSC101", "names", f"'db.{name}'", "db", tuple(target))
    finding = ctx.report(candidate, node)
    if ctx.applies(finding):
        ref = ctx.sqlalchemy(name, node) if module == "sqlalchemy" else ctx.orm(name, node)
        if not ref:
            return
        ctx.replace(
            node,
            lambda updated: cst.parse_expression(ref).with_changes(
                lpar=updated.lpar, rpar=updated.rpar
            ),
        )


def on_call(ctx: Context, node: cst.Call) -> None:
    """``db.relationship(...)`` and the Query methods of dynamic collections."""
    func = node.func
    if not isinstance(func, cst.Attribute):
        return
    method = func.attr.value
    if method in _RELATIONSHIPS:
        _relationship(ctx, node, func, method)
    elif method == "Table":
        _table(ctx, node, func)
    elif method in FSA_QUERY_METHODS:
        _dynamic_use(ctx, node, func, method)


def _relationship(ctx: Context, node: cst.Call, func: cst.Attribute, method: str) -> None:
    target = _receiver(ctx, func.value)
    if not target:
        return
    state, _ = dynamic(node)
    what = f"'db.{method}(...)'"
    if state == "dynamic":
        message = f"{what} is dynamic: its collection is a Flask-SQLAlchemy Query"
        ctx.report(Candidate(ctx.line, "FSC104", "dynamic", message, "db", tuple(target)), node)
        return
    candidate = Candidate(ctx.line, "FSC104", "relationship", what, "db", tuple(target), state)
    finding = ctx.report(candidate, node)
    if ctx.applies(finding):
        ref = ctx.orm("relationship", node)
        if ref:
            ctx.replace(
                node,
                lambda updated: updated.with_changes(
                    func=cst.parse_expression(ref).with_changes(
                        lpar=updated.func.lpar, rpar=updated.func.rpar
                    )
                ),
            )


def _last_name(node: cst.BaseExpression) -> str:
    """``Column`` for ``Column``, ``sa.Column`` or ``db.Column``; ``""`` for other shapes."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def _second_argument(args: t.Sequence[cst.Arg]) -> str:
    """What ``db.Table``'s second positional argument is: ``"none"``, ``"item"``,
    ``"metadata"``, or ``""`` when the tool cannot tell.
    """
    positional = [arg for arg in args if arg.keyword is None]
    if len(positional) < 2:
        return "none"
    value = positional[1].value
    if isinstance(value, cst.Call):
        callee = _last_name(value.func)
        return "metadata" if callee == "MetaData" else "item" if callee in _SCHEMA_ITEMS else ""
    return "metadata" if _last_name(value) == "metadata" else ""


def _table(ctx: Context, node: cst.Call, func: cst.Attribute) -> None:
    """``db.Table(name, *items)`` -> ``sa.Table(name, db.metadata, *items)``."""
    target = _receiver(ctx, func.value)
    if not target:
        return
    if any(arg.keyword is not None and arg.keyword.value == "bind_key" for arg in node.args):
        message = "'db.Table(..., bind_key=...)' puts the table in a bind key's MetaData"
        ctx.report(Candidate(ctx.line, "FSC102", "bind-key", message, "db", tuple(target)), node)
        return
    second = _second_argument(node.args)
    blocked = ""
    if any(arg.star for arg in node.args):
        blocked = "it passes *args or **kwargs, so the tool cannot see bind_key= or the MetaData"
    elif not node.args or node.args[0].keyword is not None:
        blocked = "it has no table name first"
    elif not second:
        blocked = "the tool cannot tell whether its second argument is a MetaData"
    what = "'db.Table(...)'"
    candidate = Candidate(ctx.line, "FSC102", "table", what, "db", tuple(target), blocked)
    finding = ctx.report(candidate, node)
    if not ctx.applies(finding):
        return
    ref = ctx.sqlalchemy("Table", node)
    if not ref:
        return
    metadata = f"{ctx.code(func.value)}.metadata"

    def edit(updated: cst.Call) -> cst.Call:
        callee = cst.parse_expression(ref).with_changes(
            lpar=updated.func.lpar, rpar=updated.func.rpar
        )
        args = list(updated.args)
        if second != "metadata":
            # The new argument takes the first one's comma, and with it the layout (a newline
            # and an indent in a call written one argument a line).
            first = args[0]
            added = cst.Arg(cst.parse_expression(metadata), comma=first.comma)
            if len(args) == 1:
                first = first.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
            args[0:1] = [first, added]
        return updated.with_changes(func=callee, args=args)

    ctx.replace(node, edit)


def _dynamic_use(ctx: Context, node: cst.Call, func: cst.Attribute, method: str) -> None:
    """``<obj>.<dynamic relationship>[.builder(...)].paginate(...)`` and the like."""
    current: cst.BaseExpression = func.value
    while (
        isinstance(current, cst.Call)
        and isinstance(current.func, cst.Attribute)
        and current.func.attr.value in _BUILDERS
    ):
        current = current.func.value
    if not isinstance(current, cst.Attribute) or current.attr.value == "query":
        return
    attribute = current.attr.value
    message = f"'.{attribute}...{method}()' uses a dynamic relationship's Query method"
    ctx.report(Candidate(ctx.line, "FSC104", "dynamic-use", message, "dynamic", (attribute,)))
    keywords = {arg.keyword.value for arg in node.args if arg.keyword is not None}
    if method == "paginate" and not {"page", "per_page"} <= keywords:
        message = f"'.{attribute}...paginate()' reads page and per_page from the request"
        ctx.report(Candidate(ctx.line, "FSC605", "request-args", message, "dynamic", (attribute,)))


HANDLERS: dict[type[cst.CSTNode], tuple[Handler, ...]] = {
    cst.Attribute: (on_attribute,),
    cst.Call: (on_call,),
}
