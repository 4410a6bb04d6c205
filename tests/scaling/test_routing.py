"""Read replicas, on a real primary and its streaming replica: where each statement runs.

Every read asks the server it runs on ``pg_is_in_recovery()`` (true on the replica), so
the routing is observed by the servers themselves. Replay on the replica is paused where
a test needs a write to be missing there for certain (read-your-writes).
"""

from __future__ import annotations

import socket
import threading
import time
import typing as t
from collections.abc import Callable
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import SQLAlchemy
from fss_compat import flask_scoped_session
from fss_compat.core import replicas
from fss_compat.core.replicas import ReplicaSet
from fss_compat.core.replicas import RoutingSession
from fss_compat.core.replicas import use_primary
from tests._support.replica import Cluster

pytestmark = pytest.mark.postgresql

ON_SERVER = sa.select(sa.func.pg_is_in_recovery())


class Base(orm.DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    text: orm.Mapped[str] = orm.mapped_column(sa.String(40))


MakeDb = Callable[..., tuple[Flask, SQLAlchemy]]


@pytest.fixture
def make_db(cluster: Cluster, cluster_database: str) -> Iterator[MakeDb]:
    """Build a facade app on the pair (``notes`` table created), disposing its engines after."""
    built: list[tuple[Flask, SQLAlchemy]] = []
    with cluster.primary.engine(cluster_database).begin() as conn:
        Base.metadata.create_all(conn)
    cluster.wait_replayed()

    def make(**config: t.Any) -> tuple[Flask, SQLAlchemy]:
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = cluster.primary.url(cluster_database)
        app.config["FSS_REPLICAS"] = [cluster.replica.url(cluster_database)]
        app.config.update(config)
        db = SQLAlchemy(app, model_class=Base)
        built.append((app, db))
        return app, db

    yield make
    for app, db in built:
        with app.app_context():
            engines = list(db.engines.values())
        for engine in engines:
            for replica_set in [db._replica_sets.get(engine)]:
                for replica in replica_set.replicas if replica_set else ():
                    replica.dispose()
            engine.dispose()


def on_replica(session: t.Any, statement: t.Any = ON_SERVER) -> bool:
    """Whether ``statement`` (which selects ``pg_is_in_recovery()``) ran on the replica."""
    return bool(session.execute(statement).scalar())


def test_reads_go_to_the_replica_until_the_first_write(make_db: MakeDb) -> None:
    """Reads run on the replica; after a write, every read of that session runs on the primary."""
    app, db = make_db()
    with app.app_context():
        assert on_replica(db.session)
        assert db.session.scalars(sa.select(Note)).all() == []
        db.session.add(Note(text="a"))
        db.session.commit()
        assert db.session().pinned
        assert not on_replica(db.session)
        assert db.session.scalars(sa.select(Note.text)).all() == ["a"]
    with app.app_context():
        assert on_replica(db.session), "a new session reads from the replica again"


def test_flush_pins_the_session(make_db: MakeDb) -> None:
    """A flush (here an autoflush before a query) sends it and later reads to the primary."""
    app, db = make_db()
    with app.app_context():
        db.session.add(Note(text="pending"))
        assert db.session.scalars(sa.select(Note.text)).all() == ["pending"]
        assert not on_replica(db.session)
        db.session.rollback()
        assert not on_replica(db.session), "a rollback does not end the session"
        db.session.close()
        assert on_replica(db.session), "closing it does"


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(ON_SERVER.with_for_update(), id="for-update"),
        pytest.param(sa.text("SELECT pg_is_in_recovery()"), id="text"),
    ],
)
def test_locking_reads_and_text_go_to_the_primary(make_db: MakeDb, statement: t.Any) -> None:
    """``FOR UPDATE`` and ``text()`` (which may write) run on the primary and pin the session."""
    app, db = make_db()
    with app.app_context():
        assert not on_replica(db.session, statement)
        assert not on_replica(db.session)


def test_for_update_is_detected() -> None:
    """``with_for_update()`` is still stored where the router looks (SQLAlchemy private API)."""
    assert replicas._locks_rows(sa.select(Note).with_for_update())
    assert replicas._locks_rows(sa.union(sa.select(Note.id), sa.select(Note.id)).with_for_update())
    assert not replicas._locks_rows(sa.select(Note))


def test_forcing_the_primary(make_db: MakeDb) -> None:
    """``use_primary`` and ``fss_use_primary`` send reads to the primary without pinning."""
    app, db = make_db()
    with app.app_context():
        with use_primary(db.session):
            assert not on_replica(db.session)
            with use_primary(db.session):
                assert not on_replica(db.session)
            assert not on_replica(db.session)
        assert on_replica(db.session)
        assert not on_replica(db.session, ON_SERVER.execution_options(fss_use_primary=True))
        forced = db.session.execute(ON_SERVER, bind_arguments={"fss_use_primary": True})
        assert forced.scalar() is False
        assert on_replica(db.session)
        assert not db.session().pinned


def test_read_your_writes_while_the_replica_lags(cluster: Cluster, make_db: MakeDb) -> None:
    """With replay paused, a session sees its own write (primary); a new one does not (replica)."""
    app, db = make_db()
    with cluster.replica.engine().connect() as conn:
        conn.execute(sa.text("SELECT pg_wal_replay_pause()"))
    try:
        with app.app_context():
            db.session.add(Note(text="mine"))
            db.session.commit()
            assert db.session.scalars(sa.select(Note.text)).all() == ["mine"]
        with app.app_context():
            assert db.session.scalars(sa.select(Note.text)).all() == []
    finally:
        with cluster.replica.engine().connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_resume()"))


