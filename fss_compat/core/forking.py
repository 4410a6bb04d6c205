"""Fork safety: engines created before a fork start with an empty pool in the child.

A server that imports the app once and then forks its workers (``gunicorn --preload``,
uWSGI without ``lazy-apps``, Celery's prefork pool) hands every worker a copy of each
engine's pool. A connection opened before the fork is then one socket used by several
processes at once: their statements and results interleave, which shows as protocol errors,
wrong results or lost writes. :func:`dispose_at_fork` makes the child drop those copies
with :meth:`sqlalchemy.engine.Engine.dispose` ``(close=False)``, the way SQLAlchemy's
documentation on pools and ``os.fork()`` describes: the child forgets the parent's
connections without closing them, so the parent keeps using them.

This module imports only SQLAlchemy; nothing else of fss_compat imports it but the facade.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import os
import weakref

import sqlalchemy as sa

__all__ = ["dispose_at_fork", "disposed_at_fork"]

# Process-wide by nature: a fork copies every engine of the process. Weak, so registering
# an engine does not keep it (or its app) alive.
_ENGINES: weakref.WeakSet[sa.engine.Engine] = weakref.WeakSet()
_hooked = False


def dispose_at_fork(*engines: sa.engine.Engine) -> None:
    """Dispose of ``engines``' pools in every child process forked from now on.

    The parent's connections stay open and usable in the parent. Registering an engine
    twice does nothing more. The :class:`~fss_compat.SQLAlchemy` facade registers its
    engines itself (config key ``FSS_DISPOSE_AT_FORK``); call this for engines you create.

    A pool that is its one connection (``StaticPool``, ``SingletonThreadPool``: in-memory
    SQLite) is left as it is: there, the connection is the database, and the child's copy of
    it is the child's own.

    :param engines: the engines to dispose of in the child.

    .. versionadded:: 0.1.0
    """
    global _hooked
    if not _hooked and hasattr(os, "register_at_fork"):
        # Registered on first use, not at import: importing has no side effects.
        os.register_at_fork(after_in_child=_dispose_all)
        _hooked = True
    _ENGINES.update(engines)


def disposed_at_fork(engine: sa.engine.Engine) -> bool:
    """Whether ``engine`` is registered with :func:`dispose_at_fork`.

    .. versionadded:: 0.1.0
    """
    return engine in _ENGINES


def _dispose_all() -> None:
    for engine in list(_ENGINES):
        if not isinstance(engine.pool, (sa.pool.StaticPool, sa.pool.SingletonThreadPool)):
            engine.dispose(close=False)
