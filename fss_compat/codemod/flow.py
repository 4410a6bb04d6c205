"""Following a ``Model.query`` value within its module, from where it is built to where it runs.

A legacy query is often built in one place and run in another::

    def _visible(user):                       # a parameter
        q = Post.query.filter_by(hidden=False)    # a local name
        if not user.admin:
            q = q.filter(Post.author == user)     # refined
        return q                              # the return of a local function

    def page(user):
        return _visible(user).order_by(Post.id).paginate(page=1, per_page=20)

:class:`Flow` follows such a value from each place it is built (a *source*, ``Model.query``
and the builders on it) through *holders*: a function's local name, a local function's
return value at its calls, and a local function's parameter at its calls. What the holders
and the expressions reached from one source make is a :class:`Web`. Each expression that
holds the value may be refined (``.filter(...)`` and the other builders ``Select`` has),
stored in a holder, or run: a terminal method with a 2.x form, or a ``for`` over it (a
*sink*). Every other use is an *escape*, which the web records with its line: stored on an
object, passed to a function that is not a plain local one, returned from a method, used as
a value the tool cannot see all the uses of, returned from a function the module never calls
(its callers are out of sight). A web without escapes can be rewritten at both ends; the
rest stays as it is, reported where it escapes.

Names come from LibCST's ``ScopeProvider`` (each holder's assignments and their
references), the surroundings of an expression from ``ParentNodeProvider``. The analysis is
flow-insensitive: every assignment of a name in its function must be part of the web, so
``q = q.all()`` after a builder makes ``q`` an escape. Module-level functions the value goes
through are listed in :attr:`Web.functions`: another module may call them, which only the
index of every module can tell (see :class:`~fss_compat.codemod.engine.OnModel`).
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.metadata import Assignment
from libcst.metadata import FunctionScope
from libcst.metadata import GlobalScope
from libcst.metadata import MetadataWrapper
from libcst.metadata import ParentNodeProvider
from libcst.metadata import PositionProvider
from libcst.metadata import Scope
from libcst.metadata import ScopeProvider

from fss_compat.codemod.local_functions import Functions
from fss_compat.codemod.local_functions import argument_for
from fss_compat.codemod.local_functions import parameter
from fss_compat.codemod.local_functions import returns
from fss_compat.codemod.shapes import QUERY_BUILDERS
from fss_compat.codemod.shapes import QUERY_TERMINALS
from fss_compat.codemod.shapes import UNIQUE
from fss_compat.codemod.shapes import arguments_fit

#: The sink of a ``for`` loop or a comprehension over the value.
ITERATE = "iterate"
_EMPTY = cst.Module([])


@dataclasses.dataclass(frozen=True)
class Sink:
    """Where a followed value is run.

    :param node: the terminal call (``q.filter(x).all()``), or the iterated expression.
    :param terminal: the terminal method, or :data:`ITERATE`.
    """

    node: cst.CSTNode
    terminal: str


@dataclasses.dataclass
class Web:
    """One value, followed: where it is built, where it runs, and whether it escapes.

    :param sources: ``(root, expression)`` per place it is built: the ``X.query`` attribute
        and the outermost builder call on it (the attribute itself when there is none).
    """

    sources: list[tuple[cst.Attribute, cst.BaseExpression]] = dataclasses.field(
        default_factory=list
    )
    sinks: list[Sink] = dataclasses.field(default_factory=list)
    #: The builder methods called on the value anywhere.
    builders: set[str] = dataclasses.field(default_factory=set)
    #: ``(line, why)`` per use the tool cannot follow.
    escapes: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    #: The qualified names of the module-level functions the value is returned from or
    #: passed to.
    functions: list[str] = dataclasses.field(default_factory=list)

    def escape(self, line: int = 0) -> str:
        """Where it escapes first, ``"why (line N)"``; ``""`` when it does not.

        :param line: the line of the source being reported: an escape there is not given
            a line (which the TODO comment above it would move).
        """
        if not self.escapes:
            return ""
        first, why = min(self.escapes)
        more = len(self.escapes) - 1
        where = f" (line {first})" if first != line else ""
        return f"{why}{where}" + (f", and {more} more" if more else "")

    @property
    def unique(self) -> bool:
        """Whether its runs need ``unique()`` (a join, outerjoin or options() on a path)."""
        return bool(UNIQUE & self.builders)

    @property
    def blocked(self) -> str:
        """Why a sink's 2.x form cannot keep the legacy result; ``""`` when all can."""
        terminals = {sink.terminal for sink in self.sinks}
        if "first_or_404" in terminals and "options" in self.builders:
            return "options() may eager-load a collection, which needs unique()"
        if "one_or_404" in terminals and self.unique:
            return "db.one_or_404 cannot de-duplicate the rows of join, outerjoin or options()"
        return ""


