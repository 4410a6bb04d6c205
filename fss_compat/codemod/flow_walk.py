"""The walk that follows one ``Model.query`` value through its module (see
:mod:`~fss_compat.codemod.flow`): forward from each expression that holds it, backward from
each holder to the places that give it a value.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import typing as t

import libcst as cst
from libcst.metadata import Assignment
from libcst.metadata import FunctionScope
from libcst.metadata import GlobalScope
from libcst.metadata import Scope

from fss_compat.codemod.flow_webs import ITERATE
from fss_compat.codemod.flow_webs import Sink
from fss_compat.codemod.flow_webs import Web
from fss_compat.codemod.local_functions import argument_for
from fss_compat.codemod.local_functions import parameter
from fss_compat.codemod.local_functions import returns
from fss_compat.codemod.module_view import ModuleView
from fss_compat.codemod.shapes import QUERY_BUILDERS
from fss_compat.codemod.shapes import QUERY_TERMINALS
from fss_compat.codemod.shapes import arguments_fit

__all__ = ["Walk", "source_root"]

#: A holder: a function's name (its scope and the name), or a function's return value.
Holder = tuple[Scope, str] | cst.FunctionDef


def source_root(node: cst.BaseExpression) -> cst.Attribute | None:
    """The ``X.query`` attribute under the builders of ``node``, if that is what it is."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value not in QUERY_BUILDERS:
            return None
        node = node.func.value
    if isinstance(node, cst.Attribute) and node.attr.value == "query":
        return node
    return None


