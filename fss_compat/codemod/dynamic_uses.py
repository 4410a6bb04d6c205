"""How a module uses each ``<obj>.<attribute>``: the reading FSC403 decides by.

A dynamic relationship's attribute is a query; a write-only one's is a collection with
``select()``, ``add()`` and ``remove()``. A use has a write-only form when it is a query
chain ending in a method the tool rewrites (``.all()``, ``.first()``, ``.one()``,
``.one_or_none()``, ``.count()``, ``.paginate()``, ``.first_or_404()``, ``.one_or_404()``,
with ``filter``, ``order_by`` and the other ``Select`` methods before it), a loop over it, or
``append`` / ``extend`` / ``remove``. Anything else (passed on, returned, ``len()``, a query
built here and run elsewhere) is a :class:`Site` with a reason: the tool cannot prove what
happens to it.

:class:`UseReader` reads the uses top-down, from the visits of a traversal in which a node
is visited before its children: the chain an attribute starts, the loop it feeds and the
assignment it is the target of are all seen before the attribute itself. So the scan
records every module's uses in the traversal it makes anyway (no parents, no second
reading), and ``migrate``'s rewrite reads them the same way.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import enum
import re

import libcst as cst

from fss_compat.codemod.shapes import QUERY_BUILDERS

__all__ = [
    "BUILDERS",
    "MUTATIONS",
    "TERMINALS",
    "UNIQUE",
    "ModuleUses",
    "Shape",
    "Site",
    "Use",
    "UseReader",
    "mentioned",
    "query_chain",
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
    """One use of an attribute, with the nodes a rewrite needs.

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


@dataclasses.dataclass(frozen=True)
class Use:
    """One use of an attribute as the scan records it: no nodes, so it crosses processes.

    :param receiver: the qualified names the object before the dot may stand for (the
        use of ``User.posts`` is the class's attribute, which no rewrite changes).
    """

    attribute: str
    line: int
    shape: Shape
    reason: str = ""
    receiver: frozenset[str] = frozenset()


@dataclasses.dataclass
class ModuleUses:
    """The uses of attributes in one module, as the scan records them."""

    uses: list[Use] = dataclasses.field(default_factory=list)
    #: ``(line, attribute)`` for each string that mentions ``.<attribute>``.
    strings: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    #: The qualified names the module's top-level names are bound to.
    bound: set[str] = dataclasses.field(default_factory=set)


_MENTION = re.compile(r"\.([^\W\d]\w*)")


def mentioned(text: str) -> set[str]:
    """The names ``text`` (a template, a string) uses as ``.<name>``."""
    return set(_MENTION.findall(text))


def query_chain(
    node: cst.BaseExpression,
) -> tuple[cst.Attribute | None, list[tuple[str, cst.Call]]]:
    """The ``<obj>.<attribute>`` a chain of query-builder calls starts from (None if it
    does not start from one), and the calls, from the attribute outwards."""
    methods: list[tuple[str, cst.Call]] = []
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in BUILDERS
    ):
        methods.append((node.func.attr.value, node))
        node = node.func.value
    methods.reverse()
    return (node if isinstance(node, cst.Attribute) else None), methods


def _query(attribute: str, call: cst.Call, methods: list[tuple[str, cst.Call]]) -> Site:
    name = methods[-1][0]
    builders = {method for method, _ in methods[:-1]}
    if name in _NO_ARGUMENTS and call.args:
        return Site(Shape.UNKNOWN, attribute, call, reason=f"'.{name}()' with arguments")
    if name in _NO_UNIQUE and builders & UNIQUE:
        reason = f"'.{name}()' after a join or options(), which need unique()"
        return Site(Shape.UNKNOWN, attribute, call, reason=reason)
    return Site(Shape.QUERY, attribute, call, tuple(methods))


class UseReader:
    """Reads one module's attribute uses from a traversal's visits.

    Call :meth:`call`, :meth:`loop` and :meth:`target` at the visits of calls, loops and
    assignment targets, and :meth:`attribute` at each attribute: it returns the use. The
    first context an attribute gets wins: the outermost call of a chain is visited first,
    and it is where the chain's meaning is decided.
    """

    def __init__(self) -> None:
        self._contexts: dict[int, Site] = {}
        #: The attributes that are a call's function (``x.posts`` in ``x.posts()``).
        self._called: set[int] = set()

    def _decide(self, base: cst.Attribute, site: Site) -> None:
        self._contexts.setdefault(id(base), site)

    def _unknown(self, base: cst.Attribute, reason: str) -> None:
        self._decide(base, Site(Shape.UNKNOWN, base.attr.value, base, reason=reason))

    def call(self, node: cst.Call) -> None:
        """A call: the end of a chain that starts at an attribute, or a method of one."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        self._called.add(id(func))
        base, methods = query_chain(func.value)
        if base is None:
            return
        name, attribute = func.attr.value, base.attr.value
        methods.append((name, node))
        if name in TERMINALS:
            self._decide(base, _query(attribute, node, methods))
        elif name in MUTATIONS and len(methods) == 1:
            self._decide(base, Site(Shape.MUTATION, attribute, node, tuple(methods)))
        elif name in BUILDERS:
            self._unknown(base, f"a query on '.{attribute}' built here and run elsewhere")
        else:
            self._unknown(base, f"'.{attribute}...{name}()'")

    def loop(self, iterated: cst.BaseExpression) -> None:
        """The iterable of a ``for`` loop or a comprehension."""
        if isinstance(iterated, cst.Attribute):
            self._decide(iterated, Site(Shape.LOOP, iterated.attr.value, iterated))

    def target(self, node: cst.BaseExpression) -> None:
        """What an assignment (plain, augmented, annotated) or a ``del`` is to."""
        if isinstance(node, cst.Attribute):
            self._unknown(node, f"'.{node.attr.value}' assigned to")

    def attribute(self, node: cst.Attribute) -> Site:
        """The use ``node`` is (read after its parents' visits)."""
        if id(node) not in self._called:
            base, _ = query_chain(node.value)
            if base is not None:
                self._unknown(base, f"'.{base.attr.value}.{node.attr.value}'")
        found = self._contexts.get(id(node))
        if found is not None:
            return found
        return Site(
            Shape.UNKNOWN, node.attr.value, node, reason=f"'.{node.attr.value}' used as a value"
        )
