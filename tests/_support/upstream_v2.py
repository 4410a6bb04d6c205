"""Flask-SQLAlchemy 2.5.1's own test suite: fetch it, lay it out, run it, read the outcomes.

The suite ships in 2.5.1's sdist on PyPI. It is downloaded at test time with ``pip
download`` into the git-ignored ``.cache/`` folder of the repository, never committed.
Only its ``tests/`` folder is laid out for a run, so the run imports ``flask_sqlalchemy``
from wherever the environment serves it: the real 2.5.1 (``tests/compat_v2/record.py``)
or fss_compat's 2.5 level (``pytest --fss-compat=2.5``).

Standard library only: ``record.py`` imports this in the 2.5.1 environment too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
REQUIREMENT = "flask-sqlalchemy==2.5.1"
CACHE = ROOT / ".cache" / "flask-sqlalchemy-2.5.1"

#: The suite imports ``mock``, the backport of ``unittest.mock``: the same API since
#: Python 3.3. The run gets this module under that name instead of the package.
MOCK_MODULE = "import sys\nimport unittest.mock\n\nsys.modules[__name__] = unittest.mock\n"
#: 2.5.1's pytest configuration was only ``testpaths = tests``; nothing else of ours applies.
PYTEST_INI = "[pytest]\ntestpaths = tests\n"


class Unavailable(Exception):
    """The sdist could not be downloaded (no network, no index)."""


def fetch_sdist() -> Path:
    """The path of 2.5.1's sdist, downloaded into :data:`CACHE` the first time.

    :raises Unavailable: when ``pip download`` fails, with its output.
    """
    found = sorted(CACHE.glob("*.tar.gz"))
    if found:
        return found[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "-q", REQUIREMENT]
    command += ["--no-deps", "--no-binary", ":all:", "-d", str(CACHE)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    found = sorted(CACHE.glob("*.tar.gz"))
    if result.returncode != 0 or not found:
        raise Unavailable(
            f"'pip download {REQUIREMENT} --no-binary :all:' failed (exit code"
            f" {result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return found[0]


def lay_out(sdist: Path, folder: Path) -> Path:
    """Extract the sdist's ``tests/`` into ``folder``, with ``mock`` and a pytest.ini.

    :returns: ``folder``, the directory to run pytest in.
    """
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.split("/")[1:2] == ["tests"]]
        for member in members:
            member.name = member.name.split("/", 1)[1]
        # The "data" filter (refuse links and paths out of the folder) where Python has it.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(folder, members=members, **safe)  # type: ignore[arg-type]
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
