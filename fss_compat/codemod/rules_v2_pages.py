"""Family 7xx, Flask-SQLAlchemy 2.x's pages: positional ``paginate`` (FSC701, with FSC605
where it reads the request) and its ``Pagination`` (FSC702).

The shapes are 2.x's at both levels (3.x raises on them), so they are reported at both.
The rewrites give code for the 3.1 level, made "with the switch" (see the guide's stage
-1). A query or a page is known as such from its chain (``Post.query...paginate(...)``,
``user.posts.paginate(...)``) or from a name assigned one earlier in the same function.
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
import libcst.matchers as m

from fss_compat.codemod.call_edits import keyworded
from fss_compat.codemod.call_edits import with_last_comma
from fss_compat.codemod.engine import ALWAYS
from fss_compat.codemod.engine import OnDb
from fss_compat.codemod.engine import OnDynamic
from fss_compat.codemod.engine import OnModel
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Subject
from fss_compat.codemod.page_numbers import PAGINATE_ARGUMENTS
from fss_compat.codemod.page_numbers import is_none
from fss_compat.codemod.page_numbers import paginate_arguments
from fss_compat.codemod.page_numbers import reads_request
from fss_compat.codemod.shapes import NOT_LITERAL
from fss_compat.codemod.shapes import last_name
from fss_compat.codemod.shapes import literal

#: Where 2.x's ``Pagination`` lives (2.x's top level, or fss_compat's 2.5 level), and 3.x's.
_PAGINATION_V2 = frozenset(
    {
        "flask_sqlalchemy.Pagination",
        "fss_compat.shims_v2.Pagination",
        "fss_compat.shims_v2._query.Pagination",
    }
)
_PAGINATION_V3 = frozenset(
    {"flask_sqlalchemy.pagination.Pagination", "fss_compat.shims.pagination.Pagination"}
)
#: 2.x's ``iter_pages`` arguments in their order.
_ITER_PAGES = ("left_edge", "left_current", "right_current", "right_edge")


class V2PageRules(Rule):
    """FSC701 paginate-positional and FSC702 pagination-v2 (and FSC605 for positional
    ``paginate``).
    """

    FEATURES = ("FSC605", "FSC701", "FSC702")

    def start(self, context: t.Any) -> None:
        super().start(context)
        #: Per function (or class, or the module): names assigned a query, with its subject,
        #: and names assigned a page.
        self._queries: dict[str, dict[str, Subject]] = {}
        self._pages: dict[str, set[str]] = {}

    @property
    def _v2_level(self) -> bool:
        return self.run.options.level == "2.5"

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``page.query``: the query a page ran."""
        if node.attr.value == "query" and isinstance(node.value, cst.Name):
            if node.value.value in self._pages.get(self._scope, ()):
                message = f"'{node.value.value}.query': 3.x's page keeps its query private"
                self.report(node, "FSC702", "page-query", message)

    def visit_Call(self, node: cst.Call) -> None:
        """``paginate(1, 20)``, ``page.next(False)``, ``Pagination(...)``."""
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "paginate":
                self._paginate(node, func)
            elif method in ("prev", "next", "iter_pages") and self._page(func.value):
                self._page_call(node, func, method)
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        if self._pagination(func) and (
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
        if isinstance(subject, OnModel):
            subject = dataclasses.replace(subject, method="paginate")
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
        finding = self.report(node, "FSC701", "keywords", f"{what} by position", subject, blocked)
        if chain and reads_request(node):
            message = f"{what} reads page or per_page from the request"
            self.report(node, "FSC605", "request-args", message, subject, rewritten_by=finding)
        if not self.applies(finding):
            return

        def edit(updated: cst.Call) -> cst.Call:
            args: list[cst.Arg] = []
            for position, arg in enumerate(updated.args):
                if arg.keyword is None and position < len(PAGINATE_ARGUMENTS):
                    name = PAGINATE_ARGUMENTS[position]
                    if name != "error_out" and is_none(arg.value):
                        continue  # the default, at both levels
                    arg = keyworded(arg, name)
                args.append(arg)
            return updated.with_changes(args=with_last_comma(args, updated.args))

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
                        args=[keyworded(updated.args[0], "error_out")]
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
                    arg = keyworded(arg, _ITER_PAGES[position])
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
