"""One file's pass: parse it, then scan it in one batched traversal or migrate it.

A :class:`Job` names the module (and, for ``migrate``'s rounds, its text in memory and the
families to run); :func:`scan_job` and :func:`migrate_job` give back a
:class:`FileResult`. :mod:`fss_compat.codemod.runner` runs many jobs, on every core.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from collections.abc import Mapping

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import MetadataWrapper

from fss_compat.codemod.engine import Candidate
from fss_compat.codemod.engine import FileRun
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import Options
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Where
from fss_compat.codemod.facts import Facts
from fss_compat.codemod.families import FAMILIES
from fss_compat.codemod.names import Names
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import ModuleFacts


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
    return scan_job(job, options or Options(), verify_names)


def scan_job(job: Job, options: Options, verify_names: bool = False) -> FileResult:
    """Scan one module: its facts and its families' candidates (see :func:`scan_module`)."""
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


def migrate_job(job: Job, index: Index, options: Options) -> FileResult:
    """Migrate one module: its job's families, one codemod command after another."""
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
