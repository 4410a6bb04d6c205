"""Flask-SQLAlchemy 2.5.1's own test suite, run at the 2.5 level on SQLAlchemy 2.x and Flask 3.

The suite comes from 2.5.1's sdist, downloaded at test time into the git-ignored
``.sdists/`` (skipped with a message when the package index cannot be reached, failed in
CI). It runs unchanged in a subprocess with ``pytest --fss-compat=2.5``, which serves
``flask_sqlalchemy`` from ``fss_compat.shims_v2``. ``recorded.json`` holds each test's
outcome on the real 2.5.1 (SQLAlchemy 1.4, Flask 2.2), written by ``record.py``.

Every test that passed there passes here, except those in :data:`NOT_RUNNABLE`, which
use a SQLAlchemy 1.x-only or Flask 2-only API themselves; each is listed with why.
"""

from __future__ import annotations

import collections
import json
import typing as t

import pytest

from tests._support import upstream_v2
from tests._support.v2_scenarios import RECORDING

#: Tests (or whole modules) that cannot run on Flask 3 / SQLAlchemy 2.x, and why.
NOT_RUNNABLE = {
    "tests/test_signals.py": (
        "Flask 2-only API: the module reads 'flask.signals_available' at import, which"
        " Flask 3.0 removed (signals always work there), so its two tests"
        " (test_before_committed, test_model_signals) cannot be collected. The signals"
        " they check are the scenario 'signals' of test_parity.py."
    ),
}
#: Tests that failed on the real 2.5.1, and why they pass here.
FAILED_ON_2_5_1 = {
    "tests/test_basic_app.py::test_persist_selectable": (
        "It asserts that a commit emits no warning; on Flask 2.2, 2.5.1's query recording"
        " touches '_app_ctx_stack', which Flask deprecated. fss_compat does not use it."
    ),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each test's outcome at the 2.5 level."""
    folder = upstream_v2.lay_out(tmp_path_factory.mktemp("fsa-2.5.1"))
    found, output = upstream_v2.run(folder, ["--fss-compat=2.5"])
    assert "served by fss_compat (as 2.5.1, level 2.5)" in output, output
    return found


def _recorded() -> dict[str, str]:
    recorded: dict[str, str] = json.loads(RECORDING.read_text(encoding="utf-8"))["upstream suite"]
    return recorded


def _not_runnable(test_id: str) -> bool:
    return any(test_id == key or test_id.startswith(key + "::") for key in NOT_RUNNABLE)


def test_passes_where_2_5_1_passed(outcomes: dict[str, str]) -> None:
    """Every test that passed on 2.5.1 passes at the 2.5 level, unless it cannot run."""
    expected = [k for k, v in _recorded().items() if v == "passed" and not _not_runnable(k)]
    assert len(expected) > 60
    assert {test: outcomes.get(test, "missing") for test in expected} == dict.fromkeys(
        expected, "passed"
    )


def test_listed_tests_are_still_not_runnable(outcomes: dict[str, str]) -> None:
    """Each entry of NOT_RUNNABLE still fails to collect, so the list stays current."""
    assert {key: outcomes.get(key) for key in NOT_RUNNABLE} == dict.fromkeys(NOT_RUNNABLE, "error")


def test_tests_failing_on_2_5_1(outcomes: dict[str, str]) -> None:
    """The tests that failed on the real 2.5.1 are the listed ones, and pass here."""
    recorded = _recorded()
    assert sorted(k for k, v in recorded.items() if v != "passed") == sorted(FAILED_ON_2_5_1)
    assert {test: outcomes.get(test) for test in FAILED_ON_2_5_1} == dict.fromkeys(
        FAILED_ON_2_5_1, "passed"
    )


def test_nothing_else(outcomes: dict[str, str]) -> None:
    """No test ran here that 2.5.1's run did not have, and none was skipped."""
    recorded = _recorded()
    extra = {k: v for k, v in outcomes.items() if k not in recorded and k not in NOT_RUNNABLE}
    assert extra == {}
    counts: t.Counter[str] = collections.Counter(outcomes.values())
    assert counts["skipped"] == 0, counts
