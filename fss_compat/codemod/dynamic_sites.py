"""Which dynamic relationships FSC403 can make write-only: every use of the name, decided.

The uses themselves are read by :mod:`.dynamic_uses` (the scan records them for every
module); :func:`plan_dynamic` joins them per attribute name with the project's schema, and
:func:`find_sites` reads one module's again, with their nodes, for ``migrate``'s rewrite.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider
from libcst.metadata import ScopeProvider

from fss_compat.codemod.call_args import Names
from fss_compat.codemod.dynamic_uses import ModuleUses
from fss_compat.codemod.dynamic_uses import Shape
from fss_compat.codemod.dynamic_uses import Site
from fss_compat.codemod.dynamic_uses import UseReader
from fss_compat.codemod.dynamic_uses import mentioned
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.schema_index import SchemaIndex

__all__ = ["Blocker", "DynamicPlan", "ModuleSites", "find_sites", "plan_dynamic"]


@dataclasses.dataclass(frozen=True)
class Blocker:
    """Why an attribute stays dynamic: a use the tool cannot prove, or its definition."""

    where: str
    line: int
    reason: str


@dataclasses.dataclass
class DynamicPlan:
    """The dynamic relationships of the project, by attribute name, and what blocks each."""

    relationships: dict[str, list[tuple[str, RelationshipCall]]]
    blocked: dict[str, list[Blocker]]
    dbs: dict[str, str]

    def convertible(self, attribute: str) -> bool:
        """Whether every use of ``attribute`` has a write-only form."""
        return attribute in self.relationships and not self.blocked.get(attribute)


def _is_class(receiver: t.Iterable[str], schema: SchemaIndex) -> bool:
    """``User.posts`` (the class's attribute, unchanged by the rewrite), not ``user.posts``."""
    return any(schema.project.resolve(q) in schema.classes for q in receiver)


@dataclasses.dataclass
class ModuleSites:
    """The uses of dynamic attributes in one module, with their nodes."""

    #: id of the node a rewrite replaces -> the use.
    sites: dict[int, Site]
    lines: dict[int, int]


def find_sites(
    wrapper: MetadataWrapper,
    name: str,
    is_package: bool,
    attributes: t.Collection[str],
    schema: SchemaIndex,
) -> ModuleSites:
    """The uses of ``attributes`` in one module, read as the scan reads them."""
    positions = wrapper.resolve(PositionProvider)
    names = Names(wrapper.resolve(ScopeProvider), name, is_package)
    found = ModuleSites({}, {})
    reader = UseReader()

    class _Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            reader.call(node)

        def visit_For(self, node: cst.For) -> None:
            reader.loop(node.iter)

        def visit_CompFor(self, node: cst.CompFor) -> None:
            reader.loop(node.iter)

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            reader.target(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            reader.target(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            reader.target(node.target)

        def visit_Del(self, node: cst.Del) -> None:
            reader.target(node.target)

        def visit_Attribute(self, node: cst.Attribute) -> None:
            site = reader.attribute(node)
            if site is None or site.attribute not in attributes:
                return
            if not _is_class(names.of(node.value), schema):
                found.sites[id(site.node)] = site
                found.lines[id(site.node)] = positions[node].start.line

    wrapper.module.visit(_Visitor())
    return found


def plan_dynamic(
    schema: SchemaIndex,
    uses: t.Mapping[str, ModuleUses],
    texts: t.Mapping[str, str] | None = None,
    backrefs: bool = False,
) -> DynamicPlan:
    """Find every dynamic relationship and every use of its name; decide per name.

    :param uses: module name -> the uses the scan recorded in it.
    :param texts: other files (templates) by path: a mention of ``.<attribute>`` blocks it.
    :param backrefs: also the dynamic ``backref=``s, as declared on their target class
        (what FSC402 makes of them): their uses as they are now decide them. The plan
        FSC403 rewrites by leaves them out: a backref is rewritten once it is declared.
    """
    found: dict[str, list[tuple[str, RelationshipCall]]] = {}
    for owner, facts in schema.classes.items():
        for call in facts.relationships:
            if not schema.is_relationship(call) or schema.mapped(owner):
                continue
            if call.lazy == "dynamic":
                found.setdefault(call.attribute, []).append((owner, call))
            backref = call.backref
            target = schema.target_class(call)
            if backrefs and backref is not None and backref.lazy == "dynamic" and target:
                found.setdefault(backref.name, []).append((target, call))
    blocked: dict[str, list[Blocker]] = {name: [] for name in found}
    dbs: dict[str, str] = {}
    for name, definitions in found.items():
        owners = {owner for owner, _ in definitions}
        for owner, call in definitions:
            db = schema.project.model_db(owner)
            if not db or dbs.setdefault(name, db) != db:
                blocked[name].append(Blocker(owner, call.line, "no single db.session to query"))
            if call.star or not schema.target_class(call):
                blocked[name].append(Blocker(owner, call.line, "the tool cannot read its target"))
        for qname, facts in schema.classes.items():
            if name in facts.attributes and qname not in owners and not schema.mapped(qname):
                blocked[name].append(Blocker(qname, facts.line, f"'{qname}' also has '{name}'"))
    for module, recorded in uses.items():
        bound = {schema.project.resolve(q) for q in recorded.bound}
        local = {q for q in schema.classes if q.startswith(module)}
        for use in recorded.uses:
            if use.attribute not in found or _is_class(use.receiver, schema):
                continue
            owners = {owner for owner, _ in found[use.attribute]}
            if use.shape is Shape.UNKNOWN:
                blocked[use.attribute].append(Blocker(module, use.line, use.reason))
            elif not owners & (bound | local):
                reason = f"'.{use.attribute}' in a module that does not import its model"
                blocked[use.attribute].append(Blocker(module, use.line, reason))
        for line, name in recorded.strings:
            if name in found:
                blocked[name].append(Blocker(module, line, f"a string mentions '.{name}'"))
    for path, text in (texts or {}).items():
        for name in sorted(mentioned(text) & found.keys()):
            blocked[name].append(Blocker(path, 0, f"it mentions '.{name}'"))
    return DynamicPlan(found, blocked, dbs)
