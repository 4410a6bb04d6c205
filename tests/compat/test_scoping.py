"""The session is scoped to the Flask app context: ``db.session`` on both sides, plus the core."""

from __future__ import annotations

import sqlite3
import threading
import typing as t

import flask
import flask.globals
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask.ctx import AppContext

import fss_compat
from fss_compat import current_session
from fss_compat import flask_scoped_session


def test_same_context_same_session(db: t.Any, app: Flask) -> None:
    """Within one app context, ``db.session()`` always returns the same session."""
    with app.app_context():
        assert db.session() is db.session()


def test_nested_context_gets_own_session(db: t.Any, app: Flask) -> None:
    """A nested app context gets a new session; its teardown leaves the outer one intact."""
    with app.app_context():
        outer = db.session()
        with app.app_context():
            inner = db.session()
            assert inner is not outer
        assert db.session() is outer


def test_threads_get_own_sessions(db: t.Any, app: Flask) -> None:
    """App contexts in two threads get two sessions."""
    seen: list[object] = []

    def work() -> None:
        with app.app_context():
            seen.append(db.session())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 2 and seen[0] is not seen[1]


def test_session_removed_at_teardown(db: t.Any, app: Flask) -> None:
    """Ending the app context removes the session; the next context gets a new one."""
    with app.app_context():
        first = db.session()
        assert db.session.registry.has()
    with app.app_context():
        assert not db.session.registry.has()
        assert db.session() is not first


def test_session_removed_when_request_raises(db: t.Any, app: Flask) -> None:
    """A view that raises still has its session removed, with uncommitted work rolled back."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    sessions: list[orm.Session] = []

    @app.route("/boom")
    def boom() -> str:
        sessions.append(db.session())
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        raise ValueError("boom")

    with app.test_client() as client:
        assert client.get("/boom").status_code == 500
    with app.app_context():
        assert not db.session.registry.has()
        assert db.session() is not sessions[0]


def test_separate_requests_get_separate_sessions(db: t.Any, app: Flask) -> None:
    """Two test-client requests see two different sessions."""
    ids: list[int] = []

    @app.route("/")
    def index() -> str:
        ids.append(id(db.session()))
        return "ok"

    client = app.test_client()
    client.get("/")
    client.get("/")
    # Keep both sessions alive long enough that id() reuse cannot fake a difference.
    assert len(ids) == 2


def test_request_inside_active_context_shares_session(db: t.Any, app: Flask) -> None:
    """A request pushed while the same app's context is active reuses that context's session."""
    with app.app_context():
        outer = db.session()
        with app.test_request_context():
            assert db.session() is outer
        assert db.session() is outer


def test_outside_context_raises(db: t.Any) -> None:
    """Using the session outside an app context raises RuntimeError that says to push one."""
    with pytest.raises(RuntimeError, match="app_context"):
        db.session()
    with pytest.raises(RuntimeError, match="app_context"):
        db.session.add(object())


def test_custom_scopefunc_still_removed_at_teardown(impl: t.Any, app: Flask) -> None:
    """With a custom ``scopefunc`` the session is still removed at every context teardown."""
    db = impl.SQLAlchemy(app, session_options={"scopefunc": lambda: 1})
    with app.app_context():
        first = db.session()
    with app.app_context():
        assert db.session() is not first


def test_reassigned_session_is_used_and_removed(db: t.Any, app: Flask) -> None:
    """``db.session = db._make_scoped_session(...)`` (a common fixture move) takes effect."""
    db.session = db._make_scoped_session({"expire_on_commit": False})
    with app.app_context():
        assert db.session().expire_on_commit is False
    with app.app_context():
        assert not db.session.registry.has()


# The core, fss_compat only: Flask-SQLAlchemy has no standalone scoped session.


def test_app_ctx_is_still_where_flask_keeps_it() -> None:
    """``flask.globals.app_ctx`` (the scope's source) exists and resolves to the context."""
    app = Flask(__name__)
    with app.app_context() as ctx:
        assert flask.globals.app_ctx._get_current_object() is ctx  # type: ignore[attr-defined]


def _plain_scoped(app: Flask | None = None) -> flask_scoped_session[orm.Session]:
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    return flask_scoped_session(orm.sessionmaker(bind=engine), app)


def test_flask_scoped_session_scopes_and_removes() -> None:
    """A standalone ``flask_scoped_session`` gives one session per context and closes it."""
    app = Flask(__name__)
    scoped = _plain_scoped(app)
    with app.app_context():
        session = scoped()
        assert scoped() is session
        with app.app_context():
            assert scoped() is not session
        session.execute(sa.text("SELECT 1"))
        assert session.in_transaction()
    assert not session.in_transaction()


def test_flask_scoped_session_init_app_later() -> None:
    """``init_app`` registers an app after construction (app factory pattern)."""
    scoped = _plain_scoped()
    app = Flask(__name__)
    scoped.init_app(app)
    with app.app_context():
        assert isinstance(scoped(), orm.Session)


def test_flask_scoped_session_unregistered_app_raises() -> None:
    """An app never passed to ``init_app`` gets an error naming ``init_app``, not a leak."""
    scoped = _plain_scoped(Flask("registered"))
    with Flask("other").app_context(), pytest.raises(RuntimeError, match="init_app"):
        scoped()


def test_current_session_proxies_registered_session() -> None:
    """``current_session`` is the scoped session registered on the current app."""
    app = Flask(__name__)
    scoped = _plain_scoped(app)
    with app.app_context():
        assert current_session() is scoped()
        assert current_session.execute(sa.text("SELECT 1")).scalar() == 1


def test_current_session_follows_facade(app: Flask) -> None:
    """With the facade, ``current_session`` is ``db.session``, also after reassignment."""
    db = fss_compat.SQLAlchemy(app)
    with app.app_context():
        assert current_session() is db.session()
    db.session = db._make_scoped_session({})
    with app.app_context():
        assert current_session() is db.session()


def test_current_session_errors() -> None:
    """Outside a context, or in an app with no session registered, ``current_session`` raises."""
    with pytest.raises(RuntimeError, match="app_context"):
        current_session()
    with Flask(__name__).app_context(), pytest.raises(RuntimeError, match="init_app"):
        current_session()


class _DyingConnection(sqlite3.Connection):
    """A SQLite connection whose rollback fails once ``dead`` is set, like a lost server."""

    dead = False

    def rollback(self) -> None:
        if _DyingConnection.dead:
            raise sqlite3.OperationalError("server closed the connection unexpectedly")
        super().rollback()


@pytest.mark.difference("teardown-survives-dead-connection")
def test_teardown_survives_dead_connection(
    impl: t.Any, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed rollback at teardown raises upstream; here it is logged and the session dropped."""

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(":memory:", factory=_DyingConnection, check_same_thread=False)

    db = impl.SQLAlchemy(app, engine_options={"creator": connect})
    context: AppContext | None = app.app_context()
    assert context is not None
    context.push()
    try:
        db.session.execute(sa.text("SELECT 1"))
        _DyingConnection.dead = True
        if impl.is_fsa:
            with pytest.raises(sa.exc.OperationalError):
                context.pop()
            context = None
            _DyingConnection.dead = False
            with app.app_context():
                db.session.remove()
        else:
            context.pop()
            context = None
            assert "teardown failed" in caplog.text
            with app.app_context():
                assert not db.session.registry.has()
    finally:
        _DyingConnection.dead = False
        if context is not None:
            context.pop()
        with app.app_context():
            db.engine.dispose()
