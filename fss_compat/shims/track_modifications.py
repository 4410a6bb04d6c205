"""Reproduces Flask-SQLAlchemy's modification signals: ``SQLALCHEMY_TRACK_MODIFICATIONS``.

When the config key is true at any app's ``init_app``, the session collects the models
it inserts, updates and deletes, and each commit sends :data:`before_models_committed`
before and :data:`models_committed` after, from the current app, with those changes.
The flag is read again at every flush and commit, so an app whose flag is false then
gets no signals.

Known differences from Flask-SQLAlchemy 3.1.1: none. The signals are fss_compat's own
objects, so receivers must connect to these, not to Flask-SQLAlchemy's. Sessions from
``db.sessionmaker()`` (fss_compat only) are tracked like ``db.session``'s whenever an app
context is active, since both come from the same session class.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm

# blinker is a required dependency of Flask (>= 2.3), so depending on Flask brings it.
from blinker import Namespace
from flask import Flask
from flask import current_app
from flask import has_app_context

from fss_compat.core._notes import with_note

if t.TYPE_CHECKING:
    from fss_compat.shims.session import Session

__all__ = ["before_models_committed", "models_committed"]

_FLAG = "SQLALCHEMY_TRACK_MODIFICATIONS"

_signals = Namespace()

#: Sent after a commit that changed models.
#:
#: The sender is the current app; ``models_committed.connect_via(app)`` hears only that
#: app. Receivers get ``changes``, a list of ``(instance, operation)`` pairs where the
#: operation is ``"insert"``, ``"update"`` or ``"delete"``.
#:
#: .. versionadded:: 0.1.0
models_committed = _signals.signal("models-committed")

#: Sent just before a commit that changes models.
#:
#: Same sender and ``changes`` as :data:`models_committed`. Receivers run inside the
#: transaction, so what they write is committed with it.
#:
#: .. versionadded:: 0.1.0
before_models_committed = _signals.signal("before-models-committed")


def _listen(session: orm.scoped_session[t.Any]) -> None:
    """Collect changes and send the signals for every session ``session`` creates."""
    # Module-level listeners: SQLAlchemy ignores a second registration of the same one,
    # so each app with the flag on can call this for the one shared ``db.session``. The
    # order matters: ``before_commit`` collects the last changes before sending them.
    sa.event.listen(session, "before_flush", _record_flush)
    sa.event.listen(session, "before_commit", _record_commit)
    sa.event.listen(session, "before_commit", _before_commit)
    sa.event.listen(session, "after_commit", _after_commit)
    sa.event.listen(session, "after_rollback", _after_rollback)


def _tracking_app() -> Flask | None:
    """The current app if it has tracking on now, else None."""
    if not has_app_context():
        return None
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        tracking = app.config[_FLAG]
    except KeyError as exc:
        # Upstream raises this KeyError too; only a session used in the context of an
        # app no 'SQLAlchemy' was registered on gets this far without the key.
        with_note(
            exc,
            f"fss_compat: {app!r} has no {_FLAG!r} config: no 'SQLAlchemy' instance was"
            " registered on it, yet a tracked session was flushed or committed in its"
            " context. Call 'db.init_app(app)', or use the session in its own app's context.",
        )
        raise
    return app if tracking else None


def _record_flush(session: Session, flush_context: orm.UOWTransaction, instances: object) -> None:
    _record_ops(session)


def _record_commit(session: Session) -> None:
    _record_ops(session)


def _record_ops(session: Session) -> None:
    if _tracking_app() is not None:
        collect_changes(session, session._model_changes)


def collect_changes(session: orm.Session, changes: dict[object, tuple[t.Any, str]]) -> None:
    """Add the session's pending inserts, updates and deletes to ``changes``, by identity."""
    for targets, operation in (
        (session.new, "insert"),
        (session.dirty, "update"),
        (session.deleted, "delete"),
    ):
        for target in targets:
            state = sa.inspect(target)
            # Before its first flush an object has no identity key; its id() stands in,
            # so an insert and a later update of it are two entries, as upstream.
            key = state.identity_key if state.has_identity else id(target)
            changes[key] = (target, operation)


def _before_commit(session: Session) -> None:
    app = _tracking_app()
    if app is not None and session._model_changes:
        before_models_committed.send(app, changes=list(session._model_changes.values()))


def _after_commit(session: Session) -> None:
    app = _tracking_app()
    if app is not None and session._model_changes:
        models_committed.send(app, changes=list(session._model_changes.values()))
        # Only cleared once sent: changes kept while the flag was off go out with the
        # next tracked commit, as upstream.
        session._model_changes.clear()


def _after_rollback(session: Session) -> None:
    session._model_changes.clear()
