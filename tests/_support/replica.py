"""A PostgreSQL primary and a streaming replica of it, started for the test run.

``start_cluster_or_skip()`` runs ``initdb`` for a primary, ``pg_basebackup -R`` for a hot
standby in a second data folder, and starts both on free ports of 127.0.0.1, as the
``postgres`` user when the tests run as root (``initdb`` refuses root). Each server logs to
a file of its own, so tests can count the statements each one ran
(:meth:`Node.statements`). Without the binaries the tests that need the pair are skipped
with a message, and fail when ``CI`` is set, as the other PostgreSQL tests do.

The pair is separate from the shared test server: fault tests stop and start it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests._support.postgresql import _find_bin
from tests._support.postgresql import _free_port

#: Seconds a server may take to start, stop, or a replica to catch up.
WAIT = 60.0
#: Log lines of statements a client sent: simple protocol ("statement: ...") and extended
#: protocol ("execute <unnamed>: ...", "execute _pg3_0: ..." for a prepared one).
_STATEMENT = re.compile(r"LOG:  (?:statement|execute [^:]*): (.*)$")
_DATABASE = re.compile(r"^\S+ \S+ \S+ \[\d+\] (\S*) ")


@dataclasses.dataclass
class Node:
    """One server of the pair: its port, its ``pg_ctl`` commands and its log file."""

    name: str
    port: int
    data: str
    log: Path
    pg_ctl: list[str]
    options: str

    def url(self, database: str = "postgres") -> str:
        """A superuser URL for ``database`` on this server (psycopg 3)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def engine(self, database: str = "postgres") -> sa.engine.Engine:
        """A new autocommit engine without a pool, for checks and set-up."""
        return sa.create_engine(
            self.url(database), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )

    def start(self) -> None:
        """Start the server; returns once it accepts connections."""
        subprocess.run(
            [*self.pg_ctl, "-o", self.options, "-l", str(self.log), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
            timeout=WAIT + 10,
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server as an outage would (``fast`` ends every session)."""
        subprocess.run(
            [*self.pg_ctl, "-m", mode, "-w", "-t", "60", "stop"],
            check=True,
            capture_output=True,
            timeout=WAIT + 10,
        )

    def is_running(self) -> bool:
        """Whether ``pg_ctl status`` finds the server running."""
        return subprocess.run([*self.pg_ctl, "status"], capture_output=True).returncode == 0

    def log_size(self) -> int:
        """The log's size now: pass it to :meth:`statements` to read what follows."""
        return self.log.stat().st_size if self.log.exists() else 0

    def log_text(self, since: int = 0) -> str:
        """The log from byte ``since`` on."""
        with self.log.open("rb") as file:
            file.seek(since)
            return file.read().decode("utf-8", "replace")

    def statements(self, database: str, since: int = 0) -> list[str]:
        """First lines of the statements clients ran in ``database``, from log byte ``since``.

        Statement logging is switched on per database by :meth:`Cluster.create_database`.
        """
        found = []
        for line in self.log_text(since).splitlines():
            statement = _STATEMENT.search(line)
            database_name = _DATABASE.match(line)
            if statement and database_name and database_name.group(1) == database:
                found.append(statement.group(1))
        return found


class Cluster:
    """A primary and its streaming replica, with helpers to create databases and wait."""

    def __init__(self, folder: str, primary: Node, replica: Node) -> None:
        self.folder = folder
        self.primary = primary
        self.replica = replica

    def create_database(self, name: str) -> None:
        """Create ``name`` on the primary, log its statements on both, wait for the replica."""
        with self.primary.engine().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            # Stored in the catalog, so the replica logs the database's statements too.
            conn.execute(sa.text(f"ALTER DATABASE \"{name}\" SET log_statement = 'all'"))
        self.wait_replayed()

    def drop_database(self, name: str) -> None:
        """End every session of ``name`` on both servers, then drop it."""
        for node in (self.replica, self.primary):
            with node.engine().connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
        with self.primary.engine().connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def wait_replayed(self, timeout: float = WAIT) -> None:
        """Return once the replica has replayed everything the primary has written so far."""
        with self.primary.engine().connect() as conn:
            lsn = conn.execute(sa.text("SELECT pg_current_wal_lsn()")).scalar_one()
        self.wait_replica_reaches(lsn, timeout)

    def wait_replica_reaches(self, lsn: str, timeout: float = WAIT) -> None:
        """Return once the replica has replayed the primary's WAL up to ``lsn``."""
        deadline = time.monotonic() + timeout
        query = sa.text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)")
        while True:
            try:
                with self.replica.engine().connect() as conn:
                    if conn.execute(query, {"lsn": lsn}).scalar():
                        return
            except sa.exc.OperationalError:
                pass  # the replica is starting; keep waiting until the deadline
            if time.monotonic() > deadline:
                raise TimeoutError(f"The replica did not replay up to {lsn} in {timeout}s.")
            time.sleep(0.05)

    def wait_streaming(self, timeout: float = WAIT) -> None:
        """Return once the replica streams from the primary (after either restarted)."""
        deadline = time.monotonic() + timeout
        query = sa.text("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        while True:
            try:
                with self.primary.engine().connect() as conn:
                    if conn.execute(query).scalar():
                        return
            except sa.exc.OperationalError:
                pass  # the primary is starting
            if time.monotonic() > deadline:
                raise TimeoutError(f"The replica did not stream from the primary in {timeout}s.")
            time.sleep(0.05)

    def ensure_running(self) -> None:
        """Start whichever server a failed test left stopped, and wait for streaming."""
        for node in (self.primary, self.replica):
            if not node.is_running():
                node.start()
        self.wait_streaming()

    def stop(self) -> None:
        """Stop both servers and delete their folders."""
        for node in (self.replica, self.primary):
            subprocess.run([*node.pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def _server_options(port: int, folder: str) -> str:
    return " ".join(
        [
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1",
            "-c fsync=off -c full_page_writes=off -c max_connections=200",
            "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on",
            # The replica reconnects soon after the primary restarts, and tells the primary
            # which rows its queries still need (no "conflict with recovery" cancellations).
            "-c wal_retrieve_retry_interval=200 -c hot_standby_feedback=on",
            "-c wal_receiver_status_interval=1",
            # Database name in every line, for Node.statements().
            "-c log_line_prefix='%m [%p] %d '",
            "-c log_min_messages=warning",
        ]
    )


def start_cluster_or_skip() -> Cluster:
    """Start a primary and a replica, or skip / fail as the module docstring says."""
    initdb, pg_ctl, basebackup = (_find_bin(n) for n in ("initdb", "pg_ctl", "pg_basebackup"))
    if initdb is None or pg_ctl is None or basebackup is None:
        message = (
            "Replica tests need 'initdb', 'pg_ctl' and 'pg_basebackup' (Debian: apt-get"
            " install postgresql)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = tempfile.mkdtemp(prefix="fss-cluster-")
    if as_postgres:
        shutil.chown(folder, user="postgres")
    nodes = []
    try:
        primary_data = os.path.join(folder, "primary")
        # initdb's pg_hba.conf with --auth=trust also trusts replication from 127.0.0.1.
        subprocess.run(
            [*as_postgres, initdb, "-D", primary_data, "-U", "postgres", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        port = _free_port()
        primary = Node(
            "primary",
            port,
            primary_data,
            Path(folder, "primary.log"),
            [*as_postgres, pg_ctl, "-D", primary_data],
            _server_options(port, folder),
        )
        primary.start()
        nodes.append(primary)
        replica_data = os.path.join(folder, "replica")
        subprocess.run(
            [
                *as_postgres,
                basebackup,
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "-D",
                replica_data,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
            check=True,
            capture_output=True,
            timeout=WAIT,
        )
        replica_port = _free_port()
        replica = Node(
            "replica",
            replica_port,
            replica_data,
            Path(folder, "replica.log"),
            [*as_postgres, pg_ctl, "-D", replica_data],
            _server_options(replica_port, folder),
        )
        replica.start()
        nodes.append(replica)
        cluster = Cluster(folder, primary, replica)
        cluster.wait_streaming()
        return cluster
    except BaseException:
        for node in nodes:
            subprocess.run([*node.pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
        raise
