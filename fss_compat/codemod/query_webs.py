"""The FSC201 family's values built in one place and run in another: both ends rewritten.

:class:`WebRule` is the base of :class:`~fss_compat.codemod.rules_queries.QueryRules`: where
that family finds a ``Model.query`` chain with no terminal (a *source*), :meth:`WebRule.built`
follows the value within the module (:class:`~fss_compat.codemod.flow.Flow`) and reports
it: ``local-builder`` when every use is one the tool proves, else ``builder``, naming
where it escapes.

A web's ends are far apart: a function that runs the value may come before the one that
builds it. LibCST makes an edit on the way back up from a node, so every end must be known
before the traversal leaves the first one. ``migrate`` therefore runs a first, read-only
traversal (:meth:`WebRule.transform_module_impl`) that finds the sources, judges their
findings and registers the edits; the rewriting traversal then skips them. The scan, which
makes no edit, reports each source on its way.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Iterable

import libcst as cst
from libcst.codemod import CodemodContext

from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import OnModel
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Where
from fss_compat.codemod.flow import ITERATE
from fss_compat.codemod.flow import Flow
from fss_compat.codemod.flow import Sink
from fss_compat.codemod.flow import Web
from fss_compat.codemod.page_numbers import reads_request
from fss_compat.codemod.query_forms import build
from fss_compat.codemod.query_forms import iterate
from fss_compat.codemod.query_forms import swap_root


@dataclasses.dataclass
class _Source:
    """One source of a web as reported: its ``X.query``, its expression and its finding."""

    root: cst.Attribute
    expression: cst.BaseExpression
    finding: Finding | None
    #: ``self.query``: the rewrite reads the model as ``type(self)``.
    instance: bool


class WebRule(Rule):
    """The part of the FSC201 family that follows values (see the module docstring)."""

    def start(self, context: CodemodContext) -> None:
        super().start(context)
        self._flow: Flow | None = None
        self._webs: dict[int, tuple[Web, list[_Source]]] = {}
        #: In the read-only traversal: the chains that are not sources, skipped there only.
        self._passed: set[int] = set()
        self.discovering = False

    def skipped(self, node: cst.CSTNode) -> bool:
        """Whether this traversal has handled ``node`` already."""
        return self.claimed(node) or id(node) in self._passed

    def pass_over(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Skip ``nodes`` in the read-only traversal (a chain that has a terminal)."""
        self._passed.update(id(node) for node in nodes)

    def flow(self) -> Flow:
        """The module's webs; LibCST's providers are resolved on the first source."""
        if self._flow is None:
            wrapper = self.context.wrapper
            assert wrapper is not None, "a codemod runs with its module's metadata wrapper"
            self._flow = Flow(wrapper, self.run.module)
        return self._flow

    # -- reporting ----------------------------------------------------------------------

    def built(
        self,
        node: cst.BaseExpression,
        root: cst.Attribute,
        subject: OnModel,
        instance: bool,
        name: str,
    ) -> None:
        """Report the source ``node`` (the chain on ``root``, ``X.query``) and its web."""
        flow = self.flow()
        web = flow.web(root, node)
        escape = web.escape(flow.line(node))
        if escape:
            message = f"'{name}' is built here and run elsewhere: {escape}"
            subject = dataclasses.replace(subject, builder=True)
            finding = self.report(node, "FSC201", "builder", message, subject)
        else:
            lines = sorted({flow.line(sink.node) for sink in web.sinks})
            runs = ", ".join(map(str, lines))
            where = f"run at line{'s' if len(lines) > 1 else ''} {runs}" if lines else "not run"
            message = f"'{name}' is built here and {where}"
            through = dataclasses.replace(subject, through=tuple(web.functions))
            finding = self.report(node, "FSC201", "local-builder", message, through, web.blocked)
        if root is web.sources[0][0]:
            for sink in web.sinks:
                self._reads_request(flow, sink, subject, finding)
        sources = self._webs.setdefault(id(web), (web, []))[1]
        sources.append(_Source(root, node, finding, instance))

    def _reads_request(
        self, flow: Flow, sink: Sink, subject: OnModel, source: Finding | None
    ) -> None:
        """FSC605 at a web's ``.paginate()`` end; its TODO only if the web stays a query."""
        if sink.terminal != "paginate":
            return
        call = t.cast(cst.Call, sink.node)
        if not reads_request(call, by_position=False):
            return
        message = f"'{flow.code(call)}' reads page and per_page from the request"
        at, line = flow.statement_of(call), flow.line(call)
        self.report(
            call,
            "FSC605",
            "request-args",
            message,
            subject,
            todo_at=at,
            line=line,
            rewritten_by=source,
        )

    # -- migrate: find every end first, then rewrite ----------------------------------------

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Find and judge the sources, register their webs' edits, then rewrite."""
        where, self.where = self.where, Where()
        self.discovering = True
        try:
            tree.visit(_Discovery(self))
        finally:
            self.discovering = False
            self.where = where
            self._passed.clear()
        for web, sources in self._webs.values():
            self._register_web(web, sources)
        return super().transform_module_impl(tree)

    def _register_web(self, web: Web, sources: list[_Source]) -> None:
        findings = [source.finding for source in sources]
        why = ""
        if len(sources) < len(web.sources) or None in findings:
            why = "another place it is built is not a model's query"
        elif not all(self.applies(finding) for finding in findings):
            why = "another place it is built is not rewritten"
        elif len({t.cast(Finding, finding).data for finding in findings}) > 1:
            why = "it is built from the models of two db objects"
        else:
            why = self._rewrite(web, sources)
        if why:
            for finding in findings:
                if self.applies(finding):
                    self.block(finding, why)

    def _rewrite(self, web: Web, sources: list[_Source]) -> str:
        """Register the edits of a web whose every source is rewritten; why not, or ``""``."""
        db = t.cast(Finding, sources[0].finding).data
        selects: list[str] = []
        for source in sources:
            if source.instance and not self.builtin("type", source.root):
                return "a name the rewrite needs clashes with one here"
            selects.append(self.sqlalchemy("select", source.root))
        spelled: list[list[str]] = []
        for sink in web.sinks:
            wanted = [(db, "")]
            if sink.terminal == "count":
                wanted += [("sqlalchemy.select", "sa"), ("sqlalchemy.func", "sa")]
            names = self.references(wanted, sink.node)
            spelled.append(names or [])
        if not all(selects) or not all(spelled):
            return "a name the rewrite needs clashes with one here"
        for source, select in zip(sources, selects, strict=True):
            change = _source_edit(source, select)
            self.edit(source.expression, t.cast(Finding, source.finding), change)
        for sink, names in zip(web.sinks, spelled, strict=True):
            self.edit_also(sink.node, _sink_edit(sink.terminal, names, web.unique))
        return ""


