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
from fss_compat.codemod.bulk_forms import BULK_BUILDERS
from fss_compat.codemod.bulk_forms import BULK_EVENTS
from fss_compat.codemod.bulk_forms import BULK_TERMINALS
from fss_compat.codemod.bulk_forms import bulk_arguments
from fss_compat.codemod.bulk_forms import bulk_statement
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import OnModel
from fss_compat.codemod.page_numbers import reads_request
from fss_compat.codemod.query_chains import Root
from fss_compat.codemod.query_chains import below_terminal
from fss_compat.codemod.query_chains import chain_method
from fss_compat.codemod.query_chains import chain_of
from fss_compat.codemod.query_chains import queried_model
from fss_compat.codemod.query_chains import query_receiver
from fss_compat.codemod.query_chains import type_argument
from fss_compat.codemod.query_forms import ROW_BUILDERS
from fss_compat.codemod.query_forms import ROW_TERMINALS
from fss_compat.codemod.query_forms import build
from fss_compat.codemod.query_forms import row_shape
from fss_compat.codemod.query_forms import swap_root
from fss_compat.codemod.query_forms import with_select_columns
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


class QueryRules(query_webs.WebRule):
    """FSC201 model-query (and FSC605 for the chains that paginate from the request)."""

    FEATURES = ("FSC201", "FSC605")

    def visit_Call(self, node: cst.Call) -> None:
        """A ``Model.query`` chain: judge it from its outermost call."""
        if self.skipped(node):
            return
        if not self.discovering:
            self._getattr(node)
        spine = chain_of(node)
        if spine is None:
            return
        root, calls = spine
        found = self._subject(root)
        if found is None:
            return
        subject, instance = found
        methods = [chain_method(call) for call in calls]
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
            name = f"{self.code(owner)}.session.query({self.code(queried_model(root))})"
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
        if terminal in BULK_TERMINALS:
            self._bulk(node, name, subject, calls, end, instance)
            return
        if terminal in ROW_BUILDERS:
            self._rows(node, name, subject, calls, instance)
            return
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

    def _rows(
        self, node: cst.Call, name: str, subject: OnModel, calls: list[cst.Call], instance: bool
    ) -> None:
        """``Model.query.with_entities(a, b)...all()``, ``.add_entity(X)``: rows, run by
        ``db.session.execute(...)``.
        """
        methods = [chain_method(call) for call in calls]
        terminal, builders = methods[-1], methods[:-1]
        shape = row_shape(calls[:-1])
        blocked = ""
        if (
            terminal not in ROW_TERMINALS
            or not arguments_fit(terminal, calls[-1])
            or not set(builders) <= QUERY_BUILDERS | ROW_BUILDERS.keys()
            or shape is None
        ):
            message = f"'{name}...{terminal}()' has no 1:1 rewrite the tool makes"
            self.report(node, "FSC201", "unsupported", message, subject)
            return
        if shape != "rows":
            blocked = shape
        elif "options" in builders:
            blocked = "options() may eager-load a collection, whose rows the Query de-duplicates"
        rewrite = "count" if terminal == "count" else "rows"
        selecting = ", ".join(sorted(set(builders) & ROW_BUILDERS.keys()))
        message = f"'{name}...{terminal}()' selects columns with {selecting}"
        finding = self.report(node, "FSC201", rewrite, message, subject, blocked)
        if self.applies(finding):
            self._register(finding, calls, len(calls) - 1, False, rewrite, instance, rows=True)

    def _bulk(
        self,
        node: cst.Call,
        name: str,
        subject: OnModel,
        calls: list[cst.Call],
        end: int,
        instance: bool,
    ) -> None:
        """``Model.query.filter(...).delete()`` / ``.update(values)``: ORM-enabled DML."""
        terminal = chain_method(calls[end])
        arguments = bulk_arguments(terminal, calls[end])
        builders = {chain_method(call) for call in calls[:end]}
        if arguments is None or end != len(calls) - 1 or not builders <= BULK_BUILDERS:
            message = f"'{name}...{terminal}()' has no 1:1 rewrite the tool makes"
            self.report(node, "FSC201", "unsupported", message, subject)
            return
        message = f"'{name}...{terminal}()'"
        subject = dataclasses.replace(subject, events=BULK_EVENTS[terminal])
        finding = self.report(node, "FSC201", terminal, message, subject)
        if not self.applies(finding):
            return
        wanted = [(finding.data, ""), (f"sqlalchemy.{terminal}", "sa")]
        usable = not instance or self.builtin("type", node)
        names = self.references(wanted, node) if usable else None
        if names is None:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        db, verb = names
        # A call that is a statement of its own: its count is not used.
        statement = self.where.statements[-1] if self.where.statements else None
        discarded = (
            isinstance(statement, cst.SimpleStatementLine)
            and isinstance(statement.body[0], cst.Expr)
            and statement.body[0].value is node
        )
        depth = end

        def edit(updated: cst.Call) -> cst.BaseExpression:
            builders, model = below_terminal(updated, depth, instance)
            dml = cst.Call(func=cst.parse_expression(verb), args=[cst.Arg(model)])
            found = bulk_arguments(terminal, updated)
            assert found is not None, "the arguments were read from the same call"
            new = bulk_statement(terminal, found, swap_root(builders, dml, depth), db, discarded)
            return new.with_changes(lpar=updated.lpar, rpar=updated.rpar)

        self.edit(node, finding, edit)

    def _subject(self, root: Root) -> tuple[OnModel, bool] | None:
        """What the chain's model must be, and whether the rewrite reads the model as
        ``type(self)`` from an instance (``self.query``).
        """
        receiver = queried_model(root)
        if isinstance(root, cst.Attribute):
            named = type_argument(receiver) or receiver
            if isinstance(named, cst.Name):
                bound = self.where.bound_class(named.value, self.run.module)
                if bound is not None:
                    instance = bound.instance and named is receiver
                    return OnModel((bound.qname,), below=True), instance
            if type_argument(receiver) is not None:
                return None
        target = tuple(sorted(self.qnames(receiver)))
        return (OnModel(target), False) if target else None

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """A ``Model.query`` that is not the start of a call chain (stored, iterated, returned)."""
        if node.attr.value != "query" or self.skipped(node) or not query_receiver(node.value):
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
        rows: bool = False,
    ) -> None:
        """Work out the names the rewrite needs (adding imports), then register the edit.

        :param instance: the chain starts at ``self.query``: the model is ``type(self)``.
        :param rows: the chain selects other columns (``with_entities``): it returns rows.
        """
        at = calls[end]
        terminal = chain_method(at)
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
            builders, model = below_terminal(updated, depth, instance)
            if terminal in ("get", "get_or_404"):
                return build(updated, model, model, db, select, count, terminal, rewrite, unique)
            if rewrite == "count-short":
                counted = f"{select}({count}.count()).select_from({{model}})"
                root_select = parse_template_expression(counted, model=model)
            else:
                root_select = cst.Call(func=cst.parse_expression(select), args=[cst.Arg(model)])
            statement = swap_root(builders, root_select, depth)
            if rows:
                statement = with_select_columns(statement)
            return build(
                updated, statement, model, db, select, count, terminal, rewrite, unique, rows
            )

        self.edit(at, finding, edit)
