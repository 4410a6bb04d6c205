"""Reproduces Flask-SQLAlchemy 2.5.1's ``BaseQuery``, ``Pagination`` and ``Model.query``.

``BaseQuery`` is the 3.1 shim's ``Query`` with 2.x's ``paginate(page, per_page, error_out,
max_per_page)``; ``Pagination`` is the core's, built by hand from a finished query result
the way 2.x built it (``Pagination(query, page, per_page, total, items)``).

Known differences from Flask-SQLAlchemy 2.5.1 (also in docs/differences.md):
``get-or-404-impossible-identifier``, ``pagination-overflow`` and ``per-page-request-cap``,
as at the 3.1 level, and ``v2-pagination-superset``: a 2.x ``Pagination`` also has what
3.x's has (``first``, ``last``, iteration), and ``paginate`` also takes ``count=``.
"""

from __future__ import annotations

import math
import typing as t

import sqlalchemy.orm as orm
from flask import abort
from flask import has_request_context

from fss_compat import legacy
from fss_compat.core.page_args import page_from_request
from fss_compat.core.page_args import per_page_from_request
from fss_compat.shims.pagination import QueryPagination
from fss_compat.shims.query import Query

__all__ = ["BaseQuery", "Pagination"]

#: The largest LIMIT or OFFSET any supported database accepts (signed 64-bit).
_MAX_SQL_INT = 2**63 - 1
_PAGINATE_ARGS = ("page", "per_page", "error_out", "max_per_page")
_PAGE_ARGS = ("left_edge", "left_current", "right_current", "right_edge")


class _Owner(t.Protocol):
    """What ``Model.query`` needs from the ``db``: its scoped session."""

    _legacy_modes: legacy.Modes

    @property
    def session(self) -> orm.scoped_session[t.Any]: ...


