"""The 2.5 level against Flask-SQLAlchemy 2.5.1's recorded behaviour, scenario by scenario.

Each scenario of ``scenarios_*.py`` ran on the real 2.5.1 (SQLAlchemy 1.4, Flask 2.2) when
``record.py`` wrote ``recorded.json``; here it runs on ``fss_compat.shims_v2`` on this
environment's SQLAlchemy 2.x and Flask 3, and must observe the same: results, errors and
Flask-SQLAlchemy's own warnings.
"""

from __future__ import annotations

import importlib
import json
import typing as t
from pathlib import Path

import pytest

from fss_compat import shims_v2
from tests._support.v2_scenarios import MODULES
from tests._support.v2_scenarios import RECORDING
from tests._support.v2_scenarios import SCENARIOS
from tests._support.v2_scenarios import run

for _module in MODULES:
    importlib.import_module(_module)

RECORDED: dict[str, t.Any] = json.loads(RECORDING.read_text(encoding="utf-8"))


def test_recording_is_of_2_5_1() -> None:
    """The recording was made with the real Flask-SQLAlchemy 2.5.1, for every scenario."""
    assert RECORDED["recorded with"]["flask-sqlalchemy"] == "2.5.1"
    assert sorted(RECORDED["scenarios"]) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name: str, tmp_path: Path) -> None:
    """The scenario observes at the 2.5 level what it observed on Flask-SQLAlchemy 2.5.1."""
    assert run(name, shims_v2, tmp_path) == RECORDED["scenarios"][name]
