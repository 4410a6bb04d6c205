"""Another package's own source (its sdist from the package index), fetched at test time.

Nothing of it is committed: the archive is downloaded with pip into a git-ignored cache
(``.sdists/`` at the repository root) and unpacked into the test's temporary folder.
"""

from __future__ import annotations

import os
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
    stem = f"{name.replace('-', '_')}-{version}"
    archive = CACHE / f"{stem}.tar.gz"
    if not archive.exists():
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--no-binary", ":all:", "--dest", str(CACHE), f"{name}=={version}"]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not archive.exists():
            message = f"cannot download the {name} {version} sdist: {result.stderr.strip()}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    with tarfile.open(archive) as sdist:
        sdist.extractall(into, filter="data")
    return into / stem
