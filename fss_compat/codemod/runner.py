"""The passes over many files, on every core: ``scan`` (one pass) and ``migrate`` (two).

Each file is parsed once per pass, in a worker process when there are enough files. The
scan's pass returns each module's facts and candidates; the candidates are judged here once
the :class:`~fss_compat.codemod.project.Index` of all modules exists. ``migrate`` then runs
a second pass, with the index, over the files that have something to change.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from pathlib import Path

import libcst as cst

from fss_compat.codemod import engine
from fss_compat.codemod import rules_extras
from fss_compat.codemod import rules_models
from fss_compat.codemod import rules_names
from fss_compat.codemod import rules_queries
from fss_compat.codemod import rules_setup
from fss_compat.codemod.engine import FileResult
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import Options
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import import_root
from fss_compat.codemod.project import iter_python_files
from fss_compat.codemod.project import module_name

#: One module per rule family, in id order; their handlers run in this order.
FAMILIES = (rules_setup, rules_names, rules_queries, rules_models, rules_extras)


def _handlers() -> dict[type[cst.CSTNode], tuple[engine.Handler, ...]]:
    table: dict[type[cst.CSTNode], tuple[engine.Handler, ...]] = {}
    for family in FAMILIES:
        for kind, handlers in family.HANDLERS.items():
            table[kind] = table.get(kind, ()) + handlers
    return table


HANDLERS = _handlers()
FINALIZERS: dict[str, engine.Finalizer] = dict(rules_models.FINALIZERS)
#: Below this many files a pass runs in this process: starting workers costs more.
SERIAL_BELOW = 40

Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class _Job:
    path: str
    module: str
    is_package: bool
    rewrite: bool


_index: Index | None = None
_options = Options()


def _start_worker(index: Index | None, options: Options) -> None:
    global _index, _options
    _index, _options = index, options
    # libcst builds many small objects per file and frees them by reference counting;
    # the cyclic collector would walk them again and again for nothing.
    gc.freeze()
    gc.set_threshold(200_000, 50, 50)


def read(path: str) -> str:
    """The text of a file, line endings untouched."""
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()


def _work(job: _Job) -> FileResult:
    try:
        source = read(job.path)
    except (OSError, UnicodeDecodeError) as error:
        return FileResult(job.path, job.module, error=f"cannot read: {error}")
    return engine.run(
        source,
        job.path,
        job.module,
        job.is_package,
        HANDLERS,
        FINALIZERS,
        index=_index,
        options=_options,
        rewrite=job.rewrite,
    )


def _map(
    jobs: Sequence[_Job],
    index: Index | None,
    options: Options,
    workers: int,
    progress: Progress | None,
) -> list[FileResult]:
    results: list[FileResult] = []
    if workers <= 1 or len(jobs) < SERIAL_BELOW:
        _start_worker(index, options)
        try:
            for job in jobs:
                results.append(_work(job))
                if progress is not None:
                    progress(len(results), len(jobs))
        finally:
            gc.unfreeze()
            gc.set_threshold(700, 10, 10)
        return results
    context = multiprocessing.get_context("spawn")
    chunk = max(1, len(jobs) // (workers * 16))
    with context.Pool(workers, initializer=_start_worker, initargs=(index, options)) as pool:
        for result in pool.imap(_work, jobs, chunksize=chunk):
            results.append(result)
            if progress is not None:
                progress(len(results), len(jobs))
    return results


def _jobs(files: Iterable[Path], rewrite: bool) -> list[_Job]:
    return [
        _Job(str(path), module_name(path), path.name == "__init__.py", rewrite) for path in files
    ]


@dataclasses.dataclass
class Scan:
    """The result of a scan: the findings of the reported files, and any file errors."""

    index: Index
    findings: list[Finding]
    errors: list[tuple[str, str]]
    files: list[str]
    results: dict[str, FileResult]


def scan(
    paths: Sequence[str],
    context: Sequence[str] = (),
    workers: int = 1,
    progress: Progress | None = None,
    options: Options | None = None,
) -> Scan:
    """Scan ``paths``; ``context`` files only feed the index (models, ``db`` objects).

    :raises FileNotFoundError: for a path that does not exist.
    """
    options = options or Options()
    files = list(dict.fromkeys(iter_python_files(paths)))
    reported = {str(path) for path in files}
    extra = [
        path for path in dict.fromkeys(iter_python_files(context)) if str(path) not in reported
    ]
    results = _map(_jobs([*files, *extra], False), None, options, workers, progress)
    index = Index.build(result.facts for result in results if result.facts is not None)
    errors = [(result.path, result.error) for result in results if result.error]
    late: list[tuple[FileResult, engine.Candidate]] = []
    findings: list[Finding] = []
    for result in results:
        for candidate in result.candidates:
            if candidate.feature == "FSC303":
                late.append((result, candidate))
                continue
            finding = _judge(result, candidate, index, options)
            if finding is not None:
                result.findings.append(finding)
    index.queried = frozenset(
        f.subject for r in results for f in r.findings if f.feature == "FSC201"
    )
    for result, candidate in late:
        finding = _judge(result, candidate, index, options)
        if finding is not None:
            result.findings.append(finding)
    for result in results:
        if result.path in reported:
            findings.extend(sorted(result.findings, key=lambda f: (f.line, f.feature)))
    by_path = {result.path: result for result in results}
    return Scan(index, findings, errors, [str(path) for path in files], by_path)


def _judge(
    result: FileResult, candidate: engine.Candidate, index: Index, options: Options
) -> Finding | None:
    return engine.judge(candidate, index, options, result.path, result.module, FINALIZERS)


@dataclasses.dataclass
class Change:
    """One file's migration: its old and new text, and its findings under the options."""

    path: str
    old: str
    new: str
    findings: list[Finding]


def migrate(
    paths: Sequence[str],
    options: Options,
    app: str = "",
    context: Sequence[str] = (),
    workers: int = 1,
    progress: Progress | None = None,
) -> tuple[Scan, list[Change]]:
    """Scan, then rewrite the files with findings; nothing is written here.

    :param app: ``module`` or ``module:factory`` to import for the table names (FSC301).
    """
    found = scan(paths, context, workers, progress, options)
    index = found.index
    if app and options.selects("FSC301", "runtime"):
        classes = [index.classes[f.subject] for f in found.findings if f.feature == "FSC301"]
        roots = {import_root(Path(path)) for path in found.files}
        index.runtime_names = rules_models.runtime_names(app, classes, sorted(roots))
    touched = sorted({f.path for f in found.findings})
    results = _map(_jobs(map(Path, touched), True), index, options, workers, progress)
    changes = [
        Change(result.path, result.source, result.new_source, result.findings)
        for result in results
        if not result.error
    ]
    found.errors += [(result.path, result.error) for result in results if result.error]
    return found, changes


def default_workers() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