class Pagination(QueryPagination):
    """One page of results, as 2.x's ``BaseQuery.paginate`` returns it.

    Built from numbers already known; nothing is queried on creation. ``query`` may be
    ``None``, and then :meth:`prev` and :meth:`next` cannot work.

    :param query: the unlimited query the page came from, or ``None``.
    :param page: the page number, from 1.
    :param per_page: the number of items on a page.
    :param total: the number of items on all pages.
    :param items: the items on this page.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        query: t.Any,
        page: int,
        per_page: int,
        total: int | None,
        items: list[t.Any],
        *,
        _by_paginate: bool = False,
    ) -> None:
        if not _by_paginate:
            legacy.check("FSC702")
        self._query_args = {"query": query}
        self.page = page
        self.per_page = per_page
        self.max_per_page = None
        self.total = total
        self.items = items

    @property
    def query(self) -> t.Any:
        """The unlimited query this page came from (2.x only; 3.x keeps it private)."""
        legacy.check("FSC702")
        return self._query_args["query"]

    @property
    def pages(self) -> int:
        """The number of pages: 0 for a ``per_page`` of 0 or an uncounted total."""
        if self.per_page == 0 or self.total is None:
            return 0
        return math.ceil(self.total / float(self.per_page))

    def _other_page(self, page: int, args: tuple[t.Any, ...], error_out: bool) -> Pagination:
        if args:
            legacy.check("FSC702")
            if len(args) > 1:
                raise TypeError(f"takes at most 1 positional argument ({len(args)} given)")
            error_out = args[0]
        query = self._query_args["query"]
        if query is None:
            raise AssertionError("a query object is required for this method to work")
        other: Pagination = query.paginate(page=page, per_page=self.per_page, error_out=error_out)
        return other

    def prev(self, *args: t.Any, error_out: bool = False) -> Pagination:
        """The previous page, queried again with its count, as 2.x's ``prev(error_out)``.

        :param error_out: abort with 404 for a bad page (also as the one positional).
        """
        return self._other_page(self.page - 1, args, error_out)

    def next(self, *args: t.Any, error_out: bool = False) -> Pagination:
        """The next page, queried again with its count, as 2.x's ``next(error_out)``.

        :param error_out: abort with 404 for a bad page (also as the one positional).
        """
        return self._other_page(self.page + 1, args, error_out)

    def iter_pages(self, *args: int, **kwargs: int) -> t.Iterator[int | None]:
        """Yield page numbers to link to, ``None`` for each gap, with 2.x's window.

        Arguments are 2.x's, also positional: ``left_edge=2, left_current=2,
        right_current=5, right_edge=2``. 2.x's ``right_current`` counts the current page
        (3.x's does not), so the defaults of both show the same pages.

        :param args: the four numbers, in that order.
        :param kwargs: the same by name.
        """
        if len(args) > len(_PAGE_ARGS):
            raise TypeError(f"takes at most 4 positional arguments ({len(args)} given)")
        values = {"left_edge": 2, "left_current": 2, "right_current": 5, "right_edge": 2}
        values.update(zip(_PAGE_ARGS, args, strict=False))
        unknown = kwargs.keys() - values.keys()
        if unknown:
            raise TypeError(f"got an unexpected keyword argument {sorted(unknown)[0]!r}")
        values.update(kwargs)
        if args or "right_current" in kwargs:
            legacy.check("FSC702")
        # 2.x's own walk (not the core's): a union of the three runs, which differs from
        # 3.x's for windows that overlap an edge.
        left_edge, left_current = values["left_edge"], values["left_current"]
        right_current, right_edge = values["right_current"], values["right_edge"]
        pages, last = self.pages, 0
        for num in range(1, pages + 1):
            if (
                num <= left_edge
                or self.page - left_current - 1 < num < self.page + right_current
                or num > pages - right_edge
            ):
                if last + 1 != num:
                    yield None
                yield num
                last = num


class BaseQuery(Query):
    """The legacy :class:`sqlalchemy.orm.Query` of 2.x's ``Model.query`` and ``db.session``.

    The 3.1 shim's :class:`~fss_compat.shims.query.Query` (``get_or_404``,
    ``first_or_404``, ``one_or_404``), with 2.x's :meth:`paginate`.

    .. versionadded:: 0.1.0
    """

    def paginate(self, *args: t.Any, count: bool = True, **kwargs: t.Any) -> Pagination:
        """One page of results, as 2.x's ``paginate(page, per_page, error_out, max_per_page)``.

        ``page`` and ``per_page`` default to the request's ``?page=`` and ``?per_page=``
        (1 and 20 outside a request). A ``per_page`` of 0 is allowed (no items); below 0,
        or a page below 1, is a 404 (with ``error_out=False``: 20 and 1). The total is
        always counted unless ``count=False`` (fss_compat only).

        :param args: ``page, per_page, error_out, max_per_page``, in 2.x's order.
        :param count: run the count query for ``total``.
        :param kwargs: the same four by name.
        """
        if len(args) > len(_PAGINATE_ARGS):
            raise TypeError(f"paginate() takes at most 5 positional arguments ({len(args)} given)")
        if args:
            legacy.check("FSC701")
        values: dict[str, t.Any] = {
            "page": None,
            "per_page": None,
            "error_out": True,
            "max_per_page": None,
        }
        for name, value in zip(_PAGINATE_ARGS, args, strict=False):
            if name in kwargs:
                raise TypeError(f"paginate() got multiple values for argument {name!r}")
            values[name] = value
        unknown = kwargs.keys() - values.keys()
        if unknown:
            raise TypeError(f"paginate() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        values.update(kwargs)
        page, per_page = _page_args(**values)
        offset = (page - 1) * per_page
        # Past any database's range there are no rows (difference 'pagination-overflow').
        past_end = isinstance(offset, int) and offset > _MAX_SQL_INT
        items = [] if past_end else self.limit(min(per_page, _MAX_SQL_INT)).offset(offset).all()
        if not items and page != 1 and values["error_out"]:
            abort(404)
        total = self.order_by(None).count() if count else None
        return Pagination(self, page, per_page, total, items, _by_paginate=True)


def _page_args(
    page: int | None, per_page: int | None, error_out: bool, max_per_page: int | None
) -> tuple[int, int]:
    """2.x's page and per_page: from the request when None, capped, then checked."""
    if (page is None or per_page is None) and has_request_context():
        legacy.check("FSC605")
    # Outside a request these are the defaults, 1 and 20.
    if page is None:
        page = page_from_request(error_out=error_out)
    if per_page is None:
        per_page = per_page_from_request(max_per_page=max_per_page, error_out=error_out)
    if max_per_page is not None:
        per_page = min(per_page, max_per_page)
    if page < 1:
        if error_out:
            abort(404)
        page = 1
    if per_page < 0:
        if error_out:
            abort(404)
        per_page = 20
    return page, per_page


class _QueryProperty:
    """``Model.query``: a query of the model on the db's session; None for unmapped classes."""

    def __init__(self, sa: _Owner) -> None:
        self.sa = sa

    def __get__(self, obj: object, cls: type[t.Any]) -> t.Any:
        try:
            mapper: orm.Mapper[t.Any] = orm.class_mapper(cls)
        except orm.exc.UnmappedClassError:
            return None
        legacy.check("FSC201", self.sa)
        query_class: type[orm.Query[t.Any]] = cls.query_class
        return query_class(mapper, session=self.sa.session())
