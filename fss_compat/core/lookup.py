"""The 404 helpers for a plain session: ``get_or_404``, ``first_or_404``, ``one_or_404``.

The functions behind ``db.get_or_404``, ``db.first_or_404`` and ``db.one_or_404``, taking
the session as their first argument, so code moved off ``db`` keeps them:
``get_or_404(session, User, 1)``. Every 404 is :func:`flask.abort`'s
:class:`werkzeug.exceptions.NotFound`, which also works without an app context.

Known difference from Flask-SQLAlchemy 3.1.1 (also in docs/differences.md):

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

__all__ = ["checked_identity", "first_or_404", "get_or_404", "one_or_404"]


_O = t.TypeVar("_O")
_AnySession = t.Union[orm.Session, orm.scoped_session[t.Any]]  # noqa: UP007 (runtime alias)
#: What ``scalar_one()`` and ``Query.one()`` raise for zero or several rows.
NOT_ONE = (sa_exc.NoResultFound, sa_exc.MultipleResultsFound)
_INT64 = 2**63
_GET_SIGNATURE = inspect.signature(orm.Session.get)
_DATABASE_INTEGER = re.compile(r"[ \t\n\r\f\v]*[+-]?[0-9]+[ \t\n\r\f\v]*", re.ASCII)
# Integer column ranges where the database enforces the declared size.
_SIZED_DIALECTS = {"postgresql", "mysql", "mariadb"}


def checked_identity(session: _AnySession, entity: t.Any, ident: t.Any) -> tuple[bool, t.Any]:
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
    possible, ident = checked_identity(session, entity, ident)
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
    except NOT_ONE:
        abort(404, description=description)
