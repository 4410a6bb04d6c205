"""Flask-SQLAlchemy 3.1 compatibility on plain SQLAlchemy, and a staged way off it.

``from fss_compat import SQLAlchemy`` replaces ``from flask_sqlalchemy import SQLAlchemy``.
"""

from __future__ import annotations

from fss_compat._facade import SQLAlchemy
from fss_compat._scoping import current_session
from fss_compat._scoping import flask_scoped_session

__version__ = "0.1.0"

__all__ = [
    "SQLAlchemy",
    "current_session",
    "flask_scoped_session",
]
