"""gunicorn serving an app module on 127.0.0.1, and a small HTTP client for it.

The scaling tests run the app as production does: ``gunicorn --preload -w 4`` imports the
app once and forks its workers. Each server gets a free port and a log file; it is
stopped (SIGINT, then SIGKILL after a grace period) when the ``with`` block ends.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import http.client
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import typing as t
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._support.postgresql import _free_port

ROOT = Path(__file__).resolve().parents[2]
#: Seconds gunicorn may take to start serving, or to stop.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def require_gunicorn() -> None:
    """Skip (fail when ``CI`` is set) without gunicorn, from the ``test`` extra."""
    if importlib.util.find_spec("gunicorn") is None:
        message = "The gunicorn tests need gunicorn (pip install -e '.[test]')."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@dataclasses.dataclass(frozen=True)
class Reply:
    """A response: its status and its JSON body (``{}`` when it has none)."""

    status: int
    body: dict[str, t.Any]
    seconds: float


@dataclasses.dataclass
class Server:
    """A running gunicorn: its port, process, log and number of worker processes."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    workers: int

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, timeout: float = 30.0
    ) -> Reply:
        """Send one request on a new connection and read the whole response."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
        started = time.monotonic()
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        seconds = time.monotonic() - started
        try:
            data = json.loads(raw) if raw.startswith(b"{") else {}
        except ValueError:
            data = {"unparsed": raw[:300].decode("utf-8", "replace")}
        return Reply(response.status, data, seconds)

    def get(self, path: str, timeout: float = 30.0) -> Reply:
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, form: dict[str, str], timeout: float = 30.0) -> Reply:
        return self.request("POST", path, form, timeout=timeout)

    def log_text(self) -> str:
        return self.log.read_text("utf-8", "replace")


@contextlib.contextmanager
def serving(
    app: str,
    env: dict[str, str],
    log_folder: Path,
    *,
    workers: int = 4,
    threads: int = 1,
    preload: bool = True,
) -> Iterator[Server]:
    """Serve ``app`` (``module:name``) with gunicorn until the block ends.

    The server is then stopped with SIGINT (gunicorn's quick shutdown: a worker stuck in a
    request is not waited for).

    :param env: environment variables for the server, over this process's.
    :param log_folder: where the server's log file goes.
    :param workers: worker processes (``-w``).
    :param threads: threads per worker (``--threads``; above 1 is the ``gthread`` worker).
    :param preload: import the app in the master before forking (``--preload``).
    """
    require_gunicorn()
    port = _free_port()
    log = log_folder / f"gunicorn-{port}.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *(["--preload"] if preload else []),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--backlog",
        "512",
        "--log-level",
        "warning",
        app,
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(port, process, log, workers)
    try:
        _wait_serving(server)
        if threads == 1:
            _wait_every_worker(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def _wait_serving(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start:\n{server.log_text()[-3000:]}")
        try:
            if server.get("/health", timeout=5).status == 200:
                return
        except OSError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"gunicorn did not serve in {START_TIMEOUT}s:\n{server.log_text()}")
        time.sleep(0.1)


def _wait_every_worker(server: Server) -> None:
    """Wait until each worker has answered once, so a test's first requests meet them all.

    Under load a worker may still be starting when the first one already serves; a test that
    counts workers would then see fewer. Concurrent ``/health?hold=`` requests keep each sync
    worker busy, so the next request goes to another one.
    """
    deadline = time.monotonic() + START_TIMEOUT
    seen: set[int] = set()
    with concurrent.futures.ThreadPoolExecutor(server.workers) as pool:
        while len(seen) < server.workers:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"only {len(seen)} of {server.workers} gunicorn workers answered in "
                    f"{START_TIMEOUT}s:\n{server.log_text()[-3000:]}"
                )
            replies = pool.map(
                lambda _: server.get("/health?hold=0.2", timeout=10), range(server.workers)
            )
            seen.update(reply.body["worker"] for reply in replies if reply.status == 200)
