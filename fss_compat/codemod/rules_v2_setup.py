"""Family 7xx, Flask-SQLAlchemy 2.x's setup API: its engine API (FSC706), its session hooks
(FSC707) and ``create_all(app=...)`` (FSC714).

The shapes are 2.x's API, which 3.x lacks, and are reported at both levels. Two rewrites
move a call that takes the app into ``with app.app_context():``, when the call is its
statement's whole work. Its config and what its runtime decided are
:mod:`fss_compat.codemod.rules_v2_config`'s.
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
import libcst.matchers as m

from fss_compat.codemod.engine import ALWAYS
from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import OnClass
from fss_compat.codemod.engine import OnDb
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Subject
from fss_compat.codemod.facts import class_body
from fss_compat.codemod.project import Index

#: 2.x's engine methods of ``db``, which apps override (and call).
_ENGINE_HOOKS = frozenset(
    {"apply_driver_hacks", "apply_pool_defaults", "create_engine", "get_engine", "make_connector"}
)
#: 2.x's engine methods apps call (``get_engine`` has its own rewrite; ``create_engine`` on a
#: 3.x ``db`` is SQLAlchemy's function, so it is 2.x's hook at the 2.5 level only).
_ENGINE_CALLS = (_ENGINE_HOOKS - {"get_engine", "create_engine"}) | {
    "get_app",
    "get_binds",
    "get_tables_for_bind",
}
_SESSION_HOOKS = frozenset({"create_scoped_session", "create_session", "make_declarative_base"})
_SIGNALLING = frozenset(
    {
        "flask_sqlalchemy.SignallingSession",
        "fss_compat.shims_v2.SignallingSession",
        "fss_compat.shims_v2._session.SignallingSession",
    }
)
_TABLE_OPERATIONS = frozenset({"create_all", "drop_all", "reflect"})
_DB_METHODS = _ENGINE_HOOKS | _ENGINE_CALLS | _SESSION_HOOKS | _TABLE_OPERATIONS


def _chain_base(node: cst.BaseExpression) -> cst.BaseExpression:
    """The innermost receiver of ``a(...).b.c(...)``: what the chain starts from."""
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            node = node.value
        else:
            return node


def _app_context(statement: cst.SimpleStatementLine, app: str) -> cst.With:
    """``with <app>.app_context():`` around ``statement``, which keeps its comments above."""
    inner = statement.with_changes(leading_lines=[])
    item = cst.WithItem(cst.parse_expression(f"{app}.app_context()"))
    return cst.With(
        items=[item],
        body=cst.IndentedBlock(body=[inner]),
        leading_lines=statement.leading_lines,
    )


def _without(args: t.Sequence[cst.Arg], dropped: cst.Arg) -> list[cst.Arg]:
    kept = [arg for arg in args if arg is not dropped]
    if kept and kept[-1] is not args[-1]:
        kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
    return kept


@dataclasses.dataclass(frozen=True)
class _AppArgument:
    """A call's app argument (2.x's ``app=``, or its position), if it has one.

    :param arg: the argument, or None.
    :param blocked: why the call's arguments cannot be read; ``""`` when they can.
    """

    arg: cst.Arg | None
    blocked: str = ""


def _app_argument(call: cst.Call, names: tuple[str, ...]) -> _AppArgument:
    """The app argument of ``call``, whose 2.x parameters are ``names`` (``app`` among them)."""
    if any(arg.star for arg in call.args):
        return _AppArgument(None, "it passes *args or **kwargs")
    positional = [arg for arg in call.args if arg.keyword is None]
    given = dict(zip(names, positional, strict=False))
    given.update((arg.keyword.value, arg) for arg in call.args if arg.keyword is not None)
    if len(positional) > len(names) or set(given) - set(names):
        return _AppArgument(None, "its arguments are not 2.x's")
    found = given.get("app")
    if found is None or (isinstance(found.value, cst.Name) and found.value.value == "None"):
        return _AppArgument(None)
    if not isinstance(found.value, (cst.Name, cst.Attribute)):
        return _AppArgument(found, "its app is not a name the tool can repeat")
    return _AppArgument(found)


def _local(subject: Subject) -> bool:
    """Whether ``subject`` is a ``db`` only by a function's local names (``f.<locals>.db``)."""
    return isinstance(subject, OnDb) and all(".<locals>." in name for name in subject.names)


