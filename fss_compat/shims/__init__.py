"""One module per Flask-SQLAlchemy module, with the same name and public names.

``flask_sqlalchemy.X`` -> ``fss_compat.shims.X`` is a mechanical rewrite.
"""

from __future__ import annotations

#: The modules of Flask-SQLAlchemy 3.1, each mirrored here under the same name.
MODULES = (
    "extension",
    "model",
    "session",
    "table",
    "query",
    "pagination",
    "record_queries",
    "track_modifications",
    "cli",
)
