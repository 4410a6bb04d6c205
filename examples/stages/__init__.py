"""The example blog at every stage of ``migration_guide.md``, as plain files.

Each stage is a folder holding the whole ``examples/blog`` package at that stage; stage 1
is ``examples/blog`` itself (the runnable example), stage 2 changes no file. Nothing here
is a patch: the change a stage makes is the difference between two folders, computed by
:func:`diff` (``python -m examples.stages diff 5 6``).

A stage the migrate command can make is *generated*: its folder is, byte for byte, what
``fss-compat migrate examples/blog --stage N --app examples.blog.models --write`` writes
on a copy of the stage before it (:func:`generate`; ``python -m examples.stages
regenerate`` rewrites those folders). The other stages are written by hand, each for the
reason :attr:`Stage.why` gives. ``tests/test_migration_stages.py`` checks both: every
generated folder is the tool's output, and every stage passes the blog's tests.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent
HERE = EXAMPLES / "stages"
#: What a copy of a stage leaves out: what running the blog writes next to it.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "instance")
#: The module ``--app`` names: the tool imports it to read the mapped table names (FSC301).
APP = "examples.blog.models"


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage of the guide with a folder of its own.

    :param number: the guide's stage number (-1 for the blog written for Flask-SQLAlchemy
        2.x).
    :param name: the folder's name after its number, ``"NN-<name>"``.
    :param runs: for a generated stage, the ``migrate --stage`` numbers run in this order
        on the stage before it; empty for a stage written by hand.
    :param why: for a stage written by hand, why the tool does not make it.

    .. versionadded:: 0.1.0
    """

    number: int
    name: str
    runs: tuple[int, ...] = ()
    why: str = ""

    @property
    def folder(self) -> Path:
        """The folder holding the blog package at this stage."""
        if self.number == 1:
            return EXAMPLES / "blog"
        prefix = "m1" if self.number == -1 else f"{self.number:02d}"
        return HERE / f"{prefix}-{self.name}"


#: Every stage with a folder, in the guide's order; a generated stage is made from the one
#: before it (stage 1 from stage 0).
STAGES: tuple[Stage, ...] = (
    Stage(-1, "flask-sqlalchemy-2x", why="the blog as written for Flask-SQLAlchemy 2.x"),
    Stage(0, "flask-sqlalchemy", why="the starting point: the blog on Flask-SQLAlchemy 3.1"),
    Stage(1, "import-swap", runs=(1,)),
    Stage(3, "db-names", runs=(3,)),
    Stage(4, "table-names", runs=(4,)),
    Stage(5, "query-api", runs=(5,)),
    Stage(6, "dynamic-relationships", runs=(6,)),
    Stage(7, "bind-keys", runs=(7,)),
    Stage(8, "helpers", runs=(8,)),
    Stage(9, "typed-models", runs=(9,)),
    Stage(10, "own-the-session", why="the app creates its engines and its session: no `db`"),
    Stage(11, "plain-core", why="optional: plain code instead of four helpers of the core"),
)
#: The changes the guide quotes: (from, to) stage numbers, each compared by :func:`diff`.
STEPS: tuple[tuple[int, int], ...] = tuple(
    (a.number, b.number) for a, b in itertools.pairwise(STAGES[1:])
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


def previous(number: int) -> Stage:
    """The stage before stage ``number`` in the guide (stage 0 for stage 1).

    :param number: the guide's stage number, 1 or later.
    """
    index = STAGES.index(stage(number))
    if index < 2:
        raise LookupError(f"Stage {number!r} is not made from another stage.")
    return STAGES[index - 1]


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


def read(folder: Path) -> dict[str, str]:
    """The blog's files in ``folder``: file name -> text.

    :param folder: a folder holding the blog package.
    """
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))}


def files(number: int) -> dict[str, str]:
    """The blog's files at stage ``number``: file name -> text.

    :param number: the guide's stage number.
    """
    return read(stage(number).folder)


def unified(before: dict[str, str], after: dict[str, str]) -> str:
    """The unified diff between two sets of the blog's files, as ``git diff`` labels it.

    :param before: file name -> text, diffed from.
    :param after: file name -> text, diffed to.
    """
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


def diff(old: int, new: int) -> str:
    """The unified diff from stage ``old`` to stage ``new``.

    :param old: the stage number diffed from.
    :param new: the stage number diffed to.
    """
    return unified(files(old), files(new))


def migrate(tree: Path, stage_number: int, *mode: str) -> subprocess.CompletedProcess[str]:
    """Run ``fss-compat migrate examples/blog --stage N --app ... <mode>`` in ``tree``.

    The command runs in a process of its own, with ``tree`` first on ``sys.path`` so that
    ``--app`` imports the copy.

    :param tree: the folder holding ``examples/blog``.
    :param stage_number: the ``--stage`` option.
    :param mode: ``"--write"``, ``"--check"`` or ``"--diff"``.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"FSS_LEGACY", "FSS_COMPAT_LEVEL"}}
    env |= {"PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    main = "import sys; from fss_compat.codemod import main; sys.exit(main(sys.argv[1:]))"
    args = ["migrate", "examples/blog", "--stage", str(stage_number), "--app", APP, *mode]
    return subprocess.run(
        [sys.executable, "-c", main, *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def generate(number: int, tree: Path) -> dict[str, str]:
    """What the tool makes of the stage before stage ``number``: file name -> text.

    :param number: a generated stage's number.
    :param tree: an empty folder to work in.
    :raises RuntimeError: the tool failed.
    """
    made = stage(number)
    if not made.runs:
        raise LookupError(f"Stage {number!r} is written by hand: {made.why}.")
    blog = lay_out(previous(number).number, tree)
    for run in made.runs:
        done = migrate(tree, run, "--write")
        if done.returncode != 0:
            raise RuntimeError(
                f"migrate --stage {run} failed for stage {number} (exit code"
                f" {done.returncode}):\n{done.stdout}{done.stderr}"
            )
    return read(blog)


def regenerate() -> list[int]:
    """Rewrite every generated stage's folder from the tool, in order; the stages changed.

    Each stage is made from the previous one's folder as it is after this call, so a
    change of the tool flows through every later generated stage. Review the result with
    ``git diff`` before committing it.
    """
    changed: list[int] = []
    for made in STAGES:
        if not made.runs:
            continue
        with tempfile.TemporaryDirectory() as tree:
            written = generate(made.number, Path(tree))
        if written != files(made.number):
            for path in made.folder.glob("*.py"):
                path.unlink()
            for name, text in written.items():
                (made.folder / name).write_text(text, encoding="utf-8")
            changed.append(made.number)
    return changed
