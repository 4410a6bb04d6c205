"""Another package's own source (its sdist from the package index), fetched at test time.

Nothing of it is committed: the archive is downloaded with pip into a git-ignored cache
(``.sdists/`` at the repository root) and unpacked into the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

CACHE = Path(__file__).resolve().parents[2] / ".sdists"


def unpacked_sdist(name: str, version: str, into: Path) -> Path:
    """Unpack ``name==version``'s sdist into ``into``; return its top folder.

    Without the package index the test is skipped on a developer machine and fails in CI
    (``CI`` set), like the PostgreSQL tests.
    """
    CACHE.mkdir(exist_ok=True)
    archive = _cached(name, version)
    if archive is None:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--no-binary", ":all:", "--dest", str(CACHE), f"{name}=={version}"]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
        )
        archive = _cached(name, version)
        if result.returncode != 0 or archive is None:
            message = f"cannot download the {name} {version} sdist: {result.stderr.strip()}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    with tarfile.open(archive) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        sdist.extractall(into, filter="data")
    return into / top


def _cached(name: str, version: str) -> Path | None:
    # Older sdists keep the project's own spelling ("Flask-SQLAlchemy-2.5.1.tar.gz"),
    # newer ones the normalized one ("flask_sqlalchemy-3.1.1.tar.gz").
    wanted = _normalized(f"{name}-{version}")
    for archive in CACHE.glob("*.tar.gz"):
        if _normalized(archive.name.removesuffix(".tar.gz")) == wanted:
            return archive
    return None


def _normalized(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()
