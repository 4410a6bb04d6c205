"""The runs over many files, on every core, and ``scan``.

``scan`` reads each file once: one batched LibCST traversal runs the facts collector and
every rule family's visits; the families' candidates are judged when the
:class:`~fss_compat.codemod.project.Index` of all modules exists. :func:`run_jobs` runs a
list of :class:`Job` (a scan, or a migration of one module by its families) in this
process or in worker processes; :mod:`fss_compat.codemod.migration` builds ``migrate``'s
rounds on it. Nothing is written here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import multiprocessing
import os
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import MetadataWrapper

from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import FileRun
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import Options
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Where
from fss_compat.codemod.engine import judge
from fss_compat.codemod.facts import Facts
from fss_compat.codemod.families import FAMILIES
from fss_compat.codemod.names import Names
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import ModuleFacts
from fss_compat.codemod.project import iter_python_files
from fss_compat.codemod.project import module_name

#: Below this many files a run stays in this process: starting workers costs more.
SERIAL_BELOW = 40

Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class Job:
    """One module to scan, or to migrate with the families ``families``."""

    path: str
    module: str
    is_package: bool
    #: The text to use instead of the file's (``migrate``'s rounds work in memory).
    source: str | None = None
    #: ``migrate``: the families to run, those with a selected finding in the file.
    families: tuple[type[Rule], ...] = ()


@dataclasses.dataclass
class FileResult:
    """What one module's run gives back."""

    path: str
    module: str
    source: str = ""
    facts: ModuleFacts | None = None
    candidates: list[tuple[type[Rule], Candidate]] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    #: The family of each finding of the scan, by the finding's identity.
    families: dict[int, type[Rule]] = dataclasses.field(default_factory=dict)
    applied: list[Finding] = dataclasses.field(default_factory=list)
    new_source: str = ""
    error: str = ""


def read(path: str) -> str:
    """The text of a file, line endings untouched."""
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()


def _parse(job: Job, result: FileResult) -> cst.Module | None:
    try:
        result.source = job.source if job.source is not None else read(job.path)
    except (OSError, UnicodeDecodeError) as error:
        result.error = f"cannot read: {error}"
        return None
    try:
        return cst.parse_module(result.source)
    except cst.ParserSyntaxError as error:
        result.error = _syntax_error(error)
        return None


def _syntax_error(error: cst.ParserSyntaxError) -> str:
    """``cannot parse line 2, column 5: expected NAME``: one place, from LibCST's message
    (``parser error: error at 2:5: expected NAME``), else from its line and column.
    """
    found = re.search(r"error at (\d+):(\d+): (.*)", error.message, re.DOTALL)
    if found:
        line, column, what = found.groups()
    else:
        line, column = str(error.raw_line), str(error.raw_column + 1)
        what = error.message.removeprefix("parser error: ")
    return f"cannot parse line {line}, column {column}: {what.strip()}"


class _Where(cst.BatchableCSTVisitor):
    """The traversal's :class:`~fss_compat.codemod.engine.Where`, kept up to date."""

    def __init__(self, where: Where) -> None:
        super().__init__()
        self.where = where

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        return self.where.visitors()


class _Visits(cst.BatchableCSTVisitor):
    """A family's ``visit_`` methods, for the scan's batched traversal."""

    def __init__(self, family: Rule) -> None:
        super().__init__()
        self.family = family

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        return {name: getattr(self.family, name) for name in _visit_names(type(self.family))}


@functools.cache
def _visit_names(family: type[Rule]) -> tuple[str, ...]:
    """The ``visit_`` methods a family defines (LibCST marks its empty stubs as no-ops)."""
    return tuple(
        name
        for name in dir(family)
        if name.startswith("visit_") and not getattr(getattr(family, name), "_is_no_op", False)
    )


#: One instance per family in this process, started on each module (see Rule.start).
_instances: dict[type[Rule], Rule] = {}


def _family(family: type[Rule], context: CodemodContext) -> Rule:
    instance = _instances.get(family)
    if instance is None:
        instance = _instances[family] = family(context)
    else:
        instance.start(context)
    return instance


def scan_module(
    source: str,
    path: str,
    module: str,
    is_package: bool,
    options: Options | None = None,
    verify_names: bool = False,
) -> FileResult:
    """The scan of one module: its facts and its families' candidates, in one traversal.

    :param verify_names: check every name the scan resolves against LibCST's
        ``ScopeProvider`` (see :mod:`fss_compat.codemod.names`).
    """
    job = Job(path, module, is_package, source)
    return _scan_job(job, options or Options(), verify_names)


def _scan_job(job: Job, options: Options, verify_names: bool = False) -> FileResult:
    result = FileResult(job.path, job.module)
    tree = _parse(job, result)
    if tree is None:
        return result
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    run = FileRun(job.path, job.module, job.is_package, options)
    # Names and lines without ScopeProvider and PositionProvider, which are most of a
    # scan's time (see fss_compat.codemod.names).
    run.names = Names(tree, result.source, run, wrapper, verify_names)
    context = run.context(wrapper)
    where = Where()
    families = [_family(family, context) for family in FAMILIES]
    for family in families:
        family.where = where
    visitors = [_Where(where), Facts(run, where), *(_Visits(family) for family in families)]
    cst.visit_batched(tree, visitors)
    result.facts = run.facts
    result.candidates = run.candidates
    return result


