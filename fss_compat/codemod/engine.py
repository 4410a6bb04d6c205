"""One pass over one module: find the legacy sites, and rewrite the ones the options allow.

The rule families (``rules_*.py``) register handlers per node type. A handler looks at a
node before its children (so a chain is seen from its outermost call), resolves names with
libcst's :class:`~libcst.metadata.ScopeProvider`, and reports a :class:`Candidate`. Without
an :class:`~fss_compat.codemod.project.Index` (the scan's single pass) candidates are kept
as they are and judged once every module's facts are known; with one (``migrate``) each is
judged at once and, when it applies, its edit is registered and made on the way back up.
"""

from __future__ import annotations

import dataclasses
import enum
import typing as t
from collections.abc import Callable
from collections.abc import Iterable

import libcst as cst
from libcst.metadata import MetadataWrapper
from libcst.metadata import QualifiedNameSource
from libcst.metadata import Scope
from libcst.metadata import ScopeProvider

from fss_compat import catalogue
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import ModuleFacts
from fss_compat.codemod.project import absolute


class Status(str, enum.Enum):
    """What ``migrate`` does with a finding."""

    #: Rewritten (a safe rule, or a conditional one whose condition holds).
    FIX = "fix"
    #: Rewritten only with ``--unsafe``.
    UNSAFE = "unsafe"
    #: Left alone: the condition of a conditional rule does not hold; the message says why.
    BLOCKED = "blocked"
    #: Left to a person: ``migrate`` adds a TODO comment.
    MANUAL = "manual"


@dataclasses.dataclass(frozen=True)
class Options:
    """Which rewrites ``migrate`` applies.

    :param select: ``FSC201`` (every rewrite of a feature) or ``FSC201.get`` keys; ``None``
        selects all.
    :param stage: only the rewrites of this stage of the migration guide.
    :param unsafe: also apply ``unsafe`` rewrites.
    """

    select: frozenset[str] | None = None
    stage: int | None = None
    unsafe: bool = False

    def selects(self, feature: str, rewrite: str) -> bool:
        """Whether this rewrite is selected."""
        if self.stage is not None and catalogue.entry(feature).rewrite(rewrite).stage != self.stage:
            return False
        return self.select is None or bool({feature, f"{feature}.{rewrite}"} & self.select)


@dataclasses.dataclass
class Candidate:
    """A site a handler found, before the index says whether it counts.

    :param need: what ``target`` must be for the site to count: ``""`` (nothing),
        ``"model"``, ``"db"`` (qualified names), ``"class"`` (a class qname, judged by the
        feature's finalizer) or ``"dynamic"`` (an attribute name).
    :param blocked: why a conditional rule's condition fails here; ``""`` when it holds.
    :param data: a rule's payload for its edit (a table name, a db qname, ...).
    :param via: qualified names that must also resolve to a ``db`` for the site to count
        (the ``db`` of ``db.session.query(Model)``); that ``db`` becomes ``data``.
    """

    line: int
    feature: str
    rewrite: str
    message: str
    need: str = ""
    target: tuple[str, ...] = ()
    blocked: str = ""
    data: str = ""
    via: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Finding:
    """A judged site: where, which rule, and what ``migrate`` does with it."""

    path: str
    module: str
    line: int
    feature: str
    rewrite: str
    status: Status
    message: str
    #: What the site is about: the model, the ``db`` or the class (qualified names), or the
    #: attribute name of a dynamic relationship.
    subject: str = ""
    data: str = ""

    @property
    def key(self) -> str:
        """``FSC201.get``."""
        return f"{self.feature}.{self.rewrite}"


#: A feature's judge for ``need="class"`` candidates: the candidate as it counts, or None.
Finalizer = Callable[[Candidate, Index, Options], "Candidate | None"]


