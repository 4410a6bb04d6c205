"""Reproduces Flask-SQLAlchemy's recorded queries: ``SQLALCHEMY_RECORD_QUERIES``.

When the config key is true at ``init_app``, every statement the app's engines send to
the database inside an app context is kept, with its timing and the line of the app's
code that caused it, in a list per app context that :func:`get_recorded_queries`
returns: slow-query logging and query-count assertions in tests read it.

Known differences from Flask-SQLAlchemy 3.1.1 (also in docs/differences.md):

* ``extension-entries``: each recording app gets an
  ``app.extensions["fss_compat.record_queries"]`` entry, which holds what is worked out
  once per app to locate callers.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing as t
from time import perf_counter

import sqlalchemy as sa
from flask import Flask
from flask import g
from flask import has_app_context
from flask.ctx import AppContext

from fss_compat.core._notes import with_note
from fss_compat.core.scoping import current_scope

__all__ = ["get_recorded_queries"]

# The list lives on ``g`` under Flask-SQLAlchemy's attribute name: code in the wild resets
# the count with ``g._sqlalchemy_queries = []``, and Flask-DebugToolbar's SQL panel, which
# calls Flask-SQLAlchemy's own ``get_recorded_queries``, shows our records.
_QUERIES = "_sqlalchemy_queries"
# Set on the execution context by the "before" listener, read by the "after" one.
_START = "_fss_compat_start_time"
_LOCATOR = "fss_compat.record_queries"


def get_recorded_queries() -> list[_QueryInfo]:
    """Return the queries recorded so far in the current app context.

    Recording is on when ``SQLALCHEMY_RECORD_QUERIES`` is true at ``init_app``. Each app
    context has its own list, so a request, a nested context or a test's context starts
    empty. Once something was recorded this is the live list, which later queries extend;
    before that it is a new empty list each call.

    :raises RuntimeError: Flask's "Working outside of application context" error, as
        upstream, when no app context is active.

    .. versionadded:: 0.1.0
    """
    try:
        queries: list[_QueryInfo] = g.get(_QUERIES, [])
    except RuntimeError as exc:
        with_note(
            exc,
            "fss_compat: queries are recorded per app context. Call 'get_recorded_queries()'"
            " inside 'with app.app_context():' or a request.",
        )
        raise
    return queries


@dataclasses.dataclass
class _QueryInfo:
    """One recorded statement, as :func:`get_recorded_queries` returns it.

    The name is Flask-SQLAlchemy's, so imports of it survive the rewrite to fss_compat.

    :param statement: the SQL sent, with the driver's parameter placeholders.
    :param parameters: the parameters sent with it, as the driver gets them: a list with
        one tuple or dict per parameter set, for example ``[(1,)]`` on SQLite.
    :param start_time: :func:`time.perf_counter` before the statement was sent.
    :param end_time: :func:`time.perf_counter` after it returned.
    :param location: ``"<file>:<line> (<function>)"`` of the innermost caller in the
        app's top-level package, or ``"<unknown>"``.

    .. versionadded:: 0.1.0
    """

    statement: str | None
    parameters: t.Any
    start_time: float
    end_time: float
    location: str

    @property
    def duration(self) -> float:
        """Seconds between sending the statement and its return, ``end_time - start_time``."""
        return self.end_time - self.start_time


class _Locator:
    """Finds the innermost stack frame in one app's top-level package.

    Built once per app; it remembers which module names are outside the package, so the
    walk over SQLAlchemy's frames (most of the stack) is one set lookup per frame.
    """

    def __init__(self, import_name: str) -> None:
        self.package = import_name.partition(".")[0]
        self.prefix = f"{self.package}."
        # Upstream skips frames whose module has no (or an empty) ``__name__``.
        self.outside: set[str | None] = {None, ""}

    def locate(self, frame: types.FrameType | None) -> str:
        outside = self.outside
        while frame is not None:
            name = frame.f_globals.get("__name__", "")
            if name not in outside:
                if name == self.package or name.startswith(self.prefix):
                    code = frame.f_code
                    return f"{code.co_filename}:{frame.f_lineno} ({code.co_name})"
                outside.add(name)
            frame = frame.f_back
        return "<unknown>"


def _listen(engine: sa.engine.Engine, app: Flask) -> None:
    """Record the statements ``engine`` executes; ``app`` is the app it belongs to."""
    app.extensions.setdefault(_LOCATOR, _Locator(app.import_name))
    # Module-level listeners: SQLAlchemy ignores a second registration on one engine,
    # so an engine shared by two apps still records each statement once.
    sa.event.listen(engine, "before_cursor_execute", _record_start)
    sa.event.listen(engine, "after_cursor_execute", _record_end)


def _record_start(
    conn: sa.engine.Connection,
    cursor: t.Any,
    statement: str,
    parameters: t.Any,
    context: sa.engine.ExecutionContext | None,
    executemany: bool,
) -> None:
    # Stored even without an app context: that is cheaper than checking for one.
    if context is not None:
        setattr(context, _START, perf_counter())


def _record_end(
    conn: sa.engine.Connection,
    cursor: t.Any,
    statement: str,
    parameters: t.Any,
    context: sa.engine.ExecutionContext | None,
    executemany: bool,
) -> None:
    if context is None or not has_app_context():
        return
    ctx = t.cast(AppContext, current_scope())
    # Upstream files the query under the current app, which is not always the engine's.
    locator: _Locator | None = ctx.app.extensions.get(_LOCATOR)
    if locator is None:
        locator = _Locator(ctx.app.import_name)
    # Statement and parameters come from the context, as upstream: each batch of a
    # batched insert is recorded with the whole statement and all its rows.
    info = _QueryInfo(
        statement=context.statement,
        parameters=context.parameters,
        start_time=getattr(context, _START),
        location=locator.locate(sys._getframe()),
        # After the caller is found, as upstream: the duration includes that search.
        end_time=perf_counter(),
    )
    ctx.g.setdefault(_QUERIES, []).append(info)
