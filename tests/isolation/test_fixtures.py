"""The plugin's isolation fixtures, and pytest-flask-sqlalchemy's names behind their option.

Each suite runs in a pytest subprocess: a test that writes (through a view, the CLI and
the session) and a later one that finds nothing of it. The same suite written for
Flask-SQLAlchemy passes on it and with ``--fss-compat``.
"""

from __future__ import annotations

import pytest

APP = """
import click
import sqlalchemy as sa
from flask import Flask
from {module} import SQLAlchemy

db = SQLAlchemy()


class Note(db.Model):
    id = sa.Column(sa.Integer, primary_key=True)
    text = sa.Column(sa.String(50))


class Audit(db.Model):
    __bind_key__ = "audit"
    id = sa.Column(sa.Integer, primary_key=True)
    what = sa.Column(sa.String(50))


def create_app(folder):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{{folder}}/notes.db"
    app.config["SQLALCHEMY_BINDS"] = {{"audit": f"sqlite:///{{folder}}/audit.db"}}
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.post("/notes/<text>")
    def add(text):
        db.session.add(Note(text=text))
        db.session.add(Audit(what=f"add {{text}}"))
        db.session.commit()
        return "ok"

    @app.cli.command("add")
    @click.argument("text")
    def add_command(text):
        db.session.add(Note(text=text))
        db.session.commit()

    return app
"""

CONFTEST = """
import pytest

from app import create_app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    return create_app(tmp_path_factory.mktemp("data"))
"""

TESTS = """
import sqlalchemy as sa

from app import Audit, Note, db


def counts(app):
    with app.app_context():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Note, Audit)]


def test_writes(app, fss_isolation):
    assert app.test_client().post("/notes/a").data == b"ok"
    assert app.test_cli_runner().invoke(args=["add", "b"]).exit_code == 0
    with app.app_context():
        db.session.add(Note(text="c"))
        db.session.commit()
    assert counts(app) == [3, 1]


def test_session_fixture(app, fss_session):
    assert fss_session is db.session
    with app.app_context():
        fss_session.add(Audit(what="x"))
        fss_session.commit()
    assert counts(app) == [0, 1]


def test_nothing_left(app, fss_isolation):
    assert counts(app) == [0, 0]


def test_nothing_left_outside_isolation(app):
    assert counts(app) == [0, 0]
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_notes=TESTS)
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_fixtures_on_the_facade(suite: pytest.Pytester) -> None:
    """``fss_isolation`` and ``fss_session`` roll back views, CLI commands and test code."""
    suite.makepyfile(app=APP.format(module="fss_compat"))
    _run(suite).assert_outcomes(passed=4)


def test_fixtures_on_flask_sqlalchemy_and_served(suite: pytest.Pytester) -> None:
    """The suite written for Flask-SQLAlchemy passes on it and with ``--fss-compat``."""
    suite.makepyfile(app=APP.format(module="flask_sqlalchemy"))
    _run(suite).assert_outcomes(passed=4)
    _run(suite, "--fss-compat").assert_outcomes(passed=4)


CORE_APP = """
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import flask_scoped_session


class Base(orm.DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "note"
    id = sa.Column(sa.Integer, primary_key=True)


Session = orm.sessionmaker()
session = flask_scoped_session(Session)


def create_app(folder):
    app = Flask(__name__)
    engine = sa.create_engine(f"sqlite:///{folder}/notes.db")
    Base.metadata.create_all(engine)
    Session.configure(bind=engine)
    session.init_app(app)

    @app.post("/notes")
    def add():
        session.add(Note())
        session.commit()
        return "ok"

    return app
"""

CORE_TESTS = """
import sqlalchemy as sa

from app import Note, Session, session


def test_writes(app, fss_isolation):
    assert app.test_client().post("/notes").data == b"ok"
    with Session() as script:
        assert script.scalar(sa.select(sa.func.count(Note.id))) == 1


def test_nothing_left(app, fss_session):
    assert fss_session is session
    with Session() as script:
        assert script.scalar(sa.select(sa.func.count(Note.id))) == 0
"""


def test_fixtures_on_the_core(pytester: pytest.Pytester) -> None:
    """On the plain core the app's ``flask_scoped_session`` and its sessionmaker are isolated."""
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(app=CORE_APP, test_notes=CORE_TESTS)
    _run(pytester).assert_outcomes(passed=2)


def test_without_an_app_fixture(pytester: pytest.Pytester) -> None:
    """Without an ``app`` fixture, ``fss_isolation`` says to define one or override fss_app."""
    pytester.makepyfile("def test_it(fss_isolation):\n    pass\n")
    result = _run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*Define an 'app' fixture*or override 'fss_app'*"])


PFS_CONFTEST = """
import pytest

from app import create_app, db


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("data"))
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def _db(app):
    return db
"""

PFS_TESTS = """
import sqlalchemy as sa

import app as module
from app import Note, db


def test_writes(db_session, db_engine):
    db_session.add(Note(text="a"))
    db_session.commit()
    assert module.session is db_session
    db_engine.execute(sa.text("INSERT INTO note (text) VALUES ('b')"))
    assert db_session.scalar(sa.select(sa.func.count(Note.id))) == 2


def test_nothing_left(db_session):
    assert db_session.scalar(sa.select(sa.func.count(Note.id))) == 0
"""


@pytest.mark.parametrize(
    ("option", "ini"),
    [("--fss-pytest-flask-sqlalchemy", ""), ("", "fss_pytest_flask_sqlalchemy = true\n")],
)
def test_pytest_flask_sqlalchemy_names(pytester: pytest.Pytester, option: str, ini: str) -> None:
    """With the option (command line or ini), ``db_session``, ``db_engine``, ``mocked-sessions``."""
    pytester.makeini(f"[pytest]\nfilterwarnings = error\nmocked-sessions = app.session\n{ini}")
    pytester.makeconftest(PFS_CONFTEST)
    source = APP.format(module="fss_compat") + "\nsession = None\n"
    pytester.makepyfile(app=source, test_notes=PFS_TESTS)
    _run(pytester, *[option] if option else []).assert_outcomes(passed=2)


def test_pytest_flask_sqlalchemy_names_are_opt_in(pytester: pytest.Pytester) -> None:
    """Without the option the plugin defines no ``db_session``."""
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile("def test_it(db_session):\n    pass\n")
    result = _run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'db_session' not found*"])
