"""The example blog, migrated by the tool stage by stage, keeps passing its own tests.

The blog starts at stage 0 (``examples/stages/00-flask-sqlalchemy``: on Flask-SQLAlchemy,
classic models). For each stage the ``fss-compat`` console script rewrites it in a
temporary folder (``migrate --stage N --write``; stage 4 with ``--app``), a second run must
find nothing left to change, and the blog's tests run in a subprocess with every runtime
feature the scanner reports as gone switched to ``error``: the scanner and the runtime must
agree. The lines stages 3 to 5 add (the diff between their folders) are lines the tool
writes here too. ``tests/test_migration_stages.py`` checks the stronger claim, that each
generated stage's folder is the tool's output byte for byte.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from examples import stages
from fss_compat import catalogue
from fss_compat.codemod import runner
from tests._support.blog_tree import ROOT as ROOT  # test_typed_example imports the three
from tests._support.blog_tree import SCRIPT as SCRIPT
from tests._support.blog_tree import STAGES as STAGES
from tests._support.blog_tree import blog_at
from tests._support.blog_tree import run_in

#: The stages whose added lines (from the stage before) the tool must write identically.
PATCH_LINES = {3: 1, 4: 3, 5: 4}


def _run(args: list[str], tree: Path, legacy_modes: str = "") -> subprocess.CompletedProcess[str]:
    return run_in(args, tree, {"FSS_LEGACY": legacy_modes} if legacy_modes else None)


def _added_lines(stage: int) -> list[str]:
    text = stages.diff(PATCH_LINES[stage], stage)
    return [
        line[1:].strip()
        for line in text.splitlines()
        if line.startswith("+") and not line.startswith("+++") and line[1:].strip()
    ]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The blog at stage 0, in a folder of its own."""
    return blog_at(tmp_path, 0)


def test_blog_migrated_stage_by_stage(tree: Path) -> None:
    """After each stage the blog's tests pass, with what the scan says is gone as errors."""
    blog = tree / "examples" / "blog"
    for stage in (1, 3, 4, 5, 6, 7, 8, 9):
        args = [str(SCRIPT), "migrate", "examples/blog", "--stage", str(stage)]
        extra = ["--app", "examples.blog.models"] if stage == 4 else []
        migrated = _run([*args, *extra, "--write"], tree)
        assert migrated.returncode == 0, (stage, migrated.stdout, migrated.stderr)
        again = _run([*args, *extra, "--check"], tree)
        assert again.returncode == 0, (stage, "not idempotent", again.stdout, again.stderr)
        sources = {path.name: path.read_text(encoding="utf-8") for path in blog.glob("*.py")}
        for name, text in sources.items():
            compile(text, name, "exec")
        source = "\n".join(sources.values())
        if stage in PATCH_LINES:
            for line in _added_lines(stage):
                if "moving off Flask-SQLAlchemy" not in line:
                    assert line in source, (stage, line)
        remaining = {f.feature for f in runner.scan([str(blog)]).findings}
        gone = [f.id for f in catalogue.FEATURES if f.id not in remaining]
        modes = ",".join(f"{feature}=error" for feature in gone)
        tests = _run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:hypothesispytest",
                "examples/blog",
            ],
            tree,
            modes,
        )
        assert tests.returncode == 0, (stage, modes, tests.stdout[-3000:])
        assert " passed" in tests.stdout and " skipped" not in tests.stdout
    final = (blog / "models.py").read_text(encoding="utf-8")
    assert "from fss_compat import SQLAlchemy" in final and "class User(Base):" in final
    # FSC403 made the dynamic relationship write-only at stage 6, with its one use.
    assert "posts: orm.WriteOnlyMapped[Post] = orm.relationship(" in final
    assert "TODO(fss FSC104)" not in final and "TODO(fss" not in final
    # FSC304.base gave the audit model a base of its own at stage 7, registered with the db.
    assert "class AuditEntry(AuditBase):" in final and "__bind_key__" not in final
    assert 'db.metadatas["audit"] = AuditBase.metadata' in final
