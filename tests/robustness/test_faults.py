"""Faults: views that raise, a database that goes away under load, connections dying mid-request.

The example blog is served by a real threaded server. The outage tests stop and start a
PostgreSQL server of this module's own (never the shared one), on the same data folder
and port, with the engine options ``docs/operations.md`` recommends (:data:`ENGINE_OPTIONS`).
"""

from __future__ import annotations

import ast
import collections
import dataclasses
import http.client
import json
import logging
import re
import threading
import time
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import abort

from examples.blog.models import AuditEntry
from examples.blog.models import Comment
from examples.blog.models import Post
from examples.blog.models import User
from examples.blog.models import db
from tests._support import blog
from tests._support import postgresql
from tests._support.postgresql import Database
from tests._support.postgresql import Server
from tests.robustness.live_server import Client
from tests.robustness.live_server import Reply
from tests.robustness.live_server import serving

#: The engine options docs/operations.md gives, proved here (the doc is checked against it).
ENGINE_OPTIONS: dict[str, t.Any] = {
    "pool_pre_ping": True,
    "pool_timeout": 5,
    "pool_recycle": 1800,
    "connect_args": {"connect_timeout": 3, "options": "-c statement_timeout=5000"},
}
#: A request may take at most this long, even while the database is down: waiting for a
#: pooled connection, then for a new one (the DBAPI's connect timeout), plus slack.
HANG_LIMIT = ENGINE_OPTIONS["pool_timeout"] + ENGINE_OPTIONS["connect_args"]["connect_timeout"] + 2
#: How long the database stays down in the outage test.
OUTAGE_SECONDS = 3.0
REQUEST_TIMEOUT = 30.0
EVENT_TIMEOUT = 30.0
OPERATIONS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _json(reply: Reply) -> dict[str, t.Any]:
    assert reply.status == 200, (reply.status, reply.text[:300])
    value: dict[str, t.Any] = json.loads(reply.body)
    return value


def _add_thread_route(app: Flask) -> None:
    @app.get("/thread")
    def thread() -> dict[str, int]:
        return {"thread": threading.get_ident()}


# ---------------------------------------------------------------------------------------
# A view that raises


@pytest.mark.parametrize("failure", ["python", "database"])
def test_view_that_raises_rolls_back(database: Database, failure: str) -> None:
    """A view that fails after writing is rolled back, and its thread's next request is clean."""
    app = blog.make_blog(database)

    @app.post("/fail/<token>")
    def fail(token: str) -> str:
        db.session().info["request"] = token
        author = db.session.execute(sa.select(User).filter_by(name="writer1")).scalar_one()
        db.session.add_all([Post(title=token, author=author), AuditEntry(action="x", detail=token)])
        db.session.flush()
        if failure == "database":
            # A unique violation: on PostgreSQL the transaction is now aborted, so a session
            # carried over to the next request would fail there.
            db.session.add(User(name="writer1"))
            db.session.flush()
        raise RuntimeError(f"The view failed after writing {token!r}.")

    @app.get("/state/<token>")
    def state(token: str) -> dict[str, t.Any]:
        session = db.session()
        fresh = not (session.info or session.identity_map or session.in_transaction())
        posts = sa.select(sa.func.count()).where(Post.title == token)
        audit = sa.select(sa.func.count()).where(AuditEntry.detail == token)
        return {
            "thread": threading.get_ident(),
            "fresh": fresh,
            "rows": [db.session.scalar(posts), db.session.scalar(audit)],
        }

    try:
        # One server thread serves every request, so the third is that thread's next one.
        with serving(app, threaded=False) as live, live.client(REQUEST_TIMEOUT) as client:
            before = _json(client.get("/state/t1"))
            failed = client.post("/fail/t1")
            after = _json(client.get("/state/t1"))
        assert failed.status == 500
        assert before == {"thread": live.thread.ident, "fresh": True, "rows": [0, 0]}
        assert after == before
        assert blog.checked_out(app) == {None: 0, "audit": 0}
        assert blog.sessions_of(app) == []
    finally:
        blog.dispose(app)


