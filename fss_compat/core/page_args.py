"""The page numbers of a request: :func:`page_from_request` and :func:`per_page_from_request`.

``db.paginate(select)`` reads ``?page=`` and ``?per_page=`` itself. A view that no longer
goes through ``db`` says where its numbers come from, parsed the same way::

    page = paginate(session, select, page=page_from_request(), per_page=5)

which gives, for every query string, the page ``db.paginate(select, per_page=5)`` gives:
``int()`` of the argument (an unparsable one is a 404, or the default with
``error_out=False``), the defaults 1 and 20 when it is missing or outside a request; what
follows (the cap, a number below 1, an empty page) is :func:`~fss_compat.paginate`'s check
of any number. Both pagination paths of the facade parse through these two functions.
"""

from __future__ import annotations

import typing as t

from flask import abort
from flask import current_app
from flask import has_request_context
from flask import request

__all__ = ["DEFAULT_MAX_PER_PAGE", "page_from_request", "per_page_from_request"]

#: ``FSS_MAX_PER_PAGE`` when the app does not set it.
DEFAULT_MAX_PER_PAGE = 1000


def _int_arg(name: str, default: int, error_out: bool) -> int:
    if not has_request_context():
        return default
    # Python int() semantics on purpose, as Flask-SQLAlchemy: " 2 ", "+3", "1_0" and
    # non-ASCII digits are accepted; anything int() rejects is a 404, or the default.
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        if error_out:
            abort(404)
        return default


def page_from_request(*, error_out: bool = True) -> int:
    """The request's ``?page=`` as ``int()`` reads it; 1 when missing or outside a request.

    The number is not checked further: give it to :func:`~fss_compat.paginate` with the
    same ``error_out``, which turns a page below 1 into a 404 (or page 1).

    :param error_out: abort with 404 when ``int()`` rejects the argument; otherwise 1.

    .. versionadded:: 0.1.0
    """
    return _int_arg("page", 1, error_out)


def per_page_from_request(*, max_per_page: int | None = None, error_out: bool = True) -> int:
    """The request's ``?per_page=`` as ``int()`` reads it; 20 when missing or outside a request.

    With no ``max_per_page``, the number (the default too) is capped in a request at the app's
    ``FSS_MAX_PER_PAGE`` (default 1000, ``None`` for no cap; difference
    ``per-page-request-cap``), as ``db.paginate`` caps it. Give the result to
    :func:`~fss_compat.paginate` with the same ``max_per_page`` and ``error_out``.

    :param max_per_page: the cap the view passes to ``paginate``; ``None`` for the app's.
    :param error_out: abort with 404 when ``int()`` rejects the argument; otherwise 20.

    .. versionadded:: 0.1.0
    """
    per_page = _int_arg("per_page", 20, error_out)
    if max_per_page is None and has_request_context():
        # A client-chosen page size is bounded (difference 'per-page-request-cap').
        cap: t.Any = current_app.config.get("FSS_MAX_PER_PAGE", DEFAULT_MAX_PER_PAGE)
        if cap is not None and per_page > cap:
            per_page = cap
    return per_page
