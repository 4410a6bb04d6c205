"""Flask-SQLAlchemy 2.5.1 on SQLAlchemy 2.x and Flask 3: the 2.5 compatibility level.

This package has 2.5.1's module layout: 2.5.1's ``flask_sqlalchemy/__init__.py`` held the
``SQLAlchemy`` class and nearly everything else, beside ``model``, ``_compat`` and
``utils``. ``fss_compat.alias.install(level="2.5")`` (or ``pytest --fss-compat=2.5``, or
``FSS_COMPAT_LEVEL=2.5``) serves this package as ``flask_sqlalchemy``; without the alias,
``from fss_compat.shims_v2 import SQLAlchemy`` makes a ``db`` at the 2.5 level directly.
Its parts live in private modules (``_extension``, ``_engines``, ``_session``, ``_query``,
``_record``), each built on the core and the 3.1 shims.

Every 2.x behaviour that 3.x changed or dropped is a legacy feature of the catalogue's
``FSC7nn`` family (with the usual switches and report), so an app can leave each one,
switch the level to 3.1, and go on with the 3.x stages of the migration guide.

``sqlalchemy`` is imported under its own name because 2.5.1's tests (and some apps)
patch ``flask_sqlalchemy.sqlalchemy.create_engine``.
"""

from __future__ import annotations

import sqlalchemy

from fss_compat.shims.track_modifications import before_models_committed
from fss_compat.shims.track_modifications import models_committed
from fss_compat.shims_v2 import _compat
from fss_compat.shims_v2 import model
from fss_compat.shims_v2 import utils
from fss_compat.shims_v2._engines import _EngineConnector
from fss_compat.shims_v2._engines import _SQLAlchemyState
from fss_compat.shims_v2._engines import get_state
from fss_compat.shims_v2._extension import FSADeprecationWarning
from fss_compat.shims_v2._extension import SQLAlchemy
from fss_compat.shims_v2._extension import _BoundDeclarativeMeta
from fss_compat.shims_v2._extension import _ident_func
from fss_compat.shims_v2._query import BaseQuery
from fss_compat.shims_v2._query import Pagination
from fss_compat.shims_v2._query import _QueryProperty
from fss_compat.shims_v2._record import _calling_context
from fss_compat.shims_v2._record import _DebugQueryTuple
from fss_compat.shims_v2._record import _EngineDebuggingSignalEvents
from fss_compat.shims_v2._record import _record_queries
from fss_compat.shims_v2._record import _timer
from fss_compat.shims_v2._record import get_debug_queries
from fss_compat.shims_v2._session import SignallingSession
from fss_compat.shims_v2._session import _SessionSignalEvents
from fss_compat.shims_v2.model import DefaultMeta
from fss_compat.shims_v2.model import Model

#: The version whose behaviour this package reproduces; ``flask_sqlalchemy.__version__``
#: under the 2.5-level alias, which 2.x-era extensions read.
__version__ = "2.5.1"

#: The modules of Flask-SQLAlchemy 2.5.1 beside its ``__init__``, each mirrored here.
MODULES = ("model", "_compat", "utils")

__all__ = [
    "BaseQuery",
    "DefaultMeta",
    "FSADeprecationWarning",
    "Model",
    "Pagination",
    "SQLAlchemy",
    "SignallingSession",
    "before_models_committed",
    "get_debug_queries",
    "get_state",
    "models_committed",
]

# The private names 2.x apps and extensions reach for, served as 2.5.1 had them.
_PRIVATE = (
    _BoundDeclarativeMeta,
    _DebugQueryTuple,
    _EngineConnector,
    _EngineDebuggingSignalEvents,
    _QueryProperty,
    _SessionSignalEvents,
    _SQLAlchemyState,
    _calling_context,
    _compat,
    _ident_func,
    _record_queries,
    _timer,
    model,
    sqlalchemy,
    utils,
)
