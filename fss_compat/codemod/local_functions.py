"""The module's own functions a followed query value goes through (see :mod:`.flow`).

A value returned from a function, or passed to one of its parameters, can be followed only
when the tool sees every call of that function: a plain function of the module (not a
method, not decorated, not a coroutine), bound once, whose name is only ever called. Which
parameter an argument binds is read from the call, the way Python binds it.
"""

from __future__ import annotations

import typing as t

import libcst as cst
from libcst.metadata import Assignment
from libcst.metadata import FunctionScope
from libcst.metadata import GlobalScope
from libcst.metadata import Scope


class Functions:
    """The functions of one module, seen through LibCST's scopes and parents.

    :param scopes: ``ScopeProvider``'s values for the module.
    :param parents: ``ParentNodeProvider``'s values for the module.
    """

    def __init__(
        self,
        scopes: t.Mapping[cst.CSTNode, Scope | None],
        parents: t.Mapping[cst.CSTNode, cst.CSTNode],
    ) -> None:
        self.scopes = scopes
        self.parents = parents

    def named(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """The function of this module that ``func`` names, if it names exactly one."""
        if not isinstance(func, cst.Name):
            return None
        scope = self.scopes.get(func)
        if scope is None:
            return None
        assignments = list(scope[func.value])
        if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
            return None
        node = assignments[0].node
        return node if isinstance(node, cst.FunctionDef) else None

    def unseen_calls(self, function: cst.FunctionDef) -> str:
        """Why the tool may not see every call of ``function``; ``""`` when it sees them."""
        name = function.name.value
        scope = self.scopes.get(function)
        if not isinstance(scope, (GlobalScope, FunctionScope)):
            return f"it is returned from or passed to the method '{name}'"
        if function.decorators:
            return f"it goes through '{name}', which is decorated"
        if function.asynchronous is not None:
            return f"it goes through '{name}', which is a coroutine"
        if len(scope.assignments[name]) != 1:
            return f"it goes through '{name}', which is bound more than once"
        if any(call is None for call in self._uses(function)):
            return f"it goes through '{name}', which is used other than by a call"
        return ""

    def module_level(self, function: cst.FunctionDef) -> bool:
        """Whether ``function`` is defined at module level (other modules may import it)."""
        return isinstance(self.scopes.get(function), GlobalScope)

    def calls(self, function: cst.FunctionDef) -> t.Iterator[cst.Call]:
        """The calls of ``function`` by name, anywhere in the module."""
        return (call for call in self._uses(function) if call is not None)

    def _uses(self, function: cst.FunctionDef) -> t.Iterator[cst.Call | None]:
        """Each read of the function's name: the call it makes, or None for another use."""
        scope = self.scopes.get(function)
        assert scope is not None
        for assignment in scope.assignments[function.name.value]:
            for access in assignment.references:
                call = self.parents.get(access.node)
                yield call if isinstance(call, cst.Call) and call.func is access.node else None


def parameter(function: cst.FunctionDef, call: cst.Call, arg: cst.Arg) -> cst.Param | None:
    """The parameter of ``function`` that ``arg`` of ``call`` binds, when the tool can tell."""
    if any(a.star for a in call.args):
        return None
    params = function.params
    if arg.keyword is not None:
        named = [*params.params, *params.kwonly_params]
        return next((p for p in named if p.name.value == arg.keyword.value), None)
    index = [a for a in call.args if a.keyword is None].index(arg)
    positional = [*params.posonly_params, *params.params]
    return positional[index] if index < len(positional) else None


def argument_for(function: cst.FunctionDef, call: cst.Call, param: cst.Param) -> cst.Arg | None:
    """The argument ``call`` passes for ``param``, when the tool can tell."""
    return next((arg for arg in call.args if parameter(function, call, arg) is param), None)


def returns(function: cst.FunctionDef) -> tuple[list[cst.Return], bool]:
    """The ``return`` statements of ``function``'s own body, and whether it yields."""
    found = _Returns()
    function.body.visit(found)
    return found.found, found.yields


class _Returns(cst.CSTVisitor):
    """The ``return`` statements of one function body, not of the functions inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Return] = []
        self.yields = False

    def visit_Return(self, node: cst.Return) -> None:
        self.found.append(node)

    def visit_Yield(self, node: cst.Yield) -> None:
        self.yields = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False
