"""The typed-model rules' view of the whole project, computed once per project index.

:func:`schema_of` joins every module's schema facts (``Index.extra["typed"]``, recorded by
:class:`~fss_compat.codemod.rules_typed.TypedRules` in the scan) into a
:class:`~fss_compat.codemod.schema_index.SchemaIndex`; :func:`plan_of` decides the dynamic
relationships from the uses of their names the scan recorded in each module.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

from fss_compat.codemod.backrefs import Reverse
from fss_compat.codemod.backrefs import plan_backrefs
from fss_compat.codemod.dynamic_sites import DynamicPlan
from fss_compat.codemod.dynamic_sites import plan_dynamic
from fss_compat.codemod.model_schema import ModuleSchema
from fss_compat.codemod.project import Index
from fss_compat.codemod.python_types import Target
from fss_compat.codemod.python_types import project_target
from fss_compat.codemod.relationship_calls import Backref
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.schema_index import SchemaIndex

#: The key of the typed-model facts in ``ModuleFacts.extra`` and ``Index.extra``.
KEY = "typed"


@dataclasses.dataclass
class _Known:
    """The schema index and dynamic plans of the last project index (one per run)."""

    index: Index | None = None
    schema: SchemaIndex | None = None
    #: By ``backrefs``: the plan FSC403 rewrites by, and the one with dynamic backrefs.
    plans: dict[bool, DynamicPlan] = dataclasses.field(default_factory=dict)
    target: Target = dataclasses.field(default_factory=Target)


_known = _Known()


def target_of(index: Index) -> Target:
    """The project's Python target (``Optional`` or ``| None``), read with its schema."""
    schema_of(index)
    return _known.target


def schema_of(index: Index) -> SchemaIndex:
    """The :class:`SchemaIndex` of the project ``index`` was built from (computed once)."""
    if _known.index is not index or _known.schema is None:
        modules = [t.cast(ModuleSchema, m) for m in index.extra.get(KEY, [])]
        paths = [m.path for m in modules if m.path]
        _known.index, _known.plans = index, {}
        _known.schema = SchemaIndex.build(modules, index)
        _known.target = project_target(paths[:1])
    return _known.schema


def plan_of(index: Index, backrefs: bool = False) -> DynamicPlan:
    """The dynamic relationships' plan, from the uses the scan recorded in every module
    (``migrate``'s rounds scan the files' new text in memory).

    :param backrefs: with the dynamic ``backref=``s (see :func:`plan_dynamic`).
    """
    schema = schema_of(index)
    if backrefs not in _known.plans:
        uses = {module.module: module.uses for module in schema.modules}
        _known.plans[backrefs] = plan_dynamic(schema, uses, backrefs=backrefs)
    return _known.plans[backrefs]


def reverse_of(schema: SchemaIndex, call: RelationshipCall) -> Reverse:
    """What FSC402 makes of the ``backref=`` of ``call``."""
    plans: list[Reverse] = schema.memo("backrefs", "", lambda _: plan_backrefs(schema))
    return next(p for p in plans if p.call is call)


def backref_blocked(index: Index, call: RelationshipCall) -> list[str]:
    """Why FSC403 will not rewrite the dynamic ``backref=`` of ``call`` once FSC402 has
    declared it on its class: FSC402's reason, or the uses of its name as they are now.
    """
    reason = reverse_of(schema_of(index), call).reason
    if reason:
        return [f"FSC402 cannot declare it on its class: {reason}"]
    name = t.cast(Backref, call.backref).name
    return [f"{b.where}:{b.line}: {b.reason}" for b in plan_of(index, True).blocked.get(name, [])]
