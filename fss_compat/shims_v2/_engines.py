"""Reproduces Flask-SQLAlchemy 2.5.1's engine handling: the per-app state and its connectors.

``app.extensions["sqlalchemy"]`` is a :class:`_SQLAlchemyState` holding the ``db`` and one
:class:`_EngineConnector` per bind key. A connector reads the app's config when its engine
is first asked for, and makes a new engine whenever the URI or ``SQLALCHEMY_ECHO`` changed
since: config set after ``SQLAlchemy(app)`` still counts, as in 2.x. Engine options come,
lowest first, from 2.x's pool config keys, 2.x's driver defaults, ``SQLALCHEMY_ECHO``,
``SQLALCHEMY_ENGINE_OPTIONS`` and the constructor's ``engine_options``.

Known differences from Flask-SQLAlchemy 2.5.1: none.
"""

from __future__ import annotations

import os
import threading
import typing as t
import warnings

import sqlalchemy as sa
from flask import Flask

from fss_compat import legacy
from fss_compat.shims_v2._record import _EngineDebuggingSignalEvents
from fss_compat.shims_v2._record import _record_queries

__all__ = ["get_state"]

EngineOptions = dict[str, t.Any]

_NOT_REGISTERED = (
    "The sqlalchemy extension was not registered to the current application.  Please make"
    " sure to call init_app() first."
)


class _Db(t.Protocol):
    """What a connector needs from the 2.5-level ``SQLAlchemy``: its engine hooks."""

    _engine_options: EngineOptions
    _legacy_modes: legacy.Modes

    def apply_pool_defaults(self, app: Flask, options: EngineOptions) -> EngineOptions: ...

    def apply_driver_hacks(
        self, app: Flask, sa_url: sa.engine.URL, options: EngineOptions
    ) -> tuple[sa.engine.URL, EngineOptions]: ...

    def create_engine(
        self, sa_url: sa.engine.URL, engine_opts: EngineOptions
    ) -> sa.engine.Engine: ...


class _SQLAlchemyState:
    """What 2.x kept per app in ``app.extensions["sqlalchemy"]``: the db and its connectors.

    :param db: the ``SQLAlchemy`` object registered on the app.

    .. versionadded:: 0.1.0
    """

    def __init__(self, db: t.Any) -> None:
        self._db = db
        #: Bind key -> :class:`_EngineConnector`, filled as engines are asked for.
        self.connectors: dict[str | None, _EngineConnector] = {}

    @property
    def db(self) -> t.Any:
        """The ``SQLAlchemy`` object registered on the app (3.x: the entry itself)."""
        legacy.check("FSC703", self._db)
        return self._db


def get_state(app: Flask) -> _SQLAlchemyState:
    """The :class:`_SQLAlchemyState` of ``app``.

    :param app: an app a 2.5-level ``SQLAlchemy`` was registered on.
    :raises AssertionError: when none was, with 2.x's message.

    .. versionadded:: 0.1.0
    """
    state = _get_state(app)
    legacy.check("FSC703", state._db, app=app)
    return state


def _get_state(app: Flask) -> _SQLAlchemyState:
    if "sqlalchemy" not in app.extensions:
        raise AssertionError(_NOT_REGISTERED)
    state: _SQLAlchemyState = app.extensions["sqlalchemy"]
    return state


