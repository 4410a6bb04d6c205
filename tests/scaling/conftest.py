"""The ``bouncer`` fixture; the primary/replica pair (``cluster``) is in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests._support import pgbouncer
from tests._support.pgbouncer import PgBouncer
from tests._support.replica import Cluster


@pytest.fixture(scope="session")
def bouncer(cluster: Cluster) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the primary, for the whole test run."""
    started = pgbouncer.start_or_skip(cluster.primary.port)
    yield started
    started.stop()
