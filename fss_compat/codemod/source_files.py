"""The files the tool reads, and their module names.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path

__all__ = ["absolute", "import_root", "iter_python_files", "module_name"]

_SKIPPED_DIRS = frozenset({".git", ".hg", ".tox", ".nox", "__pycache__", "node_modules"})


def iter_python_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every ``.py`` file under ``paths``, sorted per directory; hidden and cache dirs skipped.

    :raises FileNotFoundError: for a path that does not exist.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".")
                )
                yield from (Path(root, name) for name in sorted(files) if name.endswith(".py"))
        else:
            raise FileNotFoundError(f"No such file or directory: {str(path)!r}.")


def module_name(path: Path) -> str:
    """The dotted module name of ``path``, from the package folders (with ``__init__.py``)."""
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or path.stem


def import_root(path: Path) -> Path:
    """The folder that must be on ``sys.path`` to import ``path`` by its module name."""
    folder = path.resolve().parent
    while (folder / "__init__.py").is_file():
        folder = folder.parent
    return folder


def absolute(name: str, module: str, is_package: bool) -> str:
    """Resolve a relative qualified name (``.models.User``) against ``module``."""
    if not name.startswith("."):
        return name
    dots = len(name) - len(name.lstrip("."))
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (dots - 1)] if dots > 1 else package
    rest = name[dots:]
    return ".".join([*base, rest] if rest else base)
