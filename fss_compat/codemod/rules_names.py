"""Family 1xx, names on ``db``: ``db.Column``-style forwards (FSC101), ``db.Table`` (FSC102)
and ``db.relationship`` (FSC104), with the use sites of dynamic relationships.
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat.codemod.engine import OnDb
from fss_compat.codemod.engine import OnDynamic
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.page_numbers import reads_request
from fss_compat.codemod.shapes import FSA_QUERY_METHODS
from fss_compat.codemod.shapes import QUERY_BUILDERS
from fss_compat.codemod.shapes import RELATIONSHIP_FUNCTIONS
from fss_compat.codemod.shapes import keywords
from fss_compat.codemod.shapes import last_name
from fss_compat.codemod.shapes import laziness
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


def _second_argument(args: t.Sequence[cst.Arg]) -> str:
    """What ``db.Table``'s second positional argument is: ``"none"``, ``"item"``,
    ``"metadata"``, or ``""`` when the tool cannot tell.
    """
    positional = [arg for arg in args if arg.keyword is None]
    if len(positional) < 2:
        return "none"
    value = positional[1].value
    if isinstance(value, cst.Call):
        callee = last_name(value.func)
        return "metadata" if callee == "MetaData" else "item" if callee in _SCHEMA_ITEMS else ""
    return "metadata" if last_name(value) == "metadata" else ""


class NameRules(Rule):
    """FSC101 db-names, FSC102 db-table and FSC104 db-relationship."""

    FEATURES = ("FSC101", "FSC102", "FSC104")

    def _receiver(self, node: cst.BaseExpression) -> tuple[str, ...]:
        """The qualified names of a possible ``db``; none for ``sqlalchemy`` modules."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return ()
        names = self.qnames(node)
        if any(name == "sqlalchemy" or name.startswith("sqlalchemy.") for name in names):
            return ()
        return tuple(sorted(names))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``db.Column`` and the other forwards."""
        module = FORWARDS.get(node.attr.value)
        if module is None:
            return
        target = self._receiver(node.value)
        if not target:
            return
        name = node.attr.value
        finding = self.report(node, "FSC101", "names", f"'db.{name}'", OnDb(target))
        if self.applies(finding):
            ref = self.sqlalchemy(name, node) if module == "sqlalchemy" else self.orm(name, node)
            if not ref:
                self.block(finding, "a name the rewrite needs clashes with one here")
                return
            self.edit(
                node,
                finding,
                lambda updated: cst.parse_expression(ref).with_changes(
                    lpar=updated.lpar, rpar=updated.rpar
                ),
            )

    def visit_Call(self, node: cst.Call) -> None:
        """``db.relationship(...)``, ``db.Table(...)`` and dynamic collections' Query methods."""
        func = node.func
        if isinstance(func, cst.Name):
            self._relationship(node, func, func.value, alias=True)
            return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in RELATIONSHIP_FUNCTIONS:
            self._relationship(node, func.value, method, alias=False)
        elif method == "Table":
            self._table(node, func)
        elif method in FSA_QUERY_METHODS:
            self._dynamic_use(node, func, method)

    def _relationship(
        self, node: cst.Call, receiver: cst.BaseExpression, method: str, alias: bool
    ) -> None:
        """``db.relationship(...)``, or ``relationship(...)`` through a module-level alias
        of it (``relationship = db.relationship`` in a module the models import).
        """
        if alias:
            names = tuple(sorted(self.qnames(receiver)))
            if not names or any(n.startswith("sqlalchemy.") for n in names):
                return
            subject = OnDb(names, member="relationship" if method != "dynamic_loader" else method)
            what = f"'{method}(...)' (an alias of a db's relationship)"
        else:
            target = self._receiver(receiver)
            if not target:
                return
            subject, what = OnDb(target), f"'db.{method}(...)'"
        lazy = laziness(node)
        if lazy.any_dynamic:
            message = f"{what} is dynamic: its collection is a Flask-SQLAlchemy Query"
            own = (self._assigned_to(node),) if lazy.dynamic else ()
            declared = dataclasses.replace(subject, dynamic=own + lazy.backrefs)
            self.report(node, "FSC104", "dynamic", message, declared)
            return
        finding = self.report(node, "FSC104", "relationship", what, subject, lazy.unknown)
        if not self.applies(finding):
            return
        ref = self.orm("relationship", node)
        if not ref:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        self.edit(
            node,
            finding,
            lambda updated: updated.with_changes(
                func=cst.parse_expression(ref).with_changes(
                    lpar=updated.func.lpar, rpar=updated.func.rpar
                )
            ),
        )

    def _assigned_to(self, node: cst.Call) -> str:
        """The name ``node`` is assigned to (``posts = db.relationship(...)``), or ``""``."""
        statement = self.where.statements[-1] if self.where.statements else None
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target: cst.BaseExpression = small.targets[0].target
            elif isinstance(small, cst.AnnAssign):
                target = small.target
            else:
                return ""
            if small.value is node and isinstance(target, cst.Name):
                return target.value
        return ""

    def _table(self, node: cst.Call, func: cst.Attribute) -> None:
        """``db.Table(name, *items)`` -> ``sa.Table(name, db.metadata, *items)``."""
        target = self._receiver(func.value)
        if not target:
            return
        if "bind_key" in keywords(node):
            message = "'db.Table(..., bind_key=...)' puts the table in a bind key's MetaData"
            self.report(node, "FSC102", "bind-key", message, OnDb(target))
            return
        second = _second_argument(node.args)
        blocked = ""
        if any(arg.star for arg in node.args):
            blocked = (
                "it passes *args or **kwargs, so the tool cannot see bind_key= or the MetaData"
            )
        elif not node.args or node.args[0].keyword is not None:
            blocked = "it has no table name first"
        elif not second:
            blocked = "the tool cannot tell whether its second argument is a MetaData"
        finding = self.report(node, "FSC102", "table", "'db.Table(...)'", OnDb(target), blocked)
        if not self.applies(finding):
            return
        ref = self.sqlalchemy("Table", node)
        if not ref:
            self.block(finding, "a name the rewrite needs clashes with one here")
            return
        metadata = f"{self.code(func.value)}.metadata"

        def edit(updated: cst.Call) -> cst.Call:
            callee = cst.parse_expression(ref).with_changes(
                lpar=updated.func.lpar, rpar=updated.func.rpar
            )
            args = list(updated.args)
            if second != "metadata":
                # The new argument takes the first one's comma, and with it the layout (a
                # newline and an indent in a call written one argument a line).
                first = args[0]
                added = cst.Arg(cst.parse_expression(metadata), comma=first.comma)
                if len(args) == 1:
                    first = first.with_changes(
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    )
                args[0:1] = [first, added]
            return updated.with_changes(func=callee, args=args)

        self.edit(node, finding, edit)

    def _dynamic_use(self, node: cst.Call, func: cst.Attribute, method: str) -> None:
        """``<obj>.<dynamic relationship>[.builder(...)].paginate(...)`` and the like."""
        current: cst.BaseExpression = func.value
        while (
            isinstance(current, cst.Call)
            and isinstance(current.func, cst.Attribute)
            and current.func.attr.value in QUERY_BUILDERS
        ):
            current = current.func.value
        if not isinstance(current, cst.Attribute) or current.attr.value == "query":
            return
        attribute = current.attr.value
        message = f"'.{attribute}...{method}()' uses a dynamic relationship's Query method"
        self.report(node, "FSC104", "dynamic-use", message, OnDynamic(attribute))
        if method == "paginate" and reads_request(node):
            message = f"'.{attribute}...paginate()' reads page and per_page from the request"
            self.report(node, "FSC605", "request-args", message, OnDynamic(attribute))
