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
import gc
import multiprocessing
import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import Options
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import judge
from fss_compat.codemod.families import FAMILIES
from fss_compat.codemod.file_pass import FileResult
from fss_compat.codemod.file_pass import Job
from fss_compat.codemod.file_pass import migrate_job
from fss_compat.codemod.file_pass import scan_job
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import iter_python_files
from fss_compat.codemod.project import module_name

#: Below this many files a run stays in this process: starting workers costs more.
SERIAL_BELOW = 40

Progress = Callable[[int, int], None]


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
    return scan_job(job, options) if index is None else migrate_job(job, index, options)


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
                    results.append(scan_job(job, options))
                else:
                    results.append(migrate_job(job, index, options))
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
