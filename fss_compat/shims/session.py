"""Reproduces Flask-SQLAlchemy's ``Session``: bind-key routing to the current app's engines.

Known differences from Flask-SQLAlchemy 3.1.1: none. Routing is Flask-SQLAlchemy's,
including its gaps (``select()`` of a bound Core table and ``text()`` go to the default
engine; session-level ``bind=``/``binds=`` lose to a default engine). The engine chosen
is then passed to :meth:`~fss_compat.core.replicas.RoutingSession.route`, which sends
reads to a replica when ``FSS_REPLICAS`` configures some for it (a feature
Flask-SQLAlchemy lacks; without that key it returns the engine unchanged).
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm

from fss_compat.core._notes import with_note
from fss_compat.core.replicas import ReplicaSet
from fss_compat.core.replicas import RoutingSession

__all__ = ["Session"]


_Bind = t.Union[sa.engine.Engine, sa.engine.Connection]  # noqa: UP007 (runtime alias)


class _EngineSource(t.Protocol):
    """What a session needs from the ``SQLAlchemy`` object: the engines to route to.

    ``_replica_sets`` maps each app's primary engines to their replicas (``FSS_REPLICAS``).
    """

    def _session_engines(self) -> t.Mapping[str | None, sa.engine.Engine]: ...

    _replica_sets: t.Mapping[sa.engine.Engine, ReplicaSet]


class Session(RoutingSession):
    """A :class:`sqlalchemy.orm.Session` that picks an engine by the bind key of what it queries.

    The bind key is ``metadata.info["bind_key"]`` of the mapped table or Core table (for
    insert, update and delete). With ``FSS_REPLICAS``, reads then go to a replica of that
    engine (:class:`~fss_compat.core.replicas.RoutingSession`). To customise
    ``db.session``, subclass this and pass it as ``session_options={"class_": ...}``.

    :param db: the ``SQLAlchemy`` object whose engines the session uses.
    :param kwargs: passed to :class:`sqlalchemy.orm.Session`.

    .. versionadded:: 0.1.0
    """

    def __init__(self, db: _EngineSource, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self._db = db
        self._model_changes: dict[object, tuple[t.Any, str]] = {}
        self._engines: t.Mapping[str | None, sa.engine.Engine] | None = None

    def get_bind(
        self,
        mapper: t.Any | None = None,
        clause: t.Any | None = None,
        bind: _Bind | None = None,
        **kwargs: t.Any,
    ) -> _Bind:
        """Return ``bind`` if given, else the engine for the bind key, else the default engine.

        The engines are the app's live ``db.engines`` mapping, looked up once per session
        (a session belongs to one app context), so replacing an entry still takes effect.
        """
        if bind is not None:
            return bind
        engines = self._engines
        if engines is None:
            engines = self._engines = self._db._session_engines()
        key: t.Any = _NO_KEY
        if mapper is not None:
            if not isinstance(mapper, orm.Mapper):
                try:
                    mapper = sa.inspect(mapper)
                except sa_exc.NoInspectionAvailable as e:
                    if isinstance(mapper, type):
                        raise orm.exc.UnmappedClassError(mapper) from e
                    raise
            key = _bind_key(mapper.local_table)
        if key is _NO_KEY and clause is not None:
            key = _bind_key(clause.table if isinstance(clause, sa.UpdateBase) else clause)
        if key is not _NO_KEY:
            try:
                engine = engines[key]
            except KeyError:
                raise missing_bind(key) from None
            return self.route(engine, clause, **kwargs)
        if None in engines:
            return self.route(engines[None], clause, **kwargs)
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def replica_set_for(self, primary: _Bind) -> ReplicaSet | None:
        """The replica set ``FSS_REPLICAS`` configures for ``primary``, if any."""
        # arg-type: a Connection (a test's db.engines entry) is hashable, and never a key.
        return self._db._replica_sets.get(primary)  # type: ignore[arg-type]


_NO_KEY = object()


def _bind_key(table: object) -> t.Any:
    """The bind key of a ``Table``'s metadata; ``_NO_KEY`` for anything else."""
    if isinstance(table, sa.Table):
        return table.metadata.info.get("bind_key", _NO_KEY)
    return _NO_KEY


def missing_bind(key: str | None, *, in_config_check: bool = False) -> sa_exc.UnboundExecutionError:
    """The error for a bind key that has no engine in the current app, worded as upstream.

    :param key: the bind key.
    :param in_config_check: for ``create_all``/``drop_all``/``reflect``, whose message for the
        default key (``None``) starts by naming ``SQLALCHEMY_DATABASE_URI``, as upstream's does.
    """
    message = f"Bind key '{key}' is not in 'SQLALCHEMY_BINDS' config."
    if key is None and in_config_check:
        message = f"'SQLALCHEMY_DATABASE_URI' config is not set. {message}"
    if key is None:
        help = (
            "fss_compat: there is no default engine. Set 'SQLALCHEMY_DATABASE_URI', or name the"
            " bind keys to use, for example db.create_all(bind_key=['auth'])."
        )
    else:
        help = f"fss_compat: add {key!r} to the app's 'SQLALCHEMY_BINDS' config."
    return with_note(sa_exc.UnboundExecutionError(message), help)
