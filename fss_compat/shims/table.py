"""Reproduces Flask-SQLAlchemy's ``db.Table``: a ``Table`` that picks its metadata by bind key.

Known differences from Flask-SQLAlchemy 3.1.1: none.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy.sql.schema import SchemaItem

__all__ = ["_Table"]


class _Table(sa.Table):
    """Base class of each ``SQLAlchemy`` object's ``db.Table``.

    ``db.Table(name, *columns, bind_key=None, **kwargs)`` is a real :class:`sqlalchemy.Table`
    whose metadata is ``db.metadatas[bind_key]`` unless a ``MetaData`` is passed second.

    .. versionadded:: 0.1.0
    """

    if t.TYPE_CHECKING:
        # SQLAlchemy types Table(name, metadata, *items); db.Table also takes the items
        # alone, with an optional bind_key. Only type checkers see these signatures.
        @t.overload
        def __init__(
            self, name: str, *items: SchemaItem, bind_key: str | None = None, **kwargs: t.Any
        ) -> None: ...

        @t.overload
        def __init__(
            self, name: str, metadata: sa.MetaData, *items: SchemaItem, **kwargs: t.Any
        ) -> None: ...

        def __init__(self, name: str, *items: SchemaItem, **kwargs: t.Any) -> None: ...
