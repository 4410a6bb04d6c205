"""Family 7xx, Flask-SQLAlchemy 2.x's names: its imports (FSC700), its extension state
(FSC703) and ``get_debug_queries`` (FSC704).

The imports are reported at the 2.5 level only, where 2.x's names are served (at 3.1
FSC001 reports them as unknown); the state and ``get_debug_queries`` at both. The rewrites
give code for the 3.1 level, made "with the switch" (see the guide's stage -1); its pages
are :mod:`fss_compat.codemod.rules_v2_pages`'s.
"""

from __future__ import annotations

import typing as t

import libcst as cst
import libcst.matchers as m
from libcst.helpers import get_full_name_for_node

from fss_compat.codemod.engine import Rule
from fss_compat.codemod.shapes import V2_MODULES
from fss_compat.codemod.shapes import V2_ONLY
from fss_compat.codemod.shapes import last_name
from fss_compat.codemod.shapes import literal
from fss_compat.codemod.shapes import v2_only

_TOP = "flask_sqlalchemy"
_V2 = ("flask_sqlalchemy", "fss_compat.shims_v2")
#: Where each name lives (2.x's top level, or fss_compat's modules of the 2.5 level).
_GET_STATE = frozenset(
    {f"{top}.get_state" for top in _V2} | {"fss_compat.shims_v2._engines.get_state"}
)
_DEBUG_QUERIES = frozenset(
    {f"{top}.get_debug_queries" for top in _V2} | {"fss_compat.shims_v2._record.get_debug_queries"}
)
#: Why a module or name 2.x had has no 3.x form, or where its replacement is.
_GONE = {
    "_compat": "3.x has no '_compat' module: use the built-ins",
    "utils": "3.x has no 'utils' module: compare sqlalchemy.__version__ yourself",
    "FSADeprecationWarning": "3.x warns with DeprecationWarning",
    "SignallingSession": "3.x's session is flask_sqlalchemy.session.Session (FSC707)",
    "get_debug_queries": "3.x has get_recorded_queries (FSC704)",
    "get_state": "3.x's app.extensions['sqlalchemy'] is the db (FSC703)",
}


def _extension_entry(node: cst.BaseExpression) -> bool:
    """Whether ``node`` is ``<app>.extensions["sqlalchemy"]`` (or its ``.get(...)``)."""
    if isinstance(node, cst.Subscript):
        index = node.slice[0].slice if len(node.slice) == 1 else None
        return (
            m.matches(node.value, m.Attribute(attr=m.Name("extensions")))
            and isinstance(index, cst.Index)
            and literal(index.value) == "sqlalchemy"
        )
    return (
        isinstance(node, cst.Call)
        and m.matches(
            node.func, m.Attribute(value=m.Attribute(attr=m.Name("extensions")), attr=m.Name("get"))
        )
        and bool(node.args)
        and literal(node.args[0].value) == "sqlalchemy"
    )


class V2Rules(Rule):
    """FSC700 v2-imports, FSC703 extension-state and FSC704 debug-queries."""

    FEATURES = ("FSC700", "FSC703", "FSC704")

    @property
    def _v2_level(self) -> bool:
        return self.run.options.level == "2.5"

    # -- FSC700: imports ---------------------------------------------------------------------

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """``from flask_sqlalchemy import BaseQuery`` and the other 2.x-only names."""
        if isinstance(node.names, cst.ImportStar):
            return
        self.claim(alias.asname.name if alias.asname else alias.name for alias in node.names)
        self.claim(alias.name for alias in node.names)
        if node.relative or node.module is None or not self._v2_level:
            return
        module = get_full_name_for_node(node.module) or ""
        names = [(get_full_name_for_node(alias.name) or "", alias) for alias in node.names]
        only = [(name, alias) for name, alias in names if v2_only(module, name)]
        if not only:
            return
        table = V2_ONLY.get(module, {})
        renamed = [(name, alias) for name, alias in only if table.get(name)]
        gone = [name for name, alias in only if not table.get(name)]
        if "get_state" in gone and self._state_uses_rewritten(node, module):
            gone.remove("get_state")
        if gone:
            hints = [_GONE[name] for name in gone if name in _GONE]
            message = f"'from {module} import {', '.join(gone)}' has no 3.x form"
            if module in V2_MODULES:
                hints = [_GONE[module.rpartition(".")[2]]]
            message += f" ({'; '.join(hints)})" if hints else ""
            self.report(node, "FSC700", "gone", message)
        if not renamed:
            return
        targets = ", ".join(f"'{name}' is '{table[name]}'" for name, _ in renamed)
        finding = self.report(node, "FSC700", "rename", f"3.x moved names: {targets}")
        if not self.applies(finding):
            return
        for name, alias in renamed:
            target_module, _, obj = table[name].rpartition(".")
            bound = alias.asname.name if alias.asname else alias.name
            asname = get_full_name_for_node(bound) or name
            self.add_needed_import(target_module, obj, asname if asname != obj else None)
        moved = {id(alias) for _, alias in renamed}

        def edit(updated: cst.ImportFrom) -> cst.ImportFrom | cst.RemovalSentinel:
            original = t.cast(t.Sequence[cst.ImportAlias], node.names)
            kept = [
                new
                for old, new in zip(
                    original, t.cast(t.Sequence[cst.ImportAlias], updated.names), strict=True
                )
                if id(old) not in moved
            ]
            if not kept:
                return cst.RemovalSentinel.REMOVE
            if updated.rpar is None:
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(names=kept)

        self.edit(node, finding, edit)

    def visit_Import(self, node: cst.Import) -> None:
        """``import flask_sqlalchemy._compat`` and ``import flask_sqlalchemy.utils``."""
        if not self._v2_level:
            return
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            if name in V2_MODULES:
                message = f"'import {name}' has no 3.x form ({_GONE[name.rpartition('.')[2]]})"
                self.report(node, "FSC700", "gone", message)

    def _state_uses_rewritten(self, node: cst.ImportFrom, module: str) -> bool:
        """Whether every use of the imported ``get_state`` is a ``get_state(app).db`` that
        FSC703 rewrites (and then drops the import): the import is no site of its own.
        """
        if module != _TOP:
            return False
        alias = next(
            a
            for a in t.cast(t.Sequence[cst.ImportAlias], node.names)
            if get_full_name_for_node(a.name) == "get_state"
        )
        bound = get_full_name_for_node(alias.asname.name if alias.asname else alias.name) or ""
        tree = self.module
        named = m.Name(bound)
        total = len(m.findall(tree, named))
        imports = sum(len(m.findall(i, named)) for i in m.findall(tree, m.ImportFrom()))
        rewritten = m.Attribute(
            value=m.Call(func=named, args=[m.Arg(keyword=None, star="")]), attr=m.Name("db")
        )
        handled = len(m.findall(tree, rewritten))
        return handled > 0 and total - imports == handled

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``flask_sqlalchemy.BaseQuery``; ``app.extensions["sqlalchemy"].db``."""
        attr = node.attr.value
        if attr == "db" or attr == "connectors":
            self._state(node, attr)
        elif attr == "get_debug_queries":
            self.claim([node.attr])
            self._debug_queries(node)
        if isinstance(node.value, cst.Name) and self._v2_level and v2_only(_TOP, attr):
            self._module_attribute(node, node.value, attr)

    def _module_attribute(self, node: cst.Attribute, head: cst.Name, attr: str) -> None:
        if self.bindings.get(head.value) != frozenset({_TOP}):
            return
        target = V2_ONLY[_TOP][attr]
        if not target:
            message = f"'{head.value}.{attr}' has no 3.x form"
            message += f" ({_GONE[attr]})" if attr in _GONE else ""
            self.report(node, "FSC700", "gone", message)
            return
        message = f"3.x moved names: '{attr}' is '{target}'"
        finding = self.report(node, "FSC700", "rename", message)
        if not self.applies(finding):
            return
        reference = self.reference(target, node)
        if not reference:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        self.edit(
            node,
            finding,
            lambda updated: cst.parse_expression(reference).with_changes(
                lpar=updated.lpar, rpar=updated.rpar
            ),
        )

    # -- FSC703: the extension state --------------------------------------------------------

    def _get_state(self, node: cst.BaseExpression) -> cst.Call | None:
        """``node`` if it is a call of 2.x's ``get_state`` with one argument."""
        if not (isinstance(node, cst.Call) and isinstance(node.func, (cst.Name, cst.Attribute))):
            return None
        if last_name(node.func) != "get_state" or not _GET_STATE & self.qnames(node.func):
            return None
        return node

    def _state(self, node: cst.Attribute, attr: str) -> None:
        """``<state>.db`` and ``<state>.connectors`` of the state 2.x kept per app."""
        call = self._get_state(node.value)
        if call is not None:
            self.claim([call])
        elif not _extension_entry(node.value):
            return
        what = f"'{self.code(node.value)}.{attr}'"
        if attr == "connectors":
            message = f"{what}: 3.x keeps an app's engines in db.engines"
            self.report(node, "FSC703", "state", message)
            return
        app: cst.BaseExpression | None = None
        blocked = ""
        if call is not None:
            args = call.args
            if len(args) != 1 or args[0].keyword is not None or args[0].star:
                blocked = "get_state() does not have one app argument"
            else:
                app = args[0].value
        message = f"{what}: 3.x's app.extensions['sqlalchemy'] is the db itself"
        finding = self.report(node, "FSC703", "state-db", message, blocked=blocked)
        if not self.applies(finding):
            return
        if call is not None:
            self.remove_unused_import_by_node(call.func)

        def edit(updated: cst.Attribute) -> cst.BaseExpression:
            if app is None:
                return updated.value.with_changes(lpar=updated.lpar, rpar=updated.rpar)
            value = t.cast(cst.Call, updated.value).args[0].value
            if not isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
                value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            extensions = cst.Attribute(value=value, attr=cst.Name("extensions"))
            key = cst.SubscriptElement(cst.Index(cst.SimpleString('"sqlalchemy"')))
            return cst.Subscript(
                value=extensions, slice=[key], lpar=updated.lpar, rpar=updated.rpar
            )

        self.edit(node, finding, edit)

    def visit_Call(self, node: cst.Call) -> None:
        """``get_state(app)`` other than ``get_state(app).db``."""
        if not self.claimed(node) and self._get_state(node) is not None:
            message = f"'{self.code(node)}': 3.x keeps no state object per app"
            self.report(node, "FSC703", "state", message)

    # -- FSC704 -----------------------------------------------------------------------------

    def visit_Name(self, node: cst.Name) -> None:
        """A use of ``get_debug_queries``."""
        if node.value == "get_debug_queries" and not self.claimed(node):
            self._debug_queries(node)

    def _debug_queries(self, node: cst.Name | cst.Attribute) -> None:
        if self.claimed(node) or not _DEBUG_QUERIES & self.qnames(node):
            return
        message = (
            "'get_debug_queries' is used: 3.x's get_recorded_queries() returns records with"
            " .location (not .context) and records only with SQLALCHEMY_RECORD_QUERIES = True"
        )
        self.report(node, "FSC704", "recorded-queries", message)
