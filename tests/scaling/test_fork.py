"""Fork safety: engines created before a fork get fresh pools in the child, never shared sockets.

The regression is shown end to end with ``gunicorn --preload -w 4`` serving an app that
creates its tables at import (so its pool holds a connection when the workers fork):
without disposal (Flask-SQLAlchemy, or fss_compat with ``FSS_DISPOSE_AT_FORK = False``)
every worker talks through the one inherited connection; with it, none does. The parent
keeping its own connections is checked with ``os.fork()`` in a child Python process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask

from fss_compat import SQLAlchemy
from fss_compat.core import forking
from tests._support import gunicorn
from tests._support import scenarios
from tests._support.replica import Cluster

APP = "tests._support.scaling_app:app"


def _env(impl: str, url: str, **config: object) -> dict[str, str]:
    return {
        "FSS_SCALING_IMPL": impl,
        "FSS_SCALING_CONFIG": json.dumps({"SQLALCHEMY_DATABASE_URI": url, **config}),
    }


@pytest.mark.postgresql
@pytest.mark.difference("engines-disposed-at-fork")
def test_preloaded_workers_have_their_own_connections(
    cluster: Cluster, cluster_database: str, tmp_path: Path
) -> None:
    """With fss_compat's default, no backend serves two workers; no error, no lost write."""
    url = cluster.primary.url(cluster_database)
    with gunicorn.serving(APP, _env("fss_compat", url), tmp_path) as server:
        report = scenarios.fork_run(server, url, requests=200, threads=8)
    assert report.workers == 4
    assert report.shared_backends == {}
    assert report.problems == {}
    assert report.lost == []


@pytest.mark.postgresql
@pytest.mark.difference("engines-disposed-at-fork")
def test_flask_sqlalchemy_workers_share_the_inherited_connection(
    cluster: Cluster, cluster_database: str, tmp_path: Path
) -> None:
    """The problem being fixed: on Flask-SQLAlchemy, workers share one backend and fail.

    ``python -m benchmarks.scaling`` shows the same for ``FSS_DISPOSE_AT_FORK = False``.
    """
    url = cluster.primary.url(cluster_database)
    with gunicorn.serving(APP, _env("flask_sqlalchemy", url), tmp_path) as server:
        report = scenarios.fork_run(server, url, requests=40, threads=4, timeout=3)
    assert len(report.shared_backends) >= 1, report
    (workers,) = report.shared_backends.values()
    assert len(workers) >= 2


@pytest.mark.parametrize(("setting", "disposed"), [(None, True), (True, True), (False, False)])
def test_setting(tmp_path: Path, setting: bool | None, disposed: bool) -> None:
    """``FSS_DISPOSE_AT_FORK`` (default true) registers the facade's engines, replicas too."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'a.db'}"
    app.config["FSS_REPLICAS"] = [f"sqlite:///{tmp_path / 'b.db'}"]
    if setting is not None:
        app.config["FSS_DISPOSE_AT_FORK"] = setting
    db = SQLAlchemy(app)
    with app.app_context():
        (replica_set,) = db._replica_sets.values()
        engines = [db.engine, *replica_set.replicas]
    assert [forking.disposed_at_fork(engine) for engine in engines] == [disposed] * 2
    assert "FSS_DISPOSE_AT_FORK" not in app.config or setting is not None


FORK_CHILD = textwrap.dedent(
    """
    import os, sys
    import sqlalchemy as sa
    from fss_compat.core.forking import dispose_at_fork

    engine = sa.create_engine(sys.argv[1])
    memory = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    with memory.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x int)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    query = sa.text("SELECT pg_backend_pid()")
    with engine.connect() as conn:
        parent_pid = conn.execute(query).scalar()
    if sys.argv[2] == "dispose":
        dispose_at_fork(engine, memory)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        with engine.connect() as conn:
            os.write(write, str(conn.execute(query).scalar()).encode())
        with memory.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 1
        engine.dispose(close=False)
        import gc; gc.collect()
        os._exit(0)
    os.waitpid(child, 0)
    child_pid = int(os.read(read, 100))
    with engine.connect() as conn:
        again = conn.execute(query).scalar()
    print(parent_pid, child_pid, again)
    """
)


@pytest.mark.postgresql
@pytest.mark.parametrize("mode", ["dispose", "inherit"])
def test_child_connects_anew_and_parent_keeps_its_connection(
    cluster: Cluster, cluster_database: str, mode: str
) -> None:
    """After ``dispose_at_fork``, a forked child opens its own connection and the parent's survives.

    Without it ("inherit"), the child uses the parent's connection: the same backend. An
    in-memory SQLite engine (``StaticPool``) keeps its data in the child either way.
    """
    url = cluster.primary.url(cluster_database)
    run = subprocess.run(
        [sys.executable, "-c", FORK_CHILD, url, mode], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr[-2000:]
    parent, child, again = map(int, run.stdout.split())
    assert again == parent, "the parent's connection was closed by the child"
    assert (child != parent) == (mode == "dispose")
