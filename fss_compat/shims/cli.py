"""Reproduces Flask-SQLAlchemy's ``flask shell`` context: ``db`` and every model.

Known differences from Flask-SQLAlchemy 3.1.1: none.
"""

from __future__ import annotations

import typing as t

from flask import current_app

__all__ = ["add_models_to_shell"]


def add_models_to_shell() -> dict[str, t.Any]:
    """Shell context processor: every class mapped on ``db.Model``'s registry, and ``db``.

    Registered by ``init_app`` unless ``add_models_to_shell=False``. When two models
    share a name, the one mapped last wins.

    .. versionadded:: 0.1.0
    """
    db = current_app.extensions["sqlalchemy"]
    models = {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}
    return {**models, "db": db}
