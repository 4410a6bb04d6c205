"""Family 2xx, the query API: ``Model.query`` chains (FSC201).

A chain is read from its outermost call down to ``<receiver>.query``; the receiver must
resolve to a scanned model. Builder methods that ``Select`` has with the same meaning are
kept as they are; the first other method is the terminal, which decides the rewrite.

A chain with no terminal is built here and run elsewhere: :mod:`fss_compat.codemod.flow`
follows it within the module, and :mod:`fss_compat.codemod.query_webs` rewrites both ends
when it can (``local-builder``); otherwise it is a ``builder`` left to a person, reported
where it escapes.
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.helpers import parse_template_expression

from fss_compat.codemod import query_webs
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import OnModel
from fss_compat.codemod.page_numbers import reads_request
from fss_compat.codemod.query_forms import build
from fss_compat.codemod.query_forms import swap_root
from fss_compat.codemod.shapes import FSA_QUERY_METHODS
from fss_compat.codemod.shapes import QUERY_BUILDERS
from fss_compat.codemod.shapes import UNIQUE
from fss_compat.codemod.shapes import arguments_fit
from fss_compat.codemod.shapes import literal

_SCALARS = {"all": "all", "first": "first", "one": "all", "one_or_none": "all"}
_REWRITES = {
    "get": "get",
    "get_or_404": "get-or-404",
    "first_or_404": "first-or-404",
    "one_or_404": "one-or-404",
    "paginate": "paginate",
    "count": "count",
}
_SHORT_COUNT = frozenset({"filter", "filter_by", "where"})


Root = cst.Attribute | cst.Call


def _session_query(node: cst.BaseExpression) -> bool:
    """Whether ``node`` is ``<receiver>.session.query(<one model>)``."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
        return False
    func = node.func
    return (
        func.attr.value == "query"
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value == "session"
        and isinstance(func.value.value, (cst.Name, cst.Attribute))
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
        and isinstance(node.args[0].value, (cst.Name, cst.Attribute))
    )


def _model(root: Root) -> cst.BaseExpression:
    """The model of a chain's root: ``M`` in ``M.query`` and in ``db.session.query(M)``."""
    return root.args[0].value if isinstance(root, cst.Call) else root.value


