"""The scan's reading of attribute uses (FSC403), against an independent reading.

:class:`~fss_compat.codemod.dynamic_uses.UseReader` reads each use top-down, in the scan's one
traversal. The oracle here reads it the other way: from the attribute up through its
parents (``ParentNodeProvider``), with lines from ``PositionProvider``, as the tool did
before the scan recorded the uses. Both must agree on every use of every attribute name, in
the example views and in generated snippets; and the string a blocker names is on the line
its first character is on.
"""

from __future__ import annotations

import typing as t

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import settings
from libcst.metadata import MetadataWrapper
from libcst.metadata import ParentNodeProvider
from libcst.metadata import PositionProvider

from fss_compat.codemod import file_pass
from fss_compat.codemod.dynamic_sites import plan_dynamic
from fss_compat.codemod.dynamic_uses import BUILDERS
from fss_compat.codemod.dynamic_uses import MUTATIONS
from fss_compat.codemod.dynamic_uses import TERMINALS
from fss_compat.codemod.dynamic_uses import Shape
from fss_compat.codemod.model_schema import ModuleSchema
from fss_compat.codemod.typed_plans import KEY
from tests._support.typed import schema_for
from tests.codemod.test_dynamic_relationships import MODELS
from tests.codemod.test_dynamic_relationships import VIEWS
from tests.property.strategies import attribute_uses

Reading = tuple[str, int, str, str]


def _oracle_one(
    node: cst.Attribute, parents: t.Mapping[cst.CSTNode, cst.CSTNode]
) -> tuple[str, str]:
    """(shape, reason) of ``node``, walking up from it."""
    attribute = node.attr.value
    methods: list[tuple[str, cst.Call]] = []
    current: cst.CSTNode = node
    while True:
        parent = parents.get(current)
        call = parents.get(parent) if parent is not None else None
        if isinstance(parent, cst.Attribute) and parent.value is current:
            if not (isinstance(call, cst.Call) and call.func is parent):
                return "unknown", f"'.{attribute}.{parent.attr.value}'"
            name = parent.attr.value
            methods.append((name, call))
            if name in TERMINALS:
                if name in {"all", "first", "one", "one_or_none", "count"} and call.args:
                    return "unknown", f"'.{name}()' with arguments"
                joins = {m for m, _ in methods[:-1]} & {"join", "outerjoin", "options"}
                if name in {"first_or_404", "one_or_404"} and joins:
                    return "unknown", f"'.{name}()' after a join or options(), which need unique()"
                return "query", ""
            if name in MUTATIONS and len(methods) == 1:
                return "mutation", ""
            if name not in BUILDERS:
                return "unknown", f"'.{attribute}...{name}()'"
            current = call
            continue
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is current and not methods:
            return "loop", ""
        if methods:
            return "unknown", f"a query on '.{attribute}' built here and run elsewhere"
        assigned = isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is current
        if isinstance(parent, (cst.AssignTarget, cst.Del)) or assigned:
            return "unknown", f"'.{attribute}' assigned to"
        return "unknown", f"'.{attribute}' used as a value"


def _oracle(source: str) -> list[Reading]:
    wrapper = MetadataWrapper(cst.parse_module(source))
    parents = wrapper.resolve(ParentNodeProvider)
    positions = wrapper.resolve(PositionProvider)
    found: list[Reading] = []
    for node, parent in parents.items():
        # A call of the attribute (a method) is no use: no relationship can be called.
        if isinstance(node, cst.Attribute) and not (
            isinstance(parent, cst.Call) and parent.func is node
        ):
            shape, reason = _oracle_one(node, parents)
            found.append((node.attr.value, positions[node].start.line, shape, reason))
    return sorted(found)


def _scanned(source: str, module: str = "app.views") -> ModuleSchema:
    result = file_pass.scan_module(source, module.replace(".", "/") + ".py", module, False)
    assert result.facts is not None, result.error
    return t.cast(ModuleSchema, result.facts.extra[KEY])


def _read(source: str) -> list[Reading]:
    uses = _scanned(source).uses.uses
    return sorted((u.attribute, u.line, u.shape.value, u.reason) for u in uses)


def test_the_example_views() -> None:
    """Every attribute of the example views (chains, loops, mutations, class attributes)."""
    assert _read(VIEWS) == _oracle(VIEWS)
    assert {shape for _, _, shape, _ in _read(VIEWS)} == {s.value for s in Shape}


@settings(max_examples=150, deadline=None)
@given(attribute_uses())
def test_generated_uses(source: str) -> None:
    """Generated uses: nested chains, assignments, loops, calls, across several lines."""
    assert _read(source) == _oracle(source)


def test_a_class_attribute_is_not_a_use() -> None:
    """``User.posts`` is the class's attribute (a rewrite keeps it); ``user.posts`` is a use."""
    views = VIEWS + "\n\ndef other(user: User) -> t.Any:\n    return len(User.posts), user.tags\n"
    schema = schema_for({"app.models": MODELS.replace("from .", "from app."), "app.views": ""})
    uses = {"app.views": _scanned(views.replace("from .", "from app.")).uses}
    plan = plan_dynamic(schema, uses)
    assert plan.convertible("posts")
    assert [b.reason for b in plan.blocked["tags"]] == ["'.tags' used as a value"]


@pytest.mark.parametrize("before", ["", "\n\n", "x = 1\n"])
def test_the_line_of_a_string_is_its_first(before: str) -> None:
    """A string over several lines blocks on the line it starts on, as LibCST has it."""
    source = f'{before}HELP = """Call\n  user.posts.count()\nto count."""\n'
    line = before.count("\n") + 1
    assert _scanned(source).uses.strings == [(line, "count"), (line, "posts")]
