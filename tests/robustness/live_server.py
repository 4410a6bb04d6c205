"""A real WSGI server on 127.0.0.1 in a background thread, and an HTTP client for it.

The robustness tests drive apps over TCP, as production does, instead of Flask's test
client. Werkzeug's server closes each connection after its response (it does not do
HTTP/1.1 keep-alive), so every request is a new connection: with ``threaded=True`` each
is served by a new thread and requests overlap for real; with ``threaded=False`` one
thread serves every request in turn, so a request is "the next one on the same thread".
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import socket
import threading
import time
import typing as t
import urllib.parse
from collections.abc import Iterable
from collections.abc import Iterator

from flask import Flask
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment

#: How long stopping the server and every thread that served a request may take, in all.
STOP_TIMEOUT = 15.0


class _QuietHandler(WSGIRequestHandler):
    # One log line per request would bury a failing test's own output.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclasses.dataclass
class LiveServer:
    """A server started by :func:`serving`; ``thread`` runs it, the others handled requests."""

    port: int
    thread: threading.Thread
    handler_threads: set[threading.Thread] = dataclasses.field(default_factory=set)
    stuck: list[str] = dataclasses.field(default_factory=list)

    def client(self, timeout: float) -> Client:
        """A new client of this server.

        :param timeout: seconds each socket operation may take before it fails.
        """
        return Client(self.port, timeout)


@contextlib.contextmanager
def serving(app: Flask, *, threaded: bool = True) -> Iterator[LiveServer]:
    """Serve ``app`` on a free port of 127.0.0.1 from a background thread.

    On exit the server is shut down and every thread that handled a request is joined. A
    thread still alive after :data:`STOP_TIMEOUT` fails the test, unless the body raised.

    :param threaded: a new thread per request; otherwise the server's own thread serves
        them one at a time.
    """
    lock = threading.Lock()
    handlers: set[threading.Thread] = set()

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with lock:
            handlers.add(threading.current_thread())
        return app(environ, start_response)

    server = make_server(
        "127.0.0.1", 0, application, threaded=threaded, request_handler=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server"
    )
    live = LiveServer(port=server.server_port, thread=thread, handler_threads=handlers)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(STOP_TIMEOUT)
        server.server_close()
        with lock:
            served = list(handlers)
        deadline = time.monotonic() + STOP_TIMEOUT
        for handler in [thread, *served]:
            handler.join(max(0.0, deadline - time.monotonic()))
            if handler.is_alive():
                live.stuck.append(handler.name)
    assert not live.stuck, f"Threads still running {STOP_TIMEOUT}s after the server stopped."


@dataclasses.dataclass(frozen=True)
class Reply:
    """A response: its status and body."""

    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """An HTTP client of the live server, one request at a time; each opens a new connection.

    :param port: the server's port on 127.0.0.1.
    :param timeout: seconds each socket operation may take before it raises.
    """

    def __init__(self, port: int, timeout: float) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, path: str) -> Reply:
        """GET ``path`` and read the whole response."""
        return self._send("GET", path, None, {})

    def post(self, path: str, form: dict[str, str] | None = None) -> Reply:
        """POST ``form`` (URL-encoded) to ``path`` and read the whole response."""
        body = urllib.parse.urlencode(form or {}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", path, body, headers)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        try:
            self._connection.request(method, path, body, headers)
            response = self._connection.getresponse()
            return Reply(response.status, response.read())
        except BaseException:
            self._connection.close()
            raise

    def close(self) -> None:
        """Close the open connection, if any.

        Also from another thread: a request waiting for its response then fails at once.
        """
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._connection.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
