"""``fss-compat`` on real code: public packages that use Flask-SQLAlchemy, from PyPI.

Run from the repository root (needs the ``migrate`` extra and PyPI)::

    python -m benchmarks.corpus            # every package of PACKAGES
    python -m benchmarks.corpus --smoke    # the smallest one only (what CI runs)
    python -m benchmarks.corpus --verify   # also check names and lines (slower)

Each package's sdist is downloaded with pip into ``benchmarks/.cache/`` (git-ignored; kept
between runs, nothing of theirs is committed) and unpacked into a temporary folder. On
that copy the benchmark runs ``scan``, then ``migrate`` with every rule, writes the
result, checks that every rewritten file parses and compiles, and runs ``migrate`` again,
which must change nothing. It reports, per package: Python files and lines, legacy sites
found before and after, rewritten, left (manual, blocked or unsafe, with the reason in the
notes), the queries built in one place and run in another (FSC201 ``local-builder``
rewritten, ``builder`` left), files changed, ``migrate``'s rounds, second-run changes, and
the scan's and migrate's seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from fss_compat.codemod import file_pass
from fss_compat.codemod import migration
from fss_compat.codemod import runner
from fss_compat.codemod.engine import Options
from fss_compat.codemod.project import iter_python_files
from fss_compat.codemod.project import module_name

#: (name, version): packages of different ages and sizes that use Flask-SQLAlchemy.
PACKAGES = (
    ("flask-whooshalchemy", "0.56"),  # 2014: search on Model.query
    ("flask-restless", "0.17.0"),  # 2015: REST APIs over db.Model
    ("flask-rbac", "0.5.0"),  # 2021: role-based access control, models in its tests
    ("flask-sqlalchemy-booster", "0.6.31"),  # 2021: query helpers on db.Model
    ("flask-blogging", "2.0.0.post2"),  # 2022: a blog engine with a SQLAlchemy storage
    ("flask-msearch", "0.2.9.4"),  # 2024: full-text search on Model.query
    ("flaskbb", "2.0.2"),  # a complete forum app
)
#: The package CI runs: small, with sites to rewrite and to leave.
SMOKE = PACKAGES[5]
CACHE = Path(__file__).resolve().parent / ".cache"


class Unavailable(RuntimeError):
    """The sdist could not be downloaded (no network, or PyPI has none)."""


def sdist(name: str, version: str, cache: Path = CACHE) -> Path:
    """The package's sdist, downloaded with pip into ``cache`` unless it is there.

    :raises Unavailable: when pip cannot download it.
    """
    cache.mkdir(parents=True, exist_ok=True)
    found = _cached(cache, name, version)
    if found is None:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--no-binary", ":all:", "--dest", str(cache), f"{name}=={version}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        found = _cached(cache, name, version)
        if done.returncode != 0 or found is None:
            raise Unavailable(f"pip could not download {name}=={version}: {done.stderr[-500:]}")
    return found


def _cached(cache: Path, name: str, version: str) -> Path | None:
    wanted = {name.lower().replace("-", "_"), name.lower()}
    for path in cache.glob("*.tar.gz"):
        stem = path.name.removesuffix(".tar.gz")
        project, _, found = stem.rpartition("-")
        if found == version and project.lower().replace("-", "_") in wanted | {
            w.replace("-", "_") for w in wanted
        }:
            return path
    return None


def unpack(archive: Path, into: Path) -> Path:
    """Unpack ``archive`` into ``into``; return its top folder."""
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        for member in members:
            target = (into / member.name).resolve()
            if not target.is_relative_to(into.resolve()):
                raise ValueError(f"{archive.name}: {member.name!r} points outside the folder.")
        if sys.version_info >= (3, 12):
            tar.extractall(into, members=members, filter="data")
        else:
            tar.extractall(into, members=members)  # members checked above
    (top,) = [path for path in into.iterdir() if path.is_dir()]
    return top


@dataclasses.dataclass
class Result:
    """One package's numbers."""

    package: str
    files: int
    lines: int
    found: int
    after: int
    rewritten: int
    left: int
    #: FSC201 ``local-builder`` sites rewritten, and ``builder`` sites the scan reported.
    builders_rewritten: int
    builders_left: int
    changed: int
    rounds: int
    second_run: int
    scan_seconds: float
    migrate_seconds: float
    errors: list[tuple[str, str]]

    def row(self) -> str:
        """A Markdown table row."""
        return (
            f"| {self.package} | {self.files} | {self.lines} | {self.found} | {self.after}"
            f" | {self.rewritten}"
            f" | {self.left} | {self.builders_rewritten} | {self.builders_left}"
            f" | {self.changed} | {self.rounds} | {self.second_run}"
            f" | {self.scan_seconds:.1f} | {self.migrate_seconds:.1f} |"
        )


HEADER = (
    "| package | files | lines | sites before | sites after | rewritten | left"
    " | builders rewritten | builders left | files changed | rounds | second-run changes"
    " | scan s | migrate s |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def run_package(
    name: str, version: str, workers: int = 1, verify: bool = False, cache: Path = CACHE
) -> Result:
    """Scan and migrate one package on a copy; check the result (see the module docstring).

    :raises Unavailable: when the sdist cannot be downloaded.
    :raises AssertionError: when a rewritten file does not compile, or a second run changes
        something.
    """
    archive = sdist(name, version, cache)
    with tempfile.TemporaryDirectory(prefix="fss-corpus-") as temporary:
        top = unpack(archive, Path(temporary))
        files = list(iter_python_files([top]))
        lines = sum(len(path.read_bytes().splitlines()) for path in files)
        if verify:
            for path in files:
                text = path.read_text(encoding="utf-8", errors="replace")
                file_pass.scan_module(text, str(path), module_name(path), False, verify_names=True)
        started = time.perf_counter()
        found = runner.scan([str(top)], workers=workers)
        scanned = time.perf_counter() - started
        started = time.perf_counter()
        done = migration.migrate([str(top)], Options(), workers=workers)
        migrated = time.perf_counter() - started
        for change in done.changes:
            compile(change.new, change.path, "exec", dont_inherit=True)
            Path(change.path).write_text(change.new, encoding="utf-8")
        again = migration.migrate([str(top)], Options(), workers=workers)
        assert again.changes == [], [change.path for change in again.changes]
        return Result(
            f"{name} {version}",
            len(files),
            lines,
            len(found.findings),
            len(again.scan.findings),
            len(done.applied),
            len(done.left),
            sum(1 for finding in done.applied if finding.key == "FSC201.local-builder"),
            sum(1 for finding in found.findings if finding.key == "FSC201.builder"),
            len(done.changes),
            done.rounds,
            len(again.changes),
            scanned,
            migrated,
            found.errors,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="only the smallest package")
    parser.add_argument("--verify", action="store_true", help="check names and lines too")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = parser.parse_args()
    print(HEADER)
    for name, version in [SMOKE] if args.smoke else PACKAGES:
        try:
            result = run_package(name, version, args.jobs, args.verify)
        except Unavailable as error:
            print(f"| {name} {version} | skipped: {error} |")
            continue
        print(result.row())
        for path, error in result.errors:
            print(f"  {path}: {error}", file=sys.stderr)


if __name__ == "__main__":
    main()