def judge(
    candidate: Candidate,
    index: Index,
    options: Options,
    path: str,
    module: str,
    finalizers: t.Mapping[str, Finalizer],
) -> Finding | None:
    """Turn a candidate into a finding, or None when its target is not what it needs."""
    c = candidate
    subject = c.target[0] if c.target else ""
    if c.via:
        db = index.db(c.via)
        if not db:
            return None
        c = dataclasses.replace(c, data=db)
    if c.need == "model":
        model = index.model(c.target)
        if not model:
            return None
        if index.custom_query(model) and c.rewrite != "builder":
            c = dataclasses.replace(
                c,
                rewrite="unsupported",
                message=f"{c.message}; '{model.rpartition('.')[2]}' has a custom query_class,"
                " whose methods are the app's own",
            )
        subject = model
        c = dataclasses.replace(c, data=c.data or index.model_db(model))
    elif c.need == "db":
        subject = index.db(c.target)
        if not subject:
            return None
    elif c.need == "dynamic":
        if c.target[0] not in index.dynamic_attributes():
            return None
    elif c.need == "class":
        judged = finalizers[c.feature](c, index, options)
        if judged is None:
            return None
        c = judged
    safety = catalogue.entry(c.feature).rewrite(c.rewrite).safety
    if safety is catalogue.Safety.MANUAL:
        status = Status.MANUAL
    elif c.blocked:
        status = Status.BLOCKED
    elif safety is catalogue.Safety.UNSAFE:
        status = Status.UNSAFE
    else:
        status = Status.FIX
    message = f"{c.message}: {c.blocked}" if c.blocked else c.message
    return Finding(path, module, c.line, c.feature, c.rewrite, status, message, subject, c.data)


Handler = Callable[["Context", t.Any], None]
Edit = Callable[[t.Any], t.Any]


