"""Mirrors ``flask_sqlalchemy.extension``: the ``SQLAlchemy`` class.

The class lives in ``fss_compat._facade``; this leaf module only re-exports it so that
``flask_sqlalchemy.extension`` -> ``fss_compat.shims.extension`` is a mechanical rewrite.
Nothing inside fss_compat imports this module, so the upward import cannot form a cycle.
"""

from __future__ import annotations

from fss_compat._facade import SQLAlchemy

__all__ = ["SQLAlchemy"]
