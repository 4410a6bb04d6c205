"""Where an app's sessions find their engines, and how isolation points them elsewhere.

Three kinds, one :class:`Routes`:

* ``facade``: fss_compat's ``SQLAlchemy`` or Flask-SQLAlchemy 3.x's; its sessions read
  the live ``db.engines`` mapping at each query;
* ``v2``: fss_compat's Flask-SQLAlchemy 2.5 level (``fss_compat.shims_v2``); ``db.engine``,
  ``db.get_engine()`` and its sessions ask the app's engine connectors, which hand out the
  engine they keep;
* ``factory``: a plain ``sessionmaker``, whose sessions get its ``bind`` and ``binds``
  when they are created.
"""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Mapping

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import current_app
from flask import has_app_context

from fss_compat.core.scoping import EXTENSION_KEY
from fss_compat.testing._connections import IsolationError

__all__ = ["Routes", "SQLAlchemyLike", "target_of"]


class SQLAlchemyLike(t.Protocol):
    """What isolation needs of a ``db``: fss_compat's ``SQLAlchemy`` or Flask-SQLAlchemy's.

    .. versionadded:: 0.1.0
    """

    session: orm.scoped_session[t.Any]

    @property
    def engines(self) -> Mapping[str | None, sa.Engine]: ...


Target = t.Union[SQLAlchemyLike, orm.scoped_session[t.Any]]  # noqa: UP007 (runtime alias)


