"""What every rule family runs on: :class:`Rule`, a LibCST codemod command, and its verdicts.

A rule family is a :class:`Rule` subclass (``libcst.codemod.VisitorBasedCodemodCommand``):
its ``visit_<Node>`` methods find sites and :meth:`Rule.report` them; where a rewrite
applies they register the edit (:meth:`Rule.edit`, or their own ``leave_<Node>``),
which LibCST makes on the way back up. Names come from LibCST's ``ScopeProvider``, lines
from ``PositionProvider``, new imports go through ``AddImportsVisitor``. The contract a
family follows is in :mod:`fss_compat.codemod.families`.

A report is a :class:`Candidate`: the site and what its :data:`Subject` must be for it to
count (a model, a ``db``, a class the family judges). The verdict needs every module's
facts (the :class:`~fss_compat.codemod.project.Index`): ``migrate`` has them and judges at
once; ``scan`` reads each file once and judges its candidates when all files are read.
"""

from __future__ import annotations

import dataclasses
import enum
import typing as t
from collections.abc import Callable
from collections.abc import Iterable

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod import VisitorBasedCodemodCommand
from libcst.metadata import BuiltinAssignment
from libcst.metadata import PositionProvider
from libcst.metadata import ScopeProvider

from fss_compat import catalogue
from fss_compat.codemod.names import Names
from fss_compat.codemod.names import module_bindings
from fss_compat.codemod.names import qualified_names
from fss_compat.codemod.project import Index
from fss_compat.codemod.project import ModuleFacts
from fss_compat.codemod.shapes import last_name


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
    :param level: the Flask-SQLAlchemy level the code is written for and served at
        (``fss_compat.alias.LEVELS``): at ``"2.5"`` 2.x's names are known (FSC700 reports
        the ones 3.1 lacks), and the rules whose meaning depends on 2.x's runtime (its
        table names, its SQLite paths) report.
    """

    select: frozenset[str] | None = None
    stage: int | None = None
    unsafe: bool = False
    level: str = "3.1"

    def selects(self, feature: str, rewrite: str) -> bool:
        """Whether this rewrite is selected."""
        if self.stage is not None and catalogue.get(feature).rewrite(rewrite).stage != self.stage:
            return False
        return self.select is None or bool({feature, f"{feature}.{rewrite}"} & self.select)


# -- what a site's subject must be for it to count --------------------------------------------


@dataclasses.dataclass(frozen=True)
class Always:
    """The site counts as it is (an import, a config key)."""


@dataclasses.dataclass(frozen=True)
class OnModel:
    """The site counts when one of ``names`` is a concrete model.

    :param names: the qualified names the receiver may stand for.
    :param via_db: for ``db.session.query(Model)``: the names of that ``db``, which must be
        one; the rewrite then uses it instead of the model's.
    :param builder: a chain built and not run here, which a custom query class does not
        turn into an ``unsupported`` site.
    :param below: ``names`` is the class of ``cls`` or ``self`` in one of its methods: the
        site counts when it or a subclass is a concrete model.
    :param method: the query method the site calls, for a rule without an ``unsupported``
        rewrite: a custom query class that does not define it keeps Flask-SQLAlchemy's.
    :param through: for a value built here and run elsewhere in the module: the module-level
        functions it is returned from or passed to. When another scanned module uses one of
        them, the value crosses modules and the site is a ``builder``, left to a person.
    """

    names: tuple[str, ...]
    via_db: tuple[str, ...] = ()
    builder: bool = False
    below: bool = False
    method: str = ""
    through: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class OnDb:
    """The site counts when one of ``names`` is a ``db`` (a ``SQLAlchemy`` instance).

    :param member: instead, one of ``names`` must be this attribute of a ``db``
        (``relationship`` for an alias ``relationship = db.relationship``).
    :param dynamic: the attributes of the dynamic collections the site declares: when a
        family rewrites them all (see :attr:`Index.rewritten_dynamic`), the finding is
        :attr:`Finding.superseded`.
    """

    names: tuple[str, ...]
    member: str = ""
    dynamic: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class OnDbSetup:
    """The site counts when the app's config may set ``config_key`` (anywhere in the
    scanned code) and ``names`` is a ``db`` (``db.init_app(app)``) or, with
    ``constructor``, the ``SQLAlchemy`` class (``SQLAlchemy(app)``).
    """

    names: tuple[str, ...]
    constructor: bool
    config_key: str


@dataclasses.dataclass(frozen=True)
class OnClass:
    """The site counts when the family's :meth:`Rule.judge_class` says so."""

    qname: str


