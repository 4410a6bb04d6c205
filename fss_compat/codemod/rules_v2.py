"""Family 7xx, Flask-SQLAlchemy 2.x's API: its imports (FSC700), positional ``paginate``
(FSC701, with FSC605 where it reads the request), its ``Pagination`` (FSC702), its
extension state (FSC703) and ``get_debug_queries`` (FSC704).

The shapes are 2.x's at both levels (3.x raises on them), so they are reported at both;
the imports only at the 2.5 level, where 2.x's names are served (at 3.1 FSC001 reports
them as unknown). Most rewrites give code for the 3.1 level, made "with the switch" (see
the guide's stage -1). A query or a page is known as such from its chain
(``Post.query...paginate(...)``, ``user.posts.paginate(...)``) or from a name assigned one
earlier in the same function.
"""

from __future__ import annotations

import typing as t

import libcst as cst
import libcst.matchers as m
from libcst.helpers import get_full_name_for_node

from fss_compat.codemod.engine import ALWAYS
from fss_compat.codemod.engine import OnDb
from fss_compat.codemod.engine import OnDynamic
from fss_compat.codemod.engine import OnModel
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Subject
from fss_compat.codemod.shapes import NOT_LITERAL
from fss_compat.codemod.shapes import PAGINATE_ARGUMENTS
from fss_compat.codemod.shapes import V2_MODULES
from fss_compat.codemod.shapes import V2_ONLY
from fss_compat.codemod.shapes import last_name
from fss_compat.codemod.shapes import literal
from fss_compat.codemod.shapes import paginate_arguments
from fss_compat.codemod.shapes import reads_request
from fss_compat.codemod.shapes import v2_only

_TOP = "flask_sqlalchemy"
_V2 = ("flask_sqlalchemy", "fss_compat.shims_v2")
#: 2.x's ``iter_pages`` arguments in their order.
_ITER_PAGES = ("left_edge", "left_current", "right_current", "right_edge")
_NO_SPACE = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)
#: Where each name lives (2.x's top level, or fss_compat's modules of the 2.5 level).
_GET_STATE = frozenset(
    {f"{top}.get_state" for top in _V2} | {"fss_compat.shims_v2._engines.get_state"}
)
_DEBUG_QUERIES = frozenset(
    {f"{top}.get_debug_queries" for top in _V2} | {"fss_compat.shims_v2._record.get_debug_queries"}
)
_PAGINATION_V2 = frozenset(
    {f"{top}.Pagination" for top in _V2} | {"fss_compat.shims_v2._query.Pagination"}
)
_PAGINATION_V3 = frozenset(
    {"flask_sqlalchemy.pagination.Pagination", "fss_compat.shims.pagination.Pagination"}
)
_GONE = {
    "_compat": "3.x has no '_compat' module: use the built-ins",
    "utils": "3.x has no 'utils' module: compare sqlalchemy.__version__ yourself",
    "FSADeprecationWarning": "3.x warns with DeprecationWarning",
    "SignallingSession": "3.x's session is flask_sqlalchemy.session.Session (FSC707)",
    "get_debug_queries": "3.x has get_recorded_queries (FSC704)",
    "get_state": "3.x's app.extensions['sqlalchemy'] is the db (FSC703)",
}


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _keyworded(arg: cst.Arg, name: str) -> cst.Arg:
    return arg.with_changes(keyword=cst.Name(name), equal=_NO_SPACE)


