"""Reproduces Flask-SQLAlchemy's pagination module: ``Pagination`` and its two subclasses.

``Pagination`` and ``SelectPagination`` belong to the core (``fss_compat.core.pagination``)
and are re-exported here under Flask-SQLAlchemy's module name; this module adds the legacy
``Query``'s :class:`QueryPagination`.

Known differences from Flask-SQLAlchemy 3.1.1 (also in docs/differences.md):
``pagination-overflow`` and ``per-page-request-cap``; see ``fss_compat.core.pagination``.
"""

from __future__ import annotations

import typing as t

from fss_compat.core.pagination import Pagination
from fss_compat.core.pagination import SelectPagination
from fss_compat.core.pagination import paginate

__all__ = ["Pagination", "QueryPagination", "SelectPagination", "paginate"]


class QueryPagination(Pagination):
    """A page of a legacy ``Query``, as :meth:`Query.paginate` returns.

    Items are ``query.limit(...).offset(...).all()``; the count is
    ``query.order_by(None).count()``.

    :param query: the query (by keyword, with the :class:`~fss_compat.Pagination` arguments).

    .. versionadded:: 0.1.0
    """

    def _query_items(self) -> list[t.Any]:
        items: list[t.Any] = (
            self._query_args["query"].limit(self._query_limit).offset(self._query_offset).all()
        )
        return items

    def _query_count(self) -> int:
        # Query.count() already disables eager loading.
        total: int = self._query_args["query"].order_by(None).count()
        return total
