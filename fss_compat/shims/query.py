"""Reproduces Flask-SQLAlchemy's legacy ``Query`` class, used by ``Model.query``.

The 404 helpers of a plain session (:func:`get_or_404`, :func:`first_or_404`,
:func:`one_or_404`) live in ``fss_compat.core.lookup``; they are importable from here
too, as in earlier releases of fss_compat.

Known differences from Flask-SQLAlchemy 3.1.1 (also in docs/differences.md):

* ``get-or-404-impossible-identifier``: ``Query.get_or_404`` answers 404 without querying
  for an identifier no row's key can equal, as :func:`fss_compat.get_or_404` does.
"""

from __future__ import annotations

import typing as t

import sqlalchemy.orm as orm
from flask import abort
from flask import has_request_context

from fss_compat import legacy
from fss_compat.core.lookup import NOT_ONE
from fss_compat.core.lookup import checked_identity
from fss_compat.core.lookup import first_or_404
from fss_compat.core.lookup import get_or_404
from fss_compat.core.lookup import one_or_404
from fss_compat.shims.pagination import QueryPagination

__all__ = ["Query", "first_or_404", "get_or_404", "one_or_404"]


class Query(orm.Query[t.Any]):
    """The legacy :class:`sqlalchemy.orm.Query` used by ``Model.query`` and ``db.session.query``.

    Dynamic relationships made with ``db.relationship(lazy="dynamic")`` are this class
    too. It adds the 404 helpers and :meth:`paginate`.

    .. versionadded:: 0.1.0
    """

    def get_or_404(self, ident: t.Any, description: str | None = None) -> t.Any:
        """Return ``self.get(ident)``, aborting with 404 when it is None.

        ``Query.get()`` is legacy in SQLAlchemy 2.x, so every call emits its
        ``LegacyAPIWarning``, as upstream; ``db.get_or_404(Model, ident)`` does not.

        :param ident: the primary key value.
        :param description: the 404 page's message; Werkzeug's default when ``None``.
        :raises werkzeug.exceptions.NotFound: when there is no such row.

        .. versionadded:: 0.1.0
        """
        entity = self.column_descriptions[0]["entity"]
        possible, ident = checked_identity(self.session, entity, ident)
        value = self.get(ident) if possible else None
        if value is None:
            abort(404, description=description)
        return value

    def first_or_404(self, description: str | None = None) -> t.Any:
        """Return ``self.first()``, aborting with 404 when it is None.

        :param description: the 404 page's message; Werkzeug's default when ``None``.
        :raises werkzeug.exceptions.NotFound: when there is no row.

        .. versionadded:: 0.1.0
        """
        value = self.first()
        if value is None:
            abort(404, description=description)
        return value

    def one_or_404(self, description: str | None = None) -> t.Any:
        """Return ``self.one()``, aborting with 404 for no row or several rows.

        :param description: the 404 page's message; Werkzeug's default when ``None``.
        :raises werkzeug.exceptions.NotFound: unless there is exactly one row.

        .. versionadded:: 0.1.0
        """
        try:
            return self.one()
        except NOT_ONE:
            abort(404, description=description)

    def paginate(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> QueryPagination:
        """One page of this query's results, as a :class:`QueryPagination`.

        ``page`` and ``per_page`` default to the request's ``?page=`` and ``?per_page=``
        (1 and 20 outside a request); see :class:`~fss_compat.Pagination`
        for how they are checked.

        :param page: the page number, from 1.
        :param per_page: items per page.
        :param max_per_page: cap for ``per_page``; ``None`` (the default) is no cap.
        :param error_out: abort with 404 on bad or out-of-range numbers instead of fixing them.
        :param count: also run the count query for ``total``.

        .. versionadded:: 0.1.0
        """
        if (page is None or per_page is None) and has_request_context():
            legacy.check("FSC605")
        return QueryPagination(
            query=self,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )
