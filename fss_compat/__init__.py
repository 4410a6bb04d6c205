"""Flask-SQLAlchemy 3.1 compatibility on plain SQLAlchemy, and a staged way off it.

``from fss_compat import SQLAlchemy`` replaces ``from flask_sqlalchemy import SQLAlchemy``.
The other names are the core a decoupled app keeps (``fss_compat.core``): the
app-context session scope and the 404 and pagination helpers that take a plain session.
``SQLAlchemy`` is imported on first use, so ``from fss_compat import flask_scoped_session``
loads the core alone.

PYTEST_DONT_REWRITE: pytest marks the packages of pytest11 plugins for assertion
rewriting, and warns when one was imported before it started (``fss_compat.alias`` run
from ``sitecustomize``). This library has no assertions to rewrite.
"""

from __future__ import annotations

import typing as t

from fss_compat.core import Pagination
from fss_compat.core import current_session
from fss_compat.core import first_or_404
from fss_compat.core import flask_scoped_session
from fss_compat.core import get_or_404
from fss_compat.core import one_or_404
from fss_compat.core import page_from_request
from fss_compat.core import paginate
from fss_compat.core import per_page_from_request

if t.TYPE_CHECKING:
    from fss_compat.core.keyset import KeysetPagination
    from fss_compat.core.keyset import keyset_paginate
    from fss_compat.shims.extension import SQLAlchemy

__version__ = "0.1.0"

__all__ = [
    "KeysetPagination",
    "Pagination",
    "SQLAlchemy",
    "current_session",
    "first_or_404",
    "flask_scoped_session",
    "get_or_404",
    "keyset_paginate",
    "one_or_404",
    "page_from_request",
    "paginate",
    "per_page_from_request",
]


def __getattr__(name: str) -> t.Any:
    # The facade (and with it the shims and the legacy switches) loads on first use only.
    if name == "SQLAlchemy":
        from fss_compat.shims.extension import SQLAlchemy

        return SQLAlchemy
    # So do keyset pages, as in fss_compat.core.
    if name in {"KeysetPagination", "keyset_paginate"}:
        from fss_compat.core import keyset

        return getattr(keyset, name)
    raise AttributeError(f"module 'fss_compat' has no attribute {name!r}")
