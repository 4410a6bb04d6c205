"""An interpreter without Flask-SQLAlchemy, for running apps and the ``flask`` CLI in it."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Found before site-packages (it is first on PYTHONPATH), so the installed Flask-SQLAlchemy
# can never load; the alias's finder runs before any path entry, so it still serves the name.
BLOCKER = """\
raise ModuleNotFoundError(
    "No module named 'flask_sqlalchemy' (blocked by the fss_compat integration tests)",
    name="flask_sqlalchemy",
)
"""

_ALIAS = "from fss_compat import alias\nalias.install()\n"


@dataclasses.dataclass(frozen=True)
class Blocked:
    """Runs Python in a subprocess where ``import flask_sqlalchemy`` fails, as if uninstalled.

    The project root is on the path too, so ``tests.integration.<app>`` modules import.
    """

    blocker: Path

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env["PYTHONPATH"] = os.pathsep.join([str(self.blocker), str(ROOT)])
        env["FLASK_SKIP_DOTENV"] = "1"
        env.update(extra or {})
        return env

    def run(
        self, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``python <args>`` in the blocked interpreter; the caller checks the outcome."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=cwd,
            env=self.env(env),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def code(self, source: str, *, alias: bool, env: dict[str, str] | None = None) -> str:
        """Run ``source`` (after ``alias.install()`` if ``alias``) and return its stdout.

        :raises AssertionError: with the subprocess's stderr when it exits non-zero.
        """
        prefix = _ALIAS if alias else ""
        return succeeded(self.run("-c", prefix + textwrap.dedent(source), env=env))


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    """The stdout of a subprocess that must have exited 0; its output otherwise."""
    assert result.returncode == 0, (
        f"{result.args!r} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result.stdout
