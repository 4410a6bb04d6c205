"""What every rule family runs on: :class:`Rule`, a LibCST codemod command, and its module's run.

A rule family is a :class:`Rule` subclass (``libcst.codemod.VisitorBasedCodemodCommand``):
its ``visit_<Node>`` methods find sites and :meth:`Rule.report` them; where a rewrite
applies they register the edit (:meth:`Rule.edit`, or their own ``leave_<Node>``),
which LibCST makes on the way back up. Names come from LibCST's ``ScopeProvider``, lines
from ``PositionProvider``, new imports go through ``AddImportsVisitor``
(:mod:`~fss_compat.codemod.references`). The contract a family follows is in
:mod:`fss_compat.codemod.families`.

A report is a :class:`~fss_compat.codemod.verdicts.Candidate`: the site and what its
subject must be for it to count (:mod:`~fss_compat.codemod.subjects`: a model, a ``db``, a
class the family judges); :mod:`~fss_compat.codemod.verdicts` turns it into a
:class:`~fss_compat.codemod.verdicts.Finding`. The names the families import from here are
re-exported from those modules, and from :mod:`~fss_compat.codemod.options` and
:mod:`~fss_compat.codemod.traversal`.
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import PositionProvider
from libcst.metadata import ScopeProvider

from fss_compat import catalogue
from fss_compat.codemod.edits import Edit
from fss_compat.codemod.edits import EditingCommand
from fss_compat.codemod.names import Names
from fss_compat.codemod.names import module_bindings
from fss_compat.codemod.names import qualified_names
from fss_compat.codemod.options import Options
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import ModuleFacts
from fss_compat.codemod.references import ReferencingCommand
from fss_compat.codemod.subjects import ALWAYS
from fss_compat.codemod.subjects import Always
from fss_compat.codemod.subjects import OnClass
from fss_compat.codemod.subjects import OnDb
from fss_compat.codemod.subjects import OnDbSetup
from fss_compat.codemod.subjects import OnDynamic
from fss_compat.codemod.subjects import OnModel
from fss_compat.codemod.subjects import Subject
from fss_compat.codemod.traversal import Bound
from fss_compat.codemod.traversal import Where
from fss_compat.codemod.verdicts import Candidate
from fss_compat.codemod.verdicts import ClassJudge
from fss_compat.codemod.verdicts import Finding
from fss_compat.codemod.verdicts import Status
from fss_compat.codemod.verdicts import judge

__all__ = [
    "ALWAYS",
    "RUN",
    "Always",
    "Bound",
    "Candidate",
    "ClassJudge",
    "Edit",
    "FileRun",
    "Finding",
    "OnClass",
    "OnDb",
    "OnDbSetup",
    "OnDynamic",
    "OnModel",
    "Options",
    "Rule",
    "Status",
    "Subject",
    "Where",
    "judge",
]


@dataclasses.dataclass
class FileRun:
    """One module's run: what the families share, and what they found.

    Held in ``CodemodContext.scratch[RUN]``, so that every family run on the module (and
    its tests) reads the same index and options.

    :param index: every module's facts; ``None`` in the scan's single pass, whose
        candidates are judged once all modules are read.
    """

    path: str
    module: str
    is_package: bool
    options: Options = dataclasses.field(default_factory=Options)
    index: Index | None = None
    facts: ModuleFacts = dataclasses.field(init=False)
    #: The scan's candidates, with the family that judges an :class:`OnClass` one.
    candidates: list[tuple[type[Rule], Candidate]] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    #: The findings whose rewrite was made (``migrate``).
    applied: list[Finding] = dataclasses.field(default_factory=list)
    #: The scan's names (:class:`~fss_compat.codemod.names.Names`); ``None``: LibCST's
    #: ``ScopeProvider``, as the codemod commands of ``migrate`` declare it.
    names: Names | None = None

    def __post_init__(self) -> None:
        self.facts = ModuleFacts(self.module, self.path)

    @property
    def package(self) -> str:
        """The package the module is in (itself, for an ``__init__``)."""
        return self.module if self.is_package else self.module.rpartition(".")[0]

    def context(self, wrapper: cst.MetadataWrapper | None = None) -> CodemodContext:
        """A LibCST codemod context for the module, carrying this run."""
        return CodemodContext(
            filename=self.path,
            full_module_name=self.module,
            full_package_name=self.package,
            wrapper=wrapper,
            scratch={RUN: self},
        )


#: The key of the :class:`FileRun` in ``CodemodContext.scratch``.
RUN = "fss_compat.run"


class Rule(EditingCommand, ReferencingCommand):
    """A rule family: finds the sites of its catalogue features, and rewrites them.

    Subclasses set :attr:`FEATURES` and write ``visit_<Node>`` methods that call
    :meth:`report`, and, when :meth:`applies` says the finding is to be rewritten,
    :meth:`edit` (or make the edit in a ``leave_<Node>`` of their own). See
    :mod:`fss_compat.codemod.families` for the contract.

    .. versionadded:: 0.1.0
    """

    #: The catalogue ids this family reports.
    FEATURES: t.ClassVar[tuple[str, ...]] = ()
    METADATA_DEPENDENCIES = (ScopeProvider, PositionProvider)

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self.start(context)

    def start(self, context: CodemodContext) -> None:
        """Start on another module: take its context and forget the last one's state.

        LibCST's matcher machinery costs a tenth of a second per instance (measured), so
        a run keeps one instance per family and starts it on each module.
        """
        run = context.scratch.get(RUN)
        if not isinstance(run, FileRun):
            raise TypeError(
                f"{type(self).__name__} needs a FileRun in its context's scratch[{RUN!r}];"
                " build the context with FileRun.context()."
            )
        self.context = context
        self.run: FileRun = run
        self.begin_edits()
        self._bindings: dict[str, frozenset[str]] | None = None

    @classmethod
    def judge_class(cls, candidate: Candidate, index: Index) -> Candidate | None:
        """Judge an :class:`OnClass` candidate: the candidate as it counts, or None."""
        raise NotImplementedError(f"{cls.__name__} reports no OnClass candidates.")

    @classmethod
    def prepare(cls, index: Index) -> None:
        """Record on ``index`` what the family decides for the whole project, once every
        module is read and before any site is judged (FSC403: the dynamic relationships
        it rewrites). Default: nothing.
        """

    # -- names and lines -------------------------------------------------------------------

    def line(self, node: cst.CSTNode) -> int:
        """The line ``node`` starts on (of the ``class``/``def`` keyword for definitions):
        ``PositionProvider``'s; the scan counts it in its traversal (see :class:`Where`).
        """
        if self.run.names is not None:
            return self.run.names.line(node, self.where)
        return self.get_metadata(PositionProvider, node).start.line

    def qnames(self, node: cst.CSTNode) -> frozenset[str]:
        """The absolute qualified names ``node`` (a Name or an Attribute) may stand for."""
        if self.run.names is not None:
            return self.run.names.qnames(node, self.where)
        return qualified_names(self.get_metadata(ScopeProvider, node, None), node, self.run)

    @property
    def bindings(self) -> dict[str, frozenset[str]]:
        """Module-level name -> the absolute qualified names it is bound to."""
        if self._bindings is None:
            if self.run.names is not None:
                self._bindings = self.run.names.bindings()
            else:
                scopes = self.metadata[ScopeProvider]
                self._bindings = module_bindings(self.module, scopes, self.run)
        return self._bindings

    def code(self, node: cst.CSTNode) -> str:
        """The source text of ``node``."""
        return self.module.code_for_node(node)

    # -- reporting and edits ---------------------------------------------------------------

    def report(
        self,
        node: cst.CSTNode,
        feature: str,
        rewrite: str,
        message: str,
        subject: Subject = ALWAYS,
        blocked: str = "",
        data: str = "",
        todo_at: cst.CSTNode | None = None,
        line: int = 0,
        rewritten_by: Finding | None = None,
    ) -> Finding | None:
        """Report a site at ``node``; with an index, judge it at once.

        :param todo_at: the statement a manual finding's TODO goes above (default: the
            innermost statement around ``node``, or ``node`` itself when it is one).
        :param line: the site's line when it is not ``node``'s: a site inside ``node`` that
            the traversal has not reached (a column of the class being visited), or a node
            other than the one being visited (the scan counts lines in its traversal, see
            :meth:`line`); default: ``node``'s.
        :param rewritten_by: another finding at the site whose rewrite makes a shape this
            feature's rewrite takes in the next round (FSC201 turns a ``Query.paginate`` into
            ``db.paginate``): when ``migrate`` makes it, a manual finding gets no TODO.
        :returns: the finding when the site counts and the index is known, else None.
        """
        line = line or self.line(node)
        candidate = Candidate(line, feature, rewrite, message, subject, blocked, data)
        run = self.run
        if run.index is None:
            run.candidates.append((type(self), candidate))
            return None
        finding = judge(candidate, run.index, run.path, run.module, self.judge_class)
        if finding is None:
            return None
        if self.applies(rewritten_by):
            message = (
                f"{finding.message}; {rewritten_by.feature} rewrites it first (no TODO comment)"
            )
            finding = dataclasses.replace(finding, superseded=True, message=message)
        run.findings.append(finding)
        if (
            finding.status is Status.MANUAL
            and not finding.superseded
            and self.selected(finding)
            and self.where.statements
        ):
            self.todo(finding, todo_at)
        return finding

    def selected(self, finding: Finding) -> bool:
        """Whether ``migrate`` selects this finding's rule."""
        return self.run.options.selects(finding.feature, finding.rewrite)

    def applies(self, finding: Finding | None) -> t.TypeGuard[Finding]:
        """Whether ``migrate`` rewrites this finding."""
        if finding is None or not self.selected(finding):
            return False
        return finding.status is Status.FIX or (
            finding.status is Status.UNSAFE and self.run.options.unsafe
        )

    def block(self, finding: Finding, why: str) -> None:
        """Turn a finding that was to be rewritten into a blocked one: the edit cannot be made."""
        findings = self.run.findings
        findings[findings.index(finding)] = dataclasses.replace(
            finding, status=Status.BLOCKED, message=f"{finding.message}: {why}"
        )

    def todo(self, finding: Finding, statement: cst.CSTNode | None = None) -> None:
        """Put ``# TODO(fss FSCnnn): ...`` above ``statement`` (default: the current one)."""
        statement = statement or self.where.statements[-1]
        feature = catalogue.get(finding.feature)
        self.add_todo(
            statement, feature.id, f'{finding.message}; see "{feature.guide}" in the guide.'
        )

    def edit(self, node: cst.CSTNode, finding: Finding, change: Edit) -> None:
        """Replace ``node`` on the way up by ``change(updated_node)``: ``finding``'s rewrite
        (a rewrite may edit several nodes: it is one rewrite in ``applied``).
        """
        self.edit_also(node, change)
        if not any(done is finding for done in self.run.applied):
            self.run.applied.append(finding)
