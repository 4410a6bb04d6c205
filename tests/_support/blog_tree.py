"""The example blog laid out in a folder of its own at a stage, and the console script run on it.

The copy is laid out as in the repository (``examples/blog``, importable as
``examples.blog``) with a ``pytest.ini`` that turns warnings into errors, so the blog's own
tests run there as they do here. Commands run in a clean environment: the variables that
would let this process's settings reach the blog (legacy modes, the compat level, pytest
options, the import path) are removed, and the copy is the import path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from examples import stages

ROOT = Path(__file__).resolve().parents[2]
STAGES = ROOT / "examples" / "stages"
#: The ``fss-compat`` console script of the environment the tests run in.
SCRIPT = Path(sys.executable).parent / "fss-compat"
#: Variables of this process that a command run on the copy does not see.
_CLEARED = frozenset({"FSS_LEGACY", "FSS_COMPAT_LEVEL", "PYTEST_ADDOPTS", "PYTHONPATH", "CI"})


def blog_at(folder: Path, stage: int) -> Path:
    """Lay the blog out at ``stage`` (the guide's number) in ``folder``; return ``folder``."""
    if not SCRIPT.exists():
        pytest.fail(f"No console script {SCRIPT}: reinstall the project ('pip install -e .').")
    stages.lay_out(stage, folder)
    (folder / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")
    return folder


def run_in(
    args: list[str], tree: Path, variables: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` in ``tree``, with ``tree`` as the import path; the output is captured.

    :param variables: environment variables to set for the command
        (``{"FSS_LEGACY": "FSC201=error"}``).
    """
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env |= {"PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1", "CI": "1"}
    env |= variables or {}
    return subprocess.run(
        args, cwd=tree, env=env, capture_output=True, text=True, timeout=180, check=False
    )
