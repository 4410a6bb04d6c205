"""Print the tables the blog's app factory creates, as SQLite stores their DDL.

The schema must not move during the migration: every stage of ``migration_guide.md`` prints
the same text as stage 0 (``tests/test_migration_stages.py`` compares them). Run it from the
folder that holds ``examples/blog``: ``PYTHONPATH=. python examples/stages/schema.py``.
With ``FSS_COMPAT_LEVEL`` set (stage -1, the blog written for Flask-SQLAlchemy 2.x),
``flask_sqlalchemy`` is served by fss_compat at that level.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path


def main() -> None:
    if os.environ.get("FSS_COMPAT_LEVEL"):
        from fss_compat import alias

        alias.install()
    from examples.blog import create_app

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path / 'blog.db'}",
                "SQLALCHEMY_BINDS": {"audit": f"sqlite:///{path / 'audit.db'}"},
            }
        )
        for database in ("blog.db", "audit.db"):
            with contextlib.closing(sqlite3.connect(path / database)) as connection:
                rows = connection.execute(
                    "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
                )
                for name, sql in rows:
                    print(f"-- {database}: {name}\n{sql};")


if __name__ == "__main__":
    main()
