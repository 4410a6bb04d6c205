"""Reproduces Flask-SQLAlchemy 2.5.1's engine API on the ``db``: the app it uses, its engines.

The methods here are 2.5.1's public ones, which apps call and override: ``get_app``,
``get_engine``, ``make_connector``, ``create_engine``, ``apply_driver_hacks``,
``apply_pool_defaults``, ``get_binds``, ``get_tables_for_bind``. The 2.5-level
``SQLAlchemy`` inherits them; the connectors and options they use are ``_engines``'s.
Each is a use of FSC706 when the app's own code calls it (fss_compat calls them too, so
that overrides take effect).

Known differences from Flask-SQLAlchemy 2.5.1: none.
"""

from __future__ import annotations

import sys
import threading
import typing as t

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import has_app_context

from fss_compat import legacy
from fss_compat.core._notes import with_note
from fss_compat.shims_v2 import _engines

__all__: list[str] = []

_NO_APP = (
    "No application found. Either work inside a view function or push an application context."
    " See http://flask-sqlalchemy.pocoo.org/contexts/."
)


def _called_by_app() -> bool:
    """Whether the caller of the public method calling this is the app's code.

    Internal calls go through the public methods too (subclasses override them), so only
    a call from outside fss_compat counts as a use of the 2.x API.
    """
    return not str(sys._getframe(2).f_globals.get("__name__", "")).startswith("fss_compat.")


class _EngineAPI:
    """2.5.1's engine methods of ``SQLAlchemy``; see the module docstring."""

    app: Flask | None
    use_native_unicode: bool
    Model: t.Any
    _engine_lock: threading.Lock
    _engine_options: dict[str, t.Any]
    _legacy_modes: legacy.Modes

    def apply_pool_defaults(self, app: Flask, options: dict[str, t.Any]) -> dict[str, t.Any]:
        """Copy 2.x's ``SQLALCHEMY_POOL_*`` and ``..._MAX_OVERFLOW`` keys into ``options``.

        :param app: the app whose config is read.
        :param options: the ``create_engine`` options, changed in place and returned.
        """
        if _called_by_app():
            legacy.check("FSC706", self, app=app)
        return _engines.apply_pool_defaults(app, options)

    def apply_driver_hacks(
        self, app: Flask, sa_url: sa.engine.URL, options: dict[str, t.Any]
    ) -> tuple[sa.engine.URL, dict[str, t.Any]]:
        """Apply 2.x's driver defaults before the engine is made; returns ``(url, options)``.

        MySQL gets ``charset=utf8``, ``pool_size=10`` and ``pool_recycle=7200``; in-memory
        SQLite a ``StaticPool`` shared by all threads; other SQLite a ``NullPool`` (unless
        a pool size is set) and a path relative to ``app.root_path``. A false
        ``SQLALCHEMY_NATIVE_UNICODE`` (or ``use_native_unicode``) is passed on.

        :param app: the app whose config is read.
        :param sa_url: the database URL.
        :param options: the ``create_engine`` options, changed in place.
        :raises RuntimeError: for in-memory SQLite with ``pool_size`` 0.
        """
        if _called_by_app():
            legacy.check("FSC706", self, app=app)
        return _engines.apply_driver_hacks(app, sa_url, options, self.use_native_unicode)

    def create_engine(
        self, sa_url: sa.engine.URL, engine_opts: dict[str, t.Any]
    ) -> sa.engine.Engine:
        """``sqlalchemy.create_engine(sa_url, **engine_opts)``; override to make engines.

        :param sa_url: the database URL.
        :param engine_opts: the options.
        """
        if _called_by_app():
            legacy.check("FSC706", self)
        return sa.create_engine(sa_url, **engine_opts)

    def make_connector(
        self, app: Flask | None = None, bind: str | None = None
    ) -> _engines._EngineConnector:
        """A new :class:`_EngineConnector` for ``app`` (see :meth:`get_app`) and ``bind``."""
        if _called_by_app():
            legacy.check("FSC706", self)
        return _engines._EngineConnector(self, self.get_app(app), bind)

    def get_app(self, reference_app: Flask | None = None) -> Flask:
        """The app to use: ``reference_app``, else the current app, else the constructor's.

        :param reference_app: an explicit app.
        :raises RuntimeError: when there is none of the three, with 2.x's message.
        """
        if _called_by_app():
            legacy.check("FSC706", self)
        if reference_app is not None:
            return reference_app
        if has_app_context():
            # attr-defined: Flask's proxy types do not show _get_current_object.
            app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
            return app
        if self.app is not None:
            legacy.check("FSC705", self, app=self.app)
            return self.app
        raise with_note(
            RuntimeError(_NO_APP),
            "fss_compat: this 'SQLAlchemy' was not given an app, so it needs an app context:"
            " 'with app.app_context():'.",
        )

    # 2.5.1's signature, whose first argument is the app (3.x: the bind key).
    def get_engine(self, app: Flask | None = None, bind: str | None = None) -> sa.engine.Engine:
        """The engine of ``bind`` for ``app`` (see :meth:`get_app`), made on first use.

        :param app: the app; the current or the constructor's by default.
        :param bind: the bind key; ``None`` for the default database.
        """
        if _called_by_app():
            legacy.check("FSC002", self)
            if app is not None:
                legacy.check("FSC706", self)
        app = self.get_app(app)
        state = _engines._get_state(app)
        with self._engine_lock:
            connector = state.connectors.get(bind)
            if connector is None:
                connector = self.make_connector(app, bind)
                state.connectors[bind] = connector
            return connector.get_engine()

    @property
    def engine(self) -> sa.engine.Engine:
        """The default engine of the current app, or of the constructor's app."""
        return self.get_engine()

    @property
    def engines(self) -> dict[str | None, sa.engine.Engine]:
        """The engines of the app by bind key, as 3.x's ``db.engines`` (a new dict)."""
        app = self.get_app()
        keys = [None, *(app.config.get("SQLALCHEMY_BINDS") or ())]
        return {key: self.get_engine(app, key) for key in keys}

    def get_tables_for_bind(self, bind: str | None = None) -> list[sa.Table]:
        """The tables of ``db.metadata`` whose ``info["bind_key"]`` is ``bind``.

        :param bind: the bind key.
        """
        if _called_by_app():
            legacy.check("FSC706", self)
        tables = self.Model.metadata.tables.values()
        return [table for table in tables if table.info.get("bind_key") == bind]

    def get_binds(self, app: Flask | None = None) -> dict[sa.Table, sa.engine.Engine]:
        """Every table mapped to its bind's engine, for ``sessionmaker(binds=...)``.

        :param app: the app; the current or the constructor's by default.
        """
        if _called_by_app():
            legacy.check("FSC706", self)
        app = self.get_app(app)
        binds: dict[sa.Table, sa.engine.Engine] = {}
        for bind in [None, *(app.config.get("SQLALCHEMY_BINDS") or ())]:
            engine = self.get_engine(app, bind)
            binds.update((table, engine) for table in self.get_tables_for_bind(bind))
        return binds

    def _execute_for_all_tables(
        self, app: Flask | None, bind: t.Any, operation: str, skip_tables: bool = False
    ) -> None:
        app = self.get_app(app)
        if bind == "__all__":
            binds = [None, *(app.config.get("SQLALCHEMY_BINDS") or ())]
        elif isinstance(bind, str) or bind is None:
            binds = [bind]
        else:
            binds = bind
        for key in binds:
            extra = {} if skip_tables else {"tables": self.get_tables_for_bind(key)}
            getattr(self.Model.metadata, operation)(bind=self.get_engine(app, key), **extra)
