"""The part of fss_compat's core the blog used, in plain Flask and SQLAlchemy."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import abort
from flask import g

_T = t.TypeVar("_T")
_Session = orm.Session | orm.scoped_session[orm.Session]


def app_context_session(factory: orm.sessionmaker[orm.Session]) -> orm.scoped_session[orm.Session]:
    """One session per Flask application context; call ``remove()`` at its teardown."""
    # 'g' is a new object in every application context, so it can be the scope's key.
    return orm.scoped_session(factory, scopefunc=lambda: g._get_current_object())


def get_or_404(
    session: _Session, entity: type[_T], ident: t.Any, description: str | None = None
) -> _T:
    """``session.get(entity, ident)``, or abort with 404 when there is no such row."""
    value = session.get(entity, ident)
    if value is None:
        abort(404, description=description)
    return value


def first_or_404(
    session: _Session, statement: sa.Select[t.Any], description: str | None = None
) -> t.Any:
    """The first column of the first row, or abort with 404 when there is none."""
    value = session.execute(statement).scalar()
    if value is None:
        abort(404, description=description)
    return value