# ---------------------------------------------------------------------------------------
# The database goes away


class Switch:
    """Stops and starts the module's PostgreSQL server, remembering whether it is down."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.down = False

    def stop(self) -> None:
        self.down = True
        self.server.stop_process("fast")

    def start(self) -> None:
        self.server.start_process()
        self.down = False


@pytest.fixture(scope="module")
def own_server() -> Iterator[Server]:
    """A PostgreSQL server for this module alone, which its tests stop and start."""
    server = postgresql.start_or_skip()
    try:
        if not server.can_restart:
            pytest.skip(
                "The outage tests need a server they start (FSS_TEST_POSTGRESQL_URL is set)."
            )
        yield server
    finally:
        server.stop()


@pytest.fixture
def switch(own_server: Server) -> Iterator[Switch]:
    """The module's server, running again when the test ends."""
    switch = Switch(own_server)
    yield switch
    if switch.down:
        switch.start()


@pytest.fixture
def own_databases(own_server: Server, switch: Switch) -> Iterator[Database]:
    """A fresh database pair on the module's server, emptied after the test."""
    database = own_server.fresh_databases()
    yield database
    if switch.down:
        switch.start()
    own_server.end_sessions(database)
    own_server.reset(database)


def _answer_unavailable(app: Flask) -> None:
    # What the operations page recommends: a database error is a 503 the client may retry,
    # without a traceback in the log for each request during an outage.
    @app.errorhandler(sa.exc.DBAPIError)
    def unavailable(e: sa.exc.DBAPIError) -> tuple[str, int, dict[str, str]]:
        return f"Database unavailable ({type(e.orig).__name__}).", 503, {"Retry-After": "5"}


@dataclasses.dataclass(frozen=True)
class Sent:
    """One request of the outage test: when it ran and how it ended."""

    client: int
    token: str
    start: float
    end: float
    status: int | None
    text: str


class Traffic:
    """Clients sending reads and writes in a loop, and the moments the test waits for."""

    #: A client's pause between requests: a steady rate instead of a busy loop.
    PACE = 0.01

    def __init__(self, clients: int) -> None:
        self.clients = clients
        self.lock = threading.Lock()
        self.sent: list[Sent] = []
        self.stop = threading.Event()
        self.warm = threading.Event()
        self.failing = threading.Event()
        self.recovered = threading.Event()
        self.down_at = float("inf")
        self.up_at = float("inf")
        self._streaks = [0] * clients

    def run(self, index: int, client: Client) -> None:
        n = 0
        while not self.stop.is_set():
            token = f"outage-{index}-{n}"
            start = time.monotonic()
            try:
                if n % 2:
                    reply = client.post(f"/pair/{token}")
                else:
                    reply = client.get(f"/posts/{1 + n % blog.POSTS_PER_WRITER}")
            except (OSError, http.client.HTTPException) as e:
                status, text = None, repr(e)
            else:
                status, text = reply.status, reply.text
            self._record(Sent(index, token if n % 2 else "", start, time.monotonic(), status, text))
            n += 1
            self.stop.wait(self.PACE)

    def _record(self, sent: Sent) -> None:
        with self.lock:
            self.sent.append(sent)
            ok = sent.status == 200
            if sum(s.status == 200 for s in self.sent) >= 40:
                self.warm.set()
            if sum(s.start > self.down_at and not ok for s in self.sent) >= 20:
                self.failing.set()
            if sent.start > self.up_at:
                self._streaks[sent.client] = self._streaks[sent.client] + 1 if ok else 0
                if min(self._streaks) >= 10:
                    self.recovered.set()


def _add_pair_route(app: Flask) -> None:
    @app.post("/pair/<token>")
    def pair(token: str) -> str:
        author = db.session.execute(sa.select(User).filter_by(name="writer1")).scalar_one()
        post = Post(title=token, author=author)
        db.session.add(post)
        db.session.flush()
        db.session.add(Comment(body=token, author_name="outage", post=post))
        db.session.commit()
        return "ok"


