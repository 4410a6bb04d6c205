"""Reproduces Flask-SQLAlchemy's legacy ``Query`` class, used by ``Model.query``.

Also holds the 404 helpers behind ``db.get_or_404``, ``db.first_or_404`` and
``db.one_or_404`` as plain functions of a session, so code moved off ``db`` keeps them:
``get_or_404(session, User, 1)``. Every 404 is :func:`flask.abort`'s
:class:`werkzeug.exceptions.NotFound`, which also works without an app context.

Known differences from Flask-SQLAlchemy 3.1.1 (also in docs/differences.md):

* ``get-or-404-impossible-identifier``: ``get_or_404`` answers 404 without querying for an
  identifier that no row's key can equal: text that is not an integer as the databases
  read one (ASCII digits, sign, spaces), or an integer out of the column's range, for an
  integer key; text that is not a UUID for a UUID key; text with NUL on PostgreSQL. A
  UUID key given as text is parsed. Upstream sends these to the database, where
  PostgreSQL raises ``DataError`` (a 500, and the transaction is aborted) and SQLite
  raises on integers past 64 bits and on any text for a UUID key.
"""

from __future__ import annotations

import inspect
import re
import typing as t
import uuid

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
from flask import abort

from fss_compat.shims.pagination import QueryPagination

__all__ = ["Query", "first_or_404", "get_or_404", "one_or_404"]


_O = t.TypeVar("_O")
_AnySession = t.Union[orm.Session, orm.scoped_session[t.Any]]  # noqa: UP007 (runtime alias)
_NOT_ONE = (sa_exc.NoResultFound, sa_exc.MultipleResultsFound)
_INT64 = 2**63
_GET_SIGNATURE = inspect.signature(orm.Session.get)
_DATABASE_INTEGER = re.compile(r"[ \t\n\r\f\v]*[+-]?[0-9]+[ \t\n\r\f\v]*", re.ASCII)
# Integer column ranges where the database enforces the declared size.
_SIZED_DIALECTS = {"postgresql", "mysql", "mariadb"}


def _checked_identity(session: _AnySession, entity: t.Any, ident: t.Any) -> tuple[bool, t.Any]:
    """Whether ``ident`` can be a key of ``entity``, and the ident to use (UUID text parsed).

    Values from a URL reach here as text; only what no row could match is decided here,
    everything else goes to ``session.get`` unchanged.
    """
    if type(ident) is int and -(2**31) <= ident < 2**31:
        return True, ident  # the common case: nothing to check
    mapper = sa.inspect(entity, raiseerr=False)
    if not isinstance(mapper, orm.Mapper) or isinstance(ident, dict):
        return True, ident
    columns = mapper.primary_key
    many = isinstance(ident, (tuple, list))
    values = tuple(ident) if many else (ident,)
    if len(values) != len(columns):
        return True, ident  # session.get reports the wrong shape itself
    checked = []
    for column, value in zip(columns, values, strict=True):
        possible, value = _checked_value(session, mapper, column.type, value)
        if not possible:
            return False, ident
        checked.append(value)
    return True, (tuple(checked) if many else checked[0])


def _checked_value(
    session: _AnySession, mapper: orm.Mapper[t.Any], type_: t.Any, value: t.Any
) -> tuple[bool, t.Any]:
    if isinstance(type_, sa.Integer) and not isinstance(value, bool):
        if isinstance(value, str):
            # What the databases read as an integer, not Python's int(): "1_0", "١٢" or a
            # non-ASCII space match nothing on SQLite and are an error on PostgreSQL.
            if not _DATABASE_INTEGER.fullmatch(value):
                return False, value
            number = int(value)
        elif isinstance(value, int):
            number = value
        else:
            return True, value
        limit = _INT64
        if not isinstance(type_, sa.BigInteger):
            dialect = session.get_bind(mapper=mapper).dialect.name
            if dialect in _SIZED_DIALECTS:
                limit = 2**15 if isinstance(type_, sa.SmallInteger) else 2**31
        return -limit <= number < limit, value
    if isinstance(type_, sa.String) and isinstance(value, str) and "\x00" in value:
        # PostgreSQL text cannot hold NUL, so no key there can equal it (and it raises).
        return session.get_bind(mapper=mapper).dialect.name != "postgresql", value
    if isinstance(type_, sa.Uuid) and type_.as_uuid and isinstance(value, str):
        try:
            return True, uuid.UUID(value)
        except ValueError:
            return False, value
    return True, value


