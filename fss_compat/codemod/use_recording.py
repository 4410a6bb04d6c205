"""The scan's record of how each module uses its attributes, which FSC403's plan reads.

:class:`UseRecordingRule` is the base of the typed-model family
(:class:`~fss_compat.codemod.rules_typed.TypedRules`): in the scan's one traversal it
records into the module's :class:`~fss_compat.codemod.model_schema.ModuleSchema` every
attribute the module uses and how (a :class:`~fss_compat.codemod.dynamic_uses.Use`,
read by :class:`~fss_compat.codemod.dynamic_uses.UseReader`), the strings that mention
``.<name>``, and what its top-level names are bound to. Then
:func:`~fss_compat.codemod.dynamic_sites.plan_dynamic` decides every dynamic relationship
from those records, with no module read again.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

from fss_compat.codemod.dynamic_uses import Use
from fss_compat.codemod.dynamic_uses import UseReader
from fss_compat.codemod.dynamic_uses import mentioned
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.model_schema import ModuleSchema

__all__ = ["UseRecordingRule"]


class UseRecordingRule(Rule):
    """A rule family that records the module's attribute uses in the scan (not in
    ``migrate``, whose rewrite reads its module's uses itself).

    .. versionadded:: 0.1.0
    """

    #: The module's facts the uses go into (set by :meth:`start_uses`).
    _facts: ModuleSchema
    #: The scan's reading of the module's uses; None in ``migrate``.
    _uses: UseReader | None = None

    def start_uses(self, facts: ModuleSchema) -> None:
        """Start recording the uses of the module being visited into ``facts``."""
        self._facts = facts
        self._uses = UseReader() if self.run.names is not None else None
        self._receivers: dict[tuple[int, bool, str], frozenset[str]] = {}
        if self._uses is not None:
            bound = (next(iter(q)) for q in self.bindings.values() if len(q) == 1)
            facts.uses.bound.update(bound)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Record how the module uses an attribute (in the scan)."""
        if self._uses is None:
            return
        site = self._uses.attribute(node)
        if site is not None:
            line, receiver = self.line(node), self._receiver(node)
            self._facts.uses.uses.append(
                Use(site.attribute, line, site.shape, site.reason, receiver)
            )

    def _receiver(self, node: cst.Attribute) -> frozenset[str]:
        """What the object before the dot may stand for, when it may be a class: a name
        the module binds to one thing (an import, a class; a local name or a parameter is
        never a model class, and a module-level name bound twice is no class's name).
        """
        head = node.value
        while isinstance(head, cst.Attribute):
            head = head.value
        if not (isinstance(head, cst.Name) and len(self.bindings.get(head.value, ())) == 1):
            return frozenset()
        # The same receiver in the same scope stands for the same thing (``User.posts``,
        # ``db.session`` over and over in one function).
        where = self.where
        scope = (id(where.scopes[-1]), where.in_body[-1]) if where.scopes else (0, True)
        key = (*scope, get_full_name_for_node(node.value) or "")
        found = self._receivers.get(key)
        if found is None:
            found = self._receivers[key] = self.qnames(node.value)
        return found

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """A string that mentions ``.<attribute>`` (which may be a dynamic relationship)."""
        if self._uses is not None and "." in node.value:
            # Where has counted the string's own newlines already: it is a token.
            line = self.where.line_of(node) - node.value.count("\n")
            strings = self._facts.uses.strings
            strings.extend((line, name) for name in sorted(mentioned(node.value)))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        """What is assigned to is not a use with a write-only form."""
        if self._uses is not None:
            self._uses.target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        """See :meth:`visit_AssignTarget`."""
        if self._uses is not None:
            self._uses.target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """See :meth:`visit_AssignTarget`."""
        if self._uses is not None:
            self._uses.target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        """See :meth:`visit_AssignTarget`."""
        if self._uses is not None:
            self._uses.target(node.target)

    def visit_Call(self, node: cst.Call) -> None:
        """A call: a chain's end, or a method of an attribute."""
        if self._uses is not None:
            self._uses.call(node)

    def visit_For(self, node: cst.For) -> None:
        """A loop: what it iterates."""
        if self._uses is not None:
            self._uses.loop(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        """A comprehension: what it iterates."""
        if self._uses is not None:
            self._uses.loop(node.iter)
