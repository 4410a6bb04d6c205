"""One module as following a value within it reads it: LibCST's metadata, resolved once.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper
from libcst.metadata import ParentNodeProvider
from libcst.metadata import PositionProvider
from libcst.metadata import ScopeProvider

from fss_compat.codemod.local_functions import Functions

__all__ = ["ModuleView"]

_EMPTY = cst.Module([])


class ModuleView:
    """What following a value needs of its module: names, parents, lines, local functions.

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