class _Discovery(cst.CSTVisitor):
    """The read-only traversal of ``migrate``: the family's visits of chains, in discovery."""

    def __init__(self, rule: WebRule) -> None:
        super().__init__()
        self.rule = rule

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.rule.where.enter(node)
        if isinstance(node, cst.Call):
            self.rule.visit_Call(node)
        elif isinstance(node, cst.Attribute):
            self.rule.visit_Attribute(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.rule.where.leave(original_node)


def _source_edit(source: _Source, select: str) -> t.Callable[[t.Any], cst.BaseExpression]:
    """``Model.query.filter(...)`` -> ``sa.select(Model).filter(...)``."""
    depth = 0
    node: cst.BaseExpression = source.expression
    while node is not source.root:
        node = t.cast(cst.Attribute, t.cast(cst.Call, node).func).value
        depth += 1

    def edit(updated: t.Any) -> cst.BaseExpression:
        root = updated
        for _ in range(depth):
            root = root.func.value
        model = t.cast(cst.Attribute, root).value
        if source.instance:
            model = cst.Call(func=cst.Name("type"), args=[cst.Arg(model)])
        statement = cst.Call(func=cst.parse_expression(select), args=[cst.Arg(model)])
        return t.cast(cst.BaseExpression, swap_root(updated, statement, depth))

    return edit


def _sink_edit(
    terminal: str, names: list[str], unique: bool
) -> t.Callable[[t.Any], cst.BaseExpression]:
    """``q.filter(...).all()`` -> ``db.session.scalars(q.filter(...)).all()`` and the like."""
    db, select, count = [*names, "-", "-"][:3]
    if terminal == ITERATE:
        return lambda updated: iterate(updated, db, unique)

    def edit(updated: cst.Call) -> cst.BaseExpression:
        statement = t.cast(cst.Attribute, updated.func).value
        return build(updated, statement, statement, db, select, count, terminal, terminal, unique)

    return edit
