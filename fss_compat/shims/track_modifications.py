"""Reproduces Flask-SQLAlchemy's modification signals: ``SQLALCHEMY_TRACK_MODIFICATIONS``.

Known differences from Flask-SQLAlchemy 3.1.1: none yet (work in progress, issue 3).
"""

from __future__ import annotations

import typing as t

import sqlalchemy.orm as orm

__all__ = ["before_models_committed", "models_committed"]

before_models_committed: t.Any = None
models_committed: t.Any = None


def _listen(session: orm.scoped_session[t.Any]) -> None:
    raise NotImplementedError("issue 3")
