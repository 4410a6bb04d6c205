"""Fixtures for the scaling tests: a primary with a streaming replica, and PgBouncer.

The pair and PgBouncer start once per test run (:mod:`tests._support.replica`,
:mod:`tests._support.pgbouncer`); each test gets a database of its own on them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from tests._support import pgbouncer
from tests._support import replica
from tests._support.pgbouncer import PgBouncer
from tests._support.replica import Cluster

_names = itertools.count()


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL primary and its streaming replica, for the whole test run."""
    started = replica.start_cluster_or_skip()
    yield started
    started.stop()


@pytest.fixture
def cluster_database(cluster: Cluster) -> Iterator[str]:
    """The name of a new, empty database on the pair, dropped afterwards.

    A test that stopped a server leaves both running again for the next one.
    """
    cluster.ensure_running()
    name = f"fss_scaling_{os.getpid()}_{next(_names)}"
    cluster.create_database(name)
    yield name
    cluster.ensure_running()
    cluster.drop_database(name)


@pytest.fixture(scope="session")
def bouncer(cluster: Cluster) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the primary, for the whole test run."""
    started = pgbouncer.start_or_skip(cluster.primary.port)
    yield started
    started.stop()