def _migrate_job(job: Job, index: Index, options: Options) -> FileResult:
    result = FileResult(job.path, job.module)
    tree = _parse(job, result)
    if tree is None:
        return result
    run = FileRun(job.path, job.module, job.is_package, options, index)
    for family in job.families:
        tree = _family(family, run.context()).transform_module(tree)
    result.findings = run.findings
    result.applied = run.applied
    result.new_source = tree.code
    return result


# -- workers ----------------------------------------------------------------------------------

_state: tuple[Index | None, Options] = (None, Options())


def _start_worker(index: Index | None, options: Options) -> None:
    global _state
    _state = (index, options)
    # libcst builds many small objects per file and frees them by reference counting;
    # the cyclic collector would walk them again and again for nothing. A worker process
    # lives for one run, so nothing is restored.
    gc.freeze()
    gc.set_threshold(200_000, 50, 50)


def _work(job: Job) -> FileResult:
    index, options = _state
    return _scan_job(job, options) if index is None else _migrate_job(job, index, options)


@contextlib.contextmanager
def _quiet_collector() -> Iterator[None]:
    """The collector tuned as in a worker, and as it was afterwards."""
    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(200_000, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


def run_jobs(
    jobs: Sequence[Job],
    index: Index | None,
    options: Options,
    workers: int,
    progress: Progress | None,
) -> list[FileResult]:
    """Scan the jobs (no index) or migrate them (an index), in order."""
    results: list[FileResult] = []
    if workers <= 1 or len(jobs) < SERIAL_BELOW:
        with _quiet_collector():
            for job in jobs:
                if index is None:
                    results.append(_scan_job(job, options))
                else:
                    results.append(_migrate_job(job, index, options))
                if progress is not None:
                    progress(len(results), len(jobs))
        return results
    context = multiprocessing.get_context("spawn")
    chunk = max(1, len(jobs) // (workers * 16))
    with context.Pool(workers, initializer=_start_worker, initargs=(index, options)) as pool:
        for result in pool.imap(_work, jobs, chunksize=chunk):
            results.append(result)
            if progress is not None:
                progress(len(results), len(jobs))
    return results


def jobs_for(
    files: Iterable[Path],
    sources: Mapping[str, str],
    families: Mapping[str, tuple[type[Rule], ...]] | None = None,
) -> list[Job]:
    """A job per file: its text from ``sources`` when there (by path), its families from
    ``families``."""
    return [
        Job(
            str(path),
            module_name(path),
            path.name == "__init__.py",
            sources.get(str(path)),
            (families or {}).get(str(path), ()),
        )
        for path in files
    ]


# -- scan -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Scan:
    """The result of a scan: the findings of the reported files, and any file errors."""

    index: Index
    findings: list[Finding]
    errors: list[tuple[str, str]]
    files: list[str]
    results: dict[str, FileResult]


def _files(paths: Sequence[str], context: Sequence[str]) -> tuple[list[Path], list[Path]]:
    files = list(dict.fromkeys(iter_python_files(paths)))
    reported = {str(path) for path in files}
    extra = [
        path for path in dict.fromkeys(iter_python_files(context)) if str(path) not in reported
    ]
    return files, extra


def scan(
    paths: Sequence[str],
    context: Sequence[str] = (),
    workers: int = 1,
    progress: Progress | None = None,
    options: Options | None = None,
    sources: Mapping[str, str] | None = None,
) -> Scan:
    """Scan ``paths``; ``context`` files only feed the index (models, ``db`` objects).

    :param sources: texts to use instead of the files' (by path), for ``migrate``'s rounds.
    :raises FileNotFoundError: for a path that does not exist.
    """
    options = options or Options()
    files, extra = _files(paths, context)
    jobs = jobs_for([*files, *extra], sources or {})
    results = run_jobs(jobs, None, options, workers, progress)
    index = Index.build(result.facts for result in results if result.facts is not None)
    for family in FAMILIES:
        family.prepare(index)
    return judged(index, results, [str(path) for path in files])


def judged(index: Index, results: Sequence[FileResult], reported: Sequence[str]) -> Scan:
    """Judge the scanned modules' candidates against ``index``."""
    findings: list[Finding] = []
    wanted = set(reported)
    for result in results:
        for family, candidate in result.candidates:
            finding = judge(candidate, index, result.path, result.module, family.judge_class)
            if finding is not None:
                result.findings.append(finding)
                result.families[id(finding)] = family
        if result.path in wanted:
            findings.extend(sorted(result.findings, key=lambda f: (f.line, f.feature)))
    errors = [(result.path, result.error) for result in results if result.error]
    by_path = {result.path: result for result in results}
    return Scan(index, findings, errors, list(reported), by_path)


def default_workers() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
