"""Reproduces Flask-SQLAlchemy 2.5.1's ``SQLAlchemy`` class: the ``db`` object at the 2.5 level.

A subclass of the 3.1 ``SQLAlchemy`` (so ``db.Column``, ``db.Table``, ``db.relationship``,
and 3.x's ``db.get_or_404``, ``db.paginate``, ``db.engines``, ``db.sessionmaker`` work too,
and an app can move its call sites to 3.x forms before switching levels) with 2.x's own
behaviour where 2.x differs:

* one ``db.metadata`` for every bind; ``__bind_key__`` goes into ``Table.info["bind_key"]``;
* ``db.session`` is a ``scoped_session`` per thread (or greenlet, when ``greenlet`` is
  installed, as 2.x decided at import) of :class:`SignallingSession`, removed at every
  app-context teardown. With ``SQLAlchemy(app)``, the session, ``Model.query`` and
  ``db.engine`` work without an app context: they use that app;
* engines are made on first use from the config as it is then (see ``_engines``), through
  2.x's engine API (``get_engine(app, bind)``, ``apply_driver_hacks``, ..., in
  ``_engine_api``);
* 2.x's config keys, defaults, warnings and session hooks (``create_session``, ...).

Known differences from Flask-SQLAlchemy 2.5.1 (also in docs/differences.md):
``v2-db-superset`` (the 3.x API is there too), ``v2-no-warning-filter`` (no
``warnings.simplefilter`` at import) and ``teardown-survives-dead-connection``.
"""

from __future__ import annotations

import importlib
import threading
import typing as t
import warnings

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import has_app_context

from fss_compat import legacy
from fss_compat.core.scoping import flask_scoped_session
from fss_compat.core.scoping import remove_session
from fss_compat.shims import extension
from fss_compat.shims.query import Query
from fss_compat.shims_v2 import _engines
from fss_compat.shims_v2 import utils
from fss_compat.shims_v2._engine_api import _called_by_app
from fss_compat.shims_v2._engine_api import _EngineAPI
from fss_compat.shims_v2._query import BaseQuery
from fss_compat.shims_v2._query import _QueryProperty
from fss_compat.shims_v2._session import SignallingSession
from fss_compat.shims_v2.model import DefaultMeta
from fss_compat.shims_v2.model import Model

__all__ = ["FSADeprecationWarning", "SQLAlchemy"]

# 2.x scoped the session to the current greenlet when greenlet is importable, else the
# thread: decided once, at import, as 2.x did.
_ident_func: t.Callable[[], object]
try:
    _ident_func = importlib.import_module("greenlet").getcurrent
except ImportError:
    _ident_func = threading.get_ident

_MISSING: t.Any = object()
_ENGINE_HOOKS = frozenset(
    {"apply_driver_hacks", "apply_pool_defaults", "create_engine", "get_engine", "make_connector"}
)
_SESSION_HOOKS = frozenset({"create_scoped_session", "create_session", "make_declarative_base"})


class FSADeprecationWarning(DeprecationWarning):
    """Flask-SQLAlchemy 2.x's warning for its deprecated features.

    .. versionadded:: 0.1.0
    """


