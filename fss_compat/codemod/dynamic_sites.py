"""Where a dynamic relationship is used, and whether the use has a write-only form.

A dynamic relationship's attribute is a query; a write-only one's is a collection with
``select()``, ``add()`` and ``remove()``. :func:`classify` reads one ``<obj>.<attribute>``
in its context: a query chain ending in a method the tool rewrites (``.all()``,
``.first()``, ``.one()``, ``.one_or_none()``, ``.count()``, ``.paginate()``,
``.first_or_404()``, ``.one_or_404()``, with ``filter``, ``order_by`` and the other
``Select`` methods before it), a loop over it, or ``append`` / ``extend`` / ``remove``.
Anything else (passed on, returned, ``len()``, a query built here and run elsewhere) is a
:class:`Site` with a reason: the tool cannot prove what happens to it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import enum
import re
import typing as t

import libcst as cst
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider
from libcst.metadata import ScopeProvider

from fss_compat.codemod.call_args import Names
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.schema_index import SchemaIndex
from fss_compat.codemod.shapes import QUERY_BUILDERS

__all__ = [
    "BUILDERS",
    "MUTATIONS",
    "TERMINALS",
    "UNIQUE",
    "Blocker",
    "DynamicPlan",
    "ModuleSites",
    "Shape",
    "Site",
    "classify",
    "find_sites",
    "mentions",
    "plan_dynamic",
]

#: Query methods with a ``Select`` method of the same name and meaning.
BUILDERS = QUERY_BUILDERS
#: Methods that run the query, and that the tool rewrites.
TERMINALS = frozenset(
    {"all", "first", "one", "one_or_none", "count", "paginate", "first_or_404", "one_or_404"}
)
_NO_ARGUMENTS = frozenset({"all", "first", "one", "one_or_none", "count"})
#: Chain methods after which the legacy query de-duplicated the entities (``unique()``).
UNIQUE = frozenset({"join", "outerjoin", "options"})
#: ``db`` methods that cannot de-duplicate.
_NO_UNIQUE = frozenset({"first_or_404", "one_or_404"})
#: Collection methods of a dynamic relationship and their write-only names.
MUTATIONS = {"append": "add", "extend": "add_all", "remove": "remove"}


class Shape(enum.Enum):
    """How one use of the attribute reads."""

    QUERY = "query"
    LOOP = "loop"
    MUTATION = "mutation"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class Site:
    """One use of a dynamic relationship's attribute.

    :param node: the outermost node the rewrite replaces (the terminal call, the mutation
        call, or the attribute itself in a loop).
    :param methods: the query chain: ``(name, call)`` from the attribute outwards.
    :param reason: for :attr:`Shape.UNKNOWN`, why the tool cannot prove the use.
    """

    shape: Shape
    attribute: str
    node: cst.CSTNode
    methods: tuple[tuple[str, cst.Call], ...] = ()
    reason: str = ""


def classify(node: cst.Attribute, parents: t.Mapping[cst.CSTNode, cst.CSTNode]) -> Site:
    """What the use ``node`` (``<obj>.<attribute>``) is, read from its parents."""
    attribute = node.attr.value
    methods: list[tuple[str, cst.Call]] = []
    current: cst.CSTNode = node
    while True:
        parent = parents.get(current)
        call = parents.get(parent) if parent is not None else None
        if isinstance(parent, cst.Attribute) and parent.value is current:
            if not (isinstance(call, cst.Call) and call.func is parent):
                return Site(
                    Shape.UNKNOWN, attribute, node, reason=f"'.{attribute}.{parent.attr.value}'"
                )
            name = parent.attr.value
            methods.append((name, call))
            if name in TERMINALS:
                return _query(attribute, call, methods)
            if name in MUTATIONS and len(methods) == 1:
                return Site(Shape.MUTATION, attribute, call, tuple(methods))
            if name not in BUILDERS:
                return Site(Shape.UNKNOWN, attribute, node, reason=f"'.{attribute}...{name}()'")
            current = call
            continue
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is current and not methods:
            return Site(Shape.LOOP, attribute, node)
        if methods:
            reason = f"a query on '.{attribute}' built here and run elsewhere"
        elif isinstance(parent, (cst.AssignTarget, cst.Del)) or _assigned(parent, current):
            reason = f"'.{attribute}' assigned to"
        else:
            reason = f"'.{attribute}' used as a value"
        return Site(Shape.UNKNOWN, attribute, node, reason=reason)


def _query(attribute: str, call: cst.Call, methods: list[tuple[str, cst.Call]]) -> Site:
    name = methods[-1][0]
    builders = {method for method, _ in methods[:-1]}
    if name in _NO_ARGUMENTS and call.args:
        return Site(Shape.UNKNOWN, attribute, call, reason=f"'.{name}()' with arguments")
    if name in _NO_UNIQUE and builders & UNIQUE:
        reason = f"'.{name}()' after a join or options(), which need unique()"
        return Site(Shape.UNKNOWN, attribute, call, reason=reason)
    return Site(Shape.QUERY, attribute, call, tuple(methods))


def _assigned(parent: cst.CSTNode | None, node: cst.CSTNode) -> bool:
    return isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is node


def mentions(text: str, attributes: t.Iterable[str]) -> set[str]:
    """The attributes ``text`` (a template, a string) uses as ``.<attribute>``."""
    return {name for name in attributes if re.search(rf"\.{re.escape(name)}\b", text)}


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


def _receiver_is_class(node: cst.Attribute, names: Names, schema: SchemaIndex) -> bool:
    """``User.posts`` (the class's attribute, unchanged by the rewrite), not ``user.posts``."""
    value = node.value
    if not isinstance(value, (cst.Name, cst.Attribute)):
        return False
    return any(schema.project.resolve(q) in schema.classes for q in names.of(value))


@dataclasses.dataclass
class ModuleSites:
    """The uses of dynamic attributes in one module."""

    #: id of the node a rewrite replaces -> the use.
    sites: dict[int, Site]
    lines: dict[int, int]
    #: ``(line, attribute)`` of each string that mentions ``.<attribute>``.
    strings: list[tuple[int, str]]
    #: The qualified names the module's top-level names are bound to.
    bound: set[str]


def find_sites(
    wrapper: MetadataWrapper,
    name: str,
    is_package: bool,
    attributes: t.Collection[str],
    schema: SchemaIndex,
) -> ModuleSites:
    """The uses of ``attributes`` in one module, and the strings that mention them."""
    walk = _Parents()
    wrapper.module.visit(walk)
    parents = walk.of
    positions = wrapper.resolve(PositionProvider)
    names = Names(wrapper.resolve(ScopeProvider), name, is_package)
    found = ModuleSites({}, {}, [], set())
    found.bound = {schema.project.resolve(q) for q in names.bindings(wrapper.module).values()}

    class _Visitor(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value in attributes and not _receiver_is_class(node, names, schema):
                site = classify(node, parents)
                found.sites[id(site.node)] = site
                found.lines[id(site.node)] = positions[node].start.line

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            for attribute in sorted(mentions(node.value, attributes)):
                found.strings.append((positions[node].start.line, attribute))

    wrapper.module.visit(_Visitor())
    return found


class _Parents(cst.CSTVisitor):
    """Each node's parent. A third of ``ParentNodeProvider``'s time: the metadata
    machinery, not the walk, is its cost (measured on ``benchmarks/scan_bench.py``)."""

    def __init__(self) -> None:
        self.of: dict[cst.CSTNode, cst.CSTNode] = {}
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.of[node] = self._stack[-1]
        self._stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()


#: What :func:`plan_dynamic` reads the uses with: (module, source, is a package's
#: ``__init__``, attribute names) -> the module's uses of those names.
SiteFinder = t.Callable[[str, str, bool, t.Collection[str]], ModuleSites]


def parse_and_find_sites(
    module: str, source: str, is_package: bool, attributes: t.Collection[str], schema: SchemaIndex
) -> ModuleSites:
    """:func:`find_sites` on ``source``, parsed."""
    wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    return find_sites(wrapper, module, is_package, attributes, schema)


def only(sites: ModuleSites, attributes: t.Collection[str]) -> ModuleSites:
    """The uses of ``attributes`` among ``sites`` (found for more names)."""
    kept = {key: site for key, site in sites.sites.items() if site.attribute in attributes}
    return ModuleSites(
        kept,
        {key: sites.lines[key] for key in kept},
        [(line, name) for line, name in sites.strings if name in attributes],
        sites.bound,
    )


def plan_dynamic(
    schema: SchemaIndex,
    sources: t.Mapping[str, tuple[str, bool]],
    texts: t.Mapping[str, str] | None = None,
    backrefs: bool = False,
    finder: SiteFinder | None = None,
) -> DynamicPlan:
    """Find every dynamic relationship and every use of its name; decide per name.

    :param sources: module name -> (source, is a package's ``__init__``).
    :param texts: other files (templates) by path: a mention of ``.<attribute>`` blocks it.
    :param backrefs: also the dynamic ``backref=``s, as declared on their target class
        (what FSC402 makes of them): their uses as they are now decide them. The plan
        FSC403 rewrites by leaves them out: a backref is rewritten once it is declared.
    :param finder: reads a module's uses (by default, parses it and runs
        :func:`find_sites`); a caller planning twice shares one reading of each module.
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
    for module, (source, is_package) in sources.items():
        present = [name for name in found if f".{name}" in source]
        if not present:
            continue
        if finder is None:
            uses = parse_and_find_sites(module, source, is_package, present, schema)
        else:
            uses = finder(module, source, is_package, present)
        for node_id, site in uses.sites.items():
            line = uses.lines[node_id]
            owners = {owner for owner, _ in found[site.attribute]}
            if site.shape is Shape.UNKNOWN:
                blocked[site.attribute].append(Blocker(module, line, site.reason))
            elif not owners & (uses.bound | {q for q in schema.classes if q.startswith(module)}):
                reason = f"'.{site.attribute}' in a module that does not import its model"
                blocked[site.attribute].append(Blocker(module, line, reason))
        for line, name in uses.strings:
            blocked[name].append(Blocker(module, line, f"a string mentions '.{name}'"))
    for path, text in (texts or {}).items():
        for name in sorted(mentions(text, found)):
            blocked[name].append(Blocker(path, 0, f"it mentions '.{name}'"))
    return DynamicPlan(found, blocked, dbs)
