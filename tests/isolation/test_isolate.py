"""``fss_compat.testing.isolate``: what it isolates, its documented limits, and misuse errors.

Each limit of docs/testing.md has a test here; each misuse is an :class:`IsolationError`
with what to do, and in every case nothing the test wrote survives it.
"""

from __future__ import annotations

import types
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import SQLAlchemy
from fss_compat import flask_scoped_session
from fss_compat.testing import Isolation
from fss_compat.testing import IsolationError
from fss_compat.testing import commits_on_ddl
from fss_compat.testing import isolate
from tests._support import isolation as support
from tests.robustness.live_server import serving

MakeSubject = t.Callable[..., support.Subject]


@pytest.fixture
def make_subject(
    make_urls: t.Callable[[str, int], list[str]], tmp_path: Path
) -> t.Iterator[MakeSubject]:
    """``make_subject(kind, database="sqlite", binds=1)``, disposed at the end."""
    made: list[support.Subject] = []

    def make(kind: str, database: str = "sqlite", binds: int = 1) -> support.Subject:
        subject = support.make_subject(kind, make_urls(database, binds), tmp_path / "instance")
        made.append(subject)
        return subject

    yield make
    for subject in made:
        subject.dispose()


def _insert(subject: support.Subject, bind: int = 0, value: int = 99) -> int:
    """Insert and commit one row through the app's session in a new app context; its id."""
    with subject.app.app_context():
        row = subject.models[bind](v=value)
        subject.session.add(row)
        subject.session.commit()
        return int(row.id)


def _unchanged(subject: support.Subject, before: list[support.Contents]) -> bool:
    return support.differing_rows(before, support.snapshot(subject.urls)) == 0


# --- What it isolates -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", support.KINDS)
def test_every_session_uses_the_tests_connections(make_subject: MakeSubject, kind: str) -> None:
    """Views, test code and the scoped session all see the test's rows; nothing is left after."""
    subject = make_subject(kind, binds=3)
    before = support.snapshot(subject.urls)
    with isolate(subject.app) as isolation:
        assert isolation.app is subject.app
        assert isolation.session is subject.session
        assert set(isolation.connections) == set(subject.engines)
        assert subject.app.test_client().post("/insert/2/7").status_code == 200
        _insert(subject, bind=1, value=8)
        with subject.app.app_context():
            assert subject.session.scalars(sa.select(subject.models[2].v)).all()[-1] == 7
            assert subject.session.scalars(sa.select(subject.models[1].v)).all()[-1] == 8
    assert _unchanged(subject, before)


def test_start_and_stop_as_in_unittest(make_subject: MakeSubject) -> None:
    """``start()`` in an app context finds the current app; ``stop()`` rolls back."""
    subject = make_subject("core")
    before = support.snapshot(subject.urls)
    with subject.app.app_context():
        isolation = Isolation().start()
        subject.session.add(subject.models[0](v=5))
        subject.session.commit()
        isolation.stop()
        # The context goes on with a new session on the real engine.
        assert subject.session.scalar(sa.select(sa.func.count(subject.models[0].id))) == 3
    assert _unchanged(subject, before)
    assert subject.session.session_factory.kw["bind"] is subject.engines[0]


# --- Documented limits ------------------------------------------------------------------------


@pytest.mark.parametrize("database", support.DATABASES)
def test_sequences_are_not_rolled_back(make_subject: MakeSubject, database: str) -> None:
    """PostgreSQL's sequences keep counting across tests; SQLite reuses the rolled-back ids."""
    subject = make_subject("fss_compat", database)
    ids = []
    for _ in range(2):
        with isolate(subject.app):
            ids.append(_insert(subject))
    assert ids == ([4, 5] if database == "postgresql" else [4, 4])