@dataclasses.dataclass(frozen=True)
class OnDynamic:
    """The site counts when ``name`` is the attribute of a dynamic relationship (it is
    :attr:`Finding.superseded` when a family rewrites it: :attr:`Index.rewritten_dynamic`).
    """

    name: str


Subject = Always | OnModel | OnDb | OnDbSetup | OnClass | OnDynamic
ALWAYS = Always()


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A site a family found, before the index says whether it counts.

    :param blocked: why a conditional rule's condition fails here; ``""`` when it holds.
    :param data: the rewrite's payload (a table name, a base class's qualified name).
    """

    line: int
    feature: str
    rewrite: str
    message: str
    subject: Subject = ALWAYS
    blocked: str = ""
    data: str = ""


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
    #: Another rule rewrites the site (FSC403 a dynamic relationship that FSC104 reports):
    #: ``migrate`` puts no TODO comment there.
    superseded: bool = False

    @property
    def key(self) -> str:
        """``FSC201.get``."""
        return f"{self.feature}.{self.rewrite}"


#: A family's judge of :class:`OnClass` candidates: the candidate as it counts, or None.
ClassJudge = Callable[[Candidate, Index], "Candidate | None"]


def judge(
    candidate: Candidate, index: Index, path: str, module: str, judge_class: ClassJudge
) -> Finding | None:
    """Turn a candidate into a finding, or None when its subject is not what it needs."""
    c = candidate
    subject = ""
    superseded = False
    match c.subject:
        case OnModel(
            names=names, via_db=via_db, builder=builder, below=below, method=method, through=through
        ):
            model = index.model_below(names[0]) if below else index.model(names)
            if not model:
                return None
            data = index.model_db(model)
            if via_db:
                data = index.db(via_db)
                if not data:
                    return None
            if index.custom_query(model, method) and not builder:
                why = (
                    f"'{model.rpartition('.')[2]}' has a custom query_class, whose methods are"
                    " the app's own"
                )
                rewrites = {r.name for r in catalogue.get(c.feature).rewrites}
                if "unsupported" in rewrites:
                    c = dataclasses.replace(c, rewrite="unsupported", message=f"{c.message}; {why}")
                else:  # a rule without a rewrite for it (FSC701, FSC605): left as it is
                    c = dataclasses.replace(c, blocked=c.blocked or why)
            crossing = [(f, user) for f in through for user in index.users(f, module)]
            if crossing and not index.custom_query(model, method):
                function, user = crossing[0]
                c = dataclasses.replace(
                    c,
                    rewrite="builder",
                    message=f"{c.message}; it crosses modules: '{user}' uses '{function}'",
                )
            subject = names[0] if below else model
            c = dataclasses.replace(c, data=c.data or data)
        case OnDb(names=names, member=member, dynamic=dynamic):
            subject = index.db_member(names, member) if member else index.db(names)
            if not subject:
                return None
            superseded = bool(dynamic) and index.rewritten_dynamic.issuperset(dynamic)
        case OnDbSetup(names=names, constructor=constructor, config_key=key):
            if key not in index.config_keys:
                return None
            subject = index.sqlalchemy_class(names) if constructor else index.db(names)
            if not subject:
                return None
        case OnDynamic(name=name):
            if name not in index.dynamic_attributes():
                return None
            superseded = name in index.rewritten_dynamic
            subject = name
        case OnClass(qname=qname):
            judged = judge_class(c, index)
            if judged is None:
                return None
            c, subject = judged, qname
    safety = catalogue.get(c.feature).rewrite(c.rewrite).safety
    if safety is catalogue.Safety.MANUAL:
        status = Status.MANUAL
    elif c.blocked:
        status = Status.BLOCKED
    elif safety is catalogue.Safety.UNSAFE:
        status = Status.UNSAFE
    else:
        status = Status.FIX
    message = f"{c.message}: {c.blocked}" if c.blocked else c.message
    if superseded:
        message += "; FSC403 rewrites it and its uses (no TODO comment)"
    return Finding(
        path, module, c.line, c.feature, c.rewrite, status, message, subject, c.data, superseded
    )


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
    options: Options = Options()
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

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
_DECLARATIONS: frozenset[type] = frozenset({cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal})
#: Tokens whose text can hold newlines (line continuations, multi-line strings).
_TEXT: frozenset[type] = frozenset(
    {cst.SimpleWhitespace, cst.SimpleString, cst.FormattedStringText}
)
_BODIES: frozenset[type] = frozenset({cst.IndentedBlock, cst.SimpleStatementSuite})
_EMPTY = cst.Module([])


def _prefixes() -> dict[type, tuple[str, ...]]:
    """Per node type, its fields that come before its first token."""
    found: dict[type, tuple[str, ...]] = {kind: ("leading_lines",) for kind in _STATEMENT_TYPES}
    for definition in (cst.ClassDef, cst.FunctionDef):
        found[definition] = ("leading_lines", "decorators", "lines_after_decorators")
    for kind in _subclasses(cst.BaseExpression):
        if "lpar" in getattr(kind, "__dataclass_fields__", {}):
            found[kind] = ("lpar",)
    return found


def _subclasses(kind: type) -> t.Iterator[type]:
    sub: type
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Exact types, tested with a set lookup: isinstance() on libcst's abstract bases goes
# through ABCMeta, for every node of every file.
_COMPOUND: list[type] = list(cst.BaseCompoundStatement.__subclasses__())
_STATEMENT_TYPES: frozenset[type] = frozenset([cst.SimpleStatementLine, *_COMPOUND]) - {
    cst.BaseCompoundStatement
}


@dataclasses.dataclass(frozen=True)
class Bound:
    """What a method's first parameter is bound to.

    :param qname: the class the method is defined in (the object may be of a subclass).
    :param instance: ``self`` (an instance), not ``cls`` (the class).
    """

    qname: str
    instance: bool


#: Per node type, its fields that come before its first token.
_PREFIXES = _prefixes()


class Where:
    """Where a traversal is: the statements, classes and functions around the node, and
    (for the scan) the line.

    Like LibCST's ``before_visit`` and ``after_leave`` hooks, which update it in the scan's
    batched traversal, it counts the node itself: a class's own visit sees the class last.
    """

    def __init__(self) -> None:
        self.statements: list[cst.CSTNode] = []
        #: Enclosing classes and functions (``f.<locals>``), for qualified names.
        self.nesting: list[str] = []
        #: The enclosing class and function definitions themselves.
        self.scopes: list[cst.ClassDef | cst.FunctionDef] = []
        #: Per scope: the line of its ``class`` or ``def`` keyword.
        self.scope_lines: list[int] = []
        #: Per scope: whether the traversal is in its body yet (not its name, bases,
        #: decorators, parameters or annotations, which belong to the scope around it).
        self.in_body: list[bool] = []
        #: Inside an import, ``global`` or ``nonlocal`` statement, whose names LibCST's
        #: ``ScopeProvider`` gives no scope.
        self.in_declaration = 0
        #: The line the traversal is on: the newlines of every token visited so far, + 1.
        self.line = 1

    def enter(self, node: cst.CSTNode) -> None:
        """Called before the visits of ``node``."""
        kind = type(node)
        if kind is cst.Newline:
            self.line += 1
        elif kind in _TEXT:
            self.line += t.cast(t.Any, node).value.count("\n")
        elif kind in _STATEMENT_TYPES:
            self.statements.append(node)
            if kind is cst.ClassDef or kind is cst.FunctionDef:
                definition = t.cast("cst.ClassDef | cst.FunctionDef", node)
                name = definition.name.value
                self.nesting.append(name if kind is cst.ClassDef else f"{name}.<locals>")
                self.scopes.append(definition)
                self.scope_lines.append(self.line_of(node))
                self.in_body.append(False)
        elif kind in _BODIES:
            if self.scopes and node is self.scopes[-1].body:
                self.in_body[-1] = True
        elif kind in _DECLARATIONS:
            self.in_declaration += 1

    def leave(self, node: cst.CSTNode) -> None:
        """Called after the leaves of ``node``."""
        kind = type(node)
        if kind in _STATEMENT_TYPES:
            self.statements.pop()
            if kind is cst.ClassDef or kind is cst.FunctionDef:
                self.nesting.pop()
                self.scopes.pop()
                self.scope_lines.pop()
                self.in_body.pop()
        elif kind in _DECLARATIONS:
            self.in_declaration -= 1

    def visitors(self) -> t.Mapping[str, Callable[[cst.CSTNode], None]]:
        """:meth:`enter` and :meth:`leave` as the ``visit_`` and ``leave_`` methods of the
        node types they track, for a batched traversal (where it must come first).
        """
        entered: set[type] = {cst.Newline, *_TEXT, *_STATEMENT_TYPES, *_BODIES, *_DECLARATIONS}
        left: set[type] = {*_STATEMENT_TYPES, *_DECLARATIONS}
        return {f"visit_{kind.__name__}": self.enter for kind in entered} | {
            f"leave_{kind.__name__}": self.leave for kind in left
        }

    def line_of(self, node: cst.CSTNode) -> int:
        """The line ``node``, the node being visited, starts on, as ``PositionProvider``
        has it: after its comments and blank lines, its decorators, its parentheses.
        """
        line = self.line
        for name in _PREFIXES.get(type(node), ()):
            for part in getattr(node, name):
                line += _EMPTY.code_for_node(part).count("\n")
        return line

    def bound_class(self, name: str, module: str) -> Bound | None:
        """The class ``name`` stands for, when it is the first parameter (``cls``, ``self``)
        of the method the traversal is in.
        """
        if len(self.scopes) < 2:
            return None
        function, owner = self.scopes[-1], self.scopes[-2]
        if not (isinstance(function, cst.FunctionDef) and isinstance(owner, cst.ClassDef)):
            return None
        params = function.params
        first = [*params.posonly_params, *params.params][:1]
        if not first or first[0].name.value != name:
            return None
        decorators = {last_name(d.decorator) for d in function.decorators}
        if "staticmethod" in decorators:
            return None
        qname = ".".join([module, *self.nesting[:-1]])
        return Bound(qname, instance="classmethod" not in decorators)

    @property
    def module_level(self) -> bool:
        """Whether the current node is in a simple statement of the module's own body."""
        return len(self.statements) == 1 and not self.nesting

    def qname(self, module: str) -> str:
        """The qualified name of the innermost class or function (``m.C``, ``m.f.<locals>``)."""
        return ".".join([module, *self.nesting])


