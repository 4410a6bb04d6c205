"""The database pairs the benchmarks run on: SQLite files, or the test suite's PostgreSQL server."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def sqlite_files() -> Iterator[tuple[str, str]]:
    """URLs of a default and an ``audit`` SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'main.db'}", f"sqlite:///{Path(folder) / 'audit.db'}"


@contextlib.contextmanager
def postgresql_databases() -> Iterator[tuple[str, str] | None]:
    """URLs of a fresh database pair on a PostgreSQL server started for the run, or None."""
    from tests._support import postgresql

    try:
        server = postgresql.start_or_skip()
    except BaseException as e:  # start_or_skip skips (an exception) without the server
        print(f"PostgreSQL not available: {e}")
        yield None
        return
    try:
        database = server.fresh_databases()
        yield database.url, database.bind_url
    finally:
        server.stop()
