"""Shared fixtures: both implementations, five model-class variants, SQLite and PostgreSQL.

Every parity test is written once and runs on real Flask-SQLAlchemy 3.1.1 and on
fss_compat; the test id names the side (``flask_sqlalchemy`` / ``fss_compat``).
"""

from __future__ import annotations

import itertools
import os
import typing as t
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import sqlalchemy as sa
from flask import Flask

from tests._support import postgresql
from tests._support import replica
from tests._support.implementations import FSA_1420
from tests._support.implementations import IMPLEMENTATIONS
from tests._support.implementations import SA_21
from tests._support.implementations import VARIANTS
from tests._support.implementations import Impl
from tests._support.implementations import Variant

pytest_plugins = ["pytester"]

hypothesis.settings.register_profile("dev", max_examples=50, deadline=None)
hypothesis.settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True)
hypothesis.settings.register_profile("thorough", max_examples=1000, deadline=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(params=IMPLEMENTATIONS)
def impl(request: pytest.FixtureRequest) -> Impl:
    """The implementation under test; a missing one is an error, not a skip."""
    return Impl(request.param)


@pytest.fixture(params=VARIANTS, ids=[v.name for v in VARIANTS])
def variant(request: pytest.FixtureRequest, impl: Impl) -> Variant:
    """The ``model_class`` variant; Flask-SQLAlchemy's #1420 failure is expected, strictly.

    An xfail marker cannot cover a fixture's setup, so the failure is checked here: the
    test xfails when Flask-SQLAlchemy fails as #1420 says, and fails if it ever stops.
    """
    value: Variant = request.param
    if impl.is_fsa and value.dataclass and SA_21:
        try:
            impl.SQLAlchemy(model_class=value.base(impl))
        except sa.exc.InvalidRequestError as e:
            assert "already a dataclass" in str(e)
            pytest.xfail(FSA_1420)
        pytest.fail("Flask-SQLAlchemy now builds a dataclass db.Model on SQLAlchemy 2.1.")
    return value


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[postgresql.Database]:
    """A database pair (default + one bind) on SQLite files or on the test PostgreSQL server.

    Connections any pool opens during the test are closed at its end: nothing disposes the
    engines a test's ``db`` creates, and an open PostgreSQL connection that is garbage
    collected warns (an error here) and would block dropping the test's tables.
    """
    opened: list[t.Any] = []

    def collect(dbapi_connection: t.Any, record: t.Any) -> None:
        opened.append(dbapi_connection)

    sa.event.listen(sa.pool.Pool, "connect", collect)
    try:
        if request.param == "sqlite":
            yield postgresql.Database(
                url=f"sqlite:///{tmp_path / 'default.db'}",
                bind_url=f"sqlite:///{tmp_path / 'bind.db'}",
            )
            return
        server = request.getfixturevalue("postgresql_server")
        database = server.fresh_databases()
        yield database
    finally:
        sa.event.remove(sa.pool.Pool, "connect", collect)
        for connection in opened:
            connection.close()
    server.reset(database)


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[postgresql.Server]:
    """The PostgreSQL server this test run starts (or ``FSS_TEST_POSTGRESQL_URL``)."""
    server = postgresql.start_or_skip()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster() -> Iterator[replica.Cluster]:
    """A PostgreSQL primary and its streaming replica (tests/scaling, replica properties)."""
    started = replica.start_cluster_or_skip()
    yield started
    started.stop()


@pytest.fixture
def cluster_database(cluster: replica.Cluster) -> Iterator[str]:
    """The name of a new, empty database on the pair, dropped afterwards.

    A test that stopped a server leaves both running again for the next one.
    """
    cluster.ensure_running()
    name = f"fss_scaling_{os.getpid()}_{next(_cluster_names)}"
    cluster.create_database(name)
    yield name
    cluster.ensure_running()
    cluster.drop_database(name)


_cluster_names = itertools.count()


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """A Flask app with an in-memory SQLite default database and a temporary instance folder."""
    app = Flask("fss_test_app", instance_path=str(tmp_path / "instance"))
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    return app


@pytest.fixture
def make_db(impl: Impl, variant: Variant, app: Flask) -> t.Callable[..., t.Any]:
    """Build ``SQLAlchemy(app, model_class=<variant base>, **kwargs)`` on the side under test."""

    def make(*, app: Flask | None = app, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("model_class", variant.base(impl))
        return impl.SQLAlchemy(app, **kwargs)

    return make


@pytest.fixture
def db(make_db: t.Callable[..., t.Any]) -> t.Any:
    """``SQLAlchemy(app)`` for the side and variant under test, on in-memory SQLite."""
    return make_db()
