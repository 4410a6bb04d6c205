"""Per-test isolation: every session an app opens works inside one transaction per bind.

``with isolate(app) as isolation:`` opens one connection per engine of the app (every bind
key), begins a transaction on each, and routes every session the app opens meanwhile
(request handlers run by ``app.test_client()``, CLI commands run by
``app.test_cli_runner()``, test code using the session, ``db.sessionmaker()``) to those
connections, each session inside a savepoint of its own. ``commit()``, ``rollback()``,
``begin_nested()`` and errors behave as in production; at the end everything is rolled
back, whatever happened. The same object works in a ``unittest`` ``setUp`` (``start()``)
and ``tearDown`` (``stop()``); the pytest plugin wraps it as the ``fss_isolation`` fixture.

What it isolates is found on the app: the ``SQLAlchemy`` object registered on it (this
package's facade, also when served as ``flask_sqlalchemy`` by ``pytest --fss-compat``, or
Flask-SQLAlchemy 3.1's own), whose ``db.engines`` mapping gets the test's connections (as
Flask-SQLAlchemy's maintainers suggest in its issue #1171), or the 2.5 level's engine
connectors; otherwise the app's :class:`~fss_compat.flask_scoped_session`, whose
``sessionmaker`` is bound to them.

Limits (docs/testing.md lists each with the test that covers it): sequences are not
rolled back; MySQL, MariaDB and Oracle commit on DDL and are refused
(:func:`commits_on_ddl`); another connection, such as a live server in another process,
does not see the test's rows, and a thread other than the test's that uses its connection
gets an :class:`IsolationError`; code that takes connections from ``db.engine`` itself gets
the test's ``Connection``, which has no ``connect()``.
"""

from __future__ import annotations

import threading
import types
import typing as t
import weakref
from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import current_app
from flask import has_app_context

from fss_compat.testing._connections import IsolationError
from fss_compat.testing._connections import TestConnection
from fss_compat.testing._connections import commits_on_ddl
from fss_compat.testing._routes import Routes
from fss_compat.testing._routes import SQLAlchemyLike
from fss_compat.testing._routes import target_of

__all__ = ["Isolation", "IsolationError", "SQLAlchemyLike", "commits_on_ddl", "isolate"]


#: The isolation active on each session factory. Process-wide on purpose: the factory is
#: shared by every app a ``db`` serves, so two isolations of it would overwrite each other.
_ACTIVE: weakref.WeakKeyDictionary[orm.sessionmaker[t.Any], Isolation] = weakref.WeakKeyDictionary()


