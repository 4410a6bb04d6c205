"""``fss-compat``: find every Flask-SQLAlchemy idiom, rewrite the safe ones, report the rest.

``fss-compat scan PATH...`` lists the legacy sites per rule and per module; with
``--baseline FILE`` it records the counts, or compares with them and fails when one rose.
``fss-compat migrate PATH... (--diff | --check | --write)`` applies the rewrites selected
with ``--select`` or ``--stage`` (every stage by default), round after round until nothing
changes. The diff and the file lists go to stdout; notes, the summary and errors to stderr.
"""

from __future__ import annotations

import argparse
import collections
import difflib
import json
import os
import sys
import traceback
import typing as t
from collections.abc import Sequence
from pathlib import Path

from fss_compat import alias
from fss_compat import catalogue
from fss_compat.codemod import docs
from fss_compat.codemod import migration
from fss_compat.codemod import runner
from fss_compat.codemod import scan_report
from fss_compat.codemod.engine import Options
from fss_compat.codemod.engine import Status
from fss_compat.codemod.scan_report import plural

#: The stages of the migration guide that ``--stage`` accepts.
STAGES = sorted({rewrite.stage for f in catalogue.CATALOGUE for rewrite in f.rewrites})
EXIT_OK, EXIT_WORSE, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3
_EXIT_CODES = """\
exit codes:
  0  {ok}
  1  {worse}
  2  the tool could not do its job: bad arguments, a file it cannot read or parse
  3  an internal error of fss-compat (a bug: please report it)
"""


class UsageError(ValueError):
    """A command line the tool cannot run: the message says what to change."""


