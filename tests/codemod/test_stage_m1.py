"""The blog written for Flask-SQLAlchemy 2.x, migrated by the tool to the 3.1 level.

The blog at stage -1 (``examples/stages/m1-flask-sqlalchemy-2x``) is rewritten in a
temporary folder by the ``fss-compat`` console script (``migrate --stage -1 --write``,
the level read from ``FSS_COMPAT_LEVEL=2.5``); a second run finds nothing to change; what
is left is the manual sites, each with its TODO; and the blog's own tests then pass at the
3.1 level, on fss_compat (``--fss-compat``) and on the real Flask-SQLAlchemy 3.1.1.
"""

from __future__ import annotations

import collections
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from benchmarks import v2_counts
from tests._support.blog_tree import SCRIPT
from tests._support.blog_tree import blog_at
from tests._support.blog_tree import run_in

#: The sites the tool leaves to a person, with their TODO: two relative SQLite URLs (2.x
#: reads them from app.root_path, 3.x from app.instance_path: which file is the app's is
#: the app's decision) and the audit model's bind key (its table moves to its own metadata;
#: code reading db.metadata or table.info needs a look).
MANUAL = {"FSC711": 2, "FSC713": 1}
_TODO = re.compile(r"# TODO\(fss (FSC\d{3})\)")
#: The migration reads the level of the blog from the environment.
LEVEL_2_5 = {"FSS_COMPAT_LEVEL": "2.5"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The blog at stage -1, in a folder of its own."""
    return blog_at(tmp_path, -1)


def test_stage_m1_blog_migrated_to_3_1(tree: Path) -> None:
    """Migrated with ``--stage -1``, the 2.x blog passes its tests at the 3.1 level."""
    if importlib.util.find_spec("flask_sqlalchemy") is None:
        pytest.fail("The 3.1 run needs Flask-SQLAlchemy 3.1.1: install the 'test' extra.")
    blog = tree / "examples" / "blog"
    args = [str(SCRIPT), "migrate", "examples/blog", "--stage", "-1"]
    migrated = run_in([*args, "--write"], tree, LEVEL_2_5)
    assert migrated.returncode == 0, (migrated.stdout, migrated.stderr)
    again = run_in([*args, "--check"], tree, LEVEL_2_5)
    assert again.returncode == 0, ("not idempotent", again.stdout, again.stderr)
    assert "0 to rewrite" in again.stderr and "0 files to change" in again.stderr, again.stderr
    sources = {path.name: path.read_text(encoding="utf-8") for path in blog.glob("*.py")}
    for name, text in sources.items():
        compile(text, name, "exec")
    source = "\n".join(sources.values())
    assert collections.Counter(_TODO.findall(source)) == MANUAL
    # The 2.x-only calls are gone: 3.x raises on each of them.
    for gone in ("create_all(app=", ".paginate(None", "get_engine(app"):
        assert gone not in source, gone
    pytest_args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    # Query.get (the 2.x blog's get_or_404 calls it) is legacy in SQLAlchemy 2: stage 5's.
    pytest_args += ["-p", "no:hypothesispytest", "-W", "default::sqlalchemy.exc.LegacyAPIWarning"]
    for served in (["--fss-compat"], []):
        tests = run_in([*pytest_args, *served, "examples/blog"], tree)
        assert tests.returncode == 0, (served, tests.stdout[-3000:])
        assert " passed" in tests.stdout and " skipped" not in tests.stdout


def test_stage_m1_counts_add_up(tmp_path: Path) -> None:
    """On the stage -1 blog each 2.x site found is rewritten or reported, and a second
    ``migrate --stage -1`` changes nothing (``benchmarks/v2_counts.py``'s numbers).
    """
    counts = v2_counts.count("blog", v2_counts.stage_m1_blog(tmp_path))
    assert counts.found and counts.found == counts.rewritten + counts.reported
    assert sum(counts.rewritten.values()) > 0 and counts.second_run == 0
    assert {id for id, n in counts.reported.items() if n} == set(MANUAL)
