"""Reproduces Flask-SQLAlchemy 2.5.1's ``SignallingSession`` and its modification signals.

A session belongs to the app it was created for (``session.app``): its default bind is
that app's default engine, its ``binds`` map every table of ``db.metadata`` to the engine
of its bind key, and :meth:`SignallingSession.get_bind` routes a mapped class by
``__table__.info["bind_key"]``. When the app's ``SQLALCHEMY_TRACK_MODIFICATIONS`` is true
or ``None`` at creation, the session sends ``before_models_committed`` and
``models_committed`` (the 3.1 shim's signal objects) with ``session.app`` as sender.

Known differences from Flask-SQLAlchemy 2.5.1: none. SQLAlchemy 2.x has no autocommit
mode, so ``autocommit=True`` raises SQLAlchemy's error.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import legacy
from fss_compat.shims import track_modifications
from fss_compat.shims.track_modifications import before_models_committed
from fss_compat.shims.track_modifications import models_committed

__all__ = ["SignallingSession"]

_Bind = t.Union[sa.engine.Engine, sa.engine.Connection]  # noqa: UP007 (runtime alias)


class _Db(t.Protocol):
    """What a session needs from the 2.5-level ``SQLAlchemy``."""

    _legacy_modes: legacy.Modes

    def get_app(self, reference_app: Flask | None = None) -> Flask: ...

    @property
    def engine(self) -> sa.engine.Engine: ...

    def get_binds(self, app: Flask | None = None) -> dict[sa.Table, sa.engine.Engine]: ...

    def get_engine(self, app: Flask | None = None, bind: str | None = None) -> sa.engine.Engine: ...


class SignallingSession(orm.Session):
    """The session class of 2.x's ``db.session``: bind keys and modification signals.

    Subclass it and return a ``sessionmaker`` of the subclass from
    ``SQLAlchemy.create_session`` to customise ``db.session``, for example to route
    reads in :meth:`get_bind`.

    :param db: the ``SQLAlchemy`` object the session belongs to.
    :param autocommit: must be False: SQLAlchemy 2.x removed autocommit sessions.
    :param autoflush: flush before queries.
    :param options: passed to :class:`sqlalchemy.orm.Session`; ``bind`` and ``binds``
        replace the app's engines.

    .. versionadded:: 0.1.0
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        # A subclass is 2.x's way to customise the session (3.x: Session + class_=); the
        # one sessionmaker makes of every class_ is not the app's.
        if not cls.__module__.startswith(("sqlalchemy.", "fss_compat.")):
            legacy.check("FSC707")
        super().__init_subclass__(**kwargs)

    def __init__(
        self, db: _Db, autocommit: bool = False, autoflush: bool = True, **options: t.Any
    ) -> None:
        #: The application this session belongs to.
        self.app = app = db.get_app()
        self._db = db
        track_modifications = app.config["SQLALCHEMY_TRACK_MODIFICATIONS"]
        bind = options.pop("bind", None) or db.engine
        binds = options.pop("binds", db.get_binds(app))
        super().__init__(
            # arg-type: SQLAlchemy 2.x types it Literal[False]; True raises there.
            autocommit=autocommit,  # type: ignore[arg-type]
            autoflush=autoflush,
            bind=bind,
            binds=binds,
            **options,
        )
        if track_modifications is None or track_modifications:
            _SessionSignalEvents.register(self)

    def get_bind(
        self,
        mapper: t.Any = None,
        clause: t.Any = None,
        bind: _Bind | None = None,
        **kwargs: t.Any,
    ) -> _Bind:
        """The engine of the mapped table's ``info["bind_key"]``, else SQLAlchemy's choice.

        SQLAlchemy's choice is ``bind`` if given, then the table's engine in ``binds``
        (fixed when the session was created), then the app's default engine.

        :param mapper: the mapper (or mapped class) being queried or flushed.
        :param clause: the statement.
        :param bind: an explicit bind, which wins.
        """
        if mapper is not None and bind is None:
            if not isinstance(mapper, orm.Mapper):
                mapper = sa.inspect(mapper)
            info = getattr(mapper.persist_selectable, "info", {})
            bind_key = info.get("bind_key")
            if bind_key is not None:
                # Through the app's registered state, as 2.x: its db's get_engine, which
                # subclasses override to route.
                state = self.app.extensions["sqlalchemy"]
                engine: _Bind = state._db.get_engine(self.app, bind=bind_key)
                return engine
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)


class _SessionSignalEvents:
    """The listeners that collect a session's changes and send the two signals."""

    @classmethod
    def register(cls, session: orm.Session) -> None:
        """Collect ``session``'s changes and send the signals on its commits."""
        if not hasattr(session, "_model_changes"):
            # attr-defined: 2.x's marker that the session is tracked, set on any session.
            session._model_changes = {}  # type: ignore[attr-defined]
        sa.event.listen(session, "before_flush", cls.record_ops)
        sa.event.listen(session, "before_commit", cls.record_ops)
        sa.event.listen(session, "before_commit", cls.before_commit)
        sa.event.listen(session, "after_commit", cls.after_commit)
        sa.event.listen(session, "after_rollback", cls.after_rollback)

    @classmethod
    def unregister(cls, session: orm.Session) -> None:
        """Stop collecting ``session``'s changes."""
        if hasattr(session, "_model_changes"):
            del session._model_changes
        sa.event.remove(session, "before_flush", cls.record_ops)
        sa.event.remove(session, "before_commit", cls.record_ops)
        sa.event.remove(session, "before_commit", cls.before_commit)
        sa.event.remove(session, "after_commit", cls.after_commit)
        sa.event.remove(session, "after_rollback", cls.after_rollback)

    @staticmethod
    def record_ops(
        session: orm.Session, flush_context: t.Any = None, instances: t.Any = None
    ) -> None:
        changes: dict[object, tuple[t.Any, str]] | None = getattr(session, "_model_changes", None)
        if changes is not None:
            track_modifications.collect_changes(session, changes)

    @staticmethod
    def before_commit(session: t.Any) -> None:
        changes = getattr(session, "_model_changes", None)
        if changes:
            before_models_committed.send(session.app, changes=list(changes.values()))

    @staticmethod
    def after_commit(session: t.Any) -> None:
        changes = getattr(session, "_model_changes", None)
        if changes:
            models_committed.send(session.app, changes=list(changes.values()))
            changes.clear()

    @staticmethod
    def after_rollback(session: t.Any) -> None:
        changes = getattr(session, "_model_changes", None)
        if changes is not None:
            changes.clear()