class V2SetupRules(Rule):
    """FSC706 engine-api-v2, FSC707 session-hooks-v2 and FSC714 create-all-app."""

    FEATURES = ("FSC706", "FSC707", "FSC714")

    @property
    def _v2_level(self) -> bool:
        return self.run.options.level == "2.5"

    # -- classes -----------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A ``db`` class's hooks, a ``SignallingSession`` subclass, a model's name and key."""
        qname = self.where.qname(self.run.module)
        name = node.name.value
        subject = OnClass(qname)
        methods = {s.name.value for s in class_body(node) if isinstance(s, cst.FunctionDef)}
        engine, session = sorted(methods & _ENGINE_HOOKS), sorted(methods & _SESSION_HOOKS)
        if engine:
            message = f"'{name}' overrides 2.x's engine hooks {', '.join(engine)}"
            self.report(node, "FSC706", "hooks", message, subject)
        if session:
            message = f"'{name}' overrides 2.x's session hooks {', '.join(session)}"
            self.report(node, "FSC707", "hooks", message, subject)
        message = f"'{name}' subclasses 2.x's SignallingSession"
        self.report(node, "FSC707", "session-class", message, subject)

    @classmethod
    def judge_class(cls, candidate: Candidate, index: Index) -> Candidate | None:
        """Judge a class's FSC706 or FSC707 site against the index."""
        qname = t.cast(OnClass, candidate.subject).qname
        if candidate.rewrite == "session-class":
            lineage = index.lineage(qname) or [qname]
            bases = {index.resolve(b) for c in lineage for b in index.classes[c].bases}
            return candidate if bases & _SIGNALLING else None
        return candidate if index.sqlalchemy_class([qname]) else None

    # -- calls -------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        """2.x's engine API, session hooks and table operations on a ``db``."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method not in _DB_METHODS:
            return
        subject = self._owner(func.value)
        what = f"'{self.code(func.value)}.{method}(...)'"
        if subject is None or _local(subject):
            if method == "get_engine" and self._v2_level:
                self._unknown_get_engine(node, func.value, what)
            return
        if method == "get_engine":
            self._get_engine(node, subject, what)
        elif method in _ENGINE_CALLS or (method == "create_engine" and self._v2_level):
            message = f"{what}: 2.x's engine API (3.x: db.engines[key], db.metadatas[key])"
            self.report(node, "FSC706", "engine-calls", message, subject)
        elif method in _SESSION_HOOKS:
            message = f"{what}: 2.x's session hook"
            self.report(node, "FSC707", "hooks", message, subject)
        elif method in _TABLE_OPERATIONS and isinstance(subject, OnDb):
            self._table_operation(node, subject, what)

    def _owner(self, receiver: cst.BaseExpression) -> Subject | None:
        """What the receiver of a ``db`` method must be: a ``db``, or, for ``self`` and
        ``super()`` in a class's methods, that class a subclass of ``SQLAlchemy``.
        """
        if m.matches(receiver, m.Call(func=m.Name("super"))) and self.where.nesting[:-1]:
            return OnClass(".".join([self.run.module, *self.where.nesting[:-1]]))
        if isinstance(receiver, cst.Name):
            bound = self.where.bound_class(receiver.value, self.run.module)
            if bound is not None:
                return OnClass(bound.qname)
        if not isinstance(receiver, (cst.Name, cst.Attribute)):
            return None
        names = self.qnames(receiver)
        return OnDb(tuple(sorted(names))) if names else None

    def _unknown_get_engine(self, node: cst.Call, receiver: cst.BaseExpression, what: str) -> None:
        """``x.get_engine(app, ...)`` at the 2.5 level, ``x`` a function's local name (a
        parameter, ``self._db``), which is no ``db`` the index knows: 2.x's call by its app
        argument, reported and left alone.
        """
        if _app_argument(node, ("app", "bind")).arg is None:
            return
        why = f"the tool cannot tell that '{self.code(receiver)}' is a db"
        self.report(node, "FSC706", "get-engine-app", f"{what} takes the app", ALWAYS, why)

    def _statement(self, node: cst.Call, whole: bool) -> cst.SimpleStatementLine | None:
        """The statement around ``node`` when ``node`` is its whole work: the statement's
        value (``whole``) or the start of its value's chain (``db.get_engine(app).dispose()``).
        """
        statement = self.where.statements[-1] if self.where.statements else None
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if not isinstance(small, (cst.Expr, cst.Assign, cst.Return)) or small.value is None:
            return None
        if whole and not isinstance(small, cst.Expr):
            return None
        value = small.value
        if value is node or (not whole and _chain_base(value) is _chain_base(node)):
            return statement
        return None

    def _get_engine(self, node: cst.Call, subject: Subject, what: str) -> None:
        """``db.get_engine(app, bind)``: ``db.engines[bind]`` in the app's context."""
        found = _app_argument(node, ("app", "bind"))
        if found.arg is None and not found.blocked:
            return  # no app: FSC002's
        statement = self._statement(node, whole=False) if not found.blocked else None
        rewrite = "get-engine-app" if statement is not None or found.blocked else "get-engine"
        message = f"{what} takes the app"
        finding = self.report(node, "FSC706", rewrite, message, subject, found.blocked)
        if not self.applies(finding):
            return
        app = t.cast(cst.Arg, found.arg)
        bind = next((arg for arg in node.args if arg is not app), None)
        app_code = self.code(app.value)

        def edit(updated: cst.Call) -> cst.BaseExpression:
            db = t.cast(cst.Attribute, updated.func).value
            lpar, rpar = updated.lpar, updated.rpar
            if bind is None or (isinstance(bind.value, cst.Name) and bind.value.value == "None"):
                return cst.Attribute(value=db, attr=cst.Name("engine"), lpar=lpar, rpar=rpar)
            engines = cst.Attribute(value=db, attr=cst.Name("engines"))
            index = cst.SubscriptElement(cst.Index(bind.value))
            return cst.Subscript(value=engines, slice=[index], lpar=lpar, rpar=rpar)

        self.edit(node, finding, edit)
        if statement is not None:
            self.edit(statement, finding, lambda updated: _app_context(updated, app_code))

    def _table_operation(self, node: cst.Call, subject: OnDb, what: str) -> None:
        """``db.create_all(bind=..., app=...)``: ``bind_key=`` in the app's context."""
        bind = next((a for a in node.args if a.keyword and a.keyword.value == "bind"), None)
        if bind is not None:
            message = f"{what}: 'bind' is 3.x's 'bind_key'"
            finding = self.report(node, "FSC714", "bind-key", message, subject)
            if self.applies(finding):
                original = bind

                def rename(updated: cst.Call) -> cst.Call:
                    args = [
                        new.with_changes(keyword=cst.Name("bind_key")) if old is original else new
                        for old, new in zip(node.args, updated.args, strict=True)
                    ]
                    return updated.with_changes(args=args)

                self.edit(node, finding, rename)
        found = _app_argument(node, ("bind", "app"))
        if found.arg is None and not found.blocked:
            return
        blocked = found.blocked
        statement = self._statement(node, whole=True) if not blocked else None
        if statement is None and not blocked:
            blocked = "the call is not a statement of its own, to run in 'with app.app_context():'"
        message = f"{what} takes the app"
        finding = self.report(node, "FSC714", "app", message, subject, blocked)
        if not self.applies(finding) or statement is None:
            return
        app = t.cast(cst.Arg, found.arg)
        app_code = self.code(app.value)

        def drop(updated: cst.Call) -> cst.Call:
            position = list(node.args).index(app)
            return updated.with_changes(args=_without(updated.args, updated.args[position]))

        self.edit(node, finding, drop)
        self.edit(statement, finding, lambda updated: _app_context(updated, app_code))
