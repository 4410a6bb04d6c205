"""The core: one plain SQLAlchemy session per Flask application context.

Everything else in fss_compat is built on :class:`flask_scoped_session`; a decoupled app
keeps only this module (see the last stage of ``migration_guide.md``).
"""

from __future__ import annotations

import typing as t
import weakref

import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
import sqlalchemy.util as sa_util
from flask import Flask
from flask import current_app

# ``app_ctx`` is the name Flask's own deprecation of ``_app_ctx_stack`` (Flask 2.2) points to
# for reaching the current context; ``tests/compat/test_scoping.py`` fails if it changes.
from flask.ctx import AppContext
from flask.globals import app_ctx
from werkzeug.local import LocalProxy

from fss_compat.core._notes import with_note

__all__ = ["current_scope", "current_session", "flask_scoped_session", "remove_session"]

_S = t.TypeVar("_S", bound=orm.Session)

#: Key in ``app.extensions`` under which the app's registered scoped session is kept.
EXTENSION_KEY = "fss_compat.scoped_session"

_NO_CONTEXT_HELP = (
    "fss_compat: the session is scoped to the Flask application context, and none is active."
    " Push one with 'with app.app_context():' (tests, CLI commands), or open a plain session"
    " from 'db.sessionmaker()' (or your own sessionmaker) in scripts and workers."
)


def current_scope() -> object:
    """Return the active Flask application context; the key of its session.

    Keying by the context object itself (not by thread) gives nested contexts and
    contexts in other threads their own session, as Flask-SQLAlchemy 3.x does.

    :raises RuntimeError: Flask's "Working outside of application context" error (as
        Flask-SQLAlchemy raises it), with a note on what to do, when no context is active.

    .. versionadded:: 0.1.0
    """
    try:
        return app_ctx._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError as exc:
        with_note(exc, _NO_CONTEXT_HELP)
        raise


class flask_scoped_session(orm.scoped_session[_S]):
    """A :class:`sqlalchemy.orm.scoped_session` scoped to the Flask application context.

    Each application context gets its own session from ``session_factory``; the session is
    removed (rolled back and closed) when that context is torn down, also when the
    request raised. Works like the Flask-SQLAlchemy-Session package's class of the same
    name.

    A session is only created in the context of an app passed to :meth:`init_app`, so a
    session can never outlive its context unnoticed.

    :param session_factory: a :class:`sqlalchemy.orm.sessionmaker` or any callable
        returning a session.
    :param app: register with this app right away.
    :param scopefunc: a different scope key function. Sessions are still removed at every
        app-context teardown, and the registration check is skipped.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        session_factory: orm.sessionmaker[_S] | t.Callable[[], _S],
        app: Flask | None = None,
        *,
        scopefunc: t.Callable[[], t.Any] | None = None,
    ) -> None:
        super().__init__(session_factory, scopefunc=scopefunc or current_scope)  # type: ignore[arg-type]
        self._apps: weakref.WeakSet[Flask] = weakref.WeakSet()
        if scopefunc is None:
            # Same registry SQLAlchemy builds for a scopefunc, with a checked factory.
            self.registry = sa_util.ScopedRegistry(self._create_in_app, current_scope)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask, *, remove_at_teardown: bool = True) -> None:
        """Register ``app``: its contexts may use this session and remove it at teardown.

        Also makes this session the one :data:`current_session` returns in ``app``.

        :param app: the Flask application.
        :param remove_at_teardown: register the teardown that calls :meth:`remove`. The
            :class:`~fss_compat.SQLAlchemy` facade passes ``False`` because it registers
            its own teardown, which follows reassignments of ``db.session``.
        """
        self._apps.add(app)
        app.extensions[EXTENSION_KEY] = self
        if remove_at_teardown:
            app.teardown_appcontext(self._remove_at_teardown)

    def _remove_at_teardown(self, exc: BaseException | None) -> None:
        remove_session(self)

    def _create_in_app(self) -> _S:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if app not in self._apps:
            raise RuntimeError(
                f"{app!r} was never registered, so a session made in its context would never"
                " be removed. Call 'db.init_app(app)' (or 'init_app(app)' on your"
                " 'flask_scoped_session') when creating the app."
            )
        return self.session_factory()


def remove_session(scoped: orm.scoped_session[t.Any]) -> None:
    """``scoped.remove()`` for app-context teardown: a dead connection never raises.

    Closing a session rolls back its transaction; when the database went away that
    rollback fails. The error is logged on the current app's logger and the session is
    dropped anyway, so the app's teardown goes on and the next context starts clean.

    .. versionadded:: 0.1.0
    """
    try:
        scoped.remove()
    except sa_exc.DBAPIError:
        current_app.logger.warning(
            "Closing the session at app-context teardown failed; it was dropped.", exc_info=True
        )
        scoped.registry.clear()


def _find_current_session() -> flask_scoped_session[orm.Session]:
    app = t.cast(AppContext, current_scope()).app
    try:
        return t.cast("flask_scoped_session[orm.Session]", app.extensions[EXTENSION_KEY])
    except KeyError:
        raise RuntimeError(
            f"{app!r} has no 'flask_scoped_session' registered, so 'current_session' has"
            " nothing to return. Call 'init_app(app)' on your 'flask_scoped_session' or"
            " 'SQLAlchemy' instance."
        ) from None


#: The scoped session registered on the current app, like :data:`flask.request`.
#: Outside an application context, using it raises :class:`RuntimeError`.
current_session: flask_scoped_session[orm.Session] = LocalProxy(  # type: ignore[assignment]
    _find_current_session
)
