"""Every code example of the documentation runs; the convention is in docs/contributing.md.

The examples are collected by Sybil (``tests/_support/doc_examples.py``), one page per
fresh ``pytest`` process: a page may install the ``flask_sqlalchemy`` alias or change
process-wide modes, which must reach neither other pages nor the parity tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests._support.doc_examples import ROOT
from tests._support.doc_examples import SYBIL
from tests._support.doc_examples import pages

_SUMMARY = re.compile(r"(\d+) passed")


def _has_examples(page: str) -> bool:
    return any(True for _ in SYBIL.parse(ROOT / page))


@pytest.mark.parametrize("page", [page for page in pages() if _has_examples(page)])
def test_examples_run(page: str, tmp_path: Path) -> None:
    """Every example of the page passes, in a fresh process run from an empty folder."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    env.pop("FSS_LEGACY", None)
    command = [sys.executable, "-m", "pytest", "-p", "tests._support.doc_examples"]
    command += ["-p", "no:cacheprovider", "-q", "-c", str(ROOT / "pyproject.toml")]
    command += ["--rootdir", str(ROOT), str(ROOT / page)]
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = _SUMMARY.search(result.stdout)
    assert passed is not None and int(passed.group(1)) > 0, result.stdout