class Context:
    """What handlers use: names, lines, reporting, and edits."""

    def __init__(
        self,
        module: cst.Module,
        scopes: t.Mapping[cst.CSTNode, Scope | None],
        module_name: str,
        path: str,
        is_package: bool,
        index: Index | None,
        options: Options,
        finalizers: t.Mapping[str, Finalizer],
    ) -> None:
        self.module = module
        self.scopes = scopes
        self.module_name = module_name
        self.path = path
        self.is_package = is_package
        self.index = index
        self.options = options
        self.finalizers = finalizers
        self.line = 1
        self.statements: list[cst.CSTNode] = []
        #: Enclosing classes and functions (``f.<locals>``), for qualified names.
        self.nesting: list[str] = []
        self.claimed: set[int] = set()
        self.candidates: list[Candidate] = []
        self.findings: list[Finding] = []
        self.facts = ModuleFacts(module_name, path)
        self.edits: dict[int, list[Edit]] = {}
        self.todos: dict[int, list[str]] = {}
        self.imports: list[str] = []
        self._global = self._global_scope()
        self._bindings: dict[str, frozenset[str]] | None = None

    def _global_scope(self) -> Scope | None:
        for statement in self.module.body:
            scope = self.scopes.get(statement)
            if scope is not None:
                return scope.globals
        return None

    # -- names -------------------------------------------------------------------------

    def qnames(self, node: cst.CSTNode) -> frozenset[str]:
        """The absolute qualified names ``node`` (a Name or an Attribute) may stand for."""
        scope = self.scopes.get(node)
        if scope is None:
            return frozenset()
        names = set()
        for qname in scope.get_qualified_names_for(node):
            if qname.source is QualifiedNameSource.IMPORT:
                names.add(absolute(qname.name, self.module_name, self.is_package))
            elif qname.source is QualifiedNameSource.LOCAL:
                names.add(f"{self.module_name}.{qname.name}")
        return frozenset(names)

    @property
    def bindings(self) -> dict[str, frozenset[str]]:
        """Module-level name -> the absolute qualified names it is bound to."""
        if self._bindings is None:
            self._bindings = {}
            if self._global is not None:
                for assignment in self._global.assignments:
                    name = assignment.name
                    if name not in self._bindings:
                        found = self._global.get_qualified_names_for(name)
                        self._bindings[name] = frozenset(
                            absolute(q.name, self.module_name, self.is_package)
                            if q.source is QualifiedNameSource.IMPORT
                            else f"{self.module_name}.{q.name}"
                            for q in found
                        )
        return self._bindings

    def usable(self, name: str, at: cst.CSTNode | None, qname: str) -> bool:
        """Whether module-level ``name`` is, or can be bound to, ``qname`` at node ``at``."""
        bound = self.bindings.get(name)
        if bound is not None and bound != {qname}:
            return False
        scope = self.scopes.get(at) if at is not None else None
        if scope is not None and name in scope:
            return all(a.scope is self._global for a in scope[name])
        return True

    def reference(self, qname: str, at: cst.CSTNode | None, preferred: str = "") -> str:
        """An expression for the object called ``qname`` at ``at``, adding an import if needed.

        Reuses a module-level name bound to it, or to its module (``sa.select`` for
        ``sqlalchemy.select`` when ``sa`` is ``sqlalchemy``); otherwise imports it:
        ``import <module> as <preferred>`` when ``preferred`` is given, else
        ``from <module> import <name>``. Returns ``""`` when every choice clashes.
        """
        module, _, name = qname.rpartition(".")
        for alias, bound in sorted(self.bindings.items()):
            if bound == {qname} and self.usable(alias, at, qname):
                return alias
        for alias, bound in sorted(self.bindings.items()):
            if bound == {module} and self.usable(alias, at, module):
                return f"{alias}.{name}"
        if f"{self.module_name}.{name}" == qname and name in self.bindings:
            return name if self.usable(name, at, qname) else ""
        if preferred and self.usable(preferred, at, module):
            self._bind(preferred, module, f"import {module} as {preferred}")
            return f"{preferred}.{name}"
        if self.usable(name, at, qname):
            self._bind(name, qname, f"from {module} import {name}")
            return name
        return ""

    def _bind(self, name: str, qname: str, statement: str) -> None:
        self.bindings[name] = frozenset({qname})
        if statement not in self.imports:
            self.imports.append(statement)

    def sqlalchemy(self, name: str, at: cst.CSTNode | None) -> str:
        """``sa.<name>`` (or the module's own spelling) for ``sqlalchemy.<name>``."""
        return self.reference(f"sqlalchemy.{name}", at, "sa")

    def orm(self, name: str, at: cst.CSTNode | None) -> str:
        """``orm.<name>`` (or the module's own spelling) for ``sqlalchemy.orm.<name>``."""
        return self.reference(f"sqlalchemy.orm.{name}", at, "orm")

    # -- reporting ---------------------------------------------------------------------

    def report(self, candidate: Candidate, node: cst.CSTNode | None = None) -> Finding | None:
        """Record a site; with an index, judge it and return the finding if it counts."""
        if self.index is None:
            self.candidates.append(candidate)
            return None
        finding = judge(
            candidate,
            self.index,
            self.options,
            self.path,
            self.module_name,
            self.finalizers,
        )
        if finding is None:
            return None
        self.findings.append(finding)
        if finding.status is Status.MANUAL and self.selected(finding) and self.statements:
            self.todo(self.statements[-1], finding)
        return finding

    def selected(self, finding: Finding) -> bool:
        """Whether ``migrate`` selects this finding's rule."""
        return self.options.selects(finding.feature, finding.rewrite)

    def applies(self, finding: Finding | None) -> bool:
        """Whether ``migrate`` rewrites this finding."""
        if finding is None or not self.selected(finding):
            return False
        return finding.status is Status.FIX or (
            finding.status is Status.UNSAFE and self.options.unsafe
        )

    def todo(self, statement: cst.CSTNode, finding: Finding) -> None:
        """Put a ``# TODO(fss FSCnnn): ...`` comment above ``statement``."""
        feature = catalogue.entry(finding.feature)
        text = f'# TODO(fss {feature.id}): {finding.message}; see "{feature.guide}" in the guide.'
        marks = self.todos.setdefault(id(statement), [])
        if not any(mark.startswith(f"# TODO(fss {feature.id})") for mark in marks):
            marks.append(text)

    def replace(self, node: cst.CSTNode, edit: Edit) -> None:
        """Replace ``node`` on the way up by ``edit(updated_node)``."""
        self.edits.setdefault(id(node), []).append(edit)

    def code(self, node: cst.CSTNode) -> str:
        """The source text of ``node``."""
        return self.module.code_for_node(node)

    def claim(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Mark nodes as handled, so handlers of their inner nodes skip them."""
        self.claimed.update(id(node) for node in nodes)


_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
# Exact types, tested with a set lookup: isinstance() on libcst's abstract bases goes through
# ABCMeta for every node, a tenth of a scan's time.
_STATEMENT_TYPES = frozenset(
    {cst.SimpleStatementLine, *cst.BaseCompoundStatement.__subclasses__()}
    - {cst.BaseCompoundStatement}
)
_NEWLINES = frozenset({cst.SimpleWhitespace, cst.SimpleString, cst.FormattedStringText})
_NESTING = frozenset({cst.ClassDef, cst.FunctionDef})


class _Walk:
    """Line counting, the statement stack and handler dispatch, for both passes."""

    ctx: Context
    handlers: t.Mapping[type[cst.CSTNode], tuple[Handler, ...]]

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind is cst.Newline:
            self.ctx.line += 1
        elif kind in _NEWLINES:
            self.ctx.line += t.cast("t.Any", node).value.count("\n")
        elif kind in _STATEMENT_TYPES:
            self.ctx.statements.append(node)
        for handler in self.handlers.get(kind, ()):
            handler(self.ctx, node)
        if kind is cst.ClassDef:
            self.ctx.nesting.append(t.cast(cst.ClassDef, node).name.value)
        elif kind is cst.FunctionDef:
            self.ctx.nesting.append(f"{t.cast(cst.FunctionDef, node).name.value}.<locals>")
        return True


class Finder(_Walk, cst.CSTVisitor):
    """The read-only pass."""

    def __init__(self, ctx: Context, handlers: t.Mapping[type[cst.CSTNode], tuple[Handler, ...]]):
        super().__init__()
        self.ctx = ctx
        self.handlers = handlers

    def on_leave(self, original_node: cst.CSTNode) -> None:
        kind = type(original_node)
        if kind in _STATEMENT_TYPES:
            self.ctx.statements.pop()
        if kind in _NESTING:
            self.ctx.nesting.pop()


class Rewriter(_Walk, cst.CSTTransformer):
    """The pass that also makes the registered edits and TODO comments."""

    def __init__(self, ctx: Context, handlers: t.Mapping[type[cst.CSTNode], tuple[Handler, ...]]):
        super().__init__()
        self.ctx = ctx
        self.handlers = handlers

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> t.Any:
        ctx = self.ctx
        node: t.Any = updated_node
        for edit in ctx.edits.get(id(original_node), ()):
            node = edit(node)
        kind = type(original_node)
        if kind in _STATEMENT_TYPES:
            ctx.statements.pop()
            marks = ctx.todos.get(id(original_node))
            if marks and isinstance(node, _STATEMENTS):
                node = _with_todos(node, marks)
        if kind in _NESTING:
            ctx.nesting.pop()
        if isinstance(original_node, cst.Module) and ctx.imports:
            node = _with_imports(node, ctx.imports)
        return node


def _with_todos(statement: t.Any, marks: list[str]) -> t.Any:
    existing = {line.comment.value for line in statement.leading_lines if line.comment}
    prefixes = {value.split(")", 1)[0] for value in existing if value.startswith("# TODO(fss ")}
    added = [
        cst.EmptyLine(indent=True, comment=cst.Comment(mark))
        for mark in marks
        if mark.split(")", 1)[0] not in prefixes
    ]
    if not added:
        return statement
    return statement.with_changes(leading_lines=[*statement.leading_lines, *added])


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _relative(statement: cst.BaseStatement) -> bool:
    small = t.cast(cst.SimpleStatementLine, statement).body[0]
    return isinstance(small, cst.ImportFrom) and bool(small.relative)


def _with_imports(module: cst.Module, imports: list[str]) -> cst.Module:
    """Add ``imports`` to the module's leading imports: after its last absolute import, or
    before its first relative one, or after its docstring.
    """
    body = list(module.body)
    at = 1 if body and _is_docstring(body[0]) else 0
    for position in range(at, len(body)):
        statement = body[position]
        if not _is_import(statement):
            break
        if not _relative(statement):
            at = position + 1
    new = [cst.parse_statement(f"{line}\n") for line in imports]
    if at < len(body):
        following = body[at]
        lines = list(following.leading_lines)
        if _is_import(following) and all(line.comment is None for line in lines):
            # The blank lines above the next import now go above the first new one.
            new[0] = new[0].with_changes(leading_lines=lines)
            body[at] = following.with_changes(leading_lines=[])
        elif not _is_import(following) and at > 0:
            new[0] = new[0].with_changes(
                leading_lines=[] if _is_import(body[at - 1]) else [cst.EmptyLine()]
            )
            if _is_import(body[at - 1]) is False and not lines:
                body[at] = following.with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=[*body[:at], *new, *body[at:]])


@dataclasses.dataclass
class FileResult:
    """What one module's pass gives back to the command."""

    path: str
    module: str
    facts: ModuleFacts | None = None
    candidates: list[Candidate] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    source: str = ""
    new_source: str = ""
    error: str = ""


def run(
    source: str,
    path: str,
    module_name: str,
    is_package: bool,
    handlers: t.Mapping[type[cst.CSTNode], tuple[Handler, ...]],
    finalizers: t.Mapping[str, Finalizer],
    index: Index | None = None,
    options: Options = Options(),
    rewrite: bool = False,
) -> FileResult:
    """Run one pass over ``source``; a syntax error is returned in ``FileResult.error``."""
    result = FileResult(path, module_name, source=source)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        result.error = f"cannot parse: {error.message} (line {error.raw_line})"
        return result
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    ctx = Context(module, scopes, module_name, path, is_package, index, options, finalizers)
    if rewrite:
        new = module.visit(Rewriter(ctx, handlers))
        result.new_source = new.code
    else:
        module.visit(Finder(ctx, handlers))
    result.facts = ctx.facts
    result.candidates = ctx.candidates
    result.findings = ctx.findings
    return result
