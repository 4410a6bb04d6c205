"""Family 0xx, setup: the import swap (FSC001) and ``db.get_engine()`` (FSC002).

At the 2.5 level (``--level 2.5``) the names only Flask-SQLAlchemy 2.x had are served, so
FSC001 leaves them to FSC700 (:mod:`fss_compat.codemod.rules_v2`).
"""

from __future__ import annotations

import importlib
import typing as t

import libcst as cst
from libcst.helpers import get_full_name_for_node

from fss_compat import shims
from fss_compat.codemod.engine import OnDb
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.shapes import V2_MODULES
from fss_compat.codemod.shapes import v2_only

#: The modules of Flask-SQLAlchemy 3.1, each mirrored by ``fss_compat.shims.<name>``.
SHIMS = frozenset(shims.MODULES)
_TOP = "flask_sqlalchemy"
#: Names Flask-SQLAlchemy 3.0 and 2.x had at the top of the package, which 3.1 dropped: where
#: each is now (upstream's module, so the swap's own target) and under which name.
_MOVED = {
    "Model": "fss_compat.shims.model.Model",
    "DefaultMeta": "fss_compat.shims.model.DefaultMeta",
    "Pagination": "fss_compat.shims.pagination.Pagination",
    "BaseQuery": "fss_compat.shims.query.Query",
    "SignallingSession": "fss_compat.shims.session.Session",
    "get_debug_queries": "fss_compat.shims.record_queries.get_recorded_queries",
    "models_committed": "fss_compat.shims.track_modifications.models_committed",
    "before_models_committed": "fss_compat.shims.track_modifications.before_models_committed",
}


def _moved(names: list[str]) -> str:
    """Where the dropped names are now, as a hint for the message; ``""`` when none moved."""
    hints = [f"'{name}' is '{_MOVED[name]}'" for name in names if name in _MOVED]
    if not hints:
        return ""
    return f" (Flask-SQLAlchemy 3.1 moved it: {'; '.join(hints)}, with changes, see its guide)"


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


class SetupRules(Rule):
    """FSC001 import-swap and FSC002 get-engine."""

    FEATURES = ("FSC001", "FSC002")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
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
        self.claim([node.module])
        if self.run.options.level == "2.5" and any(v2_only(module, name) for name in names):
            return  # served at the 2.5 level: FSC700 reports the names 3.1 lacks
        target, missing = _target(module, names)
        if missing or not target or (module == _TOP and names == ["*"]):
            message = f"'from {module} import {', '.join(missing or names)}' has no fss_compat form"
            message += _moved(missing)
            self.report(node, "FSC001", "unknown-name", message)
            return
        message = f"'from {module} import ...' becomes 'from {target} import ...'"
        finding = self.report(node, "FSC001", "import", message)
        if self.applies(finding):
            self.edit(
                node,
                finding,
                lambda updated: updated.with_changes(module=cst.parse_expression(target)),
            )

    def visit_Import(self, node: cst.Import) -> None:
        """``import flask_sqlalchemy[.X] [as y]``."""
        renames: dict[int, str] = {}
        self.claim(alias.name for alias in node.names)
        for position, alias in enumerate(node.names):
            name = get_full_name_for_node(alias.name) or ""
            if name == _TOP:
                renames[position] = "fss_compat"
            elif name.startswith(f"{_TOP}."):
                if self.run.options.level == "2.5" and name in V2_MODULES:
                    return  # served at the 2.5 level: FSC700 reports it
                sub = name[len(_TOP) + 1 :]
                if sub.split(".")[0] not in SHIMS:
                    message = f"'import {name}' has no fss_compat form"
                    self.report(node, "FSC001", "unknown-name", message)
                    return
                renames[position] = f"fss_compat.shims.{sub}"
        if not renames:
            return
        finding = self.report(node, "FSC001", "import", "'import flask_sqlalchemy'")
        if self.applies(finding):

            def edit(updated: cst.Import) -> cst.Import:
                names = [
                    alias.with_changes(name=cst.parse_expression(renames[i]))
                    if i in renames
                    else alias
                    for i, alias in enumerate(updated.names)
                ]
                return updated.with_changes(names=names)

            self.edit(node, finding, edit)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``flask_sqlalchemy.X`` through a module import: ``fss_compat[.shims].X``."""
        if not isinstance(node.value, cst.Name) or self.claimed(node):
            return
        bound = node.value.value
        top = self.bindings.get(bound) == frozenset({_TOP}) or (
            bound == _TOP and any(name.startswith(f"{_TOP}.") for name in self.bindings)
        )
        if not top:
            return
        attr = node.attr.value
        if self.run.options.level == "2.5" and v2_only(_TOP, attr):
            return  # served at the 2.5 level: FSC700 reports it
        head = "fss_compat" if bound == _TOP else bound
        if attr in SHIMS:
            new = f"{head}.shims.{attr}"
        elif attr == "SQLAlchemy":
            new = f"{head}.SQLAlchemy"
        else:
            message = f"'{bound}.{attr}' has no fss_compat form"
            self.report(node, "FSC001", "unknown-name", message)
            return
        if new == self.code(node):
            return
        finding = self.report(node, "FSC001", "import", f"'{bound}.{attr}'")
        if self.applies(finding):
            self.edit(
                node,
                finding,
                lambda updated: cst.parse_expression(new).with_changes(
                    lpar=updated.lpar, rpar=updated.rpar
                ),
            )

    def visit_Call(self, node: cst.Call) -> None:
        """``db.get_engine(...)``: ``db.engine`` or ``db.engines[key]``."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "get_engine":
            return
        if not isinstance(func.value, (cst.Name, cst.Attribute)):
            return
        target = self.qnames(func.value)
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
        finding = self.report(
            node, "FSC002", "get-engine", what, OnDb(tuple(sorted(target))), blocked
        )
        if not self.applies(finding):
            return

        def edit(updated: cst.Call) -> cst.BaseExpression:
            db = t.cast(cst.Attribute, updated.func).value
            lpar, rpar = updated.lpar, updated.rpar
            if key is None:
                return cst.Attribute(value=db, attr=cst.Name("engine"), lpar=lpar, rpar=rpar)
            engines = cst.Attribute(value=db, attr=cst.Name("engines"))
            index = cst.SubscriptElement(cst.Index(updated.args[0].value))
            return cst.Subscript(value=engines, slice=[index], lpar=lpar, rpar=rpar)

        self.edit(node, finding, edit)
