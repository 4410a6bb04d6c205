"""Counting the rows of a statement for :attr:`Pagination.total`: exactly, or from an estimate.

``count=True`` (Flask-SQLAlchemy's only kind) runs ``SELECT count(*)`` over the statement
as a subquery: on PostgreSQL that reads every matching row, which on a large table costs
more than the page itself (Flask-SQLAlchemy #518, #272, #399). ``count="estimate"`` asks
PostgreSQL's planner instead: the ``Plan Rows`` of ``EXPLAIN (FORMAT JSON)`` of the
statement, which comes from the table statistics ``ANALYZE`` (and autovacuum) keep. It
costs one planning, whatever the table size, and can be far off: right after a bulk load
before ``ANALYZE``, or for a selective ``WHERE`` on correlated columns.

Decisions, written down:

* The estimate is corrected by what the page saw: a page with fewer rows than
  ``per_page`` is the last one, so the total is then exact; otherwise it is at least the
  rows up to the end of this page. ``pages`` and ``has_next`` never contradict the page.
* Databases whose planner fss_compat does not read (SQLite, MySQL, ...) count exactly
  for ``"estimate"``: an estimate may be exact, and an app tested on SQLite and run on
  PostgreSQL must not need two code paths. MySQL is untested.
"""

from __future__ import annotations

import json
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.sql.expression import Executable

if t.TYPE_CHECKING:
    from typing_extensions import Unpack

    #: Any ``select()``, whatever it selects. SQLAlchemy 2.1 types a select by each of its
    #: columns, so ``Select[Any]`` would only take single-column ones.
    _AnySelect: t.TypeAlias = sa.Select[Unpack[tuple[t.Any, ...]]]
else:
    # At run time (for the docs' signatures) the class; 2.0's Select takes no Unpack.
    _AnySelect = sa.Select

__all__ = ["Count", "bind_arguments", "corrected", "count_rows"]

#: What ``count=`` takes: ``True`` (exact), ``False`` (no count) or ``"estimate"``.
Count = t.Union[bool, t.Literal["estimate"]]  # noqa: UP007 (runtime alias)

# Built once: both are immutable, and each count query copies them generatively.
_LAZYLOAD_ALL = orm.lazyload("*")
_SELECT_COUNT = sa.select(sa.func.count())


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>``: PostgreSQL's plan, as one JSON value."""

    # Not cached: one compilation per estimate costs far less than the count it replaces.
    inherit_cache = False

    def __init__(self, statement: _AnySelect) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: t.Any, **kw: t.Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def bind_arguments(select: _AnySelect) -> dict[str, t.Any]:
    """What ``Session.get_bind`` needs to route ``select`` as ``Session.execute`` would.

    The first ORM entity the statement selects, if any, is the mapper (bind keys are
    read from it); the statement is the clause.

    :param select: the statement.
    """
    mapper = next(
        (d["entity"] for d in select.column_descriptions if d.get("entity") is not None), None
    )
    return {"mapper": mapper, "clause": select}


def count_rows(session: orm.Session, select: _AnySelect, how: Count) -> int:
    """The number of rows ``select`` returns: counted, or estimated on PostgreSQL.

    :param session: the session to run the query on.
    :param select: the statement; its ``ORDER BY`` is dropped and ``lazyload('*')`` added.
    :param how: ``True`` to count, ``"estimate"`` for the planner's estimate.
    """
    select = select.options(_LAZYLOAD_ALL).order_by(None)
    if how == "estimate":
        arguments = bind_arguments(select)
        if session.get_bind(**arguments).dialect.name == "postgresql":
            plan = session.connection(bind_arguments=arguments).scalar(_Explain(select))
            # psycopg decodes the json column; other drivers may hand over its text.
            if isinstance(plan, str):
                plan = json.loads(plan)
            return int(plan[0]["Plan"]["Plan Rows"])
    total: int = session.execute(_SELECT_COUNT.select_from(select.subquery())).scalar_one()
    return total


def corrected(estimate: int, offset: int, seen: int, per_page: int) -> int:
    """An estimated total made consistent with a page of ``seen`` rows at ``offset``.

    :param estimate: the planner's estimate.
    :param offset: the number of rows before the page.
    :param seen: the rows on the page.
    :param per_page: the page size asked for.
    """
    if seen < per_page and (seen or offset == 0):
        return offset + seen
    return max(estimate, offset + seen)