def _with_last_comma(args: list[cst.Arg], original: t.Sequence[cst.Arg]) -> list[cst.Arg]:
    """``args`` ending as ``original`` did (its last comma, or none), after some were left out."""
    if args and original and args[-1] is not original[-1]:
        args[-1] = args[-1].with_changes(comma=original[-1].comma)
    return args


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
    """FSC700 v2-imports, FSC701 paginate-positional, FSC702 pagination-v2, FSC703
    extension-state and FSC704 debug-queries (and FSC605 for positional ``paginate``).
    """

    FEATURES = ("FSC605", "FSC700", "FSC701", "FSC702", "FSC703", "FSC704")

    def start(self, context: t.Any) -> None:
        super().start(context)
        #: Per function (or class, or the module): names assigned a query, with its subject,
        #: and names assigned a page.
        self._queries: dict[str, dict[str, Subject]] = {}
        self._pages: dict[str, set[str]] = {}

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
        """``flask_sqlalchemy.BaseQuery``; ``app.extensions["sqlalchemy"].db``; ``page.query``."""
        attr = node.attr.value
        if attr == "db" or attr == "connectors":
            self._state(node, attr)
        elif attr == "query" and isinstance(node.value, cst.Name):
            if node.value.value in self._pages.get(self._scope, ()):
                message = f"'{node.value.value}.query': 3.x's page keeps its query private"
                self.report(node, "FSC702", "page-query", message)
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

    # -- calls: paginate, pages, get_state, Pagination -----------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        """``paginate(1, 20)``, ``page.next(False)``, ``Pagination(...)``, ``get_state(app)``."""
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "paginate":
                self._paginate(node, func)
            elif method in ("prev", "next", "iter_pages") and self._page(func.value):
                self._page_call(node, func, method)
        if self.claimed(node) or not isinstance(func, (cst.Name, cst.Attribute)):
            return
        if self._get_state(node) is not None:
            message = f"'{self.code(node)}': 3.x keeps no state object per app"
            self.report(node, "FSC703", "state", message)
        elif self._pagination(func) and (
            _PAGINATION_V2 & self.qnames(func)
            or len([a for a in node.args if a.keyword is None]) == 5
        ):
            message = "a page built by hand from known numbers: 3.x's Pagination runs queries"
            self.report(node, "FSC702", "construct", message)

    def _pagination(self, func: cst.Name | cst.Attribute) -> bool:
        """Whether ``func`` is 2.x's or 3.x's ``Pagination`` class."""
        return last_name(func) == "Pagination" and bool(
            (_PAGINATION_V2 | _PAGINATION_V3) & self.qnames(func)
        )

    @property
    def _scope(self) -> str:
        return self.where.qname(self.run.module)

    def _page(self, node: cst.BaseExpression) -> bool:
        """Whether ``node`` is a page: a ``paginate(...)`` call or a name assigned one."""
        if isinstance(node, cst.Name):
            return node.value in self._pages.get(self._scope, ())
        return m.matches(node, m.Call(func=m.Attribute(attr=m.Name("paginate"))))

    def _query(self, node: cst.BaseExpression) -> tuple[Subject | None, bool]:
        """What ``node`` must be for it to be a query, and whether it is a model's or a
        ``db``'s chain (not a dynamic relationship's, whose family reports FSC605); None
        when the tool cannot tell.
        """
        current = node
        while isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            func = current.func
            if func.attr.value == "query" and m.matches(
                func.value, m.Attribute(attr=m.Name("session"))
            ):
                owner = t.cast(cst.Attribute, func.value).value
                names = self.qnames(owner) if isinstance(owner, (cst.Name, cst.Attribute)) else ()
                return (OnDb(tuple(sorted(names))), True) if names else (None, False)
            current = func.value
        if isinstance(current, cst.Name):
            known = self._queries.get(self._scope, {}).get(current.value)
            return known, not isinstance(known, OnDynamic)
        if not isinstance(current, cst.Attribute):
            return None, False
        if current.attr.value == "query":
            receiver = current.value
            if isinstance(receiver, (cst.Name, cst.Attribute)):
                names = self.qnames(receiver)
                return (OnModel(tuple(sorted(names))), True) if names else (None, False)
            return None, False
        if current is node:
            return None, False  # a bare attribute: the chain must call something on it
        return OnDynamic(current.attr.value), False

    def _paginate(self, node: cst.Call, func: cst.Attribute) -> None:
        """``<query>.paginate(page, per_page, error_out, max_per_page)`` by position."""
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        given = paginate_arguments(node)
        zero = "per_page" in given and literal(given["per_page"]) == 0
        if (not positional and not zero) or len(positional) > len(PAGINATE_ARGUMENTS):
            return
        subject, chain = self._query(func.value)
        blocked = ""
        if any(arg.star for arg in node.args):
            blocked = "it passes *args or **kwargs"
        elif zero:
            blocked = (
                "a literal per_page of 0 gives an empty page in 2.x and a 404 in 3.x (20 items"
                " with error_out=False): choose one"
            )
        if subject is None:
            if not self._v2_level:
                return
            subject = ALWAYS
            blocked = blocked or (
                f"the tool cannot tell that '{self.code(func.value)}' is a Flask-SQLAlchemy query"
            )
        what = f"'{self.code(_chain_head(func.value))}...paginate()'"
        if not positional:
            self.report(node, "FSC701", "keywords", what, subject, blocked)
            return
        if chain and reads_request(node):
            message = f"{what} reads page or per_page from the request"
            self.report(node, "FSC605", "request-args", message, subject)
        finding = self.report(node, "FSC701", "keywords", f"{what} by position", subject, blocked)
        if not self.applies(finding):
            return

        def edit(updated: cst.Call) -> cst.Call:
            args: list[cst.Arg] = []
            for position, arg in enumerate(updated.args):
                if arg.keyword is None and position < len(PAGINATE_ARGUMENTS):
                    name = PAGINATE_ARGUMENTS[position]
                    if name != "error_out" and _is_none(arg.value):
                        continue  # the default, at both levels
                    arg = _keyworded(arg, name)
                args.append(arg)
            return updated.with_changes(args=_with_last_comma(args, updated.args))

        self.edit(node, finding, edit)

    def _page_call(self, node: cst.Call, func: cst.Attribute, method: str) -> None:
        """``page.prev(False)``, ``page.next(error_out)``, ``page.iter_pages(1, 2, 5, 1)``."""
        args = node.args
        blocked = "it passes *args or **kwargs" if any(arg.star for arg in args) else ""
        positional = [arg for arg in args if arg.keyword is None]
        what = f"'{self.code(func.value)}.{method}(...)'"
        if method != "iter_pages":
            if len(positional) != 1 or len(args) != 1:
                return
            message = f"{what}: 2.x's one positional argument is error_out"
            finding = self.report(node, "FSC702", "prev-next", message, blocked=blocked)
            if self.applies(finding):
                self.edit(
                    node,
                    finding,
                    lambda updated: updated.with_changes(
                        args=[_keyworded(updated.args[0], "error_out")]
                    ),
                )
            return
        right = next(
            (
                arg
                for arg in args
                if arg.keyword is not None and arg.keyword.value == "right_current"
            ),
            None,
        )
        if len(positional) > len(_ITER_PAGES) or not (positional or right):
            return
        message = f"{what}: 3.x's right_current is one less than 2.x's for the same pages"
        if not positional:
            # A keyword right_current is 3.x's as well: only the level says whose it is.
            if self._v2_level:
                why = "the tool cannot tell 2.x's right_current from 3.x's, one less"
                self.report(node, "FSC702", "iter-pages", message, blocked=why)
            return
        if len(positional) > 2:
            right = positional[2]
        finding = self.report(node, "FSC702", "iter-pages", message, blocked=blocked)
        if not self.applies(finding):
            return
        counted = right

        def edit(updated: cst.Call) -> cst.Call:
            new: list[cst.Arg] = []
            for position, (old, arg) in enumerate(zip(args, updated.args, strict=True)):
                if arg.keyword is None:
                    arg = _keyworded(arg, _ITER_PAGES[position])
                if old is counted:
                    arg = arg.with_changes(value=_one_less(arg.value))
                new.append(arg)
            return updated.with_changes(args=new)

        self.edit(node, finding, edit)

    # -- names: what is assigned a query or a page -------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        """``q = Post.query.filter(...)`` and ``page = q.paginate(...)``: remember the name."""
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        name = node.targets[0].target.value
        queries = self._queries.setdefault(self._scope, {})
        pages = self._pages.setdefault(self._scope, set())
        queries.pop(name, None)
        pages.discard(name)
        value = node.value
        if self._page(value) or (
            isinstance(value, cst.Call)
            and isinstance(value.func, (cst.Name, cst.Attribute))
            and self._pagination(value.func)
        ):
            pages.add(name)
            return
        subject, _ = self._query(value)
        if subject is not None:
            queries[name] = subject

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


def _chain_head(node: cst.BaseExpression) -> cst.BaseExpression:
    """Where a call chain starts: ``Post.query`` in ``Post.query.filter(...).order_by(...)``."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func.value
    return node


def _one_less(value: cst.BaseExpression) -> cst.BaseExpression:
    """``value - 1``: a literal integer one less, else the expression minus one."""
    found = literal(value)
    if found is not NOT_LITERAL and isinstance(found, int) and not isinstance(found, bool):
        return cst.Integer(str(found - 1))
    if not isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.BinaryOperation(
        left=value,
        operator=cst.Subtract(
            whitespace_before=cst.SimpleWhitespace(" "), whitespace_after=cst.SimpleWhitespace(" ")
        ),
        right=cst.Integer("1"),
    )