def _type_of(node: cst.BaseExpression) -> cst.Name | None:
    """``self`` in ``type(self)``."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "type"
        and len(node.args) == 1
        and node.args[0].keyword is None
        and not node.args[0].star
        and isinstance(node.args[0].value, cst.Name)
    ):
        return node.args[0].value
    return None


def _receiver(node: cst.BaseExpression) -> bool:
    """Whether ``node`` can be what ``.query`` is read on: a name, an attribute, ``type(x)``."""
    return isinstance(node, (cst.Name, cst.Attribute)) or _type_of(node) is not None


def _spine(node: cst.Call) -> tuple[Root, list[cst.Call]] | None:
    """``(<root>, [calls from the innermost out])`` if ``node`` is a chain on ``<model>.query``
    or on ``<db>.session.query(<model>)``.
    """
    calls: list[cst.Call] = []
    current: cst.BaseExpression = node
    while True:
        if _session_query(current) and calls:
            calls.reverse()
            return t.cast(cst.Call, current), calls
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            calls.append(current)
            current = current.func.value
        elif isinstance(current, cst.Attribute) and current.attr.value == "query":
            if _receiver(current.value) and calls:
                calls.reverse()
                return current, calls
            return None
        else:
            return None


def _method(call: cst.Call) -> str:
    return t.cast(cst.Attribute, call.func).attr.value


class QueryRules(query_webs.WebRule):
    """FSC201 model-query (and FSC605 for the chains that paginate from the request)."""

    FEATURES = ("FSC201", "FSC605")

    def visit_Call(self, node: cst.Call) -> None:
        """A ``Model.query`` chain: judge it from its outermost call."""
        if self.skipped(node):
            return
        if not self.discovering:
            self._getattr(node)
        spine = _spine(node)
        if spine is None:
            return
        root, calls = spine
        found = self._subject(root)
        if found is None:
            return
        subject, instance = found
        methods = [_method(call) for call in calls]
        end = next((i for i, m in enumerate(methods) if m not in QUERY_BUILDERS), None)
        via: tuple[str, ...] = ()
        if isinstance(root, cst.Call):
            # db.session.query(Model) is plain SQLAlchemy unless it ends in a method only
            # Flask-SQLAlchemy's Query has.
            if end is None or methods[end] not in FSA_QUERY_METHODS:
                return
            session = t.cast(cst.Attribute, root.func).value
            owner = t.cast(cst.Attribute, session).value
            via = tuple(sorted(self.qnames(owner)))
            if not via:
                return
            subject = dataclasses.replace(subject, via_db=via)
            name = f"{self.code(owner)}.session.query({self.code(_model(root))})"
        else:
            name = f"{self.code(root.value)}.query"
        if self.discovering and end is not None:
            self.pass_over([root, *calls])
            return
        self.claim([root, *calls])
        if end is None:
            self.built(node, t.cast(cst.Attribute, root), subject, instance, name)
            return
        terminal, builders = methods[end], methods[:end]
        if terminal in ("get", "get_or_404") and builders:
            terminal = "unknown"
        if (terminal not in _SCALARS and terminal not in _REWRITES) or not arguments_fit(
            terminal, calls[end]
        ):
            message = f"'{name}...{methods[end]}()' has no 1:1 rewrite the tool makes"
            self.report(node, "FSC201", "unsupported", message, subject)
            return
        unique = bool(UNIQUE & set(builders))
        rewrite = _REWRITES.get(terminal) or ("join-unique" if unique else _SCALARS[terminal])
        blocked = ""
        if terminal == "count" and self.run.options.unsafe and set(builders) <= _SHORT_COUNT:
            rewrite = "count-short"
        elif terminal == "first_or_404" and "options" in builders:
            blocked = "options() may eager-load a collection, which needs unique()"
        elif terminal == "one_or_404" and unique:
            blocked = "db.one_or_404 cannot de-duplicate the rows of join, outerjoin or options()"
        message = f"'{name}...{terminal}()'"
        finding = self.report(node, "FSC201", rewrite, message, subject, blocked)
        if terminal == "paginate" and reads_request(calls[end], by_position=False):
            message = f"'{name}...paginate()' reads page and per_page from the request"
            self.report(node, "FSC605", "request-args", message, subject, rewritten_by=finding)
        if self.applies(finding):
            self._register(finding, calls, end, unique, rewrite, instance)

    def _subject(self, root: Root) -> tuple[OnModel, bool] | None:
        """What the chain's model must be, and whether the rewrite reads the model as
        ``type(self)`` from an instance (``self.query``).
        """
        receiver = _model(root)
        if isinstance(root, cst.Attribute):
            named = _type_of(receiver) or receiver
            if isinstance(named, cst.Name):
                bound = self.where.bound_class(named.value, self.run.module)
                if bound is not None:
                    instance = bound.instance and named is receiver
                    return OnModel((bound.qname,), below=True), instance
            if _type_of(receiver) is not None:
                return None
        target = tuple(sorted(self.qnames(receiver)))
        return (OnModel(target), False) if target else None

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """A ``Model.query`` that is not the start of a call chain (stored, iterated, returned)."""
        if node.attr.value != "query" or self.skipped(node) or not _receiver(node.value):
            return
        found = self._subject(node)
        if found is not None:
            self.claim([node])
            self.built(node, node, found[0], found[1], f"{self.code(node.value)}.query")

    def _getattr(self, node: cst.Call) -> None:
        """``getattr(Model, "query")``: the query property read by name."""
        args = node.args
        if not (
            isinstance(node.func, cst.Name)
            and node.func.value == "getattr"
            and not self.qnames(node.func)
            and len(args) == 2
            and literal(args[1].value) == "query"
            and isinstance(args[0].value, (cst.Name, cst.Attribute))
        ):
            return
        target = tuple(sorted(self.qnames(args[0].value)))
        if target:
            message = f"'getattr({self.code(args[0].value)}, \"query\")' reads the query by name"
            self.report(node, "FSC201", "unsupported", message, OnModel(target))

    def _register(
        self,
        finding: Finding,
        calls: list[cst.Call],
        end: int,
        unique: bool,
        rewrite: str,
        instance: bool,
    ) -> None:
        """Work out the names the rewrite needs (adding imports), then register the edit.

        :param instance: the chain starts at ``self.query``: the model is ``type(self)``.
        """
        at = calls[end]
        terminal = _method(at)
        wanted = [(finding.data, "")]
        if terminal not in ("get", "get_or_404"):
            wanted.append(("sqlalchemy.select", "sa"))
        if rewrite.startswith("count"):
            wanted.append(("sqlalchemy.func", "sa"))
        names = self.references(wanted, at) if not instance or self.builtin("type", at) else None
        if names is None:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        db, select, count = [*names, "-", "-"][:3]
        depth = end

        def edit(updated: cst.Call) -> cst.BaseExpression:
            builders = t.cast(cst.Attribute, updated.func).value
            root: t.Any = builders
            for _ in range(depth):
                root = root.func.value
            model = _model(root)
            if instance:
                model = cst.Call(func=cst.Name("type"), args=[cst.Arg(model)])
            if terminal in ("get", "get_or_404"):
                return build(updated, model, model, db, select, count, terminal, rewrite, unique)
            if rewrite == "count-short":
                counted = f"{select}({count}.count()).select_from({{model}})"
                root_select = parse_template_expression(counted, model=model)
            else:
                root_select = cst.Call(func=cst.parse_expression(select), args=[cst.Arg(model)])
            statement = swap_root(builders, root_select, depth)
            return build(updated, statement, model, db, select, count, terminal, rewrite, unique)

        self.edit(at, finding, edit)
