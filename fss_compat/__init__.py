"""Flask-SQLAlchemy 3.1 compatibility on plain SQLAlchemy, and a staged way off it.

``from fss_compat import SQLAlchemy`` replaces ``from flask_sqlalchemy import SQLAlchemy``.
The other names are the small core a decoupled app keeps: the app-context session scope
and the 404 and pagination helpers that take a plain session.
"""

from __future__ import annotations

from fss_compat._facade import SQLAlchemy
from fss_compat._scoping import current_session
from fss_compat._scoping import flask_scoped_session
from fss_compat.shims.pagination import Pagination
from fss_compat.shims.pagination import paginate
from fss_compat.shims.query import first_or_404
from fss_compat.shims.query import get_or_404
from fss_compat.shims.query import one_or_404

__version__ = "0.1.0"

__all__ = [
    "Pagination",
    "SQLAlchemy",
    "current_session",
    "first_or_404",
    "flask_scoped_session",
    "get_or_404",
    "one_or_404",
    "paginate",
]
