"""Run a pytest suite with fss_compat's usage report on, and write the sites it recorded.

``python -m tests._support.usage OUT.json [--fss-compat] -- PYTEST_ARGS...`` runs pytest in
this process with :func:`fss_compat.legacy.start_report` on, then writes
``{feature id: [file:line, ...]}`` to ``OUT.json``. With ``--fss-compat`` the suite runs as
``pytest --fss-compat`` (``flask_sqlalchemy`` served by fss_compat), whose plugin starts the
report and stops it at the end; the report it prints shows ten sites per feature, while
this keeps them all.
"""

from __future__ import annotations

import json
import sys
import typing as t
from pathlib import Path

import pytest

from fss_compat import legacy


def main(argv: list[str]) -> int:
    """Run the suite; return pytest's exit code."""
    out, *rest = argv
    args = rest[rest.index("--") + 1 :]
    stopped: list[legacy.Usage | None] = []
    stop_report = legacy.stop_report

    def keep(app: t.Any = None) -> legacy.Usage | None:
        usage = stop_report(app)
        stopped.append(usage)
        return usage

    if rest[:1] == ["--fss-compat"]:
        # The plugin stops the report in its terminal summary: keep what it stops.
        legacy.stop_report = keep
        args.append("--fss-compat")
    else:
        legacy.start_report()
    code = int(pytest.main(args))
    usage = stopped[0] if stopped else legacy.stop_report()
    sites = {} if usage is None else {k: sorted(v) for k, v in usage.sites.items()}
    Path(out).write_text(json.dumps(sites, indent=1, sort_keys=True), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
