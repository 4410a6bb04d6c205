"""Import time of the core, the facade and Flask-SQLAlchemy, from ``python -X importtime``.

Run from the repository root::

    python -m benchmarks.import_time [--runs 15]

Each statement runs in a fresh interpreter ``--runs`` times; the report gives the fastest
run's cumulative milliseconds that ``-X importtime`` prints for the statement's top-level
packages (noise only ever adds time), and the same with Flask and SQLAlchemy imported first
in the same process, so that what is left is the package's own cost.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

STATEMENTS = {
    "import fss_compat.core": ("fss_compat",),
    "from fss_compat import flask_scoped_session": ("fss_compat",),
    "from fss_compat import SQLAlchemy": ("fss_compat",),
    "import flask_sqlalchemy": ("flask_sqlalchemy",),
}
#: Imported before the statement, so that their cost is not the package's.
BASELINE = "import flask, sqlalchemy, sqlalchemy.orm, blinker"
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def cumulative(code: str, packages: tuple[str, ...]) -> int:
    """Microseconds ``code`` spends importing ``packages`` (their top-level entries)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for match in _LINE.finditer(result.stderr):
        _, cumulative_us, indent, name = match.groups()
        top_level = any(name == p or name.startswith(p + ".") for p in packages)
        if len(indent) == 1 and top_level:
            total += int(cumulative_us)
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    print(f"{'statement':45} {'with deps (ms)':>15} {'own (ms)':>9}")
    for statement, packages in STATEMENTS.items():
        alone = [cumulative(statement, packages) for _ in range(args.runs)]
        own = [cumulative(f"{BASELINE}\n{statement}", packages) for _ in range(args.runs)]
        print(f"{statement:45} {min(alone) / 1000:15.1f} {min(own) / 1000:9.1f}")


if __name__ == "__main__":
    main()
