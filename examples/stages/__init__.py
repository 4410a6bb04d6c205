"""The example blog at every stage of ``migration_guide.md``, as plain files.

Each stage is a folder holding the whole ``examples/blog`` package at that stage; stage 1
is ``examples/blog`` itself (the runnable example), stage 2 changes no file. Nothing here
is a patch: the change a stage makes is the difference between two folders, computed by
:func:`diff` (``python -m examples.stages diff 5 6``). ``tests/test_migration_stages.py``
builds each stage with :func:`lay_out` and runs the blog's tests on it.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import shutil
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent
HERE = EXAMPLES / "stages"
#: What a copy of a stage leaves out: what running the blog writes next to it.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "instance")


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage of the guide with a folder of its own.

    :param number: the guide's stage number (-1 for the blog written for Flask-SQLAlchemy
        2.x).
    :param name: the folder's name after its number, ``"NN-<name>"``.

    .. versionadded:: 0.1.0
    """

    number: int
    name: str

    @property
    def folder(self) -> Path:
        """The folder holding the blog package at this stage."""
        if self.number == 1:
            return EXAMPLES / "blog"
        prefix = "m1" if self.number == -1 else f"{self.number:02d}"
        return HERE / f"{prefix}-{self.name}"


#: Every stage with a folder, in the guide's order.
STAGES: tuple[Stage, ...] = (
    Stage(-1, "flask-sqlalchemy-2x"),
    Stage(0, "flask-sqlalchemy"),
    Stage(1, "import-swap"),
    Stage(3, "db-names"),
    Stage(4, "table-names"),
    Stage(5, "query-api"),
    Stage(6, "dynamic-relationships"),
    Stage(7, "bind-keys"),
    Stage(8, "helpers"),
    Stage(9, "own-the-session"),
    Stage(10, "plain-core"),
)
#: The changes the guide quotes: (from, to) stage numbers, each compared by :func:`diff`.
STEPS: tuple[tuple[int, int], ...] = (
    (1, -1),
    (1, 0),
    *((a.number, b.number) for a, b in itertools.pairwise(STAGES[2:])),
)


def stage(number: int) -> Stage:
    """The stage ``number``; stage 2 is stage 1's files.

    :param number: the guide's stage number.
    :raises LookupError: the guide has no such stage.
    """
    for found in STAGES:
        if found.number == (1 if number == 2 else number):
            return found
    numbers = [found.number for found in STAGES]
    raise LookupError(f"No stage {number!r}: the stages with files are {numbers}.")


def lay_out(number: int, tree: Path | str) -> Path:
    """Copy stage ``number`` to ``<tree>/examples/blog`` and return that folder.

    ``<tree>/examples/__init__.py`` makes it the package ``examples.blog`` when ``tree``
    is on ``sys.path``.

    :param number: the guide's stage number.
    :param tree: an empty or missing folder.
    """
    blog = Path(tree) / "examples" / "blog"
    shutil.copytree(stage(number).folder, blog, ignore=IGNORED)
    (blog.parent / "__init__.py").write_text("", encoding="utf-8")
    return blog


def files(number: int) -> dict[str, str]:
    """The blog's files at stage ``number``: file name -> text.

    :param number: the guide's stage number.
    """
    folder = stage(number).folder
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))}


def diff(old: int, new: int) -> str:
    """The unified diff from stage ``old`` to stage ``new``, as ``git diff`` labels it.

    :param old: the stage number diffed from.
    :param new: the stage number diffed to.
    """
    before, after = files(old), files(new)
    chunks: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        chunks.extend(
            difflib.unified_diff(
                (a or "").splitlines(keepends=True),
                (b or "").splitlines(keepends=True),
                f"a/examples/blog/{name}" if a is not None else "/dev/null",
                f"b/examples/blog/{name}" if b is not None else "/dev/null",
            )
        )
    return "".join(chunks)
