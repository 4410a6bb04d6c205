"""Reproduces Flask-SQLAlchemy's recorded queries: ``SQLALCHEMY_RECORD_QUERIES``.

Known differences from Flask-SQLAlchemy 3.1.1: none yet (work in progress, issue 3).
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Flask

__all__ = ["get_recorded_queries"]


def get_recorded_queries() -> list[t.Any]:
    """The queries recorded in the current app context."""
    raise NotImplementedError("issue 3")


def _listen(engine: sa.engine.Engine, app: Flask) -> None:
    raise NotImplementedError("issue 3")
