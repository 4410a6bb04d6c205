"""Reproduces Flask-SQLAlchemy 2.5.1's recorded queries: ``get_debug_queries()``.

An engine records the statements it runs inside an app context when, at its creation, the
app is in debug mode, or ``SQLALCHEMY_RECORD_QUERIES`` is true, or that key is ``None``
(2.x's default) and the app is testing. Each app context keeps its own list (on the
context object, as 2.x kept it on the context stack's top), of :class:`_DebugQueryTuple`.

Known differences from Flask-SQLAlchemy 2.5.1: none. The 3.1 recorder
(``get_recorded_queries``) is separate: it is 3.x's, with 3.x's rules and fields.
"""

from __future__ import annotations

import operator
import sys
import time
import typing as t

import sqlalchemy as sa
from flask import Flask
from flask import has_app_context
from flask.globals import app_ctx

from fss_compat import legacy

__all__ = ["get_debug_queries"]

#: The attribute of the app context that holds its records, 2.x's name.
_QUERIES = "sqlalchemy_queries"
#: The clock of the records: 2.x used time.time except on Windows. The values are only
#: good for ordering and differences.
_timer: t.Callable[[], float] = time.perf_counter if sys.platform == "win32" else time.time


# type-arg: a tuple of five values of different types, as 2.x's was.
class _DebugQueryTuple(tuple):  # type: ignore[type-arg]
    """One recorded statement: ``(statement, parameters, start_time, end_time, context)``.

    A tuple, as in 2.x, with those five names as properties and :attr:`duration`.
    ``context`` is ``"<file>:<line> (<function>)"`` of the innermost caller in the app's
    import name, or ``"<unknown>"``.
    """

    statement = property(operator.itemgetter(0))
    parameters = property(operator.itemgetter(1))
    start_time = property(operator.itemgetter(2))
    end_time = property(operator.itemgetter(3))
    context = property(operator.itemgetter(4))

    @property
    def duration(self) -> float:
        """``end_time - start_time``, in seconds."""
        return float(self[3] - self[2])

    def __repr__(self) -> str:
        return f'<query statement="{self[0]}" parameters={self[1]!r} duration={self.duration:.03f}>'


def _calling_context(app_path: str) -> str:
    """Where in the app a statement came from: its innermost frame in ``app_path``."""
    frame = sys._getframe(1)
    # 2.x stops before the outermost frame, and matches the whole import name.
    while frame.f_back is not None:
        name = frame.f_globals.get("__name__")
        if name and (name == app_path or name.startswith(app_path + ".")):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return "<unknown>"


def _record_queries(app: Flask) -> bool:
    """Whether engines created for ``app`` record: debug, the key, or testing when unset."""
    if app.debug:
        return True
    configured = app.config["SQLALCHEMY_RECORD_QUERIES"]
    if configured is not None:
        return bool(configured)
    return bool(app.config.get("TESTING"))


class _EngineDebuggingSignalEvents:
    """The two listeners that time each statement of one engine.

    :param engine: the engine to record.
    :param import_name: the app's import name, whose frames :attr:`_DebugQueryTuple.context`
        points to.
    """

    def __init__(self, engine: sa.engine.Engine, import_name: str) -> None:
        self.engine = engine
        self.app_package = import_name

    def register(self) -> None:
        """Listen to the engine's ``before_cursor_execute`` and ``after_cursor_execute``."""
        sa.event.listen(self.engine, "before_cursor_execute", self.before_cursor_execute)
        sa.event.listen(self.engine, "after_cursor_execute", self.after_cursor_execute)

    def before_cursor_execute(
        self,
        conn: sa.engine.Connection,
        cursor: t.Any,
        statement: str,
        parameters: t.Any,
        context: t.Any,
        executemany: bool,
    ) -> None:
        if has_app_context():
            context._query_start_time = _timer()

    def after_cursor_execute(
        self,
        conn: sa.engine.Connection,
        cursor: t.Any,
        statement: str,
        parameters: t.Any,
        context: t.Any,
        executemany: bool,
    ) -> None:
        if not has_app_context():
            return
        # attr-defined: Flask's proxy types do not show _get_current_object.
        ctx = app_ctx._get_current_object()  # type: ignore[attr-defined]
        queries: list[_DebugQueryTuple] | None = getattr(ctx, _QUERIES, None)
        if queries is None:
            queries = []
            setattr(ctx, _QUERIES, queries)
        record = (
            statement,
            parameters,
            context._query_start_time,
            _timer(),
            _calling_context(self.app_package),
        )
        queries.append(_DebugQueryTuple(record))


def get_debug_queries() -> list[_DebugQueryTuple]:
    """The statements recorded in the current app context; ``[]`` outside one.

    Recording is on for engines created while the app is in debug mode, has
    ``SQLALCHEMY_RECORD_QUERIES`` true, or is testing with that key unset.

    .. versionadded:: 0.1.0
    """
    legacy.check("FSC704")
    if not has_app_context():
        return []
    # attr-defined: Flask's proxy types do not show _get_current_object.
    ctx = app_ctx._get_current_object()  # type: ignore[attr-defined]
    queries: list[_DebugQueryTuple] = getattr(ctx, _QUERIES, [])
    return queries
