"""The package layout is the architecture: imports run one way, and the core loads alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fss_compat"

#: Layers from the bottom up; a module may import only from its own layer or those below.
#: Within the shims, ``extension`` (the facade) sits above the other shims.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("fss_compat.core",),
    (
        "fss_compat.legacy",
        "fss_compat._modes",
        "fss_compat._usage",
        "fss_compat.catalogue",
        "fss_compat.differences",
    ),
    ("fss_compat.shims",),
    ("fss_compat.shims.extension",),
    # The 2.5 level: a layer of shims over the 3.1 ones (its db subclasses the 3.1 db).
    ("fss_compat.shims_v2",),
    ("fss_compat", "fss_compat.alias"),
    ("fss_compat.pytest_plugin", "fss_compat.codemod", "fss_compat.testing"),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The fss_compat modules ``path`` imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from fss_compat.shims import cli`` imports the module fss_compat.shims.cli.
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {name for name in found if name in modules}


def _layer(module: str) -> int:
    best = (-1, -1)
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                best = max(best, (len(prefix), level))
    assert best[1] >= 0, f"{module} is in no layer: add it to LAYERS"
    return best[1]


GRAPH = {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_imports_point_down() -> None:
    """No module imports one from a layer above its own (the core imports nothing of ours)."""
    upward = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _layer(target) > _layer(module) and not module.startswith(target + ".")
    ]
    assert upward == []
    core_imports = {t for m, ts in GRAPH.items() if m.startswith("fss_compat.core") for t in ts}
    assert all(target.startswith("fss_compat.core") for target in core_imports)


def test_no_import_cycles() -> None:
    """The import graph of the package has no cycle (package ``__init__`` re-exports aside)."""

    def edges(module: str) -> set[str]:
        # A package importing its own submodules to re-export them is not a cycle.
        return {t for t in GRAPH[module] if not t.startswith(module + ".") and t != module}

    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges(module)):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize(
    "statement",
    ["import fss_compat.core", "from fss_compat import flask_scoped_session"],
)
def test_core_loads_alone(statement: str) -> None:
    """In a fresh interpreter the core loads no facade, shim, legacy or catalogue module."""
    code = f"{statement}\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith('fss')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = eval(result.stdout)
    assert loaded == [
        "fss_compat",
        "fss_compat.core",
        "fss_compat.core._notes",
        "fss_compat.core.counting",
        "fss_compat.core.lookup",
        "fss_compat.core.page_args",
        "fss_compat.core.pagination",
        "fss_compat.core.scoping",
    ]


def test_facade_loads_on_first_use() -> None:
    """``fss_compat.SQLAlchemy`` is the shim's class, imported when first asked for."""
    code = (
        "import sys, fss_compat\n"
        "before = 'fss_compat.shims.extension' in sys.modules\n"
        "from fss_compat.shims.extension import SQLAlchemy\n"
        "print(before, fss_compat.SQLAlchemy is SQLAlchemy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


def test_keyset_pages_load_on_first_use() -> None:
    """``keyset_paginate`` (and its ORDER BY reader and cursors) load when first asked for."""
    code = (
        "import sys, fss_compat, fss_compat.core\n"
        "before = 'fss_compat.core.keyset' in sys.modules\n"
        "from fss_compat.core.keyset import KeysetPagination, keyset_paginate\n"
        "print(before, fss_compat.keyset_paginate is fss_compat.core.keyset_paginate"
        " is keyset_paginate, fss_compat.KeysetPagination is KeysetPagination)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True", "True"]
