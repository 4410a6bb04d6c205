"""The ``blog_databases`` fixture; the blog helpers are in ``tests/_support/blog.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests._support.postgresql import Database
from tests._support.postgresql import Server


@pytest.fixture
def blog_databases(postgresql_server: Server) -> Iterator[Database]:
    """A fresh database pair on the session's PostgreSQL server, emptied afterwards.

    Sessions a failed test left connected are ended before the tables are dropped.
    """
    database = postgresql_server.fresh_databases()
    yield database
    postgresql_server.end_sessions(database)
    postgresql_server.reset(database)