class Routes:
    """Where the sessions find their engines, and how to point that at the test's connections.

    A facade's sessions read the live ``db.engines`` mapping at each query; a plain
    sessionmaker's sessions get its ``bind`` and ``binds`` when they are created.
    """

    _MODE = "join_transaction_mode"
    #: Each session joins the test's transaction through a savepoint of its own, so its
    #: commit and rollback end that savepoint only (SQLAlchemy 2.0's "create_savepoint").
    JOIN = "create_savepoint"

    def __init__(self, app: Flask, target: Target) -> None:
        self._connectors: dict[t.Any, t.Any] = {}
        if _v2_state(target) is None and _v2_state(app.extensions.get("sqlalchemy")):
            if app.extensions["sqlalchemy"]._db is target:  # the 2.5-level db itself
                target = app.extensions["sqlalchemy"]
        state = _v2_state(target)
        if state is not None:
            self.kind = "v2"
            db: t.Any = state._db
            for key in [None, *(app.config.get("SQLALCHEMY_BINDS") or ())]:
                db.get_engine(app, key)  # makes the connector, as the first query would
            target = db
            self._connectors = dict(state.connectors)
        elif isinstance(target, orm.scoped_session):
            self.kind = "factory"
        elif hasattr(type(target), "engines") and hasattr(target, "session"):
            self.kind = "facade"
        else:
            raise IsolationError(
                f"Isolation needs a 'SQLAlchemy' object or a scoped session, not {target!r}."
                " Pass 'db', or the 'flask_scoped_session' the app uses."
            )
        self.facade = self.kind != "factory"
        self.scoped: orm.scoped_session[t.Any]
        self.scoped = t.cast(SQLAlchemyLike, target).session if self.facade else target  # type: ignore[assignment]
        factory = self.scoped.session_factory
        if not isinstance(factory, orm.sessionmaker):
            raise IsolationError(
                f"The scoped session's factory {factory!r} is not a 'sessionmaker', so"
                " isolation cannot bind its sessions. Create it from"
                " 'sqlalchemy.orm.sessionmaker(...)'."
            )
        self.factory: orm.sessionmaker[t.Any] = factory
        self._saved = {k: v for k, v in factory.kw.items() if k in ("bind", "binds", self._MODE)}
        # The live mapping, whose values are Engines except while the test runs.
        self._live: dict[t.Any, t.Any] = {}
        if self.kind == "facade":
            self._live = facade_engines(app, t.cast(SQLAlchemyLike, target))
        self.by_key: dict[t.Any, t.Any] = self._current()
        if not self.by_key:
            raise IsolationError(
                f"The sessionmaker {factory!r} has no 'bind' or 'binds', so there is no"
                " engine to isolate. Configure it first (Session.configure(bind=engine))."
            )
        self._expected: dict[t.Any, t.Any] = {}

    def _current(self) -> dict[t.Any, t.Any]:
        """The bind of each key the sessions route with now."""
        if self.kind == "facade":
            return dict(self._live)
        if self.kind == "v2":
            # The engine a connector hands out while the app's config is unchanged (our
            # own class, fss_compat.shims_v2._engines._EngineConnector).
            return {key: connector._engine for key, connector in self._connectors.items()}
        kw = self.factory.kw
        found = {None: kw.get("bind"), **kw.get("binds", {})}
        return {key: bind for key, bind in found.items() if bind is not None}

    def _set(self, binds: Mapping[t.Any, t.Any]) -> None:
        if self.kind == "facade":
            self._live.update(binds)
        elif self.kind == "v2":
            for key, bind in binds.items():
                self._connectors[key]._engine = bind
        else:
            kw = self.factory.kw
            kw["binds"] = {key: bind for key, bind in binds.items() if key is not None}
            if None in binds:
                kw["bind"] = binds[None]

    def engines(self) -> list[sa.Engine]:
        """The distinct engines the sessions use, each once.

        :raises IsolationError: when a bind is not an Engine.
        """
        for key, engine in self.by_key.items():
            if not isinstance(engine, sa.Engine):
                raise IsolationError(
                    f"The bind {key!r} is {engine!r}, not an Engine: something already routes"
                    " the sessions to a connection (a hand-written fixture, or an isolation"
                    " that was not stopped?). Remove it; the isolation opens its own."
                )
        return list(dict.fromkeys(self.by_key.values()))

    def route(self, connections: Mapping[sa.Engine, sa.Connection]) -> None:
        self._expected = {key: connections[engine] for key, engine in self.by_key.items()}
        self.factory.kw[self._MODE] = self.JOIN
        self._set(self._expected)

    def restore(self) -> list[str]:
        """Put the engines back; what the test changed in the routing meanwhile."""
        current = self._current()
        changed = [
            key
            for key in {**current, **self._expected}
            if current.get(key) is not self._expected.get(key)
        ]
        problems = []
        if changed:
            where = {
                "facade": "'db.engines'",
                "v2": "The app's engine connectors",
                "factory": f"The sessionmaker {self.factory!r}",
            }[self.kind]
            problems.append(
                f"{where} changed during the test (bind keys {changed!r}): engines created"
                " during the test are not isolated (an app created inside it?). Create the"
                " app before the isolation starts."
            )
        if self.facade:
            self._set(self.by_key)
        kw = self.factory.kw
        for name in ("bind", "binds", self._MODE):
            kw.pop(name, None)
        kw.update(self._saved)
        return problems


def _v2_state(target: object) -> t.Any:
    """``target`` if it is a 2.5-level app state (``app.extensions["sqlalchemy"]``), else None."""
    # Only loaded when an app uses the 2.5 level; then it is in sys.modules already.
    module = sys.modules.get("fss_compat.shims_v2._engines")
    return target if module is not None and isinstance(target, module._SQLAlchemyState) else None


def facade_engines(app: Flask, db: SQLAlchemyLike) -> dict[str | None, sa.Engine]:
    """The live ``db.engines`` mapping of ``app``, which its sessions route with."""
    if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
        return db.engines  # type: ignore[return-value]
    # The mapping outlives the context pushed to read it: it is the app's own dict.
    with app.app_context():
        return db.engines  # type: ignore[return-value]


def target_of(app: Flask) -> Target:
    """The ``db`` registered on ``app``, else its ``flask_scoped_session``."""
    found = app.extensions.get("sqlalchemy")
    if found is None:
        found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        raise IsolationError(
            f"{app!r} has no 'SQLAlchemy' or 'flask_scoped_session' registered, so there is"
            " nothing to isolate. Call 'init_app(app)' before the isolation starts, or pass"
            " the session: isolate(app, session)."
        )
    return t.cast(Target, found)
