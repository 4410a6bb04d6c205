"""``migrate``: rounds of scan and rewrite on the files' text in memory, to a fixed point.

Each round scans (:func:`fss_compat.codemod.runner.scan`), then runs every family with a
selected finding in a file, as a LibCST codemod command, on that file; what a family's
rewrite makes for another family is found by the next round's scan. It stops when a round
changes nothing (a fixed point), and fails with :class:`FixedPointError` on a cycle or
after :data:`MAX_ROUNDS` rounds. Nothing is written here: the command line writes the
files.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

from fss_compat.codemod import rules_models
from fss_compat.codemod import runner
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import Options
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Status
from fss_compat.codemod.families import FAMILIES
from fss_compat.codemod.file_pass import FileResult
from fss_compat.codemod.project import import_root
from fss_compat.codemod.runner import Progress
from fss_compat.codemod.runner import Scan

#: ``migrate`` gives up after this many rounds that each changed a file.
MAX_ROUNDS = 10


class FixedPointError(RuntimeError):
    """``migrate`` found no fixed point: the rules keep changing a file."""


@dataclasses.dataclass
class Change:
    """One file's migration: its text before and after every round."""

    path: str
    old: str
    new: str


@dataclasses.dataclass
class Migration:
    """What ``migrate`` did, across its rounds.

    :param findings: the first round's scan: what the tool found at the start, and what it
        decided for each (lines of the files as they were).
    :param applied: every rewrite made, in every round.
    :param left: the findings ``migrate`` selects and did not rewrite (manual, blocked, or
        unsafe without ``--unsafe``), from the last round: lines of the new text.
    :param rounds: how many rounds ran, the last of which changed nothing.
    """

    scan: Scan
    changes: list[Change]
    findings: list[Finding]
    applied: list[Finding]
    left: list[Finding]
    rounds: int

    @property
    def errors(self) -> list[tuple[str, str]]:
        """Files the tool could not read or parse."""
        return self.scan.errors


def _applies(finding: Finding, options: Options) -> bool:
    return finding.status is Status.FIX or (finding.status is Status.UNSAFE and options.unsafe)


def migrate(
    paths: Sequence[str],
    options: Options,
    app: str = "",
    context: Sequence[str] = (),
    workers: int = 1,
    progress: Progress | None = None,
) -> Migration:
    """Rewrite the files until nothing changes; the files themselves are not written.

    :param app: ``module`` or ``module:factory`` to import for the table names (FSC301).
    :raises FixedPointError: when the rules keep changing a file.
    """
    texts: dict[str, str] = {}
    originals: dict[str, str] = {}
    seen: dict[str, set[str]] = {}
    first: list[Finding] | None = None
    applied: list[Finding] = []
    runtime = None
    for round_ in range(1, MAX_ROUNDS + 2):
        found = runner.scan(paths, context, workers, progress, options, texts)
        if first is None:
            first = found.findings
        if app and runtime is None and options.selects("FSC301", "runtime"):
            classes = [found.index.classes[f.subject] for f in first if f.feature == "FSC301"]
            roots = sorted({import_root(Path(path)) for path in found.files})
            runtime = rules_models.runtime_names(app, classes, roots)
        found.index.runtime_names = runtime or {}
        # Each file gets the families with a selected finding in it, in registry order;
        # what their rewrites make for another family is found by the next round's scan.
        reported = set(found.files)
        wanted: dict[str, set[type[Rule]]] = {}
        for result in found.results.values():
            for f in result.findings:
                if result.path in reported and options.selects(f.feature, f.rewrite):
                    wanted.setdefault(f.path, set()).add(result.families[id(f)])
        families = {
            path: tuple(family for family in FAMILIES if family in chosen)
            for path, chosen in wanted.items()
        }
        jobs = runner.jobs_for(map(Path, sorted(families)), texts, families)
        results = runner.run_jobs(jobs, found.index, options, workers, progress)
        results = [result for result in results if not result.error]
        changed = {r.path: r for r in results if r.new_source != r.source}
        if not changed:
            # Nothing changed in this round, so each family ran on the final text: the
            # lines of its findings are the new text's.
            left = [
                f
                for result in results
                for f in result.findings
                if options.selects(f.feature, f.rewrite) and not _applies(f, options)
            ]
            changes = [Change(path, originals[path], texts[path]) for path in sorted(texts)]
            changes = [change for change in changes if change.old != change.new]
            return Migration(found, changes, first, applied, left, round_)
        if round_ > MAX_ROUNDS:
            raise FixedPointError(_no_fixed_point(changed, f"after {MAX_ROUNDS} rounds"))
        for path, result in changed.items():
            originals.setdefault(path, result.source)
            history = seen.setdefault(path, {result.source})
            if result.new_source in history:
                raise FixedPointError(_no_fixed_point({path: result}, "they undo each other"))
            history.add(result.new_source)
            texts[path] = result.new_source
            applied += result.applied
    raise AssertionError("unreachable: the last round returns or raises")


def _no_fixed_point(changed: Mapping[str, FileResult], why: str) -> str:
    details = "; ".join(
        f"{path!r} by {', '.join(sorted({f.key for f in result.applied})) or 'TODO comments'}"
        for path, result in sorted(changed.items())
    )
    return (
        f"fss-compat migrate found no fixed point ({why}): the rules still change {details}."
        " This is a bug in fss-compat: please report it with the file."
    )