class _EngineConnector:
    """Makes, and remakes when the config changed, the engine of one app and bind key.

    :param db: the ``SQLAlchemy`` object, whose hooks build the options and the engine
        (2.x's first argument, named ``sa`` there).
    :param app: the app whose config is read.
    :param bind: the bind key; ``None`` for ``SQLALCHEMY_DATABASE_URI``.
    """

    def __init__(self, db: _Db, app: Flask, bind: str | None = None) -> None:
        self._sa = db
        self._app = app
        self._engine: sa.engine.Engine | None = None
        self._connected_for: tuple[t.Any, t.Any] | None = None
        self._bind = bind
        self._lock = threading.Lock()

    def get_uri(self) -> t.Any:
        """The URI of this bind in the app's config, read now.

        :raises AssertionError: for a bind key not in ``SQLALCHEMY_BINDS``, with 2.x's message.
        """
        if self._bind is None:
            return self._app.config["SQLALCHEMY_DATABASE_URI"]
        binds: t.Any = self._app.config.get("SQLALCHEMY_BINDS") or ()
        if self._bind not in binds:
            raise AssertionError(
                f"Bind {self._bind!r} is not specified.  Set it in the SQLALCHEMY_BINDS"
                " configuration variable"
            )
        return binds[self._bind]

    def get_engine(self) -> sa.engine.Engine:
        """The engine, made again if the URI or ``SQLALCHEMY_ECHO`` changed since."""
        with self._lock:
            uri = self.get_uri()
            echo = self._app.config["SQLALCHEMY_ECHO"]
            if (uri, echo) == self._connected_for:
                assert self._engine is not None
                return self._engine
            sa_url, options = self.get_options(sa.engine.make_url(uri), echo)
            self._engine = engine = self._sa.create_engine(sa_url, options)
            if _record_queries(self._app):
                _EngineDebuggingSignalEvents(engine, self._app.import_name).register()
            self._connected_for = (uri, echo)
            return engine

    def get_options(
        self, sa_url: sa.engine.URL, echo: t.Any
    ) -> tuple[sa.engine.URL, EngineOptions]:
        """The URL and ``create_engine`` options, with 2.x's precedence."""
        options = self._sa.apply_pool_defaults(self._app, {})
        sa_url, options = self._sa.apply_driver_hacks(self._app, sa_url, options)
        if echo:
            options["echo"] = echo
        configured = self._app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        options.update(configured)
        # The constructor's options win here; 3.x gives the config precedence.
        overridden = configured.keys() & self._sa._engine_options.keys()
        if any(configured[key] != self._sa._engine_options[key] for key in overridden):
            legacy.check("FSC709", self._sa, app=self._app)
        options.update(self._sa._engine_options)
        return sa_url, options


_POOL_KEYS = {
    "pool_size": "SQLALCHEMY_POOL_SIZE",
    "pool_timeout": "SQLALCHEMY_POOL_TIMEOUT",
    "pool_recycle": "SQLALCHEMY_POOL_RECYCLE",
    "max_overflow": "SQLALCHEMY_MAX_OVERFLOW",
}


def apply_pool_defaults(app: Flask, options: EngineOptions) -> EngineOptions:
    """Copy the 2.x pool config keys that are not ``None`` into ``options``."""
    for option, key in _POOL_KEYS.items():
        value = app.config[key]
        if value is not None:
            options[option] = value
    return options


def apply_driver_hacks(
    app: Flask, sa_url: sa.engine.URL, options: EngineOptions, use_native_unicode: bool
) -> tuple[sa.engine.URL, EngineOptions]:
    """2.x's MySQL and SQLite defaults, and ``use_native_unicode``; see the db's method."""
    if sa_url.drivername.startswith("mysql"):
        if "charset" not in sa_url.query:
            legacy.check("FSC711", app=app)
            sa_url = sa_url.update_query_dict({"charset": "utf8"})
        if sa_url.drivername != "mysql+gaerdbms":
            options.setdefault("pool_size", 10)
            options.setdefault("pool_recycle", 7200)
    elif sa_url.drivername == "sqlite":
        pool_size = options.get("pool_size")
        in_memory = sa_url.database in (None, "", ":memory:")
        if in_memory:
            options["poolclass"] = sa.pool.StaticPool
            options.setdefault("connect_args", {})["check_same_thread"] = False
            if pool_size == 0:
                raise RuntimeError(
                    "SQLite in memory database with an empty queue not possible due to data loss."
                )
        elif not pool_size:
            options["poolclass"] = sa.pool.NullPool
        if not in_memory:
            assert sa_url.database is not None
            if not os.path.isabs(sa_url.database):
                legacy.check("FSC711", app=app)
            sa_url = sa_url.set(database=os.path.join(app.root_path, sa_url.database))
    native_unicode = app.config["SQLALCHEMY_NATIVE_UNICODE"]
    if native_unicode is None:
        native_unicode = use_native_unicode
    if not native_unicode:
        options["use_native_unicode"] = False
    if app.config["SQLALCHEMY_NATIVE_UNICODE"] is not None:
        warnings.warn(
            "The 'SQLALCHEMY_NATIVE_UNICODE' config option is deprecated and will be removed in"
            " v3.0.  Use 'SQLALCHEMY_ENGINE_OPTIONS' instead.",
            DeprecationWarning,
            stacklevel=3,
        )
    if not use_native_unicode:
        warnings.warn(
            "'use_native_unicode' is deprecated and will be removed in v3.0.  Use the"
            " 'engine_options' parameter instead.",
            DeprecationWarning,
            stacklevel=3,
        )
    return sa_url, options
