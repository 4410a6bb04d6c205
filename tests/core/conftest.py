"""The ``listing`` fixture: the shared blog schema, seeded, on each test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy.orm as orm

from tests._support import listing
from tests._support.postgresql import Database

#: Posts in the ``listing`` fixture's table.
POSTS = 50


@pytest.fixture
def listing_session(database: Database) -> Iterator[orm.Session]:
    """A session on the database under test with ``POSTS`` posts (SQLite file, PostgreSQL)."""
    yield from listing.make_session(database.url, POSTS)
