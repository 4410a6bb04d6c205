"""Family 6xx, helpers and extras: the 404 helpers on ``db`` (FSC601), pagination that reads
the request (FSC605), recorded queries (FSC602) and modification tracking (FSC603).
"""

from __future__ import annotations

import ast

import libcst as cst

from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import Context
from fss_compat.codemod.engine import Handler

_HELPERS = frozenset({"get_or_404", "first_or_404", "one_or_404"})
_CONFIG = {
    "SQLALCHEMY_RECORD_QUERIES": ("FSC602", "recorded-queries"),
    "SQLALCHEMY_TRACK_MODIFICATIONS": ("FSC603", "track-modifications"),
}
#: Names whose use is the feature, in Flask-SQLAlchemy (3.x and 2.x) and in fss_compat.
_NAMES = {
    "get_recorded_queries": ("FSC602", "recorded-queries"),
    "get_debug_queries": ("FSC602", "recorded-queries"),
    "models_committed": ("FSC603", "track-modifications"),
    "before_models_committed": ("FSC603", "track-modifications"),
}
_MODULES = ("flask_sqlalchemy", "fss_compat.shims")


def on_call(ctx: Context, node: cst.Call) -> None:
    """``db.get_or_404(...)`` and friends; ``db.paginate(...)`` without page numbers."""
    func = node.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, (cst.Name, cst.Attribute)):
        return
    method = func.attr.value
    if method not in _HELPERS and method != "paginate":
        return
    target = ctx.qnames(func.value)
    if not target:
        return
    blocked = ""
    if method == "paginate":
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        explicit = [keywords.get(name) for name in ("page", "per_page")]
        if any(value is None or _none(value) for value in explicit):
            blocked = "page= and per_page= are not both given: it reads them from the request"
        if not {"page", "per_page"} <= keywords.keys():
            message = "'db.paginate(...)' reads page and per_page from the request"
            candidate = Candidate(ctx.line, "FSC605", "request-args", message, "db", tuple(target))
            ctx.report(candidate, node)
    rewrite = "paginate" if method == "paginate" else "helpers"
    message = f"'db.{method}(...)'"
    candidate = Candidate(ctx.line, "FSC601", rewrite, message, "db", tuple(target), blocked)
    finding = ctx.report(candidate)
    if not ctx.applies(finding):
        return
    helper = ctx.reference(f"fss_compat.{method}", node)
    if not helper:
        return

    def edit(updated: cst.Call) -> cst.Call:
        db = updated.func.value if isinstance(updated.func, cst.Attribute) else updated.func
        session = cst.Attribute(value=db, attr=cst.Name("session"))
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        first = cst.Arg(session, comma=comma if updated.args else cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(func=cst.parse_expression(helper), args=[first, *updated.args])

    ctx.replace(node, edit)


def _none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _enabled(value: cst.BaseExpression | None) -> bool:
    """Whether a config value may turn the feature on (anything but a false literal)."""
    if value is None:
        return True
    try:
        return bool(ast.literal_eval(cst.Module([]).code_for_node(value)))
    except (ValueError, SyntaxError):
        return True


def _config(ctx: Context, key: str, value: cst.BaseExpression | None) -> None:
    if key in _CONFIG and _enabled(value):
        feature, rewrite = _CONFIG[key]
        ctx.report(Candidate(ctx.line, feature, rewrite, f"'{key}' is set"))


def _string(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else ""
    return ""


def on_assign(ctx: Context, node: cst.Assign | cst.AnnAssign) -> None:
    """``SQLALCHEMY_X = True`` (config objects) and ``app.config["SQLALCHEMY_X"] = True``."""
    targets = (
        [target.target for target in node.targets]
        if isinstance(node, cst.Assign)
        else [node.target]
    )
    for target in targets:
        if isinstance(target, cst.Name):
            _config(ctx, target.value, node.value)
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if isinstance(index, cst.Index):
                _config(ctx, _string(index.value), node.value)


def on_arg(ctx: Context, node: cst.Arg) -> None:
    """``config.update(SQLALCHEMY_X=True)``."""
    if node.keyword is not None:
        _config(ctx, node.keyword.value, node.value)


def on_dict_element(ctx: Context, node: cst.DictElement) -> None:
    """``{"SQLALCHEMY_X": True}``."""
    _config(ctx, _string(node.key), node.value)


def on_name(ctx: Context, node: cst.Name) -> None:
    """A use of ``get_recorded_queries``, ``models_committed`` and the like."""
    if node.value not in _NAMES or id(node) in ctx.claimed:
        return
    if any(name.startswith(_MODULES) for name in ctx.qnames(node)):
        feature, rewrite = _NAMES[node.value]
        ctx.report(Candidate(ctx.line, feature, rewrite, f"'{node.value}' is used"))


def on_import_from(ctx: Context, node: cst.ImportFrom) -> None:
    """Imports are not uses: the names they bind are reported where they are used."""
    if not isinstance(node.names, cst.ImportStar):
        ctx.claim(alias.asname.name if alias.asname else alias.name for alias in node.names)
        ctx.claim(alias.name for alias in node.names)


HANDLERS: dict[type[cst.CSTNode], tuple[Handler, ...]] = {
    cst.Call: (on_call,),
    cst.Assign: (on_assign,),
    cst.AnnAssign: (on_assign,),
    cst.Arg: (on_arg,),
    cst.DictElement: (on_dict_element,),
    cst.Name: (on_name,),
    cst.ImportFrom: (on_import_from,),
}
