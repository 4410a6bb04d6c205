"""``fss-compat`` on code written for Flask-SQLAlchemy 2.x: its sites per id, at stage -1.

Run from the repository root (needs the ``migrate`` extra; PyPI for the packages)::

    python -m benchmarks.v2_counts             # the stage -1 blog and the corpus packages
    python -m benchmarks.v2_counts --blog      # the stage -1 blog only (no network)

The code is the example blog at stage -1 (``examples/stages/m1-flask-sqlalchemy-2x``)
and the packages of :data:`benchmarks.corpus.PACKAGES`, most of them written in
Flask-SQLAlchemy 2.x's time (their sdists are downloaded with pip into
``benchmarks/.cache/``; nothing of theirs is committed). On a copy of each, at the 2.5
level, the script runs ``scan``, then ``migrate --stage -1`` (safe and conditional
rewrites; ``--unsafe`` adds the unsafe ones), writes the result, checks that every file
compiles, and runs ``migrate --stage -1`` again, which must change nothing. It prints, per
2.x feature (FSC7nn): the sites found, rewritten, and reported (left to a person, blocked,
or unsafe), and the second run's changes.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import tempfile
from pathlib import Path

from benchmarks import corpus
from examples import stages
from fss_compat.codemod import migration
from fss_compat.codemod import runner
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import Options

ROOT = Path(__file__).resolve().parent.parent
#: The level the code is written for.
LEVEL = "2.5"


@dataclasses.dataclass
class Counts:
    """One code base's numbers per 2.x feature id.

    :param found: sites the scan finds.
    :param rewritten: rewrites ``migrate --stage -1`` makes (in all its rounds).
    :param reported: sites it leaves, with a TODO, blocked, or unsafe.
    :param second_run: files a second ``migrate --stage -1`` changes (0 at a fixed point).
    """

    name: str
    found: collections.Counter[str]
    rewritten: collections.Counter[str]
    reported: collections.Counter[str]
    second_run: int


def count(name: str, folder: Path, unsafe: bool = False) -> Counts:
    """Scan and migrate ``folder`` (a copy: it is rewritten) at stage -1."""
    scanned = runner.scan([str(folder)], options=Options(level=LEVEL))
    options = Options(stage=-1, unsafe=unsafe, level=LEVEL)
    done = migration.migrate([str(folder)], options)
    for change in done.changes:
        compile(change.new, change.path, "exec", dont_inherit=True)
        Path(change.path).write_text(change.new, encoding="utf-8")
    again = migration.migrate([str(folder)], options)

    def by_id(findings: list[Finding]) -> collections.Counter[str]:
        return collections.Counter(f.feature for f in findings if f.feature.startswith("FSC7"))

    return Counts(
        name, by_id(scanned.findings), by_id(done.applied), by_id(done.left), len(again.changes)
    )


def stage_m1_blog(into: Path) -> Path:
    """Lay out the example blog at stage -1 in ``into``; return its folder."""
    return stages.lay_out(-1, into)  # its modules are examples.blog.*


def table(results: list[Counts]) -> str:
    """A Markdown table: one row per code base and id with a site."""
    rows = [
        "| code | id | found | rewritten | reported | second-run changes |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        ids = sorted(set(result.found) | set(result.rewritten) | set(result.reported))
        for id in ids:
            rows.append(
                f"| {result.name} | {id} | {result.found[id]} | {result.rewritten[id]}"
                f" | {result.reported[id]} | {result.second_run} |"
            )
        if not ids:
            rows.append(f"| {result.name} | - | 0 | 0 | 0 | {result.second_run} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blog", action="store_true", help="the stage -1 blog only")
    parser.add_argument("--unsafe", action="store_true", help="also make unsafe rewrites")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="fss-v2-") as temporary:
        blog = stage_m1_blog(Path(temporary) / "blog")
        results.append(count("blog (stage -1)", blog, args.unsafe))
        for name, version in [] if args.blog else corpus.PACKAGES:
            try:
                archive = corpus.sdist(name, version)
            except corpus.Unavailable as error:
                print(f"{name} {version} skipped: {error}")
                continue
            folder = Path(temporary) / name
            folder.mkdir()
            top = corpus.unpack(archive, folder)
            results.append(count(f"{name} {version}", top, args.unsafe))
    print(table(results))


if __name__ == "__main__":
    main()
