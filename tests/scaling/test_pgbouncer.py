"""PgBouncer in transaction mode, for real: ``FSS_PGBOUNCER`` and the core's options.

The load tests serve the scaling app with gunicorn (4 workers, 8 threads each) through a
PgBouncer started for the run, from 32 client threads. Without the setting, psycopg's
server-side prepared statements meet other clients' server connections and fail; with it,
nothing fails and nothing is left open.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from fss_compat import SQLAlchemy
from fss_compat.core.pgbouncer import PgBouncerWarning
from fss_compat.core.pgbouncer import check_pgbouncer_options
from fss_compat.core.pgbouncer import pgbouncer_options
from tests._support import gunicorn
from tests._support import scenarios
from tests._support.pgbouncer import PgBouncer
from tests._support.replica import Cluster

APP = "tests._support.scaling_app:app"
URL = "postgresql+psycopg://app@127.0.0.1:6432/app"


def _serve(bouncer: PgBouncer, database: str, tmp_path: Path, **config: t.Any) -> t.Any:
    settings = {"SQLALCHEMY_DATABASE_URI": bouncer.url(database), **config}
    env = {"FSS_SCALING_IMPL": "fss_compat", "FSS_SCALING_CONFIG": json.dumps(settings)}
    return gunicorn.serving(APP, env, tmp_path, workers=4, threads=8)


@pytest.mark.postgresql
@pytest.mark.load
def test_transaction_mode_under_load(
    cluster: Cluster, cluster_database: str, bouncer: PgBouncer, tmp_path: Path
) -> None:
    """``FSS_PGBOUNCER = "transaction"``: no error, nothing idle in transaction, no lost write."""
    with _serve(bouncer, cluster_database, tmp_path, FSS_PGBOUNCER="transaction") as server:
        ids = scenarios.seed_posts(cluster.primary.url(cluster_database), 50)
        report = scenarios.bouncer_run(
            server, bouncer, cluster.primary.url(cluster_database), ids, 500, threads=32
        )
    assert report.problems == {}
    assert (report.idle_in_transaction, report.servers_active) == (0, 0)
    assert report.lost == []


@pytest.mark.postgresql
@pytest.mark.load
def test_prepared_statements_fail_without_the_setting(
    cluster: Cluster, cluster_database: str, bouncer: PgBouncer, tmp_path: Path
) -> None:
    """The problem being fixed: psycopg's defaults behind PgBouncer fail on prepared statements."""
    with _serve(bouncer, cluster_database, tmp_path) as server:
        ids = scenarios.seed_posts(cluster.primary.url(cluster_database), 50)
        report = scenarios.bouncer_run(
            server, bouncer, cluster.primary.url(cluster_database), ids, 400, threads=32
        )
    assert report.prepared_statement_errors > 0, report


@pytest.mark.postgresql
def test_options_startup_parameter_is_refused(bouncer: PgBouncer) -> None:
    """What the check refuses, PgBouncer refuses too: the ``options`` startup parameter."""
    engine = sa.create_engine(
        bouncer.url("postgres"), connect_args={"options": "-c statement_timeout=5000"}
    )
    try:
        with pytest.raises(sa.exc.OperationalError, match="unsupported startup parameter"):
            engine.connect()
    finally:
        engine.dispose()
    with pytest.raises(ValueError, match="ALTER ROLE"):
        pgbouncer_options({"url": bouncer.url("postgres"), "connect_args": {"options": "-c x=1"}})


@pytest.mark.postgresql
def test_facade_applies_the_setting(cluster: Cluster, bouncer: PgBouncer) -> None:
    """``FSS_PGBOUNCER`` turns prepared statements off and pre-ping on; a dict picks bind keys."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = bouncer.url("postgres")
    app.config["SQLALCHEMY_BINDS"] = {"direct": cluster.primary.url("postgres")}
    app.config["FSS_PGBOUNCER"] = {None: "transaction"}
    db = SQLAlchemy(app)
    with app.app_context():
        engines = db.engines
        try:
            with db.engine.connect() as conn:
                assert t.cast(t.Any, conn.connection.dbapi_connection).prepare_threshold is None
            with db.engines["direct"].connect() as conn:
                assert t.cast(t.Any, conn.connection.dbapi_connection).prepare_threshold == 5
            assert db.engine.pool._pre_ping
            assert not db.engines["direct"].pool._pre_ping
        finally:
            for engine in engines.values():
                engine.dispose()


def test_options_applied() -> None:
    """Transaction mode: no prepared statements for psycopg, pre-ping on; given options kept."""
    options = pgbouncer_options(
        {"url": URL, "pool_size": 3, "connect_args": {"sslmode": "disable"}}
    )
    assert options == {
        "url": URL,
        "pool_size": 3,
        "pool_pre_ping": True,
        "connect_args": {"sslmode": "disable", "prepare_threshold": None},
    }
    assert pgbouncer_options({"url": URL, "pool_pre_ping": False}, "session") == {
        "url": URL,
        "pool_pre_ping": False,
    }
    psycopg2 = pgbouncer_options({"url": "postgresql+psycopg2://app@h/app"})
    assert psycopg2 == {"url": "postgresql+psycopg2://app@h/app", "pool_pre_ping": True}


@pytest.mark.parametrize(
    ("options", "mode", "message"),
    [
        ({"url": URL}, "statement", "'statement' mode"),
        ({"url": "mysql://app@h/app"}, "transaction", "not a PostgreSQL URL"),
        ({"url": "postgresql+pg8000://app@h/app"}, "transaction", "not a PostgreSQL URL"),
        ({"url": URL, "pool_reset_on_return": None}, "transaction", "pool_reset_on_return"),
        ({"url": URL + "?options=-c%20x%3D1"}, "transaction", "startup parameter"),
        ({"pool_size": 2}, "transaction", "no 'url'"),
    ],
)
def test_known_bad_options_raise(options: dict[str, t.Any], mode: str, message: str) -> None:
    """Each known-bad combination raises ``ValueError`` naming what to change."""
    with pytest.raises(ValueError, match=message):
        pgbouncer_options(options, mode)


def test_prepared_statements_warn() -> None:
    """An explicit ``prepare_threshold`` warns (it needs PgBouncer 1.21+ configured for it)."""
    with pytest.warns(PgBouncerWarning, match="max_prepared_statements"):
        pgbouncer_options({"url": URL, "connect_args": {"prepare_threshold": 5}})
    with pytest.warns(PgBouncerWarning):
        check_pgbouncer_options({"url": URL})
    check_pgbouncer_options({"url": URL}, "session")