class Walk:
    """One web's walk: a work list of expressions that hold the value and of holders."""

    def __init__(self, view: ModuleView) -> None:
        self.view = view
        self.web = Web()
        self.todo: list[cst.BaseExpression | Holder] = []
        self.holders: set[tuple[int, str]] = set()
        self.sources: set[int] = set()
        self.forwarded: set[int] = set()

    def run(self, root: cst.Attribute, expression: cst.BaseExpression) -> Web:
        """Follow the value from the source ``root`` and its outermost builder call."""
        self._source(root, expression)
        while self.todo:
            item = self.todo.pop()
            if isinstance(item, cst.FunctionDef):
                self._returns(item)
            elif isinstance(item, tuple):
                self._name(*item)
            else:
                self._forward(item)
        self.web.sinks.sort(key=lambda sink: self.view.line(sink.node))
        return self.web

    def _escape(self, node: cst.CSTNode, why: str) -> None:
        self.web.escapes.append((self.view.line(node), why))

    def _source(self, root: cst.Attribute, expression: cst.BaseExpression) -> None:
        if id(root) in self.sources:
            return
        self.sources.add(id(root))
        if self.web.sources:
            first = self.web.sources[0][0]
            if self.view.code(first.value) != self.view.code(root.value):
                why = (
                    f"it is built from both '{self.view.code(first)}' and '{self.view.code(root)}'"
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
        parents = self.view.parents
        parent = parents.get(node)
        while isinstance(parent, cst.Attribute) and parent.value is node:
            call = parents.get(parent)
            method = parent.attr.value
            if not (isinstance(call, cst.Call) and call.func is parent):
                self._escape(parent, f"'{self.view.code(parent)}' reads '.{method}' of it")
                return
            if method in QUERY_BUILDERS:
                self.web.builders.add(method)
                node, parent = call, parents.get(call)
                continue
            if method in QUERY_TERMINALS and arguments_fit(method, call):
                self.web.sinks.append(Sink(call, method))
            else:
                self._escape(call, f"'{self.view.code(call)}' has no 1:1 rewrite the tool makes")
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
                where = ", ".join(self.view.code(target) for target in targets)
                self._escape(parent, f"it is stored in '{where}'")
        elif isinstance(parent, cst.Return):
            function = self.view.function_of(parent)
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
            self._escape(around, f"'{self.view.code(around)}' uses it in a way no rewrite proves")

    def _named(self, target: cst.Name) -> None:
        """The value is assigned to a name: that name, if it is a function's own."""
        scope = self.view.scopes.get(target)
        if not isinstance(scope, FunctionScope) or not isinstance(scope.node, cst.FunctionDef):
            kind = "the module" if isinstance(scope, GlobalScope) else "a class or lambda"
            self._escape(target, f"it is stored in '{target.value}', a name of {kind}")
            return
        self._hold((scope, target.value))

    def _argument(self, arg: cst.Arg) -> None:
        """The value is passed to a function: the parameter, if it is a local function's."""
        call = self.view.parents.get(arg)
        assert isinstance(call, cst.Call)
        function = self.view.functions.named(call.func)
        passed = f"it is passed to '{self.view.code(call.func)}()'"
        if function is None:
            self._escape(call, passed)
            return
        param = parameter(function, call, arg)
        if param is None:
            self._escape(call, f"{passed}, whose parameter the tool cannot tell")
            return
        scope = self.view.scopes.get(param)
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
            elif self.view.function_of(node) is not function:
                self._escape(node, f"'{name}' is assigned in a nested function")
            else:
                self._assigned(name, node)
            for access in assignment.references:
                read = access.node
                if not isinstance(read, cst.Name) or self.view.function_of(read) is not function:
                    self._escape(read, f"'{name}' is read in a nested function or lambda")
                else:
                    self._forward(read)

    def _assigned(self, name: str, node: cst.CSTNode) -> None:
        parents = self.view.parents
        target = parents.get(node)
        statement = parents.get(target) if isinstance(target, cst.AssignTarget) else target
        value = None
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            value = statement.value
        elif isinstance(statement, cst.AnnAssign) and statement.target is node:
            value = statement.value
        if value is None:
            self._escape(node, f"'{name}' is also bound by '{self.view.code(statement or node)}'")
        else:
            self._backward(value, f"'{name}' is also assigned '{self.view.code(value)}'")

    def _parameter(self, function: cst.FunctionDef, param: cst.Param) -> None:
        """Every call of the function must pass the value for ``param``."""
        if not self._callable(function, param):
            return
        calls = list(self.view.functions.calls(function))
        if not calls:
            # Reached from a read of the parameter: with no call in the module, whoever
            # calls the function (a route, another package) may pass anything.
            why = f"'{function.name.value}' is not called here, so '{param.name.value}' may be"
            self._escape(param, f"{why} anything")
        for call in calls:
            arg = argument_for(function, call, param)
            if arg is None:
                self._escape(call, f"'{self.view.code(call)}' does not pass '{param.name.value}'")
            else:
                self._backward(arg.value, f"'{self.view.code(call)}' passes something else")

    def _returns(self, function: cst.FunctionDef) -> None:
        """Every return of the function must give the value; every call of it is followed."""
        found, yields = returns(function)
        if yields:
            self._escape(function, f"'{function.name.value}' is a generator")
        for statement in found:
            if statement.value is None:
                self._escape(statement, f"'{function.name.value}' also returns None")
            else:
                why = f"'{function.name.value}' also returns '{self.view.code(statement.value)}'"
                self._backward(statement.value, why)
        calls = list(self.view.functions.calls(function))
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
            scope = self.view.scopes.get(node)
            if isinstance(scope, FunctionScope) and isinstance(scope.node, cst.FunctionDef):
                assignments = scope.assignments[node.value]
                if assignments and all(a.scope is scope for a in assignments):
                    self._hold((scope, node.value))
                    return
        elif isinstance(node, cst.Call):
            function = self.view.functions.named(node.func)
            if function is not None and self._callable(function, node):
                self._hold(function)
                return
        self._escape(value, why)

    def _callable(self, function: cst.FunctionDef, at: cst.CSTNode) -> bool:
        """Whether the tool sees every call of ``function`` (else an escape at ``at``)."""
        why = self.view.functions.unseen_calls(function)
        if why:
            self._escape(at, why)
            return False
        if self.view.functions.module_level(function):
            qname = f"{self.view.module}.{function.name.value}"
            if qname not in self.web.functions:
                self.web.functions.append(qname)
        return True
