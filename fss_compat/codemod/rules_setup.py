"""Family 0xx, setup: the import swap (FSC001) and ``db.get_engine()`` (FSC002)."""

from __future__ import annotations

import importlib
import typing as t

import libcst as cst
from libcst.helpers import get_full_name_for_node

from fss_compat import shims
from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import Context
from fss_compat.codemod.engine import Handler

#: The modules of Flask-SQLAlchemy 3.1, each mirrored by ``fss_compat.shims.<name>``.
SHIMS = frozenset(shims.MODULES)
_TOP = "flask_sqlalchemy"


def _target(module: str, names: list[str]) -> tuple[str, list[str]]:
    """The fss_compat module for ``from <module> import <names>``, and the names it lacks."""
    if module == _TOP:
        targets = {
            "fss_compat" if name == "SQLAlchemy" else "fss_compat.shims"
            for name in names
            if name == "SQLAlchemy" or name in SHIMS
        }
        missing = [name for name in names if name != "SQLAlchemy" and name not in SHIMS]
        if len(targets) > 1:
            missing = missing or ["SQLAlchemy together with a module"]
        return (targets.pop() if targets else ""), missing
    sub = module[len(_TOP) + 1 :]
    if sub.split(".")[0] not in SHIMS:
        return "", names
    target = f"fss_compat.shims.{sub}"
    shim = importlib.import_module(target)
    return target, [name for name in names if name != "*" and not hasattr(shim, name)]


def on_import_from(ctx: Context, node: cst.ImportFrom) -> None:
    """``from flask_sqlalchemy[.X] import ...``."""
    if node.relative or node.module is None:
        return
    module = get_full_name_for_node(node.module) or ""
    if module != _TOP and not module.startswith(f"{_TOP}."):
        return
    if isinstance(node.names, cst.ImportStar):
        names = ["*"]
    else:
        names = [get_full_name_for_node(alias.name) or "" for alias in node.names]
    ctx.claim([node.module])
    target, missing = _target(module, names)
    if missing or not target or (module == _TOP and names == ["*"]):
        message = f"'from {module} import {', '.join(missing or names)}' has no fss_compat form"
        ctx.report(Candidate(ctx.line, "FSC001", "unknown-name", message))
        return
    message = f"'from {module} import ...' becomes 'from {target} import ...'"
    finding = ctx.report(Candidate(ctx.line, "FSC001", "import", message))
    if ctx.applies(finding):
        ctx.replace(node, lambda updated: updated.with_changes(module=cst.parse_expression(target)))


def on_import(ctx: Context, node: cst.Import) -> None:
    """``import flask_sqlalchemy[.X] [as y]``."""
    renames: dict[int, str] = {}
    ctx.claim(alias.name for alias in node.names)
    for position, alias in enumerate(node.names):
        name = get_full_name_for_node(alias.name) or ""
        if name == _TOP:
            renames[position] = "fss_compat"
        elif name.startswith(f"{_TOP}."):
            sub = name[len(_TOP) + 1 :]
            if sub.split(".")[0] not in SHIMS:
                message = f"'import {name}' has no fss_compat form"
                ctx.report(Candidate(ctx.line, "FSC001", "unknown-name", message))
                return
            renames[position] = f"fss_compat.shims.{sub}"
    if not renames:
        return
    finding = ctx.report(Candidate(ctx.line, "FSC001", "import", "'import flask_sqlalchemy'"))
    if ctx.applies(finding):

        def edit(updated: cst.Import) -> cst.Import:
            names = [
                alias.with_changes(name=cst.parse_expression(renames[i])) if i in renames else alias
                for i, alias in enumerate(updated.names)
            ]
            return updated.with_changes(names=names)

        ctx.replace(node, edit)


def on_attribute(ctx: Context, node: cst.Attribute) -> None:
    """``flask_sqlalchemy.X`` through a module import: ``fss_compat[.shims].X``."""
    if not isinstance(node.value, cst.Name) or id(node) in ctx.claimed:
        return
    bound = node.value.value
    top = ctx.bindings.get(bound) == frozenset({_TOP}) or (
        bound == _TOP and any(name.startswith(f"{_TOP}.") for name in ctx.bindings)
    )
    if not top:
        return
    attr = node.attr.value
    head = "fss_compat" if bound == _TOP else bound
    if attr in SHIMS:
        new = f"{head}.shims.{attr}"
    elif attr == "SQLAlchemy":
        new = f"{head}.SQLAlchemy"
    else:
        message = f"'{bound}.{attr}' has no fss_compat form"
        ctx.report(Candidate(ctx.line, "FSC001", "unknown-name", message))
        return
    if new == ctx.code(node):
        return
    finding = ctx.report(Candidate(ctx.line, "FSC001", "import", f"'{bound}.{attr}'"))
    if ctx.applies(finding):
        ctx.replace(
            node,
            lambda updated: cst.parse_expression(new).with_changes(
                lpar=updated.lpar, rpar=updated.rpar
            ),
        )


def on_call(ctx: Context, node: cst.Call) -> None:
    """``db.get_engine(...)``: ``db.engine`` or ``db.engines[key]``."""
    func = node.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "get_engine":
        return
    if not isinstance(func.value, (cst.Name, cst.Attribute)):
        return
    target = ctx.qnames(func.value)
    if not target:
        return
    key: cst.BaseExpression | None = None
    blocked = ""
    for arg in node.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        if arg.star or keyword not in (None, "bind_key", "bind") or key is not None:
            blocked = "its arguments are not one bind key"
        key = arg.value
    if isinstance(key, cst.Name) and key.value == "None":
        key = None
    what = "'db.get_engine(...)'"
    candidate = Candidate(ctx.line, "FSC002", "get-engine", what, "db", tuple(target), blocked)
    finding = ctx.report(candidate, node)
    if not ctx.applies(finding):
        return

    def edit(updated: cst.Call) -> cst.BaseExpression:
        db = t.cast(cst.Attribute, updated.func).value
        lpar, rpar = updated.lpar, updated.rpar
        if key is None:
            return cst.Attribute(value=db, attr=cst.Name("engine"), lpar=lpar, rpar=rpar)
        engines = cst.Attribute(value=db, attr=cst.Name("engines"))
        index = cst.SubscriptElement(cst.Index(updated.args[0].value))
        return cst.Subscript(value=engines, slice=[index], lpar=lpar, rpar=rpar)

    ctx.replace(node, edit)


HANDLERS: dict[type[cst.CSTNode], tuple[Handler, ...]] = {
    cst.ImportFrom: (on_import_from,),
    cst.Import: (on_import,),
    cst.Attribute: (on_attribute,),
    cst.Call: (on_call,),
}
