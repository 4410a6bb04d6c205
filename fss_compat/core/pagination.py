"""Pagination for a plain session: :class:`Pagination`, :class:`SelectPagination`, :func:`paginate`.

The classes are Flask-SQLAlchemy 3.1's: arguments are parsed, clamped and checked, and the
same SQL statements run in the same order. The private hooks that subclasses override keep
their names: ``_query_args``, ``_query_offset``, ``_query_items()``, ``_query_count()``,
``_prepare_page_args()``. :func:`paginate` is fss_compat's: explicit numbers on any session,
never reading the request, for code that no longer goes through ``db``. The legacy
``Query`` pagination is a shim, :class:`fss_compat.shims.pagination.QueryPagination`.

Known differences from Flask-SQLAlchemy 3.1.1 (also in docs/differences.md):

* ``pagination-overflow``: a page whose offset (or a ``per_page``) exceeds the databases'
  64-bit integer range is past the end: 404, or an empty page with ``error_out=False``.
  Upstream passes the number to the driver, which raises (a 500).
* ``per-page-request-cap``: a ``per_page`` read from the request, with no ``max_per_page``,
  is capped at the app's ``FSS_MAX_PER_PAGE`` (default 1000; ``None`` for no cap).
  Upstream has no cap, so a client can ask for every row at once.
"""

from __future__ import annotations

import math
import typing as t

import sqlalchemy.orm as orm
from flask import abort

from fss_compat.core import counting
from fss_compat.core._notes import with_note
from fss_compat.core.counting import Count
from fss_compat.core.counting import _AnySelect
from fss_compat.core.page_args import page_from_request
from fss_compat.core.page_args import per_page_from_request

__all__ = ["Pagination", "SelectPagination", "paginate"]

_P = t.TypeVar("_P", bound="Pagination")

#: The largest LIMIT or OFFSET any supported database accepts (signed 64-bit).
_MAX_SQL_INT = 2**63 - 1
_NO_QUERY = (
    "fss_compat: {!r} cannot query: use 'SelectPagination' or 'QueryPagination', or define {}"
    " in your subclass."
)


