"""A ``Model.query`` value followed within its module: where it is built, where it runs,
and where it escapes (see :mod:`~fss_compat.codemod.flow`).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses

import libcst as cst

from fss_compat.codemod.shapes import UNIQUE

__all__ = ["ITERATE", "Sink", "Web"]

#: The sink of a ``for`` loop or a comprehension over the value.
ITERATE = "iterate"


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
