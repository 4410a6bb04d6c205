"""Reproduces Flask-SQLAlchemy's pagination: ``Pagination`` and its two subclasses.

Known differences from Flask-SQLAlchemy 3.1.1: none yet (work in progress, issue 3).
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm

__all__ = ["Pagination", "QueryPagination", "SelectPagination", "paginate"]


class Pagination:
    """One page of results, as Flask-SQLAlchemy 3.1's ``Pagination``."""

    def __init__(
        self,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = 100,
        error_out: bool = True,
        count: bool = True,
        **kwargs: t.Any,
    ) -> None:
        raise NotImplementedError("issue 3")


class SelectPagination(Pagination):
    """Pagination of a ``select()`` statement executed on a session."""


class QueryPagination(Pagination):
    """Pagination of a legacy ``Query``."""


def paginate(
    session: orm.Session | orm.scoped_session[t.Any],
    select: sa.Select[t.Any],
    *,
    page: int = 1,
    per_page: int = 20,
    max_per_page: int | None = None,
    error_out: bool = True,
    count: bool = True,
) -> SelectPagination:
    """Paginate ``select`` on ``session`` with explicit page numbers, without a request."""
    raise NotImplementedError("issue 3")
