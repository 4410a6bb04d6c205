"""Reproduces Flask-SQLAlchemy's ``extension`` module: the ``SQLAlchemy`` class, the ``db`` object.

It owns the engines (per app), the metadata (per bind key) and the scoped session (the
core's :class:`~fss_compat.flask_scoped_session`), and attaches the other shims.

Known differences from Flask-SQLAlchemy 3.1.1 (also in docs/differences.md):
``repr-without-default-engine``, ``sessionmaker-attribute``, ``unregistered-app-session``,
``session-engines-resolved-once`` and ``teardown-survives-dead-connection``; the model,
pagination and query differences are listed in those shims.
"""

from __future__ import annotations

import types
import typing as t
import warnings
import weakref

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import has_app_context
from flask import has_request_context
from flask import request
from flask.ctx import AppContext

from fss_compat import legacy
from fss_compat.core import lookup
from fss_compat.core._notes import with_note
from fss_compat.core.counting import Count
from fss_compat.core.counting import _AnySelect
from fss_compat.core.keyset import KeysetPagination
from fss_compat.core.pagination import SelectPagination
from fss_compat.core.replicas import ReplicaSet
from fss_compat.core.scoping import current_scope
from fss_compat.core.scoping import flask_scoped_session
from fss_compat.core.scoping import remove_session
from fss_compat.shims import _declarative
from fss_compat.shims import _engines
from fss_compat.shims import cli
from fss_compat.shims.model import Model
from fss_compat.shims.query import Query
from fss_compat.shims.session import Session
from fss_compat.shims.session import missing_bind
from fss_compat.shims.table import _Table

__all__ = ["SQLAlchemy"]

_BindKeys = t.Union[str, None, t.Iterable[str | None]]  # noqa: UP007 (runtime alias)
_O = t.TypeVar("_O")


