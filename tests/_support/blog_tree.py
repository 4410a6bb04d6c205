"""The example blog copied into a folder of its own at a stage, and the console script run on it.

The copy is laid out as in the repository (``examples/blog``, importable as
``examples.blog``) with a ``pytest.ini`` that turns warnings into errors, so the blog's own
tests run there as they do here. Commands run in a clean environment: the variables that
would let this process's settings reach the blog (legacy modes, the compat level, pytest
options, the import path) are removed, and the copy is the import path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = ROOT / "examples" / "stages"
#: The ``fss-compat`` console script of the environment the tests run in.
SCRIPT = Path(sys.executable).parent / "fss-compat"
#: Variables of this process that a command run on the copy does not see.
_CLEARED = frozenset({"FSS_LEGACY", "FSS_COMPAT_LEVEL", "PYTEST_ADDOPTS", "PYTHONPATH", "CI"})


def blog_at(folder: Path, patch: str) -> Path:
    """Copy the blog into ``folder`` and apply the stage patch ``patch`` to it; return ``folder``.

    :param patch: the name of a file of ``examples/stages``
        (``"00-flask-sqlalchemy.patch"``).
    """
    if not SCRIPT.exists():
        pytest.fail(f"No console script {SCRIPT}: reinstall the project ('pip install -e .').")
    copy_blog(folder)
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(folder.parent)}
    subprocess.run(["git", "apply", str(STAGES / patch)], cwd=folder, env=env, check=True)
    return folder


def copy_blog(folder: Path) -> None:
    """Copy the blog as it is in the repository into ``folder``, with its ``pytest.ini``."""
    shutil.copytree(
        ROOT / "examples" / "blog",
        folder / "examples" / "blog",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "instance"),
    )
    (folder / "examples" / "__init__.py").write_text("")
    (folder / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\n")


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