class Pagination:
    """One page of query results, with the numbers a pagination widget needs.

    The page is queried on creation. Manual construction is not public upstream: use
    :meth:`SQLAlchemy.paginate`, :meth:`Query.paginate` or :func:`paginate`. In order: in
    a request a missing ``page``/``per_page`` is ``int()`` of the query arg (unparsable:
    404, or the default with ``error_out=False``), else 1 and 20; ``per_page`` is capped at
    ``max_per_page``; ``page < 1`` is a 404 or 1; ``per_page < 1`` is a 404 or 20 (even
    above the cap); the items are queried, and an empty page after page 1 is a 404 with
    ``error_out``; last, the total is counted if ``count``.

    :param page: the page number, from 1. Explicit values are used as given.
    :param per_page: the number of items on a page.
    :param max_per_page: the cap for ``per_page``; ``None`` for no cap.
    :param error_out: abort with 404 for a bad page or per_page, or an empty page after
        the first, instead of correcting them.
    :param count: run a second query to fill :attr:`total`; otherwise it is ``None``.
        ``"estimate"`` (fss_compat only) asks for the database's estimate where the
        subclass has one (:class:`SelectPagination`; see :mod:`fss_compat.core.counting`).
    :param query_args: what the subclass needs to run its queries, kept in
        :attr:`_query_args`.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = 100,
        error_out: bool = True,
        count: Count = True,
        **query_args: t.Any,
    ) -> None:
        self._query_args: dict[str, t.Any] = query_args
        self._count = count
        page, per_page = self._prepare_page_args(
            page=page, per_page=per_page, max_per_page=max_per_page, error_out=error_out
        )
        #: The current page number.
        self.page: int = page
        #: The number of items on a full page.
        self.per_page: int = per_page
        #: The cap ``per_page`` was held to, or ``None``.
        self.max_per_page: int | None = max_per_page
        # No database holds that many rows, so such a page is past the end; asking the
        # driver would fail with an overflow instead (difference 'pagination-overflow').
        offset = self._query_offset
        past_end = isinstance(offset, int) and offset > _MAX_SQL_INT  # not a float: upstream's
        items = [] if past_end else self._query_items()
        # Checked before counting, so a page past the end costs one query, as upstream.
        if not items and page != 1 and error_out:
            abort(404)
        #: The rows on this page; iterating the object iterates these.
        self.items: list[t.Any] = items
        #: The number of rows on all pages, or ``None`` when not counted. Assignable.
        self.total: int | None = self._query_count() if count else None

    @staticmethod
    def _prepare_page_args(
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
    ) -> tuple[int, int]:
        if page is None:
            page = page_from_request(error_out=error_out)
        if per_page is None:
            per_page = per_page_from_request(max_per_page=max_per_page, error_out=error_out)
        # Same comparison as min(per_page, max_per_page), so a str per_page fails alike.
        if max_per_page is not None and max_per_page < per_page:
            per_page = max_per_page
        if page < 1:
            if error_out:
                abort(404)
            page = 1
        if per_page < 1:
            if error_out:
                abort(404)
            # 20, not max_per_page: upstream's fallback, which can exceed the cap.
            per_page = 20
        return page, per_page

    @property
    def _query_offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def _query_limit(self) -> int:
        # A per_page beyond any database integer means "all the rest" on the first page.
        if isinstance(self.per_page, int) and self.per_page > _MAX_SQL_INT:
            return _MAX_SQL_INT
        return self.per_page

    def _query_items(self) -> list[t.Any]:
        # No message, as upstream; what to do goes into the note.
        note = _NO_QUERY.format(type(self).__name__, "'_query_items()'")
        raise with_note(NotImplementedError(), note)

    def _query_count(self) -> int:
        raise with_note(
            NotImplementedError(), _NO_QUERY.format(type(self).__name__, "'_query_count()'")
        )

    @property
    def first(self) -> int:
        """The 1-based number of the first item on this page, or 0 when it has none."""
        if not self.items:
            return 0
        return (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        """The 1-based number of the last item on this page, or 0 when it has none."""
        first = self.first
        return max(first, first + len(self.items) - 1)

    @property
    def pages(self) -> int:
        """The number of pages: 0 when :attr:`total` is 0 or ``None``.

        Computed with float division, as upstream, so totals beyond 2**53 round alike.
        """
        if not self.total:
            return 0
        return math.ceil(self.total / self.per_page)

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one (``page > 1``)."""
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The previous page number, or ``None`` on the first page."""
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one; always False when :attr:`total` is ``None``."""
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        """The next page number, or ``None`` on the last page (or when not counted)."""
        return self.page + 1 if self.has_next else None

    def prev(self: _P, *, error_out: bool = False) -> _P:
        """Query the previous page: a new object of this class, without a count query.

        :attr:`total` is copied from this page. As upstream, ``max_per_page`` is not
        carried over, so the constructor's default cap of 100 applies: a page of 150
        gives a previous page of 100 items. On page 1 it queries page 1 again.

        :param error_out: abort with 404 as the constructor does.
        """
        return self._sibling(error_out, page=self.page - 1)

    def next(self: _P, *, error_out: bool = False) -> _P:
        """Query the next page: a new object of this class, without a count query.

        :attr:`total` and ``max_per_page`` are carried over. Past the end it is an empty
        page, or a 404 with ``error_out=True``.

        :param error_out: abort with 404 as the constructor does.
        """
        return self._sibling(error_out, page=self.page + 1, max_per_page=self.max_per_page)

    def _sibling(self: _P, error_out: bool, **page_args: t.Any) -> _P:
        # prev() passes no max_per_page, so the class's default applies (upstream quirk).
        other = type(self)(
            per_page=self.per_page,
            error_out=error_out,
            count=False,
            **page_args,
            **self._query_args,
        )
        other.total = self.total
        return other

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> t.Iterator[int | None]:
        """Yield the page numbers to link to, with ``None`` for each gap.

        Up to three runs: the first ``left_edge`` pages; ``left_current`` pages before the
        current one through ``right_current`` pages after it (inclusive); the last
        ``right_edge`` pages. A ``None`` marks every gap between runs, even of one page.
        With 20 pages on page 7: ``1, 2, None, 5, 6, 7, 8, 9, 10, 11, None, 19, 20``.

        :param left_edge: pages shown at the start.
        :param left_current: pages shown before the current page.
        :param right_current: pages shown after the current page.
        :param right_edge: pages shown at the end.
        """
        pages = self.pages
        if pages == 0:
            return
        stop = pages + 1
        edge_stop = min(left_edge + 1, stop)
        yield from range(1, edge_stop)
        if edge_stop == stop:
            return
        middle_start = max(edge_stop, self.page - left_current)
        middle_stop = min(self.page + right_current + 1, stop)
        if middle_start > edge_stop:
            yield None
        yield from range(middle_start, middle_stop)
        if middle_stop == stop:
            return
        tail_start = max(middle_stop, stop - right_edge)
        if tail_start > middle_stop:
            yield None
        yield from range(tail_start, stop)

    def __iter__(self) -> t.Iterator[t.Any]:
        # A generator, as upstream, rather than iter(self.items).
        yield from self.items


