"""PgBouncer in front of a PostgreSQL server, started for the test run.

``start_or_skip()`` runs the ``pgbouncer`` binary (Debian package ``pgbouncer``) on a free
port of 127.0.0.1 with a configuration of its own in a temporary folder, as the
``postgres`` user when the tests run as root (PgBouncer refuses root). Without the binary
the tests that need it are skipped with a message, and fail when ``CI`` is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from tests._support.postgresql import _find_bin
from tests._support.postgresql import _free_port

WAIT = 30.0


class PgBouncer:
    """A running PgBouncer: its port, and its admin console through ``psql``."""

    def __init__(self, folder: str, port: int, process: subprocess.Popen[bytes]) -> None:
        self.folder = folder
        self.port = port
        self.process = process

    def url(self, database: str) -> str:
        """A URL for ``database`` through PgBouncer (psycopg 3)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def show(self, what: str) -> list[dict[str, str]]:
        """Rows of the admin console's ``SHOW <what>`` (``POOLS``, ``SERVERS``, ...).

        ``psql`` speaks the simple query protocol, the only one the console answers.
        """
        psql = _find_bin("psql")
        assert psql is not None
        connect = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "pgbouncer"]
        output = subprocess.run(
            [psql, *connect, "-A", "-F", "\t", "-P", "footer=off", "-c", f"SHOW {what}"],
            check=True,
            capture_output=True,
            text=True,
            timeout=WAIT,
        ).stdout.splitlines()
        names = output[0].split("\t")
        return [dict(zip(names, line.split("\t"), strict=True)) for line in output[1:]]

    def log_text(self) -> str:
        return Path(self.folder, "pgbouncer.log").read_text("utf-8", "replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(WAIT)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_or_skip(
    server_port: int, *, pool_mode: str = "transaction", pool_size: int = 8
) -> PgBouncer:
    """Start PgBouncer for every database of the server on ``server_port``.

    :param pool_mode: PgBouncer's ``pool_mode``.
    :param pool_size: server connections per database and user (``default_pool_size``).
    """
    binary = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    if binary is None or _find_bin("psql") is None:
        message = "PgBouncer tests need 'pgbouncer' and 'psql' (Debian: apt-get install pgbouncer)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tempfile.mkdtemp(prefix="fss-pgbouncer-")
    port = _free_port()
    Path(folder, "userlist.txt").write_text('"postgres" ""\n')
    Path(folder, "pgbouncer.ini").write_text(
        textwrap.dedent(
            f"""\
            [databases]
            * = host=127.0.0.1 port={server_port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {folder}/userlist.txt
            admin_users = postgres
            pool_mode = {pool_mode}
            default_pool_size = {pool_size}
            max_client_conn = 1000
            logfile = {folder}/pgbouncer.log
            log_connections = 0
            log_disconnections = 0
            """
        )
    )
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(folder, user="postgres")
        for name in ("userlist.txt", "pgbouncer.ini"):
            shutil.chown(os.path.join(folder, name), user="postgres")
    process = subprocess.Popen(
        [binary, os.path.join(folder, "pgbouncer.ini")],
        user="postgres" if as_postgres else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bouncer = PgBouncer(folder, port, process)
    deadline = time.monotonic() + WAIT
    while True:
        try:
            bouncer.show("VERSION")
            return bouncer
        except subprocess.CalledProcessError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = Path(folder, "pgbouncer.log")
                text = log.read_text() if log.exists() else "(no log)"
                bouncer.stop()
                raise RuntimeError(f"PgBouncer did not start:\n{text}") from None
            time.sleep(0.1)