#: A holder: a function's name (its scope and the name), or a function's return value.
Holder = tuple[Scope, str] | cst.FunctionDef


class Flow:
    """The webs of one module (see the module docstring).

    :param wrapper: the module's metadata wrapper (its ``ScopeProvider``,
        ``ParentNodeProvider`` and ``PositionProvider`` are resolved on first use).
    :param module: the module's dotted name.
    """

    def __init__(self, wrapper: MetadataWrapper, module: str) -> None:
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self.module = module
        self.functions = Functions(self.scopes, self.parents)
        self._webs: dict[int, Web] = {}

    def web(self, root: cst.Attribute, expression: cst.BaseExpression) -> Web:
        """The web of the source ``root`` (``X.query``) whose outermost builder call is
        ``expression``; one object for every source of one web.
        """
        found = self._webs.get(id(root))
        if found is None:
            found = _Walk(self).run(root, expression)
            self._webs.update((id(source), found) for source, _ in found.sources)
        return found

    def line(self, node: cst.CSTNode) -> int:
        """The line ``node`` starts on."""
        return self.positions[node].start.line

    def code(self, node: cst.CSTNode, limit: int = 60) -> str:
        """The source of ``node`` on one line, shortened to ``limit`` characters."""
        text = " ".join(_EMPTY.code_for_node(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The innermost statement around ``node`` (a line, or a compound's header)."""
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return current
            current = self.parents.get(current)
        return None

    def function_of(self, node: cst.CSTNode) -> cst.FunctionDef | cst.Lambda | None:
        """The function (or lambda) whose body ``node`` is in; None at module or class level."""
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, (cst.FunctionDef, cst.Lambda)):
                return current
            if isinstance(current, (cst.ClassDef, cst.Module)):
                return None
            current = self.parents.get(current)
        return None


def source_root(node: cst.BaseExpression) -> cst.Attribute | None:
    """The ``X.query`` attribute under the builders of ``node``, if that is what it is."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value not in QUERY_BUILDERS:
            return None
        node = node.func.value
    if isinstance(node, cst.Attribute) and node.attr.value == "query":
        return node
    return None


class _Walk:
    """One web's walk: a work list of expressions that hold the value and of holders."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.web = Web()
        self.todo: list[cst.BaseExpression | Holder] = []
        self.holders: set[tuple[int, str]] = set()
        self.sources: set[int] = set()
        self.forwarded: set[int] = set()

    def run(self, root: cst.Attribute, expression: cst.BaseExpression) -> Web:
        self._source(root, expression)
        while self.todo:
            item = self.todo.pop()
            if isinstance(item, cst.FunctionDef):
                self._returns(item)
            elif isinstance(item, tuple):
                self._name(*item)
            else:
                self._forward(item)
        self.web.sinks.sort(key=lambda sink: self.flow.line(sink.node))
        return self.web

    def _escape(self, node: cst.CSTNode, why: str) -> None:
        self.web.escapes.append((self.flow.line(node), why))

    def _source(self, root: cst.Attribute, expression: cst.BaseExpression) -> None:
        if id(root) in self.sources:
            return
        self.sources.add(id(root))
        if self.web.sources:
            first = self.web.sources[0][0]
            if self.flow.code(first.value) != self.flow.code(root.value):
                why = (
                    f"it is built from both '{self.flow.code(first)}' and '{self.flow.code(root)}'"
                )
                self._escape(root, why)
        self.web.sources.append((root, expression))
        node: cst.BaseExpression = expression
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            self.web.builders.add(node.func.attr.value)
            node = node.func.value
        self.todo.append(expression)

    def _hold(self, holder: Holder) -> None:
        key = (
            (id(holder), "") if isinstance(holder, cst.FunctionDef) else (id(holder[0]), holder[1])
        )
        if key not in self.holders:
            self.holders.add(key)
            self.todo.append(holder)

    # -- forward: what is done with an expression that holds the value -------------------

    def _forward(self, node: cst.BaseExpression) -> None:
        if id(node) in self.forwarded:
            return  # a read two assignments reach
        self.forwarded.add(id(node))
        parents = self.flow.parents
        parent = parents.get(node)
        while isinstance(parent, cst.Attribute) and parent.value is node:
            call = parents.get(parent)
            method = parent.attr.value
            if not (isinstance(call, cst.Call) and call.func is parent):
                self._escape(parent, f"'{self.flow.code(parent)}' reads '.{method}' of it")
                return
            if method in QUERY_BUILDERS:
                self.web.builders.add(method)
                node, parent = call, parents.get(call)
                continue
            if method in QUERY_TERMINALS and arguments_fit(method, call):
                self.web.sinks.append(Sink(call, method))
            else:
                self._escape(call, f"'{self.flow.code(call)}' has no 1:1 rewrite the tool makes")
            return
        self._place(node, parent)

    def _place(self, node: cst.BaseExpression, parent: cst.CSTNode | None) -> None:
        """``node`` holds the value and is no builder's receiver: where does it go?"""
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            targets = (
                [t.target for t in parent.targets]
                if isinstance(parent, cst.Assign)
                else [parent.target]
            )
            if len(targets) == 1 and isinstance(targets[0], cst.Name):
                self._named(targets[0])
            else:
                where = ", ".join(self.flow.code(target) for target in targets)
                self._escape(parent, f"it is stored in '{where}'")
        elif isinstance(parent, cst.Return):
            function = self.flow.function_of(parent)
            if not isinstance(function, cst.FunctionDef):
                self._escape(parent, "it is returned from a lambda")
            elif self._callable(function, parent):
                self._hold(function)
        elif isinstance(parent, cst.Arg) and parent.value is node:
            self._argument(parent)
        elif isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            self.web.sinks.append(Sink(node, ITERATE))
        else:
            around = parent if parent is not None else node
            self._escape(around, f"'{self.flow.code(around)}' uses it in a way no rewrite proves")

    def _named(self, target: cst.Name) -> None:
        """The value is assigned to a name: that name, if it is a function's own."""
        scope = self.flow.scopes.get(target)
        if not isinstance(scope, FunctionScope) or not isinstance(scope.node, cst.FunctionDef):
            kind = "the module" if isinstance(scope, GlobalScope) else "a class or lambda"
            self._escape(target, f"it is stored in '{target.value}', a name of {kind}")
            return
        self._hold((scope, target.value))

    def _argument(self, arg: cst.Arg) -> None:
        """The value is passed to a function: the parameter, if it is a local function's."""
        call = self.flow.parents.get(arg)
        assert isinstance(call, cst.Call)
        function = self.flow.functions.named(call.func)
        passed = f"it is passed to '{self.flow.code(call.func)}()'"
        if function is None:
            self._escape(call, passed)
            return
        param = parameter(function, call, arg)
        if param is None:
            self._escape(call, f"{passed}, whose parameter the tool cannot tell")
            return
        scope = self.flow.scopes.get(param)
        if isinstance(scope, FunctionScope) and self._callable(function, call):
            self._hold((scope, param.name.value))

    # -- holders ------------------------------------------------------------------------

    def _name(self, scope: Scope, name: str) -> None:
        """Every assignment of a function's name must give it the value, and every read of
        it is followed.
        """
        function = t.cast(FunctionScope, scope).node
        for assignment in scope.assignments[name]:
            if not isinstance(assignment, Assignment):
                continue  # a builtin: never a function's own name
            node = assignment.node
            if isinstance(node, cst.Param):
                self._parameter(t.cast(cst.FunctionDef, function), node)
            elif self.flow.function_of(node) is not function:
                self._escape(node, f"'{name}' is assigned in a nested function")
            else:
                self._assigned(name, node)
            for access in assignment.references:
                read = access.node
                if not isinstance(read, cst.Name) or self.flow.function_of(read) is not function:
                    self._escape(read, f"'{name}' is read in a nested function or lambda")
                else:
                    self._forward(read)

    def _assigned(self, name: str, node: cst.CSTNode) -> None:
        parents = self.flow.parents
        target = parents.get(node)
        statement = parents.get(target) if isinstance(target, cst.AssignTarget) else target
        value = None
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            value = statement.value
        elif isinstance(statement, cst.AnnAssign) and statement.target is node:
            value = statement.value
        if value is None:
            self._escape(node, f"'{name}' is also bound by '{self.flow.code(statement or node)}'")
        else:
            self._backward(value, f"'{name}' is also assigned '{self.flow.code(value)}'")

    def _parameter(self, function: cst.FunctionDef, param: cst.Param) -> None:
        """Every call of the function must pass the value for ``param``."""
        if not self._callable(function, param):
            return
        calls = list(self.flow.functions.calls(function))
        if not calls:
            # Reached from a read of the parameter: with no call in the module, whoever
            # calls the function (a route, another package) may pass anything.
            why = f"'{function.name.value}' is not called here, so '{param.name.value}' may be"
            self._escape(param, f"{why} anything")
        for call in calls:
            arg = argument_for(function, call, param)
            if arg is None:
                self._escape(call, f"'{self.flow.code(call)}' does not pass '{param.name.value}'")
            else:
                self._backward(arg.value, f"'{self.flow.code(call)}' passes something else")

    def _returns(self, function: cst.FunctionDef) -> None:
        """Every return of the function must give the value; every call of it is followed."""
        found, yields = returns(function)
        if yields:
            self._escape(function, f"'{function.name.value}' is a generator")
        for statement in found:
            if statement.value is None:
                self._escape(statement, f"'{function.name.value}' also returns None")
            else:
                why = f"'{function.name.value}' also returns '{self.flow.code(statement.value)}'"
                self._backward(statement.value, why)
        calls = list(self.flow.functions.calls(function))
        if not calls:
            # Whoever calls it is out of sight (another package, a plugin, dead code).
            self._escape(function, f"'{function.name.value}' is not called here")
        self.todo.extend(calls)

    def _backward(self, value: cst.BaseExpression, why: str) -> None:
        """A value given to a holder of the web: part of the web, or an escape."""
        root = source_root(value)
        if root is not None:
            self._source(root, value)
            return
        node = value
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value not in QUERY_BUILDERS:
                break
            self.web.builders.add(node.func.attr.value)
            node = node.func.value
        if isinstance(node, cst.Name):
            scope = self.flow.scopes.get(node)
            if isinstance(scope, FunctionScope) and isinstance(scope.node, cst.FunctionDef):
                assignments = scope.assignments[node.value]
                if assignments and all(a.scope is scope for a in assignments):
                    self._hold((scope, node.value))
                    return
        elif isinstance(node, cst.Call):
            function = self.flow.functions.named(node.func)
            if function is not None and self._callable(function, node):
                self._hold(function)
                return
        self._escape(value, why)

    def _callable(self, function: cst.FunctionDef, at: cst.CSTNode) -> bool:
        """Whether the tool sees every call of ``function`` (else an escape at ``at``)."""
        why = self.flow.functions.unseen_calls(function)
        if why:
            self._escape(at, why)
            return False
        if self.flow.functions.module_level(function):
            qname = f"{self.flow.module}.{function.name.value}"
            if qname not in self.web.functions:
                self.web.functions.append(qname)
        return True