class Isolation:
    """Per-test isolation of one app's sessions; see the module for what it does.

    Use it as a context manager, or call :meth:`start` and :meth:`stop` (``unittest``'s
    ``setUp`` and ``tearDown``, or ``addCleanup``). Create it with :func:`isolate`.

    :param app: the app whose sessions to isolate; by default the current app.
    :param target: the ``db`` or ``flask_scoped_session`` to isolate; by default the one
        registered on ``app`` (a ``SQLAlchemy`` object first).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        app: Flask | None = None,
        target: SQLAlchemyLike | orm.scoped_session[t.Any] | None = None,
    ) -> None:
        self._app = app
        self._target = target
        self._routes: Routes | None = None
        self._test_connections: list[TestConnection] = []
        self._problems: list[str] = []
        self._lock = threading.Lock()

    @property
    def app(self) -> Flask:
        """The isolated app."""
        return self._started().app

    @property
    def session(self) -> orm.scoped_session[t.Any]:
        """The isolated scoped session: ``db.session``, or the app's ``flask_scoped_session``."""
        return self._started().routes.scoped

    @property
    def connections(self) -> Mapping[sa.Engine, sa.Connection]:
        """The test's connection to each engine, by the engine it came from."""
        return types.MappingProxyType({c.engine: c.connection for c in self._test_connections})

    def _started(self) -> _Started:
        if self._routes is None or self._app is None:
            raise IsolationError(f"{self!r} is not started. Call 'start()' or use 'with'.")
        return _Started(self._app, self._routes)

    def _report(self, message: str) -> None:
        with self._lock:
            self._problems.append(message)

    def start(self) -> Isolation:
        """Open the connections and route the app's sessions to them.

        :raises IsolationError: outside an app context without ``app``, on an app with
            nothing to isolate, when an isolation of the same sessions is active, when the
            current context's session is already in a transaction, or on a database whose
            DDL commits (:func:`commits_on_ddl`).
        """
        if self._routes is not None:
            raise IsolationError(f"{self!r} is already started; isolations do not nest.")
        if self._app is None:
            if not has_app_context():
                raise IsolationError(
                    "Isolation needs the Flask app, and no application context is active."
                    " Pass it: isolate(app), or start inside 'with app.app_context():'."
                )
            self._app = current_app._get_current_object()  # type: ignore[attr-defined]
        assert self._app is not None
        target = target_of(self._app) if self._target is None else self._target
        routes = Routes(self._app, target)
        active = _ACTIVE.get(routes.factory)
        if active is not None:
            raise IsolationError(
                f"The sessions of {active._app!r} are already isolated; isolations do not"
                " nest. Use the active one (the 'fss_isolation' fixture), or stop it first."
            )
        engines = routes.engines()
        for engine in engines:
            if commits_on_ddl(engine.dialect.name):
                raise IsolationError(
                    f"Per-test rollback cannot isolate {engine.url!r}: {engine.dialect.name}"
                    " commits the transaction on every DDL statement (create_all, ALTER,"
                    " TRUNCATE), which would keep the test's rows. Empty the tables after each"
                    " test instead (docs/testing.md)."
                )
        self._check_current_session(routes)
        try:
            for engine in engines:
                self._test_connections.append(TestConnection(engine, self._report))
            routes.route(self.connections)
        except BaseException:
            for connection in self._test_connections:
                connection.end()
            self._test_connections.clear()
            raise
        sa.event.listen(routes.factory, "after_begin", self._check_bind)
        _ACTIVE[routes.factory] = self
        self._routes = routes
        return self

    def _check_current_session(self, routes: Routes) -> None:
        if not (has_app_context() and routes.scoped.registry.has()):
            return
        if routes.scoped.registry().in_transaction():
            raise IsolationError(
                "The current app context's session is already in a transaction, on a"
                " connection outside the isolation. Start the isolation before the test's"
                " first database use, or call 'session.remove()' first."
            )
        # Its binds were fixed when it was created; the next one gets the test's.
        routes.scoped.remove()

    def _check_bind(self, session: orm.Session, transaction: t.Any, conn: sa.Connection) -> None:
        if any(conn is c.connection for c in self._test_connections):
            return
        message = (
            f"A session began a transaction on {conn.engine.url!r}, which is not one of the"
            " test's connections: its writes would outlive the test. An engine created"
            " during the test (an app created inside it?) or an explicit 'bind=' is not"
            " isolated: create the app before the isolation starts."
        )
        self._report(message)
        raise IsolationError(message)

    def stop(self) -> None:
        """Roll back and close everything, put the engines back, raise what went wrong.

        :raises IsolationError: when the test escaped or broke its transaction (every
            problem is in the message), after everything was rolled back.
        """
        routes = self._routes
        if routes is None:
            raise IsolationError(f"{self!r} is not started, so it cannot be stopped.")
        try:
            if has_app_context() and routes.scoped.registry.has():
                routes.scoped.remove()
        finally:
            self._routes = None
            sa.event.remove(routes.factory, "after_begin", self._check_bind)
            _ACTIVE.pop(routes.factory, None)
            problems = routes.restore()
            for connection in self._test_connections:
                problems += connection.end()
            self._test_connections.clear()
        problems = [*dict.fromkeys([*self._problems, *problems])]
        self._problems.clear()
        if problems:
            raise IsolationError(
                "The isolation rolled everything back, but the test broke it:\n- "
                + "\n- ".join(problems)
            )

    def __enter__(self) -> Isolation:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Started(t.NamedTuple):
    app: Flask
    routes: Routes


def isolate(
    app: Flask | None = None, target: SQLAlchemyLike | orm.scoped_session[t.Any] | None = None
) -> Isolation:
    """Isolate ``app``'s sessions in one transaction per engine, rolled back at the end.

    ``with isolate(app) as isolation:``, or ``start()`` and ``stop()``; see
    :class:`Isolation`.

    :param app: the app; by default the current app.
    :param target: the ``db`` or ``flask_scoped_session``; by default the one on ``app``.

    .. versionadded:: 0.1.0
    """
    return Isolation(app, target)