class SQLAlchemy:
    """Flask-SQLAlchemy 3.1's extension object, on a plain SQLAlchemy ``scoped_session``.

    ``from fss_compat import SQLAlchemy`` replaces ``from flask_sqlalchemy import
    SQLAlchemy`` with nothing else changed. Every argument has Flask-SQLAlchemy's meaning
    and default.

    :param app: call :meth:`init_app` with this app at the end of construction.
    :param metadata: the default ``MetaData`` (1.x-style ``model_class`` only; a 2.x base
        brings its own, and this is then ignored with a ``DeprecationWarning``).
    :param session_options: ``sessionmaker`` arguments; a ``scopefunc`` key replaces the
        app-context scope. The dict is changed in place, as upstream.
    :param query_class: the legacy query class for ``Model.query``, ``db.session.query``
        and dynamic relationships.
    :param model_class: a ``Model`` subclass, an already declarative class, or a
        ``DeclarativeBase`` / ``DeclarativeBaseNoMeta`` subclass (also with
        ``MappedAsDataclass``).
    :param engine_options: defaults for every engine, lowest precedence.
    :param add_models_to_shell: add ``db`` and every model to ``flask shell``.
    :param disable_autonaming: do not generate ``__tablename__``.
    :param legacy_modes: modes for legacy features (fss_compat only), for example
        ``{"*": "warn", "FSC201": "error"}``; see :mod:`fss_compat.legacy`. They apply
        outside app contexts and to every app this ``db`` is registered on; an app's
        ``FSS_LEGACY`` config key overrides them for that app.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        metadata: sa.MetaData | None = None,
        session_options: dict[str, t.Any] | None = None,
        query_class: type[Query] = Query,
        model_class: type[t.Any] = Model,
        engine_options: dict[str, t.Any] | None = None,
        add_models_to_shell: bool = True,
        disable_autonaming: bool = False,
        legacy_modes: t.Mapping[str, str] | str | None = None,
    ) -> None:
        legacy.attach_db(self, legacy_modes)
        self._app_engines: weakref.WeakKeyDictionary[Flask, dict[str | None, sa.engine.Engine]]
        self._app_engines = weakref.WeakKeyDictionary()
        self._registration_order: list[weakref.ref[Flask]] = []
        # Keyed by each app's primary engines, so apps never share one.
        self._replica_sets: weakref.WeakKeyDictionary[sa.engine.Engine, ReplicaSet]
        self._replica_sets = weakref.WeakKeyDictionary()
        self.Query = query_class
        self.session = self._make_scoped_session({} if session_options is None else session_options)
        self.metadatas: dict[str | None, sa.MetaData] = {}
        if metadata is not None:
            if _declarative.declarative_bases(model_class):
                warnings.warn(
                    "A SQLAlchemy 2.x declarative 'model_class' brings its own metadata, so the"
                    " 'metadata' argument to SQLAlchemy() is ignored. Set"
                    " 'metadata = MetaData(...)' in the base class body instead.",
                    DeprecationWarning,
                    stacklevel=2,
                )
            else:
                metadata.info["bind_key"] = None
                self.metadatas[None] = metadata
        self.Table = self._make_table_class()
        self.Model = self._make_declarative_base(model_class, disable_autonaming)
        self._engine_options = {} if engine_options is None else engine_options
        self._add_models_to_shell = add_models_to_shell
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        name = type(self).__name__
        if not has_app_context():
            return f"<{name}>"
        engines = self.engines
        # Upstream 3.1.1 raises KeyError here without a default engine (#1295).
        url = str(engines[None].url) if None in engines else "(no default engine)"
        extra = len(engines) - (None in engines)
        return f"<{name} {url} +{extra}>" if extra else f"<{name} {url}>"

    @property
    def sessionmaker(self) -> orm.sessionmaker[Session]:
        """The plain :class:`sqlalchemy.orm.sessionmaker` behind :attr:`session`.

        Scripts and workers open sessions from it without Flask: ``with
        db.sessionmaker() as session: ...``. Outside an app context its sessions use the
        engines of the app registered most recently (and still alive).

        .. versionadded:: 0.1.0
        """
        return self.session.session_factory

    def init_app(self, app: Flask) -> None:
        """Register ``app``: read its config, create its engines, remove sessions at teardown.

        Config is read once, here; set it before calling this.

        :param app: the Flask application.
        :raises RuntimeError: if ``app`` already has a ``SQLAlchemy`` instance, or has
            neither ``SQLALCHEMY_DATABASE_URI`` nor ``SQLALCHEMY_BINDS``.
        """
        if "sqlalchemy" in app.extensions:
            raise with_note(
                RuntimeError(
                    "A 'SQLAlchemy' instance has already been registered on this Flask app."
                    " Import and use that instance instead."
                ),
                f"fss_compat: the app is {app!r}. Create one 'db' per project, import it"
                " where it is needed, and call 'db.init_app(app)' once per app.",
            )
        # Upstream registers these before reading config, so a failed init_app still
        # leaves the app marked as registered; kept for parity.
        app.extensions["sqlalchemy"] = self
        app.teardown_appcontext(self._teardown_session)
        if self._add_models_to_shell:
            app.shell_context_processor(cli.add_models_to_shell)
        legacy.attach_app(app, self, app.config.get("FSS_LEGACY"))
        options = _engines.options_from_config(app, self._engine_options)
        engines = self._app_engines.setdefault(app, {})
        self._registration_order = [r for r in self._registration_order if r() is not None]
        self._registration_order.append(weakref.ref(app))
        for key, bind_options in options.items():
            self._make_metadata(key)
            self._apply_driver_defaults(bind_options, app)
            engines[key] = self._make_engine(key, bind_options, app)
        # fss_compat's FSS_REPLICAS and FSS_DISPOSE_AT_FORK (docs/operations.md).
        replica_sets = _engines.make_replica_sets(app, options, engines)
        self._replica_sets.update(replica_sets)
        replicas = [e for replica_set in replica_sets.values() for e in replica_set.replicas]
        _engines.dispose_at_fork(app, [*engines.values(), *replicas])
        self.session.init_app(app, remove_at_teardown=False)
        # Both shims are imported only when their key enables them, as upstream does.
        if app.config.setdefault("SQLALCHEMY_RECORD_QUERIES", False):
            from fss_compat.shims import record_queries

            legacy.check("FSC602", self, app=app)
            for engine in [*engines.values(), *replicas]:
                record_queries._listen(engine, app)
        if app.config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False):
            from fss_compat.shims import track_modifications

            legacy.check("FSC603", self, app=app)
            track_modifications._listen(self.session)

    def _make_scoped_session(self, options: dict[str, t.Any]) -> flask_scoped_session[Session]:
        scope = options.pop("scopefunc", None)
        session = flask_scoped_session(self._make_session_factory(options), scopefunc=scope)
        # A replacement ``db.session`` (a common test-fixture move) serves the same apps.
        for app in list(self._app_engines):
            session.init_app(app, remove_at_teardown=False)
        return session

    def _make_session_factory(self, options: dict[str, t.Any]) -> orm.sessionmaker[Session]:
        options.setdefault("class_", Session)
        options.setdefault("query_cls", self.Query)
        return orm.sessionmaker(db=self, **options)

    def _teardown_session(self, exc: BaseException | None) -> None:
        remove_session(self.session)

    def _make_metadata(self, bind_key: str | None) -> sa.MetaData:
        if bind_key in self.metadatas:
            return self.metadatas[bind_key]
        convention = None if bind_key is None else self._make_metadata(None).naming_convention
        metadata = sa.MetaData(naming_convention=convention, info={"bind_key": bind_key})
        self.metadatas[bind_key] = metadata
        return metadata

    def _make_table_class(self) -> type[_Table]:
        db = self

        class Table(_Table):
            def __new__(cls, *args: t.Any, bind_key: str | None = None, **kwargs: t.Any) -> Table:
                legacy.check("FSC102", db)
                # With a MetaData second, or nothing at all, SQLAlchemy's Table handles it
                # (and reports its own errors); ``bind_key`` is then ignored, as upstream.
                if not args or (len(args) >= 2 and isinstance(args[1], sa.MetaData)):
                    return super().__new__(cls, *args, **kwargs)
                metadata = db._make_metadata(bind_key)
                # call-arg: SQLAlchemy defines Table.__new__ only outside TYPE_CHECKING.
                return super().__new__(cls, args[0], metadata, *args[1:], **kwargs)  # type: ignore[call-arg]

        return Table

    def _make_declarative_base(
        self, model_class: type[t.Any], disable_autonaming: bool = False
    ) -> type[t.Any]:
        return _declarative.make_model(
            model_class,
            disable_autonaming,
            owner=self,
            metadatas=self.metadatas,
            default_metadata=lambda: self._make_metadata(None),
            query_class=self.Query,
        )

    def _apply_driver_defaults(self, options: dict[str, t.Any], app: Flask) -> None:
        _engines.apply_driver_defaults(options, app)

    def _make_engine(
        self, bind_key: str | None, options: dict[str, t.Any], app: Flask
    ) -> sa.engine.Engine:
        return _engines.make_engine(options)

    @property
    def metadata(self) -> sa.MetaData:
        """The default metadata, ``metadatas[None]``."""
        return self.metadatas[None]

    @property
    def engines(self) -> dict[str | None, sa.engine.Engine]:
        """The current app's engines by bind key (``None`` is the default).

        This is the live mapping the session routes with: replacing an entry (for example
        with a ``Connection`` for per-test rollback) takes effect at once.
        """
        app = t.cast(AppContext, current_scope()).app
        try:
            return self._app_engines[app]
        except KeyError:
            raise with_note(
                RuntimeError(
                    "The current Flask app is not registered with this 'SQLAlchemy'"
                    " instance. Did you forget to call 'init_app', or did you create"
                    " multiple 'SQLAlchemy' instances?"
                ),
                f"fss_compat: the current app is {app!r}. Call 'db.init_app(app)' in the app"
                " factory, and make sure the app imports the same 'db' its models use.",
            ) from None

    @property
    def engine(self) -> sa.engine.Engine:
        """The current app's default engine, ``engines[None]``."""
        return self.engines[None]

    def _session_engines(self) -> t.Mapping[str | None, sa.engine.Engine]:
        # Sessions from ``db.sessionmaker`` also work in scripts and workers: with no app
        # context they use the engines of the most recently registered app still alive
        # (the app a script or a test just created, whatever older apps await collection).
        if has_app_context():
            return self.engines
        for ref in reversed(self._registration_order):
            app = ref()
            if app is not None and app in self._app_engines:
                return self._app_engines[app]
        raise RuntimeError(
            "No Flask application context is active and no app is registered with this"
            " 'SQLAlchemy' instance, so there are no engines. Call 'db.init_app(app)' first,"
            " or push 'app.app_context()'."
        )

    def get_engine(self, bind_key: str | None = None, **kwargs: t.Any) -> sa.engine.Engine:
        """Deprecated upstream: use :attr:`engine` or ``engines[key]``.

        :param bind_key: the bind key; ``bind=`` is accepted as an alias.
        """
        legacy.check("FSC002", self)
        warnings.warn(
            "'get_engine' is deprecated in Flask-SQLAlchemy 3.x and removed in 3.2. Use"
            " 'db.engine' or 'db.engines[key]'; in Alembic's 'env.py' too.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.engines[kwargs.pop("bind", bind_key)]

    def get_or_404(
        self,
        entity: type[_O],
        ident: t.Any,
        *,
        description: str | None = None,
        **kwargs: t.Any,
    ) -> _O:
        """``db.session.get(entity, ident, **kwargs)``, aborting with 404 when it is None.

        :param entity: the mapped class.
        :param ident: the primary key value (a tuple or dict for composite keys).
        :param description: the 404 page's message.
        :param kwargs: passed to ``session.get()`` (``options``, ``with_for_update``, ...).
        """
        legacy.check("FSC601", self)
        return lookup.get_or_404(self.session, entity, ident, description=description, **kwargs)

    def first_or_404(self, statement: sa.Select[t.Any], *, description: str | None = None) -> t.Any:
        """``db.session.execute(statement).scalar()``, aborting with 404 when it is None.

        The value is the first column of the first row, so a NULL there is a 404 too.
        """
        legacy.check("FSC601", self)
        return lookup.first_or_404(self.session, statement, description=description)

    def one_or_404(self, statement: sa.Select[t.Any], *, description: str | None = None) -> t.Any:
        """``db.session.execute(statement).scalar_one()``, aborting with 404 for 0 or 2+ rows."""
        legacy.check("FSC601", self)
        return lookup.one_or_404(self.session, statement, description=description)

    def paginate(
        self,
        select: _AnySelect,
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: Count = True,
        rows: bool = False,
    ) -> SelectPagination:
        """One page of ``select``'s results, as a :class:`~fss_compat.Pagination`.

        ``page`` and ``per_page`` default to the request's ``?page=`` and ``?per_page=``
        (1 and 20 outside a request). Items are ``execute(...).unique().scalars()``, or
        with ``rows=True`` the result's rows.

        :param select: the statement, usually ``select(Model)``.
        :param page: the page number, from 1.
        :param per_page: items per page.
        :param max_per_page: cap for ``per_page``; ``None`` (the default) is no cap.
        :param error_out: abort with 404 on bad or out-of-range numbers instead of fixing them.
        :param count: also run the count query for ``total``; ``"estimate"`` (fss_compat
            only) for PostgreSQL's estimate instead, see :func:`fss_compat.paginate`.
        :param rows: (fss_compat only) items are :class:`sqlalchemy.engine.Row` objects
            with every selected column: ``select(User.id, User.name)``, joins, ``GROUP BY``.
        """
        legacy.check("FSC601", self)
        if (page is None or per_page is None) and has_request_context():
            legacy.check("FSC605", self)
        return SelectPagination(
            select=select,
            session=self.session(),
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
            rows=rows,
        )

    def keyset_paginate(
        self,
        select: _AnySelect,
        *,
        cursor: str | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: Count = False,
        rows: bool = False,
    ) -> KeysetPagination:
        """(fss_compat only) A page of ``select`` after or before a cursor, in its ``ORDER BY``.

        :func:`fss_compat.keyset_paginate` on ``db.session``, reading ``?cursor=`` and
        ``?per_page=`` from the request when not given, as :meth:`paginate` reads
        ``?page=``. Cursors are signed with the app's ``SECRET_KEY``.

        :param select: the statement, with an ``ORDER BY``.
        :param cursor: a page's ``next_cursor`` or ``prev_cursor``; ``None`` reads the
            request's ``?cursor=`` (none: the first page).
        :param per_page: items per page; ``None`` reads ``?per_page=`` (default 20).
        :param max_per_page: cap for ``per_page``; ``None`` is no cap.
        :param error_out: abort with 404 for a bad cursor or ``per_page``, or an empty page.
        :param count: ``True`` or ``"estimate"`` to fill ``total``; ``False`` for none.
        :param rows: items are :class:`sqlalchemy.engine.Row` objects.
        """
        legacy.check("FSC601", self)
        if (cursor is None or per_page is None) and has_request_context():
            legacy.check("FSC605", self)
            if cursor is None:
                cursor = request.args.get("cursor")
        return KeysetPagination(
            select=select,
            session=self.session(),
            cursor=cursor,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
            rows=rows,
        )

    def _call_for_binds(self, bind_key: _BindKeys, op_name: str) -> None:
        if bind_key == "__all__":
            keys: list[str | None] = list(self.metadatas)
        elif bind_key is None or isinstance(bind_key, str):
            keys = [bind_key]
        else:
            keys = list(bind_key)
        engines = self.engines if keys else {}
        for key in keys:
            if key not in engines:
                raise missing_bind(key, in_config_check=True)
            getattr(self.metadatas[key], op_name)(bind=engines[key])

    def create_all(self, bind_key: _BindKeys = "__all__") -> None:
        """Create missing tables for every metadata, or for the given bind key(s).

        :param bind_key: ``"__all__"`` (every metadata created so far), a key, or a list.
        """
        self._call_for_binds(bind_key, "create_all")

    def drop_all(self, bind_key: _BindKeys = "__all__") -> None:
        """Drop the tables of every metadata, or of the given bind key(s).

        :param bind_key: ``"__all__"`` (every metadata created so far), a key, or a list.
        """
        self._call_for_binds(bind_key, "drop_all")

    def reflect(self, bind_key: _BindKeys = "__all__") -> None:
        """Reflect the database's tables into the metadata of every, or the given, bind key(s).

        :param bind_key: ``"__all__"`` (every metadata created so far), a key, or a list.
        """
        self._call_for_binds(bind_key, "reflect")

    def _set_rel_query(self, kwargs: dict[str, t.Any], dynamic: bool = False) -> None:
        legacy.check("FSC104", self)
        backref = kwargs.get("backref")
        if backref is not None:
            legacy.check("FSC402", self)
        options = backref[1] if isinstance(backref, tuple) else {}
        if dynamic or "dynamic" in (kwargs.get("lazy"), options.get("lazy")):
            legacy.check("FSC403", self)
        kwargs.setdefault("query_class", self.Query)
        # A string backref gets nothing: it cannot be dynamic, so upstream drops it too.
        if isinstance(backref, tuple):
            backref[1].setdefault("query_class", self.Query)

    def relationship(self, *args: t.Any, **kwargs: t.Any) -> orm.Relationship[t.Any]:
        """:func:`sqlalchemy.orm.relationship` with ``query_class`` defaulting to :attr:`Query`."""
        self._set_rel_query(kwargs)
        return orm.relationship(*args, **kwargs)

    def dynamic_loader(self, argument: t.Any, **kwargs: t.Any) -> orm.RelationshipProperty[t.Any]:
        """:func:`sqlalchemy.orm.dynamic_loader`, ``query_class`` defaulting to :attr:`Query`."""
        self._set_rel_query(kwargs, dynamic=True)
        return orm.dynamic_loader(argument, **kwargs)

    def _relation(self, *args: t.Any, **kwargs: t.Any) -> orm.Relationship[t.Any]:
        self._set_rel_query(kwargs)
        return orm.relationship(*args, **kwargs)

    @property
    def relation(self) -> t.Callable[..., orm.Relationship[t.Any]]:
        """The old name of :meth:`relationship`."""
        return self._relation

    def __getattr__(self, name: str) -> t.Any:
        """``db.Column``, ``db.select``, ...: a public name of ``sqlalchemy`` or ``sqlalchemy.orm``.

        Looked up on each access, as upstream does; to a type checker the names are
        untyped, as with upstream.

        :raises AttributeError: for a private name, or one neither module has.
        """
        module = forwarded_module(name)
        if module is None:
            raise AttributeError(name)
        legacy.check("FSC101", self)
        return getattr(module, name)


def forwarded_module(name: str) -> types.ModuleType | None:
    """The module ``db.<name>`` comes from: ``sqlalchemy`` first, then ``sqlalchemy.orm``.

    ``None`` for a private name or one neither has. The ``db`` object's own attributes
    (``session``, ``Table``, ``relationship``, ...) are found before this is asked.
    """
    if name.startswith("_"):
        return None
    for module in (sa, orm):
        if hasattr(module, name):
            return module
    return None