def _rows(app: Flask, column: t.Any) -> collections.Counter[str]:
    with blog.engines(app)[None].connect() as connection:
        return collections.Counter(
            connection.scalars(sa.select(column).where(column.like("outage-%")))
        )


@pytest.mark.postgresql
def test_database_outage_under_load(own_databases: Database, switch: Switch) -> None:
    """Requests fail fast with a clean 503 while PostgreSQL is down, and succeed once it is back."""
    app = blog.make_blog(own_databases, ENGINE_OPTIONS)
    _answer_unavailable(app)
    _add_pair_route(app)
    traffic = Traffic(clients=4)
    try:
        with serving(app) as live:
            clients = [live.client(REQUEST_TIMEOUT) for _ in range(traffic.clients)]
            threads = [
                threading.Thread(target=traffic.run, args=(i, c), name=f"client-{i}", daemon=True)
                for i, c in enumerate(clients)
            ]
            try:
                for thread in threads:
                    thread.start()
                assert traffic.warm.wait(EVENT_TIMEOUT), "No traffic got through before the outage."
                stopping = time.monotonic()
                switch.stop()
                traffic.down_at = time.monotonic()
                assert traffic.failing.wait(EVENT_TIMEOUT), "Requests kept succeeding while down."
                # The outage lasts a set time: nothing to wait for but the clock.
                time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopping)))
                starting = time.monotonic()
                switch.start()
                traffic.up_at = time.monotonic()
                assert traffic.recovered.wait(EVENT_TIMEOUT), "Service did not recover."
                assert live.thread.is_alive()
            finally:
                traffic.stop.set()
                deadline = time.monotonic() + EVENT_TIMEOUT
                for thread in threads:
                    if thread.ident is not None:
                        thread.join(max(0.0, deadline - time.monotonic()))
                for client in clients:
                    client.close()
            assert not any(thread.is_alive() for thread in threads)

        sent = traffic.sent
        assert [s for s in sent if s.status is None] == [], "A request got no HTTP response."
        slowest = max(s.end - s.start for s in sent)
        assert slowest < HANG_LIMIT
        before = [s for s in sent if s.end < stopping]
        during = [s for s in sent if s.start > traffic.down_at and s.end < starting]
        after = [s for s in sent if s.start > traffic.up_at]
        assert {s.status for s in before} == {200}
        assert {s.status for s in during} == {503}
        # With pool_pre_ping, not even the first request after the restart fails.
        assert {s.status for s in after} == {200}
        errors = collections.Counter(re.sub(r"^.*\((\w+)\)\.$", r"\1", s.text) for s in during)

        posts, comments = _rows(app, Post.title), _rows(app, Comment.body)
        assert posts == comments, "A write is only half there."
        assert set(posts.values()) <= {1}
        writes = [s for s in sent if s.token]
        assert {s.token for s in writes if s.status == 200} <= set(posts)
        # A failed write may have committed only if its commit was in flight as the server
        # stopped (the reply was lost); no write sent while it was down is there.
        ambiguous = [s for s in writes if s.status != 200 and s.token in posts]
        assert all(s.start < traffic.down_at and s.end > stopping for s in ambiguous)
        assert blog.checked_out(app) == {None: 0, "audit": 0}
        assert blog.sessions_of(app) == []
        first_ok = min(s.end for s in sent if s.start > starting and s.status == 200)
        recovery = first_ok - starting
        print(
            f"\noutage: {traffic.up_at - stopping:.2f}s from the stop to the server accepting"
            f" again; {len(sent)} requests, {len(during)} during the outage, all 503"
            f" {dict(errors)}, slowest request {slowest * 1000:.0f} ms; first success"
            f" {recovery:.2f}s after the start command ({traffic.up_at - starting:.2f}s until"
            f" pg_ctl reported it ready); {len(ambiguous)} failed writes committed as the"
            " server stopped"
        )
    finally:
        blog.dispose(app)


