"""The scan's names and lines are LibCST's: ``ScopeProvider`` and ``PositionProvider``.

The scan resolves names and counts lines without those providers (they are most of its
time: see :mod:`fss_compat.codemod.names`). With ``verify_names`` every name and line the
scan uses is also computed by the providers, and a difference fails. This runs over
tricky snippets, the test corpus, the example blog, this package's code and the installed
Flask-SQLAlchemy and Flask-Admin.
"""

from __future__ import annotations

import importlib.util
import textwrap
import typing as t
from pathlib import Path

import libcst as cst
import pytest

from fss_compat.codemod import file_pass
from fss_compat.codemod.model_schema import ModuleSchema
from fss_compat.codemod.model_schema import collect
from fss_compat.codemod.project import iter_python_files
from fss_compat.codemod.project import module_name
from fss_compat.codemod.typed_plans import KEY
from tests._support import corpus

ROOT = Path(__file__).resolve().parents[2]

SNIPPETS = {
    "shadowing": """
        from app.models import User, db
        import sqlalchemy as sa

        def find(User, db=db):
            return User.query.get(1), db.Column

        class Search:
            db = None
            x = db.Column

            def method(self):
                return db.Column, self.update(), User.query.all()

        lam = lambda User: User.query
        rows = [User.query for User in range(3)]
        again = [db.Column for x in range(3)]
    """,
    "closures-and-imports": """
        import importlib.util
        from . import models

        def outer():
            from app.models import User
            import sqlalchemy.orm as orm

            def inner():
                return User.query.get(1), orm.relationship, models.User.query

            return inner

        def counter():
            count = 0

            def bump():
                nonlocal count
                count += 1
                return count

            return bump

        ok = importlib.util.find_spec("x")
    """,
    "globals": """
        from app.models import db

        def configure():
            global engine
            engine = db.get_engine()
    """,
    "layout": '''
        from app.models import User, db

        @db.event.listens_for(
            User, "init"
        )
        # a comment
        def hook(*args):
            """A docstring
            on two lines."""
            return (
                User.query
                .filter_by(name="a")
                .first()
            )


        @decorate
        class Tag(db.Model):  # trailing
            __tablename__ = "tag"
            id = db.Column(
                db.Integer,
                primary_key=True,
            )

        text = """
        db.Column
        """; other = db.String
        long = db.Integer \\
            if True else db.Text
        wrapped = (db
                   .Boolean)
    ''',
    "methods": """
        from app.models import db

        class Finder:
            @classmethod
            def find(cls, ident):
                return cls.query.get(ident)

            @staticmethod
            def plain(cls):
                return cls.query

            def me(self):
                return type(self).query.get(self.id), self.query.first()

        class Admin(Finder, db.Model):
            __tablename__ = "admin"
    """,
    "star-import": """
        from app.models import *

        x = db.Column
    """,
}


def _lines(schema: ModuleSchema) -> dict[str, object]:
    """The lines of a module's schema facts: per class, its own and its members'."""
    found: dict[str, object] = {
        f"table {name}": [c.line for c in columns] for name, columns in schema.tables.items()
    }
    for qname, facts in schema.classes.items():
        # By line and name: the scan's qualified names see functions, collect()'s do not.
        members = [(c.attribute, c.line) for c in [*facts.columns, *facts.typed_columns]]
        members += [(r.attribute, r.line) for r in facts.relationships]
        found[f"class {qname.rpartition('.')[2]} at {facts.line}"] = sorted(members)
    return found


def _check(source: str, path: Path, module: str, is_package: bool = False) -> None:
    result = file_pass.scan_module(source, str(path), module, is_package, verify_names=True)
    assert result.error == "", result.error
    # The schema facts' lines, counted by the scan, are PositionProvider's.
    assert result.facts is not None
    scanned = t.cast(ModuleSchema, result.facts.extra[KEY])
    assert _lines(scanned) == _lines(collect(cst.parse_module(source), module, is_package))


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippets(name: str) -> None:
    """Shadowing, closures, class scopes, comprehensions, decorators and layout."""
    _check(textwrap.dedent(SNIPPETS[name]), Path(f"app/{name}.py"), f"app.{name}")


def _package(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, name
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.mark.parametrize(
    "folder",
    [
        ROOT / "examples",
        ROOT / "fss_compat" / "codemod",
        ROOT / "tests" / "codemod",
        _package("flask_sqlalchemy"),
        _package("flask_admin") / "contrib" / "sqla",
    ],
    ids=lambda folder: folder.name,
)
def test_code(folder: Path, tmp_path: Path) -> None:
    """Real code: every name and line the scan uses there is the providers'."""
    files = list(iter_python_files([folder]))
    assert files
    for path in files:
        _check(
            path.read_text(encoding="utf-8"), path, module_name(path), path.name == "__init__.py"
        )


def test_corpus(tmp_path: Path) -> None:
    """The test corpus app, with every shape the rules know."""
    folder = corpus.write(tmp_path / "corpus_app")
    for path in iter_python_files([folder]):
        _check(
            path.read_text(encoding="utf-8"), path, module_name(path), path.name == "__init__.py"
        )
