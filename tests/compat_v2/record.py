"""Record Flask-SQLAlchemy 2.5.1's real behaviour, for the 2.5 level's parity tests.

Run by hand, never in CI, from the repository root, in an environment with the real
2.5.1 (it needs SQLAlchemy 1.4 and Flask below 2.3)::

    python3 -m venv .venv-fsa25
    .venv-fsa25/bin/pip install flask-sqlalchemy==2.5.1 'sqlalchemy<2' 'flask<2.3' \\
        'werkzeug<2.3' blinker mock pytest
    .venv-fsa25/bin/python -m tests.compat_v2.record

It rewrites ``tests/compat_v2/recorded.json``: what every scenario of
``tests/compat_v2/scenarios_*.py`` observed on 2.5.1, and the outcome of each test of
2.5.1's own suite (from its sdist) run on 2.5.1. ``test_parity.py`` and
``test_upstream_suite.py`` compare fss_compat's 2.5 level with these.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys
import tempfile
from pathlib import Path

import sqlalchemy

from tests._support import upstream_v2
from tests._support.v2_scenarios import MODULES
from tests._support.v2_scenarios import RECORDING
from tests._support.v2_scenarios import SCENARIOS
from tests._support.v2_scenarios import run


def main() -> int:
    fsa = importlib.import_module("flask_sqlalchemy")
    if getattr(fsa, "__version__", None) != "2.5.1" or fsa.__name__ != "flask_sqlalchemy":
        sys.stderr.write(f"This needs the real Flask-SQLAlchemy 2.5.1, not {fsa!r}.\n")
        return 2
    for module in MODULES:
        importlib.import_module(module)
    scenarios = {}
    for name in sorted(SCENARIOS):
        with tempfile.TemporaryDirectory() as tmp:
            scenarios[name] = run(name, fsa, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        folder = upstream_v2.lay_out(Path(tmp))
        outcomes, _ = upstream_v2.run(folder, [])
    recording = {
        "recorded with": {
            "flask-sqlalchemy": fsa.__version__,
            "sqlalchemy": sqlalchemy.__version__,
            "flask": importlib.metadata.version("flask"),
            "python": sys.version.split()[0],
        },
        "scenarios": scenarios,
        "upstream suite": outcomes,
    }
    RECORDING.write_text(json.dumps(recording, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"Recorded {len(scenarios)} scenarios and {len(outcomes)} upstream tests.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
