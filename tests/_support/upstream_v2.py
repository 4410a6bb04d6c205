"""Flask-SQLAlchemy 2.5.1's own test suite: lay it out, run it, read the outcomes.

The suite ships in 2.5.1's sdist, fetched at test time (``tests/_support/upstream.py``),
never committed. Only its ``tests/`` folder is laid out for a run, so the run imports
``flask_sqlalchemy`` from wherever the environment serves it: the real 2.5.1
(``tests/compat_v2/record.py``) or fss_compat's 2.5 level (``pytest --fss-compat=2.5``).

Standard library and pytest only: ``record.py`` imports this in the 2.5.1 environment too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests._support.upstream import unpacked_sdist

#: The suite imports ``mock``, the backport of ``unittest.mock``: the same API since
#: Python 3.3. The run gets this module under that name instead of the package.
MOCK_MODULE = "import sys\nimport unittest.mock\n\nsys.modules[__name__] = unittest.mock\n"
#: 2.5.1's pytest configuration was only ``testpaths = tests``; nothing else of ours applies.
PYTEST_INI = "[pytest]\ntestpaths = tests\n"


def lay_out(folder: Path) -> Path:
    """Put 2.5.1's ``tests/`` into ``folder``, with ``mock`` and a pytest.ini.

    The sdist comes from :func:`tests._support.upstream.unpacked_sdist` (which skips, or
    fails in CI, without the package index). Its ``flask_sqlalchemy`` package is left out.

    :returns: ``folder``, the directory to run pytest in.
    """
    source = unpacked_sdist("flask-sqlalchemy", "2.5.1", folder / "sdist")
    shutil.copytree(source / "tests", folder / "tests")
    shutil.rmtree(folder / "sdist")
    (folder / "tests" / "mock.py").write_text(MOCK_MODULE)
    (folder / "pytest.ini").write_text(PYTEST_INI)
    return folder


def run(folder: Path, args: list[str], python: str = sys.executable) -> tuple[dict[str, str], str]:
    """Run the suite in ``folder`` with pytest ``args``; outcomes by test id, and the output.

    A test id is ``tests/<file>.py::<name>`` (``::<Class>::<name>`` in a class); a file
    that fails to import is one id, ``tests/<file>.py``, with the outcome ``"error"``.
    Outcomes are ``passed``, ``failed``, ``error`` and ``skipped``.
    """
    report = folder / "report.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FSS_", "PYTEST_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [python, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
    command += ["--continue-on-collection-errors", f"--junitxml={report}", *args]
    result = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    output = result.stdout + result.stderr
    if not report.exists():
        raise RuntimeError(f"The suite did not run (exit code {result.returncode}):\n{output}")
    return _outcomes(ElementTree.parse(report).getroot(), folder), output


def _outcomes(root: ElementTree.Element, folder: Path) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for case in root.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        if not classname:  # a module that could not be collected
            test_id = name.replace(".", "/") + ".py"
        else:
            test_id = _node_id(classname.split("."), name, folder)
        kinds = {child.tag for child in case}
        if "failure" in kinds:
            outcomes[test_id] = "failed"
        elif "error" in kinds:
            outcomes[test_id] = "error"
        elif "skipped" in kinds:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = "passed"
    return outcomes


def _node_id(parts: list[str], name: str, folder: Path) -> str:
    # junit's classname is the dotted module path, then the class: find where the file ends.
    for end in range(len(parts), 0, -1):
        path = "/".join(parts[:end]) + ".py"
        if (folder / path).exists():
            return "::".join([path, *parts[end:], name])
    raise ValueError(f"No test file for {'.'.join(parts)!r} in {folder}")