def test_lag_bound(cluster: Cluster, cluster_database: str, make_db: MakeDb) -> None:
    """A replica further behind than ``max_lag`` is skipped, and used again once it caught up."""
    app, db = make_db(FSS_REPLICA_OPTIONS={"max_lag": 0.5, "lag_check_interval": 0})
    with app.app_context():
        assert on_replica(db.session)
    with cluster.replica.engine().connect() as conn:
        conn.execute(sa.text("SELECT pg_wal_replay_pause()"))
    try:
        with cluster.primary.engine(cluster_database).begin() as conn:
            conn.execute(sa.insert(Note).values(text="later"))
        time.sleep(1.0)
        with app.app_context():
            assert not on_replica(db.session)
    finally:
        with cluster.replica.engine().connect() as conn:
            conn.execute(sa.text("SELECT pg_wal_replay_resume()"))
    cluster.wait_replayed()
    with app.app_context():
        assert on_replica(db.session)
        assert db.session.scalars(sa.select(Note.text)).all() == ["later"]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts TCP connections and never answers: a hung server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_refused_replica_is_skipped(make_db: MakeDb, closed_port: int) -> None:
    """Reads fall back to the primary at once while the only replica refuses connections."""
    app, db = make_db(
        FSS_REPLICAS=[f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/x"],
        FSS_REPLICA_OPTIONS={"retry_after": 60},
    )
    with app.app_context():
        assert not on_replica(db.session)
        (replica_set,) = db._replica_sets.values()
        assert replica_set.healthy() == []


def test_hung_replica_costs_one_connect_timeout(
    cluster: Cluster, cluster_database: str, make_db: MakeDb, silent_port: int
) -> None:
    """A replica that never answers delays one read by the connect timeout, then is skipped.

    The first read waits for the connect timeout (2 s by default for replicas) and then
    runs on the real replica; the next ones skip the hung one for ``retry_after``.
    """
    app, db = make_db(
        FSS_REPLICAS=[
            f"postgresql+psycopg://postgres@127.0.0.1:{silent_port}/x",
            cluster.replica.url(cluster_database),
        ],
        FSS_REPLICA_OPTIONS={"retry_after": 60},
    )
    took = []
    for _ in range(4):
        with app.app_context():
            started = time.monotonic()
            assert on_replica(db.session)
            took.append(time.monotonic() - started)
    hung = [t for t in took if t > 1.0]
    assert len(hung) <= 1, took
    assert max(took) < 2 + 1.5, took


def test_core_session(cluster: Cluster, cluster_database: str) -> None:
    """The core's ``RoutingSession`` routes a plain ``flask_scoped_session`` the same way."""
    primary = sa.create_engine(cluster.primary.url(cluster_database))
    replica = sa.create_engine(cluster.replica.url(cluster_database), pool_pre_ping=True)
    try:
        factory = orm.sessionmaker(
            class_=RoutingSession, bind=primary, replicas=[ReplicaSet(primary, [replica])]
        )
        app = Flask(__name__)
        session = flask_scoped_session(factory, app)
        with app.app_context():
            assert on_replica(session)
            session.execute(sa.text("SELECT 1"))
            assert not on_replica(session)
        with app.app_context():
            assert on_replica(session)
    finally:
        primary.dispose()
        replica.dispose()


def test_recorded_queries_include_the_replica(make_db: MakeDb) -> None:
    """``SQLALCHEMY_RECORD_QUERIES`` records statements that ran on a replica too."""
    from fss_compat.shims.record_queries import get_recorded_queries

    app, db = make_db(SQLALCHEMY_RECORD_QUERIES=True)
    with app.app_context():
        assert on_replica(db.session)
        assert any("pg_is_in_recovery" in (q.statement or "") for q in get_recorded_queries())


def test_concurrent_sessions_keep_their_own_routing(make_db: MakeDb) -> None:
    """A session pinned by its write in one thread leaves another thread's reads on the replica."""
    app, db = make_db()
    wrote = threading.Event()
    read: list[bool] = []

    def reader() -> None:
        with app.app_context():
            wrote.wait(10)
            read.append(on_replica(db.session))

    thread = threading.Thread(target=reader)
    thread.start()
    with app.app_context():
        db.session.add(Note(text="w"))
        db.session.flush()
        wrote.set()
        thread.join(10)
        assert not on_replica(db.session)
        db.session.rollback()
    assert read == [True]


def test_isolation_reads_the_test_connection(make_db: MakeDb) -> None:
    """Under per-test isolation, reads run on the test's connection to the primary.

    ``isolate`` puts the test's connections in ``db.engines``; a connection has no
    replicas, so the test's own uncommitted rows are visible to every read.
    """
    from fss_compat.testing import isolate

    app, db = make_db()
    with isolate(app), app.app_context():
        db.session.add(Note(text="uncommitted"))
        db.session.commit()
        db.session.close()
        assert not on_replica(db.session)
        assert db.session.scalars(sa.select(Note.text)).all() == ["uncommitted"]
    with app.app_context():
        assert on_replica(db.session)
        assert db.session.scalars(sa.select(Note.text)).all() == []