# misc: get_engine keeps 2.5.1's signature, whose first argument is the app (see _EngineAPI).
class SQLAlchemy(_EngineAPI, extension.SQLAlchemy):  # type: ignore[misc]
    """Flask-SQLAlchemy 2.5.1's extension object, on SQLAlchemy 2.x and Flask 3.

    ``from fss_compat.shims_v2 import SQLAlchemy`` is the ``db`` of the 2.5 level, also
    without the ``flask_sqlalchemy`` alias. Arguments have 2.5.1's order and meaning.

    :param app: the app to register now; also the app used outside an app context.
    :param use_native_unicode: deprecated in 2.x: ``False`` passes
        ``use_native_unicode=False`` to ``create_engine``.
    :param session_options: ``sessionmaker`` arguments; a ``scopefunc`` key replaces the
        thread scope. Changed in place, as 2.x.
    :param metadata: the ``MetaData`` of ``db.Model``.
    :param query_class: the query class of ``Model.query``, ``db.session.query`` and
        dynamic relationships.
    :param model_class: a ``Model`` subclass, or a class made by ``declarative_base``.
    :param engine_options: ``create_engine`` options, which win over the config's.
    :param legacy_modes: modes for legacy features (fss_compat only), as for the 3.1
        level's ``SQLAlchemy``.

    .. versionadded:: 0.1.0
    """

    session: flask_scoped_session[t.Any]

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # Overriding these is 2.x's way to customise engines and sessions.
        if _ENGINE_HOOKS & vars(cls).keys():
            legacy.check("FSC706")
        if _SESSION_HOOKS & vars(cls).keys():
            legacy.check("FSC707")

    def __init__(
        self,
        app: Flask | None = None,
        use_native_unicode: bool = True,
        session_options: dict[str, t.Any] | None = None,
        metadata: sa.MetaData | None = None,
        query_class: type[Query] = BaseQuery,
        model_class: type[t.Any] = Model,
        engine_options: dict[str, t.Any] | None = None,
        *,
        legacy_modes: t.Mapping[str, str] | str | None = None,
    ) -> None:
        self.use_native_unicode = use_native_unicode
        self.app = app
        self._engine_lock = threading.Lock()
        self._metadata_argument = metadata
        super().__init__(
            None,
            session_options={} if session_options is None else session_options,
            query_class=query_class,
            model_class=model_class,
            engine_options=engine_options or {},
            add_models_to_shell=False,
            legacy_modes=legacy_modes,
        )
        if not use_native_unicode:
            legacy.check("FSC709", self)
        if app is not None:
            self.init_app(app)

    # The 3.1 constructor's steps, done the 2.x way.

    def _make_scoped_session(self, options: dict[str, t.Any]) -> flask_scoped_session[t.Any]:
        return self.create_scoped_session(options)

    def _make_declarative_base(
        self, model_class: type[t.Any], disable_autonaming: bool = False
    ) -> type[t.Any]:
        if issubclass(model_class, (orm.DeclarativeBase, orm.DeclarativeBaseNoMeta)):
            raise TypeError(
                f"'model_class' {model_class!r} is a SQLAlchemy 2.x declarative base, which"
                " Flask-SQLAlchemy 2.x does not accept. Use the 3.1 level's 'SQLAlchemy'"
                " (fss_compat.SQLAlchemy) for it."
            )
        model = self.make_declarative_base(model_class, self._metadata_argument)
        self._metadatas: dict[str | None, sa.MetaData] = {None: model.metadata}
        model.__fsa__ = self
        return model

    def _make_metadata(self, bind_key: str | None) -> sa.MetaData:
        # One metadata for every bind key: 2.x tells tables apart by info["bind_key"].
        return self._metadatas[None]

    @property
    def metadatas(self) -> dict[str | None, sa.MetaData]:
        """Not at the 2.5 level: 2.5.1 has no ``db.metadatas``.

        Extensions tell 2.x from 3.x by it: Flask-Migrate's multi-database ``env.py`` reads
        ``db.metadatas[bind]`` where it exists, and ``Table.info["bind_key"]`` otherwise.

        :raises AttributeError: always.
        """
        raise AttributeError("metadatas")

    @metadatas.setter
    def metadatas(self, value: dict[str | None, sa.MetaData]) -> None:
        # The 3.1 constructor sets it; the 2.5 level keeps its one metadata privately.
        self._metadatas = value

    def _make_table_class(self) -> type[t.Any]:
        base = super()._make_table_class()

        # valid-type, misc: the base is the class the 3.1 db made at run time.
        class Table(base):  # type: ignore[valid-type,misc]
            def __new__(
                cls, *args: t.Any, bind_key: str | None = None, info: t.Any = None, **kwargs: t.Any
            ) -> t.Any:
                # 2.x marks every db.Table with a bind key (None unless given).
                info = info or {}
                info.setdefault("bind_key", bind_key)
                return super().__new__(cls, *args, info=info, **kwargs)

        return Table

    @property
    def metadata(self) -> sa.MetaData:
        """The metadata of ``db.Model``, which holds the tables of every bind key."""
        metadata: sa.MetaData = self.Model.metadata
        return metadata

    # 2.x's override points, with 2.x's signatures.

    def create_scoped_session(
        self, options: dict[str, t.Any] | None = None
    ) -> flask_scoped_session[t.Any]:
        """A ``scoped_session`` of :meth:`create_session`'s factory, per thread or greenlet.

        :param options: ``sessionmaker`` arguments; ``scopefunc`` replaces the scope.
        """
        if _called_by_app():
            legacy.check("FSC707", self)
        options = {} if options is None else options
        scopefunc = options.pop("scopefunc", _ident_func)
        options.setdefault("query_cls", self.Query)
        session = flask_scoped_session(self.create_session(options), scopefunc=scopefunc)
        for app in list(self._app_engines):
            session.init_app(app, remove_at_teardown=False)
        return session

    def create_session(self, options: dict[str, t.Any]) -> orm.sessionmaker[t.Any]:
        """The session factory: a ``sessionmaker`` of :class:`SignallingSession`.

        :param options: ``sessionmaker`` arguments.
        """
        if _called_by_app():
            legacy.check("FSC707", self)
        return orm.sessionmaker(class_=SignallingSession, db=self, **options)

    def make_declarative_base(
        self, model: type[t.Any], metadata: sa.MetaData | None = None
    ) -> type[t.Any]:
        """Make ``db.Model`` from ``model`` (or use it, if it is already declarative).

        :param model: a ``Model`` subclass, or a class made by ``declarative_base``.
        :param metadata: the ``MetaData`` to use.
        """
        if _called_by_app():
            legacy.check("FSC707", self)
        if not isinstance(model, orm.DeclarativeMeta):
            model = orm.declarative_base(
                cls=model, name="Model", metadata=metadata, metaclass=DefaultMeta
            )
        if metadata is not None and model.metadata is not metadata:
            model.metadata = metadata
        if not getattr(model, "query_class", None):
            model.query_class = self.Query
        model.query = _QueryProperty(self)
        return model

    def init_app(self, app: Flask) -> None:
        """Register ``app``: set 2.x's config defaults, warn about deprecated keys.

        Engines are made later, on first use. Registering an app again replaces its state.

        :param app: the Flask application.
        """
        config = app.config
        if "SQLALCHEMY_DATABASE_URI" not in config and "SQLALCHEMY_BINDS" not in config:
            warnings.warn(
                "Neither SQLALCHEMY_DATABASE_URI nor SQLALCHEMY_BINDS is set. Defaulting"
                ' SQLALCHEMY_DATABASE_URI to "sqlite:///:memory:".',
                stacklevel=2,
            )
            legacy.check("FSC712", self, app=app)
        config.setdefault("SQLALCHEMY_DATABASE_URI", "sqlite:///:memory:")
        config.setdefault("SQLALCHEMY_BINDS", None)
        config.setdefault("SQLALCHEMY_NATIVE_UNICODE", None)
        config.setdefault("SQLALCHEMY_ECHO", False)
        config.setdefault("SQLALCHEMY_RECORD_QUERIES", None)
        for key in ("POOL_SIZE", "POOL_TIMEOUT", "POOL_RECYCLE", "MAX_OVERFLOW"):
            config.setdefault(f"SQLALCHEMY_{key}", None)
        config.setdefault("SQLALCHEMY_COMMIT_ON_TEARDOWN", False)
        track_modifications = config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", None)
        config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        if track_modifications is None:
            warnings.warn(
                FSADeprecationWarning(
                    "SQLALCHEMY_TRACK_MODIFICATIONS adds significant overhead and will be"
                    " disabled by default in the future.  Set it to True or False to suppress"
                    " this warning."
                ),
                stacklevel=2,
            )
        for option, key in _engines._POOL_KEYS.items():
            utils.engine_config_warning(config, "3.0", key, option)
        app.extensions["sqlalchemy"] = _engines._SQLAlchemyState(self)
        legacy.attach_app(app, self, config.get("FSS_LEGACY"))
        self._app_engines.setdefault(app, {})
        if isinstance(self.session, flask_scoped_session):
            self.session.init_app(app, remove_at_teardown=False)
        if track_modifications is None:
            legacy.check("FSC712", self, app=app)
        elif track_modifications:
            legacy.check("FSC603", self, app=app)
        if config["SQLALCHEMY_NATIVE_UNICODE"] is not None or any(
            config[key] is not None for key in _engines._POOL_KEYS.values()
        ):
            legacy.check("FSC709", self, app=app)

        def shutdown_session(response_or_exc: BaseException | None) -> None:
            if app.config["SQLALCHEMY_COMMIT_ON_TEARDOWN"]:
                legacy.check("FSC708", self, app=app)
                warnings.warn(
                    "'COMMIT_ON_TEARDOWN' is deprecated and will be removed in version 3.1."
                    " Call 'db.session.commit()'` directly instead.",
                    DeprecationWarning,
                    stacklevel=2,
                )
                if response_or_exc is None:
                    self.session.commit()
            remove_session(self.session)

        app.teardown_appcontext(shutdown_session)

    def _bind_argument(self, bind_key: t.Any, bind: t.Any, app: Flask | None) -> t.Any:
        if bind is not _MISSING or app is not None:
            legacy.check("FSC714", self)
        if bind is _MISSING:
            return bind_key
        if bind_key != "__all__":
            raise TypeError("Pass the bind key as 'bind' (2.x) or 'bind_key' (3.x), not both.")
        return bind

    def create_all(
        self, bind_key: t.Any = "__all__", app: Flask | None = None, *, bind: t.Any = _MISSING
    ) -> None:
        """Create the missing tables of every bind key, or of the given one(s).

        :param bind_key: ``"__all__"``, a key or a list of keys (2.x named it ``bind``).
        :param app: the app (2.x); the current or the constructor's by default.
        :param bind: 2.x's name of ``bind_key``.
        """
        self._execute_for_all_tables(app, self._bind_argument(bind_key, bind, app), "create_all")

    def drop_all(
        self, bind_key: t.Any = "__all__", app: Flask | None = None, *, bind: t.Any = _MISSING
    ) -> None:
        """Drop the tables of every bind key, or of the given one(s).

        :param bind_key: ``"__all__"``, a key or a list of keys (2.x named it ``bind``).
        :param app: the app (2.x); the current or the constructor's by default.
        :param bind: 2.x's name of ``bind_key``.
        """
        self._execute_for_all_tables(app, self._bind_argument(bind_key, bind, app), "drop_all")

    def reflect(
        self, bind_key: t.Any = "__all__", app: Flask | None = None, *, bind: t.Any = _MISSING
    ) -> None:
        """Reflect the tables of every bind key's database, or of the given one(s).

        :param bind_key: ``"__all__"``, a key or a list of keys (2.x named it ``bind``).
        :param app: the app (2.x); the current or the constructor's by default.
        :param bind: 2.x's name of ``bind_key``.
        """
        bind_key = self._bind_argument(bind_key, bind, app)
        self._execute_for_all_tables(app, bind_key, "reflect", skip_tables=True)

    def __repr__(self) -> str:
        url = self.engine.url if self.app is not None or has_app_context() else None
        return f"<{type(self).__name__} engine={url!r}>"


class _BoundDeclarativeMeta(DefaultMeta):
    """2.x's old name of :class:`~fss_compat.shims_v2.model.DefaultMeta`, deprecated there."""

    def __init__(cls, name: str, bases: tuple[type, ...], d: dict[str, t.Any], **kw: t.Any) -> None:
        warnings.warn(
            FSADeprecationWarning(
                '"_BoundDeclarativeMeta" has been renamed to "DefaultMeta". The old name will be'
                " removed in 3.0."
            ),
            stacklevel=3,
        )
        super().__init__(name, bases, d, **kw)