@pytest.mark.postgresql
@pytest.mark.parametrize(("pre_ping", "first_status"), [(True, 200), (False, 500)])
def test_first_request_after_idle_outage(
    own_databases: Database, switch: Switch, pre_ping: bool, first_status: int
) -> None:
    """After an outage nobody saw, the first request succeeds only with pool_pre_ping."""
    options = {**ENGINE_OPTIONS, "pool_pre_ping": pre_ping}
    app = blog.make_blog(own_databases, options)
    try:
        with serving(app) as live, live.client(REQUEST_TIMEOUT) as client:
            assert client.get("/posts/1").status == 200  # a pooled connection, now idle
            switch.stop()
            switch.start()
            first, second = client.get("/posts/1"), client.get("/posts/1")
        assert (first.status, second.status) == (first_status, 200)
        assert blog.checked_out(app) == {None: 0, "audit": 0}
    finally:
        blog.dispose(app)


# ---------------------------------------------------------------------------------------
# A connection dies while a request holds it


@pytest.mark.postgresql
@pytest.mark.parametrize("then", ["query", "return"])
def test_request_in_flight_when_database_dies(
    own_databases: Database, switch: Switch, then: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A request holding a connection as PostgreSQL stops ends cleanly; teardown never raises."""
    app = blog.make_blog(own_databases, ENGINE_OPTIONS)
    _add_thread_route(app)
    holding, release = threading.Event(), threading.Event()

    @app.get("/hold")
    def hold() -> dict[str, int]:
        posts = db.session.scalar(sa.select(sa.func.count()).select_from(Post)) or 0
        holding.set()
        if not release.wait(EVENT_TIMEOUT):
            abort(504)
        if then == "query":
            db.session.scalar(sa.select(sa.func.count()).select_from(Post))
        return {"posts": posts}

    replies: list[Reply] = []

    def held(client: Client) -> None:
        replies.append(client.get("/hold"))

    try:
        # One server thread serves every request: the one that held the dead connection
        # must serve the later ones too.
        with serving(app, threaded=False) as live, live.client(REQUEST_TIMEOUT) as client:
            thread = threading.Thread(target=held, args=(client,), name="held", daemon=True)
            thread.start()
            try:
                assert holding.wait(EVENT_TIMEOUT)
                switch.stop()
            finally:
                release.set()
                thread.join(REQUEST_TIMEOUT)
            assert not thread.is_alive()
            assert live.thread.is_alive()
            switch.start()
            assert client.get("/posts/1").status == 200
            assert _json(client.get("/thread")) == {"thread": live.thread.ident}
        [reply] = replies
        dropped = [
            r
            for r in caplog.records
            if r.name == app.logger.name and r.levelno == logging.WARNING and r.exc_info
        ]
        if then == "query":
            assert reply.status == 500
        else:
            assert _json(reply) == {"posts": blog.WRITERS * blog.POSTS_PER_WRITER}
            # Its transaction could not be rolled back: logged, not raised.
            [warning] = dropped
            assert warning.exc_info and isinstance(warning.exc_info[1], sa.exc.DBAPIError)
        assert [r for r in caplog.records if r.name == "werkzeug"] == []
        assert blog.checked_out(app) == {None: 0, "audit": 0}
        assert blog.sessions_of(app) == []
    finally:
        blog.dispose(app)


def test_operations_page_gives_these_options() -> None:
    """docs/operations.md recommends exactly the engine options these tests prove."""
    text = OPERATIONS_PAGE.read_text()
    match = re.search(r"SQLALCHEMY_ENGINE_OPTIONS = (\{.*?\n\})", text, re.DOTALL)
    assert match, "No 'SQLALCHEMY_ENGINE_OPTIONS = {...}' block in docs/operations.md."
    assert ast.literal_eval(match.group(1)) == ENGINE_OPTIONS