Edit = Callable[[t.Any], t.Any]


@dataclasses.dataclass(frozen=True)
class _Reference:
    """How to spell an object at a node, and the import that spelling needs (if any)."""

    text: str
    module: str = ""
    obj: str | None = None
    bound_name: str = ""
    bound_to: str = ""

    @property
    def asname(self) -> str | None:
        return self.bound_name if self.obj is None and self.bound_name else None


class Rule(VisitorBasedCodemodCommand):
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
        self.where = Where()
        self._claimed: set[int] = set()
        self._edits: dict[int, list[Edit]] = {}
        self._todos: dict[int, list[str]] = {}
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

    # -- traversal -------------------------------------------------------------------------

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.where.enter(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> t.Any:
        node: t.Any = super().on_leave(original_node, updated_node)
        for edit in self._edits.get(id(original_node), ()):
            node = edit(node)
        marks = self._todos.get(id(original_node))
        if marks and isinstance(node, _STATEMENTS):
            # Comments above a module's first statement are the module's header.
            first = self.module.body[0] if self.module.body else None
            above = self.module.header if original_node is first else ()
            node = _with_todos(node, marks, above)
        self.where.leave(original_node)
        return node

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

    def usable(self, name: str, at: cst.CSTNode | None, qname: str) -> bool:
        """Whether module-level ``name`` is, or can be bound to, ``qname`` at node ``at``."""
        bound = self.bindings.get(name)
        if bound is not None and bound != {qname}:
            return False
        scope = self.get_metadata(ScopeProvider, at, None) if at is not None else None
        if scope is not None and name in scope:
            return all(a.scope is scope.globals for a in scope[name])
        return True

    def builtin(self, name: str, at: cst.CSTNode) -> bool:
        """Whether ``name`` at ``at`` is the builtin of that name (``type``), not shadowed."""
        scope = self.get_metadata(ScopeProvider, at, None)
        if scope is None or self.bindings.get(name) is not None:
            return False
        return name not in scope or all(isinstance(a, BuiltinAssignment) for a in scope[name])

    def _plan(self, qname: str, at: cst.CSTNode | None, preferred: str) -> _Reference:
        module, _, name = qname.rpartition(".")
        for alias, bound in sorted(self.bindings.items()):
            if bound == {qname} and self.usable(alias, at, qname):
                return _Reference(alias)
        for alias, bound in sorted(self.bindings.items()):
            if bound == {module} and self.usable(alias, at, module):
                return _Reference(f"{alias}.{name}")
        if f"{self.run.module}.{name}" == qname and name in self.bindings:
            return _Reference(name if self.usable(name, at, qname) else "")
        if preferred and self.usable(preferred, at, module):
            return _Reference(f"{preferred}.{name}", module, None, preferred, module)
        if self.usable(name, at, qname):
            return _Reference(name, module, name, name, qname)
        return _Reference("")

    def references(
        self, wanted: t.Sequence[tuple[str, str]], at: cst.CSTNode | None
    ) -> list[str] | None:
        """Expressions for the objects ``wanted`` (``(qname, preferred alias)``) at ``at``,
        scheduling the imports they need with ``AddImportsVisitor``; None, and no import,
        when any of them clashes with a name already in use.

        A name is reused when the module binds it to the object, or to its module
        (``sa.select`` for ``sqlalchemy.select`` when ``sa`` is ``sqlalchemy``); otherwise
        it is imported: ``import <module> as <preferred>`` when ``preferred`` is given, else
        ``from <module> import <name>``.
        """
        plans = []
        for qname, preferred in wanted:
            plan = self._plan(qname, at, preferred)
            if not plan.text:
                return None
            plans.append(plan)
            if plan.module:
                # Later names of the same run see this one as bound.
                self.bindings[plan.bound_name] = frozenset({plan.bound_to})
        for plan in plans:
            if plan.module:
                self.add_needed_import(plan.module, plan.obj, plan.asname)
        return [plan.text for plan in plans]

    def reference(self, qname: str, at: cst.CSTNode | None, preferred: str = "") -> str:
        """:meth:`references` for one object: its expression, or ``""`` on a clash."""
        found = self.references([(qname, preferred)], at)
        return found[0] if found else ""

    def sqlalchemy(self, name: str, at: cst.CSTNode | None) -> str:
        """``sa.<name>`` (or the module's own spelling) for ``sqlalchemy.<name>``."""
        return self.reference(f"sqlalchemy.{name}", at, "sa")

    def orm(self, name: str, at: cst.CSTNode | None) -> str:
        """``orm.<name>`` (or the module's own spelling) for ``sqlalchemy.orm.<name>``."""
        return self.reference(f"sqlalchemy.orm.{name}", at, "orm")

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
    ) -> Finding | None:
        """Report a site at ``node``; with an index, judge it at once.

        :param todo_at: the statement a manual finding's TODO goes above (default: the
            innermost statement around ``node``, or ``node`` itself when it is one).
        :param line: the site's line when it is not ``node``'s: a site inside ``node`` that
            the traversal has not reached (a column of the class being visited), or a node
            other than the one being visited (the scan counts lines in its traversal, see
            :meth:`line`); default: ``node``'s.
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
        text = f'# TODO(fss {feature.id}): {finding.message}; see "{feature.guide}" in the guide.'
        marks = self._todos.setdefault(id(statement), [])
        if not any(mark.startswith(f"# TODO(fss {feature.id})") for mark in marks):
            marks.append(text)

    def edit(self, node: cst.CSTNode, finding: Finding, change: Edit) -> None:
        """Replace ``node`` on the way up by ``change(updated_node)``: ``finding``'s rewrite
        (a rewrite may edit several nodes: it is one rewrite in ``applied``).
        """
        self._edits.setdefault(id(node), []).append(change)
        if not any(done is finding for done in self.run.applied):
            self.run.applied.append(finding)

    def edit_also(self, node: cst.CSTNode, change: Edit) -> None:
        """Replace another ``node`` on the way up by ``change(updated_node)``, for a rewrite
        already counted by :meth:`edit` (the other end of a value built in one place and
        run in another).
        """
        self._edits.setdefault(id(node), []).append(change)

    def claim(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Mark nodes as handled, so this family's visits of inner nodes skip them."""
        self._claimed.update(id(node) for node in nodes)

    def claimed(self, node: cst.CSTNode) -> bool:
        """Whether :meth:`claim` marked ``node``."""
        return id(node) in self._claimed


def _with_todos(statement: t.Any, marks: list[str], above: t.Sequence[cst.EmptyLine]) -> t.Any:
    lines = [*above, *statement.leading_lines]
    existing = {line.comment.value for line in lines if line.comment}
    prefixes = {value.split(")", 1)[0] for value in existing if value.startswith("# TODO(fss ")}
    added = [
        cst.EmptyLine(indent=True, comment=cst.Comment(mark))
        for mark in marks
        if mark.split(")", 1)[0] not in prefixes
    ]
    if not added:
        return statement
    return statement.with_changes(leading_lines=[*statement.leading_lines, *added])