class SelectPagination(Pagination):
    """A page of a ``select()`` statement, as :meth:`SQLAlchemy.paginate` returns.

    Items are ``session.execute(select.limit(...).offset(...)).unique().scalars()``: the
    first column of each row, each value once. With ``rows=True`` (fss_compat only) they
    are the result's :class:`sqlalchemy.engine.Row` objects, every column, exactly the
    rows ``LIMIT``/``OFFSET`` returns. The count is ``SELECT count(*)`` over the statement
    as a subquery, with ``lazyload('*')`` and without ``ORDER BY``, or the estimate of
    ``count="estimate"``.

    :param select: the statement (by keyword, with the :class:`~fss_compat.Pagination` arguments).
    :param session: the :class:`sqlalchemy.orm.Session` that runs it.
    :param rows: items are rows, not the first column of each (by keyword).

    .. versionadded:: 0.1.0
    """

    def _query_items(self) -> list[t.Any]:
        args = self._query_args
        select = args["select"].limit(self._query_limit).offset(self._query_offset)
        result = args["session"].execute(select)
        # Rows are not made unique: a page holds what LIMIT/OFFSET returns, so the pages
        # add up to the count. SQLAlchemy itself asks for unique() where rows need it.
        if args.get("rows"):
            return list(result)
        return list(result.unique().scalars())

    def _query_count(self) -> int:
        args = self._query_args
        total = counting.count_rows(args["session"], args["select"], self._count)
        if self._count != "estimate":
            return total
        return counting.corrected(total, self._query_offset, len(self.items), self.per_page)


def paginate(
    session: orm.Session | orm.scoped_session[t.Any],
    select: _AnySelect,
    *,
    page: int = 1,
    per_page: int = 20,
    max_per_page: int | None = None,
    error_out: bool = True,
    count: Count = True,
    rows: bool = False,
) -> SelectPagination:
    """Paginate ``select`` on ``session`` with explicit numbers, never reading the request.

    ``db.paginate(select, page=page, per_page=per_page, ...)`` without ``db``, for code
    moved off the facade and for scripts. A scoped session is resolved once, for
    :meth:`~Pagination.next` and :meth:`~Pagination.prev` too. Bad numbers still abort
    with 404 (:func:`flask.abort` needs no app context) or are fixed with ``error_out=False``.

    :param session: a :class:`sqlalchemy.orm.Session` or ``scoped_session``.
    :param select: the statement, usually ``select(Model)``.
    :param page: the page number, from 1.
    :param per_page: items per page.
    :param max_per_page: cap for ``per_page``; ``None`` is no cap.
    :param error_out: abort with 404 on bad or out-of-range numbers instead of fixing them.
    :param count: also run the count query for ``total``; ``"estimate"`` for the
        database's estimate instead (see :mod:`fss_compat.core.counting`).
    :param rows: items are :class:`sqlalchemy.engine.Row` objects with every selected
        column, for ``select(User.id, User.name)``, joins and ``GROUP BY``; otherwise
        the first column of each row, as ``db.paginate``.
    :raises TypeError: when ``page`` or ``per_page`` is ``None``.

    .. versionadded:: 0.1.0
    """
    # None would make Pagination read the request; this function promises it never does.
    if page is None or per_page is None:
        raise TypeError(
            f"paginate() needs int 'page' and 'per_page', got page={page!r},"
            f" per_page={per_page!r}. Parse them from the request yourself as db.paginate"
            " does: int(request.args.get('page', 1)), with abort(404) on ValueError or a"
            " value below 1."
        )
    if isinstance(session, orm.scoped_session):
        session = session()
    return SelectPagination(
        select=select,
        session=session,
        page=page,
        per_page=per_page,
        max_per_page=max_per_page,
        error_out=error_out,
        count=count,
        rows=rows,
    )
