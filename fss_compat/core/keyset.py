"""Keyset pagination: pages after or before a signed position, at the same cost at any depth.

:func:`keyset_paginate` pages a ``select()`` in its ``ORDER BY``. A page is found with a
``WHERE`` on the sort key (see :mod:`fss_compat.core.ordering`) and ``LIMIT per_page + 1``,
so the database seeks to the position in an index instead of reading and discarding every
earlier row as ``OFFSET`` does: the last page of a million rows costs what the first does.
The position travels as an opaque cursor: the sort key values of the page's last (or
first) row and a digest of the order, signed with the app's ``SECRET_KEY`` through
itsdangerous (a Flask dependency).

Decisions, written down:

* A cursor that is not one of ours is a 404, like a ``?page=`` that is not a number:
  too long, not ASCII, a bad signature (forged, truncated, or signed with another key
  or for another purpose), another order's, or malformed (see
  :mod:`fss_compat.core.cursors`). It is refused before any SQL runs, so the session and
  its transaction stay usable. With ``error_out=False`` such a cursor gives the first page instead.
* A cursor is signed, not encrypted: a client can read the sort key values of the row it
  points at. Order by what the page shows anyway.
* Pages have no numbers: ``has_next``/``has_prev`` and ``next_cursor``/``prev_cursor``
  are the navigation. ``total`` is counted only when asked (``count=True`` or
  ``count="estimate"``): not counting is most of the saving.
* An empty page reached with a cursor is a 404 with ``error_out``, as an empty page after
  the first is with page numbers (its rows were deleted since).
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import abort

from fss_compat.core import counting
from fss_compat.core import cursors
from fss_compat.core import ordering
from fss_compat.core.counting import Count
from fss_compat.core.counting import _AnySelect
from fss_compat.core.pagination import _MAX_SQL_INT
from fss_compat.core.pagination import Pagination

__all__ = ["KeysetPagination", "keyset_paginate"]


class KeysetPagination:
    """One page of a ``select()`` after or before a cursor, as :func:`keyset_paginate` returns.

    The page is queried on creation. Iterating the object iterates :attr:`items`.

    :param select: the statement, with an ``ORDER BY``.
    :param session: the :class:`sqlalchemy.orm.Session` that runs it.
    :param cursor: a :attr:`next_cursor` or :attr:`prev_cursor` of an earlier page, or
        ``None`` for the first page.
    :param per_page: rows on a page; ``None`` reads ``?per_page=`` in a request, as
        :class:`Pagination` does.
    :param max_per_page: the cap for ``per_page``; ``None`` for no cap.
    :param error_out: abort with 404 for a bad cursor or ``per_page``, or an empty page
        after a cursor, instead of giving the first page, 20 or the empty page.
    :param count: ``True`` to count :attr:`total`, ``"estimate"`` for PostgreSQL's
        estimate, ``False`` (the default) for none.
    :param rows: items are :class:`sqlalchemy.engine.Row` objects, not first columns.
    :param secret_key: the key cursors are signed with; the app's ``SECRET_KEY`` if
        ``None``.
    :raises ValueError: when the statement's order cannot be made unique; see
        :mod:`fss_compat.core.ordering`.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        select: _AnySelect,
        session: orm.Session,
        cursor: str | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: Count = False,
        rows: bool = False,
        secret_key: str | bytes | None = None,
    ) -> None:
        if not isinstance(select, sa.Select):
            raise TypeError(
                f"Keyset pagination takes a select(), not {select!r}. Wrap a UNION in a"
                " subquery: select(union.subquery())."
            )
        _, per_page = Pagination._prepare_page_args(
            page=1, per_page=per_page, max_per_page=max_per_page, error_out=error_out
        )
        #: The number of items on a full page.
        self.per_page: int = per_page
        #: The cap ``per_page`` was held to, or ``None``.
        self.max_per_page: int | None = max_per_page
        dialect = session.get_bind(**counting.bind_arguments(select)).dialect.name
        key = ordering.sort_key(select, dialect)
        signed = cursors.Cursors(secret_key, key.fingerprint, len(key.keys))
        position = None if cursor is None else signed.read(cursor)
        if cursor is not None and position is None:
            if error_out:
                abort(404)
            cursor = None
        #: The cursor this page was read at, or ``None`` for the first page.
        self.cursor: str | None = cursor
        backward = position is not None and position.direction == cursors.PREV
        items, values = self._query(session, select, key, position, per_page, rows)
        more = len(items) > per_page
        items, values = items[:per_page], values[:per_page]
        if backward:
            items.reverse()
            values.reverse()
        if not items and cursor is not None and error_out:
            abort(404)
        #: The rows on this page.
        self.items: list[t.Any] = items
        # A page read backwards has rows after it (those of the page it came from); one
        # read forwards from a cursor has rows before it.
        after_page = (position is not None) if backward else more
        before_page = more if backward else position is not None
        #: The cursor of the page after this one, or ``None`` on the last page.
        self.next_cursor: str | None = (
            signed.write(cursors.NEXT, values[-1]) if after_page and items else None
        )
        #: The cursor of the page before this one, or ``None`` on the first page.
        self.prev_cursor: str | None = (
            signed.write(cursors.PREV, values[0]) if before_page and items else None
        )
        #: The rows of the whole statement, when counted; else ``None``. Assignable.
        self.total: int | None = None
        if count:
            total = counting.count_rows(session, select, count)
            if count == "estimate" and cursor is None:
                total = counting.corrected(total, 0, len(items), per_page)
            elif count == "estimate":
                total = max(total, len(items))
            self.total = total

    @staticmethod
    def _query(
        session: orm.Session,
        select: _AnySelect,
        key: ordering.SortKey,
        position: cursors.Position | None,
        per_page: int,
        rows: bool,
    ) -> tuple[list[t.Any], list[tuple[object, ...]]]:
        """Up to ``per_page + 1`` items from the position on, and their sort key values.

        The sort key is selected as extra labelled columns after the statement's own, and
        split off again: rows keep exactly the statement's columns.
        """
        backward = position is not None and position.direction == cursors.PREV
        statement = key.reversed_select() if backward else key.select
        keys = [k.reversed() for k in key.keys] if backward else list(key.keys)
        if position is not None:
            condition = ordering.after(keys, position.values)
            grouped = bool(ordering.clauses(select).group_by)
            statement = statement.having(condition) if grouped else statement.where(condition)
        width = len(select.column_descriptions)
        labels = [k.expression.label(f"_fss_key_{n}") for n, k in enumerate(keys)]
        statement = statement.add_columns(*labels).limit(min(per_page + 1, _MAX_SQL_INT))
        result = session.execute(statement)
        if rows:
            frozen = result.freeze()
            items = list(frozen().columns(*range(width)))
            values = [tuple(row) for row in frozen().columns(*range(width, width + len(keys)))]
        else:
            found = result.unique().all()
            items = [row[0] for row in found]
            values = [tuple(row[width:]) for row in found]
        return items, values

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one."""
        return self.prev_cursor is not None

    def __iter__(self) -> t.Iterator[t.Any]:
        yield from self.items


def keyset_paginate(
    session: orm.Session | orm.scoped_session[t.Any],
    select: _AnySelect,
    *,
    cursor: str | None = None,
    per_page: int = 20,
    max_per_page: int | None = None,
    error_out: bool = True,
    count: Count = False,
    rows: bool = False,
    secret_key: str | bytes | None = None,
) -> KeysetPagination:
    """Page ``select`` in its ``ORDER BY`` after (or before) ``cursor``, on ``session``.

    Pass the cursor from the request: ``cursor=request.args.get("cursor")``, and link to
    the next and previous pages with ``url_for(..., cursor=page.next_cursor)``. Like
    :func:`paginate`, this never reads the request itself. Works on any session,
    Flask-SQLAlchemy's ``db.session`` included.

    :param session: a :class:`sqlalchemy.orm.Session` or ``scoped_session``.
    :param select: the statement, ordered by a unique key (a primary key is appended
        where the order is not unique, see :mod:`fss_compat.core.ordering`).
    :param cursor: a page's :attr:`~KeysetPagination.next_cursor` or
        :attr:`~KeysetPagination.prev_cursor`; ``None`` for the first page.
    :param per_page: rows on a page.
    :param max_per_page: cap for ``per_page``; ``None`` is no cap.
    :param error_out: abort with 404 for a bad cursor, a ``per_page`` below 1, or an empty
        page after a cursor; otherwise give the first page, 20 rows, or the empty page.
    :param count: ``True`` to count :attr:`~KeysetPagination.total`, ``"estimate"`` for
        PostgreSQL's estimate (see :mod:`fss_compat.core.counting`); ``False`` for none.
    :param rows: items are :class:`sqlalchemy.engine.Row` objects with every selected
        column, rather than the first column of each row.
    :param secret_key: the key cursors are signed with; the current app's
        ``SECRET_KEY`` when ``None``.
    :raises TypeError: when ``per_page`` is ``None``, or ``select`` is not a ``select()``.
    :raises ValueError: when ``select`` has no ``ORDER BY``, or no unique order can be
        made of it.
    :raises RuntimeError: with no ``secret_key`` and no app ``SECRET_KEY``.

    .. versionadded:: 0.1.0
    """
    # None would make KeysetPagination read the request, which this function never does.
    if per_page is None:
        raise TypeError(
            "keyset_paginate() needs an int 'per_page', got None. Parse it from the request"
            " yourself, or leave it out for 20."
        )
    return KeysetPagination(
        select=select,
        session=session() if isinstance(session, orm.scoped_session) else session,
        cursor=cursor,
        per_page=per_page,
        max_per_page=max_per_page,
        error_out=error_out,
        count=count,
        rows=rows,
        secret_key=secret_key,
    )
