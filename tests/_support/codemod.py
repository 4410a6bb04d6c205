"""Small projects written to a temporary folder, for running the tool on them.

Each test's project is a package with a name of its own (``fsst_<n>``), so the runtime-
assisted rules can import it without clashing with another test's; its modules import each
other relatively.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import sys
import textwrap
import typing as t
from pathlib import Path

from flask import Flask
from libcst.codemod import CodemodContext
from libcst.codemod import CodemodTest

from fss_compat.codemod import file_pass
from fss_compat.codemod import migration
from fss_compat.codemod import runner
from fss_compat.codemod.engine import FileRun
from fss_compat.codemod.engine import Finding
from fss_compat.codemod.engine import Options
from fss_compat.codemod.engine import Rule
from fss_compat.codemod.engine import Status
from fss_compat.codemod.families import FAMILIES
from fss_compat.codemod.project import Index

#: Numbers for the projects' package names (``fsst_<n>``).
NUMBERS = itertools.count()

#: The models most rule tests use: ``db`` and two models in ``models.py``.
MODELS = """\
import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50))
    posts = orm.relationship("Post", back_populates="author")


class Post(db.Model):
    __tablename__ = "post"
    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String(50))
    author_id = sa.Column(sa.ForeignKey("user.id"))
    author = orm.relationship("User", back_populates="posts")
"""


@dataclasses.dataclass
class Result:
    """What one ``migrate`` run did to a project."""

    root: Path
    package: str
    sources: dict[str, str]
    findings: list[Finding]
    errors: list[tuple[str, str]]
    options: dict[str, t.Any]

    def statuses(self, key: str) -> list[Status]:
        """The statuses of the findings of one rewrite (``FSC201.get``) or rule."""
        return [f.status for f in self.findings if key in (f.key, f.feature)]


@dataclasses.dataclass
class Project:
    """A package in a temporary folder, and the tool run on it."""

    root: Path
    package: str

    def write(self, files: dict[str, str]) -> None:
        """Write ``files`` (path in the package -> source, dedented) and ``__init__.py``s."""
        folder = self.root / self.package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
        for name, source in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source), encoding="utf-8")

    def read(self, name: str) -> str:
        """The current source of one module."""
        return (self.root / self.package / name).read_text(encoding="utf-8")

    def migrate(
        self,
        select: str | None = None,
        stage: int | None = None,
        unsafe: bool = False,
        app: str = "",
        write: bool = True,
        level: str = "3.1",
    ) -> Result:
        """Run ``migrate`` in this process; write the result unless ``write`` is false."""
        keys = frozenset(select.split(",")) if select else None
        options = Options(select=keys, stage=stage, unsafe=unsafe, level=level)
        folder = self.root / self.package
        done = migration.migrate([str(folder)], options, app=app, workers=1)
        sources = {}
        for change in done.changes:
            name = str(Path(change.path).relative_to(folder))
            sources[name] = change.new
            if write:
                Path(change.path).write_text(change.new, encoding="utf-8")
        used = {"select": select, "stage": stage, "unsafe": unsafe, "app": app, "level": level}
        return Result(self.root, self.package, sources, done.findings, done.errors, used)

    def modules(self, *names: str) -> list[t.Any]:
        """Import modules of the package (``"models"``, ``"views"``) as they are on disk."""
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        return [importlib.import_module(f"{self.package}.{name}") for name in names]

    def app(self, models: t.Any, **config: t.Any) -> Flask:
        """A Flask app with the models' ``db`` on it (in-memory SQLite unless ``config``
        names another database)."""
        app = Flask(self.package)
        app.config.update({"SQLALCHEMY_DATABASE_URI": "sqlite://", **config})
        models.db.init_app(app)
        return app

    def scan(self, level: str = "3.1") -> runner.Scan:
        """Run ``scan`` in this process, for code written for ``level``."""
        options = Options(level=level)
        return runner.scan([str(self.root / self.package)], workers=1, options=options)


def check(project: Project, result: Result, name: str, expected: str) -> None:
    """``name`` became ``expected``, compiles, and a second run changes nothing."""
    assert result.errors == []
    source = project.read(name)
    assert source == textwrap.dedent(expected)
    compile(source, name, "exec")
    again = project.migrate(write=False, **result.options)
    assert again.sources == {}


def rewrite(
    project: Project,
    before: str,
    expected: str,
    select: str,
    models: str = MODELS,
    unsafe: bool = False,
) -> Result:
    """Migrate ``views.py`` (next to ``models.py``) with ``select``; check the result."""
    project.write({"models.py": models, "views.py": before})
    result = project.migrate(select=select, unsafe=unsafe)
    check(project, result, "views.py", expected)
    return result


def rule_context(
    source: str,
    module: str = "app.views",
    modules: dict[str, str] | None = None,
    options: Options | None = None,
) -> CodemodContext:
    """A LibCST codemod context for running one family on ``source`` (module ``module``),
    with the index of ``source`` and ``modules`` (dotted name -> source) as ``migrate``
    would build it.
    """
    sources = {**(modules or {}), module: source}
    facts = []
    for name, text in sources.items():
        path = name.replace(".", "/") + ".py"
        scanned = file_pass.scan_module(text, path, name, is_package=False)
        assert not scanned.error, scanned.error
        assert scanned.facts is not None
        facts.append(scanned.facts)
    run = FileRun(module.replace(".", "/") + ".py", module, False, options or Options())
    run.index = Index.build(facts)
    for family in FAMILIES:
        family.prepare(run.index)
    return run.context()


class RuleTest(CodemodTest):
    """LibCST's before/after test case, for any family (``TRANSFORM`` is set per check)."""

    TRANSFORM = Rule

    def check(
        self,
        family: type[Rule],
        before: str,
        after: str,
        modules: dict[str, str] | None = None,
        options: Options | None = None,
    ) -> None:
        """``family`` rewrites ``before`` (module ``app.views``) into ``after``."""
        self.TRANSFORM = family
        context = rule_context(
            CodemodTest.make_fixture_data(before), modules=modules, options=options
        )
        self.assertCodemod(before, after, context_override=context)