class _Progress:
    """A one-line progress bar on a terminal's stderr; nothing in CI or in a pipe."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or (done % 20 and done != total):
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{total} files")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _progress(label: str) -> _Progress:
    return _Progress(label, sys.stderr.isatty() and not os.environ.get("CI"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fss-compat",
        description="Find Flask-SQLAlchemy idioms and migrate them to plain SQLAlchemy.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    raw = argparse.RawDescriptionHelpFormatter
    scan = commands.add_parser(
        "scan",
        help="list legacy sites per rule and per module",
        description="List the legacy sites per rule and per module, with file:line.",
        formatter_class=raw,
        epilog=_EXIT_CODES.format(
            ok="no legacy site (with --baseline: no rule's count rose)",
            worse="legacy sites found (with --baseline: a rule's count rose)",
        ),
    )
    migrate = commands.add_parser(
        "migrate",
        help="rewrite legacy sites",
        description="Rewrite legacy sites: every rule of every stage, unless --select or\n"
        "--stage narrows it. The rules run again until nothing changes, so a second run\n"
        "has nothing left to do. The diff and file lists go to stdout; notes, the summary\n"
        "and errors to stderr.",
        formatter_class=raw,
        epilog=_EXIT_CODES.format(
            ok="done (--check: nothing would change)",
            worse="--check only: something would change",
        ),
    )
    for command in (scan, migrate):
        command.add_argument("paths", nargs="+", metavar="PATH")
        command.add_argument(
            "--models-from",
            action="append",
            default=[],
            metavar="PATH",
            help="also read PATH for models and db objects, without reporting or changing it",
        )
        command.add_argument("--jobs", type=int, default=0, help="worker processes (all cores)")
        command.add_argument(
            "--level",
            choices=sorted(alias.LEVELS),
            default=None,
            help="the Flask-SQLAlchemy level the code is written for: 2.5 for 2.x code"
            f" (default: ${alias.LEVEL_VARIABLE}, else {alias.DEFAULT_LEVEL})",
        )
    scan.add_argument("--json", action="store_true", help="print the inventory as JSON")
    scan.add_argument(
        "--baseline",
        metavar="FILE",
        help="write FILE if missing, else compare: exit 1 when any rule's count rose",
    )
    scan.add_argument(
        "--update-baseline",
        action="store_true",
        help="with --baseline: lower the recorded counts to the current ones when not worse",
    )
    which = migrate.add_mutually_exclusive_group()
    which.add_argument("--select", metavar="IDS", help="comma-separated FSC201 or FSC201.get")
    which.add_argument(
        "--stage", type=int, choices=STAGES, help="the rewrites of one stage (default: all)"
    )
    migrate.add_argument("--unsafe", action="store_true", help="also apply unsafe rewrites")
    migrate.add_argument(
        "--app",
        metavar="MODULE[:FACTORY]",
        default="",
        help="import this to read the table names the app uses (FSC301)",
    )
    mode = migrate.add_mutually_exclusive_group(required=True)
    mode.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    mode.add_argument("--check", action="store_true", help="exit 1 if anything would change")
    mode.add_argument("--write", action="store_true", help="rewrite the files in place")
    rules = commands.add_parser("rules", help="print the rule catalogue (docs/rules.md)")
    rules.set_defaults(paths=[])
    return parser


def _select(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    keys = set()
    for key in (part.strip() for part in value.split(",") if part.strip()):
        name, _, rewrite = key.partition(".")
        try:
            feature = catalogue.get(name)
        except KeyError as error:
            raise UsageError(f"--select: {error.args[0]}") from None
        if rewrite and rewrite not in {r.name for r in feature.rewrites}:
            known = ", ".join(r.name for r in feature.rewrites)
            raise UsageError(f"--select: {feature.id} has no rewrite {rewrite!r}. Known: {known}.")
        keys.add(f"{feature.id}.{rewrite}" if rewrite else feature.id)
    return frozenset(keys)


def _level(value: str | None) -> str:
    """The level: ``--level``, else ``FSS_COMPAT_LEVEL``, else 3.1."""
    if value is not None:
        return value
    try:
        return alias.level_from_env()
    except ValueError as error:
        raise UsageError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "rules":
            sys.stdout.write(docs.render_markdown())
            return EXIT_OK
        workers = args.jobs or runner.default_workers()
        level = _level(args.level)
        if args.command == "scan":
            return _scan(args, workers, Options(level=level))
        options = Options(
            select=_select(args.select), stage=args.stage, unsafe=args.unsafe, level=level
        )
        return _migrate(args, options, workers)
    except (UsageError, FileNotFoundError) as error:
        print(f"fss-compat: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except ImportError as error:
        print(f"fss-compat: error: --app {args.app!r} cannot be imported: {error}", file=sys.stderr)
        return EXIT_ERROR
    except migration.FixedPointError as error:
        print(f"fss-compat: internal error: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception:
        # Anything else is a bug of the tool, not a mistake of the user's: say so, with the
        # traceback to report.
        sys.stdout.flush()
        print(
            "fss-compat: internal error (a bug in fss-compat; please report it):", file=sys.stderr
        )
        traceback.print_exc()
        return EXIT_INTERNAL


def _errors(errors: list[tuple[str, str]]) -> None:
    for path, error in errors:
        print(f"{path}: error: {error}", file=sys.stderr)


def _scan(args: argparse.Namespace, workers: int, options: Options) -> int:
    progress = _progress("scanning")
    found = runner.scan(args.paths, args.models_from, workers, progress, options)
    progress.close()
    current = scan_report.counts(found.findings)
    baseline_report: dict[str, t.Any] | None = None
    worse: list[str] = []
    if args.baseline:
        baseline_report, worse = scan_report.compare_baseline(
            Path(args.baseline), current, args.update_baseline
        )
    if args.json:
        print(json.dumps(scan_report.inventory(found, current, baseline_report), indent=2))
    else:
        print(scan_report.text(found, current, baseline_report, worse))
    _errors(found.errors)
    if found.errors:
        return EXIT_ERROR
    if args.baseline:
        return EXIT_WORSE if worse else EXIT_OK
    return EXIT_WORSE if found.findings else EXIT_OK


def _migrate(args: argparse.Namespace, options: Options, workers: int) -> int:
    progress = _progress("migrating")
    done = migration.migrate(args.paths, options, args.app, args.models_from, workers, progress)
    progress.close()
    for change in done.changes:
        if args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    change.old.splitlines(keepends=True),
                    change.new.splitlines(keepends=True),
                    f"a/{change.path}",
                    f"b/{change.path}",
                )
            )
        elif args.write:
            with open(change.path, "w", encoding="utf-8", newline="") as file:
                file.write(change.new)
        else:
            print(f"would change {change.path}")
    # Notes go to stderr, after everything of stdout has gone out: on a shared pipe
    # (2>&1) they follow the diff instead of cutting into it.
    sys.stdout.flush()
    _summary(done, options, args)
    _errors(done.errors)
    if done.errors:
        return EXIT_ERROR
    return EXIT_WORSE if args.check and done.changes else EXIT_OK


_LEFT = {
    Status.MANUAL: "manual (TODO comments)",
    Status.BLOCKED: "blocked",
    Status.UNSAFE: "unsafe (not applied)",
}
_NOTES = {
    Status.UNSAFE: "unsafe, not applied (use --unsafe)",
    Status.BLOCKED: "left alone",
    Status.MANUAL: "TODO comment added",
}


def _summary(done: migration.Migration, options: Options, args: argparse.Namespace) -> None:
    """On stderr: what was not rewritten and why (lines of the new text), then the totals."""
    for f in done.left:
        print(f"{f.path}:{f.line}: {f.key}: {_NOTES[f.status]}: {f.message}", file=sys.stderr)
    tally = collections.Counter(f.status for f in done.left)
    parts = [f"{len(done.applied)} {'rewritten' if args.write else 'to rewrite'}"]
    parts += [f"{tally[status]} {_LEFT[status]}" for status in _LEFT if tally[status]]
    if not done.applied and not done.left:
        parts = []
    files = plural(len(done.changes), "file")
    if parts:
        summary = f"{', '.join(parts)}; {files} {'changed' if args.write else 'to change'}"
    elif done.errors:
        summary = f"nothing done: {plural(len(done.errors), 'file')} could not be read or parsed"
    else:
        summary = "nothing selected to do"
    print(f"fss-compat migrate: {summary}", file=sys.stderr)
