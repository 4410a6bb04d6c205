"""The core an app ends on: an app-context session, 404 helpers and pagination for it.

Everything here works on a plain :class:`sqlalchemy.orm.Session` or ``scoped_session``
and imports only Flask and SQLAlchemy: nothing of the Flask-SQLAlchemy facade, its shims,
the legacy switches or the catalogue. A decoupled app keeps this package and drops the
rest (the last stage of ``migration_guide.md``)::

    from fss_compat.core import flask_scoped_session, get_or_404, keyset_paginate, paginate

    session = flask_scoped_session(sessionmaker(bind=engine), app)
    user = get_or_404(session, User, user_id)
"""

from __future__ import annotations

import typing as t

from fss_compat.core.lookup import first_or_404
from fss_compat.core.lookup import get_or_404
from fss_compat.core.lookup import one_or_404
from fss_compat.core.page_args import page_from_request
from fss_compat.core.page_args import per_page_from_request
from fss_compat.core.pagination import Pagination
from fss_compat.core.pagination import SelectPagination
from fss_compat.core.pagination import paginate
from fss_compat.core.scoping import current_scope
from fss_compat.core.scoping import current_session
from fss_compat.core.scoping import flask_scoped_session
from fss_compat.core.scoping import remove_session

if t.TYPE_CHECKING:
    from fss_compat.core.keyset import KeysetPagination
    from fss_compat.core.keyset import keyset_paginate

__all__ = [
    "KeysetPagination",
    "Pagination",
    "SelectPagination",
    "current_scope",
    "current_session",
    "first_or_404",
    "flask_scoped_session",
    "get_or_404",
    "keyset_paginate",
    "one_or_404",
    "page_from_request",
    "paginate",
    "per_page_from_request",
    "remove_session",
]


_KEYSET = frozenset({"KeysetPagination", "keyset_paginate"})


def __getattr__(name: str) -> t.Any:
    # Keyset pages, with the ORDER BY reader and the signed cursors they need, load on first
    # use: an app that only wants the session scope does not pay their import time.
    if name in _KEYSET:
        from fss_compat.core import keyset

        return getattr(keyset, name)
    raise AttributeError(f"module 'fss_compat.core' has no attribute {name!r}")
