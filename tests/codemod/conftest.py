"""The ``project`` fixture: a small project in a temporary folder (``tests/_support/codemod``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._support.codemod import NUMBERS
from tests._support.codemod import Project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """An empty project; its modules are forgotten afterwards."""
    package = f"fsst_{next(NUMBERS)}"
    yield Project(tmp_path, package)
    for name in [name for name in sys.modules if name.split(".")[0] == package]:
        del sys.modules[name]
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))
