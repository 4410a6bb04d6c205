"""Reproduces Flask-SQLAlchemy's legacy ``Query`` class, used by ``Model.query``.

Known differences from Flask-SQLAlchemy 3.1.1: none.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm

__all__ = ["Query", "first_or_404", "get_or_404", "one_or_404"]


_O = t.TypeVar("_O")
_AnySession = t.Union[orm.Session, orm.scoped_session[t.Any]]  # noqa: UP007 (runtime alias)


def get_or_404(
    session: _AnySession,
    entity: type[_O],
    ident: t.Any,
    *,
    description: str | None = None,
    **kwargs: t.Any,
) -> _O:
    """``session.get(entity, ident, **kwargs)``, aborting with 404 when it returns None."""
    raise NotImplementedError("issue 3")


def first_or_404(
    session: _AnySession, statement: sa.Select[t.Any], *, description: str | None = None
) -> t.Any:
    """``session.execute(statement).scalar()``, aborting with 404 when it is None."""
    raise NotImplementedError("issue 3")


def one_or_404(
    session: _AnySession, statement: sa.Select[t.Any], *, description: str | None = None
) -> t.Any:
    """``session.execute(statement).scalar_one()``, aborting with 404 for no or several rows."""
    raise NotImplementedError("issue 3")


class Query(orm.Query[t.Any]):
    """The legacy :class:`sqlalchemy.orm.Query` used by ``Model.query`` and ``db.session.query``.

    .. versionadded:: 0.1.0
    """