def get_or_404(
    session: _AnySession,
    entity: type[_O],
    ident: t.Any,
    *,
    description: str | None = None,
    **kwargs: t.Any,
) -> _O:
    """Return ``session.get(entity, ident, **kwargs)``, aborting with 404 when it is None.

    :param session: a :class:`sqlalchemy.orm.Session` or ``scoped_session``.
    :param entity: the mapped class.
    :param ident: the primary key value (a tuple or dict for a composite key).
    :param description: the 404 page's message; Werkzeug's default when ``None``.
    :param kwargs: passed on to ``session.get()`` (``options``, ``populate_existing``,
        ``with_for_update``, ...); an unknown name raises its ``TypeError``.
    :raises werkzeug.exceptions.NotFound: when there is no such row.

    .. versionadded:: 0.1.0
    """
    possible, ident = _checked_identity(session, entity, ident)
    if not possible:
        # No query, but the arguments are checked as session.get() would check them.
        _GET_SIGNATURE.bind(session, entity, ident, **kwargs)
    value = session.get(entity, ident, **kwargs) if possible else None
    if value is None:
        abort(404, description=description)
    return value


def first_or_404(
    session: _AnySession, statement: sa.Select[t.Any], *, description: str | None = None
) -> t.Any:
    """Return ``session.execute(statement).scalar()``, aborting with 404 when it is None.

    The value is the first column of the first row, so a NULL there is a 404 as well.

    :param session: a :class:`sqlalchemy.orm.Session` or ``scoped_session``.
    :param statement: the statement, usually ``select(Model).where(...)``.
    :param description: the 404 page's message; Werkzeug's default when ``None``.
    :raises werkzeug.exceptions.NotFound: when there is no row, or its first column is NULL.

    .. versionadded:: 0.1.0
    """
    value = session.execute(statement).scalar()
    if value is None:
        abort(404, description=description)
    return value


def one_or_404(
    session: _AnySession, statement: sa.Select[t.Any], *, description: str | None = None
) -> t.Any:
    """Return ``session.execute(statement).scalar_one()``, aborting with 404 unless one row.

    :param session: a :class:`sqlalchemy.orm.Session` or ``scoped_session``.
    :param statement: the statement, usually ``select(Model).where(...)``.
    :param description: the 404 page's message; Werkzeug's default when ``None``.
    :raises werkzeug.exceptions.NotFound: for no row or several rows; SQLAlchemy's
        ``NoResultFound`` / ``MultipleResultsFound`` is its ``__context__``, as upstream.

    .. versionadded:: 0.1.0
    """
    try:
        return session.execute(statement).scalar_one()
    except _NOT_ONE:
        abort(404, description=description)


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
        possible, ident = _checked_identity(self.session, entity, ident)
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
        except _NOT_ONE:
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
        (1 and 20 outside a request); see :class:`~fss_compat.shims.pagination.Pagination`
        for how they are checked.

        :param page: the page number, from 1.
        :param per_page: items per page.
        :param max_per_page: cap for ``per_page``; ``None`` (the default) is no cap.
        :param error_out: abort with 404 on bad or out-of-range numbers instead of fixing them.
        :param count: also run the count query for ``total``.

        .. versionadded:: 0.1.0
        """
        return QueryPagination(
            query=self,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )
