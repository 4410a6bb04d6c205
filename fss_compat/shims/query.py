"""Reproduces Flask-SQLAlchemy's legacy ``Query`` class, used by ``Model.query``.

Known differences from Flask-SQLAlchemy 3.1.1: none.
"""

from __future__ import annotations

import typing as t

import sqlalchemy.orm as orm

__all__ = ["Query"]


class Query(orm.Query[t.Any]):
    """The legacy :class:`sqlalchemy.orm.Query` used by ``Model.query`` and ``db.session.query``.

    .. versionadded:: 0.1.0
    """
