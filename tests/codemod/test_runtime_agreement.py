"""The scan sees every legacy use the runtime sees: no blind spots.

Each app's own test suite runs in a subprocess with fss_compat's usage report on
(``flask_sqlalchemy`` served by fss_compat where the app imports it). Every site the runtime
records in the app's files, as (rule, file, line), must be a finding of ``fss-compat scan``
on those files; a site only the runtime sees is a scanner bug.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from examples import stages
from fss_compat.codemod import runner
from fss_compat.codemod.engine import Options
from tests._support import corpus
from tests._support.plugin_app import APP
from tests._support.plugin_app import TESTS

ROOT = Path(__file__).resolve().parents[2]


def _blog(tree: Path, stage: int = 1) -> Path:
    return stages.lay_out(stage, tree)


def _plugin_app(tree: Path) -> Path:
    folder = tree / "plugin_app"
    folder.mkdir()
    (folder / "app.py").write_text(APP)
    (folder / "test_app.py").write_text(TESTS)
    return folder


#: (name, how to lay the app out, whether it imports flask_sqlalchemy, fewest sites expected,
#: the level it is written for and served at)
APPS = [
    ("blog", _blog, False, 16, "3.1"),
    ("blog-stage-0", lambda tree: _blog(tree, 0), True, 16, "3.1"),
    # The blog written for Flask-SQLAlchemy 2.x (stage -1), served and scanned at 2.5.
    (
        "blog-stage-m1",
        lambda tree: _blog(tree, -1),
        True,
        36,
        "2.5",
    ),
    ("corpus", lambda tree: corpus.write(tree / "corpus_app"), True, 50, "3.1"),
    ("plugin-app", _plugin_app, True, 4, "3.1"),
]


def _runtime_sites(tree: Path, folder: Path, alias: bool, level: str) -> set[tuple[str, str, int]]:
    out = tree / "usage.json"
    skip = {"FSS_LEGACY", "PYTEST_ADDOPTS", "FSS_COMPAT_LEVEL"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env |= {"PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)]), "PYTHONDONTWRITEBYTECODE": "1"}
    env["FSS_COMPAT_LEVEL"] = level
    (tree / "pytest.ini").write_text("[pytest]\n")
    args = [sys.executable, "-m", "tests._support.usage", str(out)]
    args += ["--fss-compat"] if alias else []
    args += ["--", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", str(folder)]
    ran = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    sites = set()
    for feature, where in json.loads(out.read_text(encoding="utf-8")).items():
        for site in where:
            path, _, line = site.rpartition(":")
            if Path(path).resolve().is_relative_to(folder.resolve()):
                sites.add((feature, os.path.realpath(path), int(line)))
    return sites


@pytest.mark.parametrize(
    ("lay_out", "alias", "least", "level"), [a[1:] for a in APPS], ids=[a[0] for a in APPS]
)
def test_every_runtime_site_is_a_scan_finding(
    tmp_path: Path, lay_out: t.Callable[[Path], Path], alias: bool, least: int, level: str
) -> None:
    """Each (rule, file, line) the usage report records is a scan finding of that file."""
    folder = lay_out(tmp_path)
    runtime = _runtime_sites(tmp_path, folder, alias, level)
    assert len(runtime) >= least, sorted(runtime)
    found = runner.scan([str(folder)], workers=1, options=Options(level=level))
    scanned = {(f.feature, os.path.realpath(f.path), f.line) for f in found.findings}
    assert sorted(runtime - scanned) == []
