"""Reproduces Flask-SQLAlchemy's ``db.Table``: a ``Table`` that picks its metadata by bind key.

Known differences from Flask-SQLAlchemy 3.1.1: none.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["_Table"]


class _Table(sa.Table):
    """Base class of each ``SQLAlchemy`` object's ``db.Table``.

    ``db.Table(name, *columns, bind_key=None, **kwargs)`` is a real :class:`sqlalchemy.Table`
    whose metadata is ``db.metadatas[bind_key]`` unless a ``MetaData`` is passed second.

    .. versionadded:: 0.1.0
    """