@pytest.mark.parametrize("database", support.DATABASES)
def test_ddl_is_rolled_back(make_subject: MakeSubject, database: str) -> None:
    """``create_all`` and ``drop_all`` inside a test are undone on PostgreSQL and SQLite."""
    subject = make_subject("fss_compat", database)
    db = subject.app.extensions["sqlalchemy"]
    before = support.snapshot(subject.urls)
    with isolate(subject.app), subject.app.app_context():
        db.drop_all()
        assert sa.inspect(db.engine).get_table_names() == []
        sa.Table("extra", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
        db.create_all()
    db.metadata.remove(db.metadata.tables["extra"])
    assert _unchanged(subject, before)


def test_ddl_commits_on_mysql_mariadb_and_oracle() -> None:
    """The decision: isolation refuses the databases whose DDL commits the transaction."""
    refused = {name for name in ("postgresql", "sqlite", "mssql", "mysql", "mariadb", "oracle")}
    assert {name for name in refused if commits_on_ddl(name)} == {"mysql", "mariadb", "oracle"}


@pytest.mark.parametrize("url", ["mysql+pymysql://u@localhost/app", "mariadb+pymysql://u@h/app"])
def test_mysql_is_refused_before_connecting(url: str) -> None:
    """On MySQL and MariaDB isolation refuses to start, naming the reason and what to do."""
    # A stand-in DBAPI module: the refusal comes before any connection is made.
    engine = sa.create_engine(url, module=types.SimpleNamespace(paramstyle="format"))
    app = Flask("mysql_app")
    flask_scoped_session(orm.sessionmaker(bind=engine), app)
    with pytest.raises(IsolationError, match="commits the transaction on every DDL statement"):
        isolate(app).start()


@pytest.mark.parametrize("database", support.DATABASES)
def test_another_connection_does_not_see_the_rows(make_subject: MakeSubject, database: str) -> None:
    """A connection of its own (another process's server, a script) sees none of the test's rows."""
    subject = make_subject("fss_compat", database)
    with isolate(subject.app):
        assert subject.app.test_client().post("/insert/0/7").status_code == 200
        other = sa.create_engine(subject.urls[0], poolclass=sa.NullPool)
        with other.connect() as connection:
            seen = connection.execute(sa.text("SELECT v FROM row0")).scalars().all()
        other.dispose()
    assert 7 not in seen and len(seen) == 3


@pytest.mark.parametrize("kind", support.KINDS)
def test_live_server_thread_is_refused(make_subject: MakeSubject, kind: str) -> None:
    """A server thread serving the isolated app gets a clear error; the isolation re-raises it."""
    subject = make_subject(kind)
    before = support.snapshot(subject.urls)
    with pytest.raises(IsolationError, match="live server thread cannot share"):
        with isolate(subject.app), serving(subject.app) as live, live.client(10) as client:
            assert client.post("/insert/0/7").status == 500
    assert _unchanged(subject, before)


def test_engine_connect_in_app_code_fails(make_subject: MakeSubject) -> None:
    """Code taking connections from ``db.engine`` gets the test's Connection, without connect()."""
    subject = make_subject("fss_compat")
    db = subject.app.extensions["sqlalchemy"]
    with isolate(subject.app) as isolation, subject.app.app_context():
        engine: t.Any = db.engine
        assert engine is isolation.connections[subject.engines[0]]
        with pytest.raises(AttributeError, match="connect"):
            getattr(engine, "connect")()  # noqa: B009 (mypy knows Connection has no connect)
        # What works in production and in isolation alike: the session's connection.
        assert db.session.connection().scalar(sa.text("SELECT count(*) FROM row0")) == 3


# --- Misuse -----------------------------------------------------------------------------------


def test_outside_an_app() -> None:
    """Without an app and outside an app context, isolation says to pass the app."""
    with pytest.raises(IsolationError, match=r"no application context.*isolate\(app\)"):
        isolate().start()


def test_app_without_a_session() -> None:
    """An app with nothing registered has nothing to isolate."""
    with pytest.raises(IsolationError, match=r"nothing to isolate.*init_app"):
        isolate(Flask("bare")).start()


def test_not_a_session() -> None:
    """Anything but a ``db`` or a scoped session is refused, saying what to pass."""
    with pytest.raises(IsolationError, match="a 'SQLAlchemy' object or a scoped session"):
        isolate(Flask("wrong"), orm.sessionmaker()).start()  # type: ignore[arg-type]


def test_unbound_sessionmaker() -> None:
    """A core session whose sessionmaker has no bind is refused, naming the fix."""
    app = Flask("unbound")
    flask_scoped_session(orm.sessionmaker(), app)
    with pytest.raises(IsolationError, match=r"no 'bind' or 'binds'"):
        isolate(app).start()


@pytest.mark.parametrize("kind", support.KINDS)
def test_nested_isolation(make_subject: MakeSubject, kind: str) -> None:
    """A second isolation of the same sessions is refused; the first goes on and ends clean."""
    subject = make_subject(kind)
    before = support.snapshot(subject.urls)
    with isolate(subject.app) as isolation:
        with pytest.raises(IsolationError, match="do not nest"):
            isolate(subject.app).start()
        with pytest.raises(IsolationError, match="do not nest"):
            isolation.start()
        _insert(subject)
    assert _unchanged(subject, before)
    with pytest.raises(IsolationError, match="not started"):
        isolation.stop()


@pytest.mark.parametrize("kind", support.KINDS)
def test_session_already_in_a_transaction(make_subject: MakeSubject, kind: str) -> None:
    """Starting while the context's session holds a real connection is refused."""
    subject = make_subject(kind)
    with subject.app.app_context():
        subject.session.execute(sa.select(subject.models[0]))
        with pytest.raises(IsolationError, match="already in a transaction"):
            isolate(subject.app).start()


@pytest.mark.parametrize("kind", support.KINDS)
def test_test_closes_the_connection(make_subject: MakeSubject, kind: str) -> None:
    """A test that closes its connection gets an error at the end; nothing leaked."""
    subject = make_subject(kind)
    before = support.snapshot(subject.urls)
    with pytest.raises(IsolationError, match="closed its connection"):
        with isolate(subject.app) as isolation:
            _insert(subject)
            isolation.connections[subject.engines[0]].close()
    assert _unchanged(subject, before)


@pytest.mark.parametrize("kind", support.KINDS)
def test_commit_of_the_outer_transaction(make_subject: MakeSubject, kind: str) -> None:
    """Committing the test's transaction is refused at the call and reported at the end."""
    subject = make_subject(kind)
    before = support.snapshot(subject.urls)
    with pytest.raises(IsolationError, match="committed the test's outer transaction") as caught:
        with isolate(subject.app) as isolation:
            _insert(subject)
            with pytest.raises(IsolationError, match="Commit through the session"):
                isolation.connections[subject.engines[0]].commit()
    assert "rolled everything back" in str(caught.value)
    assert _unchanged(subject, before)


def test_engine_created_during_the_test_facade(make_subject: MakeSubject, tmp_path: Path) -> None:
    """An app created inside the test (new engines on the same ``db``) cannot write."""
    subject = make_subject("fss_compat")
    db: SQLAlchemy = subject.app.extensions["sqlalchemy"]
    before = support.snapshot(subject.urls)
    late = Flask("late", instance_path=str(tmp_path / "late"))
    with pytest.raises(
        IsolationError, match=r"(?s)rolled everything back.*created during the test"
    ):
        with isolate(subject.app):
            late.config["SQLALCHEMY_DATABASE_URI"] = subject.urls[0]
            db.init_app(late)
            with late.app_context():
                db.session.add(subject.models[0](v=1))
                with pytest.raises(IsolationError, match="not one of the test's connections"):
                    db.session.commit()
    with late.app_context():
        db.engine.dispose()
    assert _unchanged(subject, before)


def test_engine_created_during_the_test_core(make_subject: MakeSubject) -> None:
    """Rebinding the sessionmaker inside the test (an app factory run again) is an error."""
    subject = make_subject("core")
    factory = subject.session.session_factory
    before = support.snapshot(subject.urls)
    late = sa.create_engine(subject.urls[0])
    with pytest.raises(IsolationError, match=r"sessionmaker .* changed during the test"):
        with isolate(subject.app):
            factory.configure(bind=late)
            with subject.app.app_context():
                subject.session.add(subject.models[0](v=1))
                with pytest.raises(IsolationError, match="not one of the test's connections"):
                    subject.session.commit()
    late.dispose()
    assert factory.kw["bind"] is subject.engines[0]
    assert _unchanged(subject, before)


@pytest.mark.parametrize("database", support.DATABASES)
def test_sessions_ending_out_of_order(make_subject: MakeSubject, database: str) -> None:
    """Two sessions sharing the connection must end in reverse order; otherwise a clear error."""
    subject = make_subject("core", database)
    before = support.snapshot(subject.urls)
    factory = subject.session.session_factory
    with pytest.raises(IsolationError, match="reverse order"):
        with isolate(subject.app):
            first, second = factory(), factory()
            first.add(subject.models[0](v=1))
            first.flush()
            second.add(subject.models[0](v=2))
            second.flush()
            with pytest.raises(IsolationError, match="reverse order"):
                first.commit()
            second.close()
            first.close()
    assert _unchanged(subject, before)
