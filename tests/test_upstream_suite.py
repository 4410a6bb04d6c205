"""Flask-SQLAlchemy 3.1.1's own test suite, unchanged, run with ``pytest --fss-compat``.

Its tests import ``flask_sqlalchemy``; under the flag that is fss_compat. Every test passes
but those listed in :data:`EXPECTED_FAILURES`, each with its reason. The same suite on the
real Flask-SQLAlchemy fails on SQLAlchemy 2.1 wherever a ``MappedAsDataclass`` base is used
(upstream #1420); fss_compat passes those.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests._support.upstream import unpacked_sdist

#: Test id -> why it fails under fss_compat too (it fails on Flask-SQLAlchemy the same way).
EXPECTED_FAILURES: dict[str, str] = {
    f"test_model_bind.py::test_explicit_table[{variant}]": (
        "a MappedAsDataclass model with its own '__table__': SQLAlchemy 2.0 and 2.1 refuse it"
        " ('ORM Annotated Dataclasses do not support a pre-existing __table__ element')"
    )
    for variant in ("db2", "db4")
}


def test_flask_sqlalchemy_suite_passes_under_the_alias(tmp_path: Path) -> None:
    """Every test of Flask-SQLAlchemy 3.1.1's suite passes on fss_compat, but the listed ones."""
    source = unpacked_sdist("flask-sqlalchemy", "3.1.1", tmp_path)
    report = tmp_path / "report.xml"
    # From the sdist's folder, so its own pytest settings apply (filterwarnings = error).
    command = [sys.executable, "-m", "pytest", "--fss-compat", "-p", "no:cacheprovider", "-q"]
    subprocess.run(
        [*command, f"--junitxml={report}", "tests"],
        cwd=source,
        capture_output=True,
        check=False,
    )
    cases = ElementTree.parse(report).getroot().iter("testcase")
    outcomes = {}
    for case in cases:
        test_id = f"{case.get('classname', '').rpartition('.')[2]}.py::{case.get('name')}"
        broken = case.find("failure") is not None or case.find("error") is not None
        outcomes[test_id] = "failed" if broken else "passed"
    failed = {test_id for test_id, outcome in outcomes.items() if outcome == "failed"}
    assert len(outcomes) > 400
    assert failed == set(EXPECTED_FAILURES)
