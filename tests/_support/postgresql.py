"""A throwaway PostgreSQL server for the test run.

``start_or_skip()`` uses ``FSS_TEST_POSTGRESQL_URL`` (a superuser URL) when set, otherwise
runs ``initdb`` and ``pg_ctl`` from the Debian ``postgresql`` package in a temporary folder,
as the ``postgres`` user when the tests run as root (``initdb`` refuses root). Without the
binaries the PostgreSQL tests are skipped with a message on a developer machine, and fail
when ``CI`` is set.
"""

from __future__ import annotations

import dataclasses
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import sqlalchemy as sa

_counter = itertools.count()


@dataclasses.dataclass(frozen=True)
class Database:
    """URLs of a default database and a second one for a bind key."""

    url: str
    bind_url: str

    @property
    def is_postgresql(self) -> bool:
        return self.url.startswith("postgresql")


def _find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A running server; each test gets a pair of fresh databases from a pool."""

    def __init__(self, admin_url: str, stop_command: list[str] | None, folder: str | None) -> None:
        self.admin_url = sa.make_url(admin_url)
        self._stop_command = stop_command
        self._folder = folder
        self._admin = sa.create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )
        self._free: list[Database] = []
        # Set by start_or_skip() for a server it started: 'pg_ctl -D <data>' and the
        # start command, so an outage can be simulated on the same data folder and port.
        self._pg_ctl: list[str] | None = None
        self._start_command: list[str] | None = None

    def _url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def fresh_databases(self) -> Database:
        """An empty default database and an empty bind database."""
        if self._free:
            return self._free.pop()
        n = next(_counter)
        names = (f"fss_{os.getpid()}_{n}", f"fss_{os.getpid()}_{n}_bind")
        with self._admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return Database(url=self._url(names[0]), bind_url=self._url(names[1]))

    def reset(self, database: Database) -> None:
        """Empty both databases (dropping every table and type) and return them to the pool."""
        for url in (database.url, database.bind_url):
            engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
            with engine.connect() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        self._free.append(database)

    def end_sessions(self, database: Database) -> None:
        """End every session connected to ``database``'s two databases.

        A failed test may leave connections open, even inside a transaction; ending them
        first keeps :meth:`reset` from waiting for their locks.
        """
        names = [sa.make_url(url).database for url in (database.url, database.bind_url)]
        with self._admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
                ),
                {"names": names},
            )

    @property
    def can_restart(self) -> bool:
        """Whether :meth:`stop_process` and :meth:`start_process` work (a server started here)."""
        return self._pg_ctl is not None and self._start_command is not None

    def stop_process(self, mode: str = "fast") -> None:
        """Stop the server process as an outage would, keeping its data folder and port.

        ``fast`` ends every session (clients see their connections die); ``immediate``
        also skips the shutdown checkpoint. Returns once the server has stopped.

        :param mode: ``pg_ctl stop``'s ``-m`` shutdown mode.
        """
        if self._pg_ctl is None:
            raise RuntimeError(
                f"{self.admin_url!r} was not started by this test run, so it cannot be stopped"
                " here. Unset FSS_TEST_POSTGRESQL_URL to let the tests start their own server."
            )
        subprocess.run(
            [*self._pg_ctl, "-m", mode, "-w", "-t", "30", "stop"],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start_process(self) -> None:
        """Start the server again after :meth:`stop_process`; returns once it takes connections."""
        if self._start_command is None:
            raise RuntimeError(
                f"{self.admin_url!r} was not started by this test run, so it cannot be started"
                " here. Unset FSS_TEST_POSTGRESQL_URL to let the tests start their own server."
            )
        subprocess.run(
            [*self._start_command, "-t", "30", "start"], check=True, capture_output=True, timeout=60
        )

    def stop(self) -> None:
        self._admin.dispose()
        if self._stop_command is not None:
            subprocess.run(self._stop_command, check=False, capture_output=True)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def start_or_skip() -> Server:
    """Start (or connect to) the test server, or skip / fail as the module docstring says."""
    url = os.environ.get("FSS_TEST_POSTGRESQL_URL")
    if url:
        return Server(url, None, None)
    initdb, pg_ctl = _find_bin("initdb"), _find_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        message = (
            "PostgreSQL tests need 'initdb' and 'pg_ctl' (Debian: apt-get install postgresql)"
            " or FSS_TEST_POSTGRESQL_URL pointing at a server."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = tempfile.mkdtemp(prefix="fss-pg-")
    data = os.path.join(folder, "data")
    if as_postgres:
        shutil.chown(folder, user="postgres")
    subprocess.run(
        [*as_postgres, initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    )
    start = [
        *as_postgres,
        pg_ctl,
        "-D",
        data,
        "-o",
        options,
        "-l",
        os.path.join(folder, "log"),
        "-w",
    ]
    subprocess.run([*start, "start"], check=True, capture_output=True)
    server = Server(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
        [*as_postgres, pg_ctl, "-D", data, "-m", "immediate", "stop"],
        folder,
    )
    server._pg_ctl = [*as_postgres, pg_ctl, "-D", data]
    server._start_command = start
    deadline = time.monotonic() + 30
    while True:
        try:
            with server._admin.connect():
                return server
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
