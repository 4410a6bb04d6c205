"""Load: the example blog on PostgreSQL, served by a real threaded server to many clients.

Twelve client threads send a fixed, seeded mix of reads, paginated lists, writes (posts
and comments, each with a unique title or body, through both binds) and requests whose
view writes and then raises. Four more "prober" threads run in lock-step rounds that make
uncommitted writes of different requests exist at the same moment; each prober checks,
from inside its request, that it sees its own uncommitted row and exactly the probe rows
committed before, never another request's uncommitted one. Hooks on every request check
that no two requests in flight share a session or an app context.
"""

from __future__ import annotations

import collections
import dataclasses
import http.client
import random
import threading
import time
import typing as t
import weakref

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import g
from flask import request

from examples.blog.models import AuditEntry
from examples.blog.models import Comment
from examples.blog.models import Post
from examples.blog.models import User
from examples.blog.models import db
from tests._support import blog
from tests._support.postgresql import Database
from tests.robustness.live_server import Client
from tests.robustness.live_server import serving

pytestmark = [pytest.mark.load, pytest.mark.postgresql]

MIX_THREADS = 12
REQUESTS_PER_THREAD = 40
PROBERS = 4
PROBE_ROUNDS = 15
#: Seconds a request may take, a prober may wait for its round, and the whole run.
REQUEST_TIMEOUT = 20.0
BARRIER_TIMEOUT = 10.0
RUN_TIMEOUT = 60.0
SEEDED_POSTS = blog.WRITERS * blog.POSTS_PER_WRITER
#: Bounded waits everywhere, so a broken run fails instead of hanging.
ENGINE_OPTIONS = {
    "pool_timeout": 10,
    "connect_args": {"connect_timeout": 5, "options": "-c statement_timeout=10000"},
}


@dataclasses.dataclass(frozen=True)
class Call:
    """One planned request and the status it must get."""

    kind: str
    method: str
    path: str
    expected: int
    token: str = ""
    form: dict[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class Outcome:
    call: Call
    status: int | None
    error: str = ""


def _plan(index: int) -> list[Call]:
    """Client ``index``'s requests: the same mix on every run."""
    rng = random.Random(f"load-{index}")
    kinds = ["index", "post", "user", "create", "comment", "boom"]
    calls = []
    for n, kind in enumerate(rng.choices(kinds, weights=[3, 3, 2, 2, 2, 1], k=REQUESTS_PER_THREAD)):
        token = f"{index}-{n}"
        if kind == "index":
            calls.append(Call(kind, "GET", f"/?page={rng.randint(1, 7)}", 200))
        elif kind == "post" and rng.random() < 0.9:
            calls.append(Call(kind, "GET", f"/posts/{rng.randint(1, SEEDED_POSTS)}", 200))
        elif kind == "post":
            calls.append(Call(kind, "GET", f"/posts/{10**6 + n}", 404))
        elif kind == "user" and rng.random() < 0.9:
            path = f"/users/writer{rng.randint(1, blog.WRITERS)}?page={rng.randint(1, 3)}"
            calls.append(Call(kind, "GET", path, 200))
        elif kind == "user":
            calls.append(Call(kind, "GET", "/users/nobody", 404))
        elif kind == "create":
            form = {"author": f"writer{rng.randint(1, blog.WRITERS)}", "title": f"load-{token}"}
            calls.append(Call(kind, "POST", "/posts", 302, f"load-{token}", form))
        elif kind == "comment":
            form = {"body": f"load-{token}", "author": "loadtest"}
            path = f"/posts/{rng.randint(1, SEEDED_POSTS)}/comments"
            calls.append(Call(kind, "POST", path, 302, f"load-{token}", form))
        else:
            calls.append(Call(kind, "POST", f"/boom/boom-{token}", 500, f"boom-{token}"))
    return calls


def _probe_outcome(round_: int, member: int) -> str:
    return ("commit", "rollback", "raise")[(round_ + member) % 3]


def _probe_title(round_: int, member: int) -> str:
    return f"probe-{round_}-{member}"


def _committed_probes(rounds: int) -> set[str]:
    """The titles probes of the first ``rounds`` rounds commit."""
    return {
        _probe_title(r, m)
        for r in range(rounds)
        for m in range(PROBERS)
        if _probe_outcome(r, m) == "commit"
    }


def _probe_plan(member: int) -> list[Call]:
    calls = []
    for round_ in range(PROBE_ROUNDS):
        expected = 500 if _probe_outcome(round_, member) == "raise" else 200
        calls.append(Call("probe", "POST", f"/probe/{round_}/{member}", expected))
    return calls


class Watch:
    """Checks made inside the server on every request: sessions and contexts are never shared.

    A session (or app context) is registered by its ``id`` while its request runs; two
    objects alive at the same time never share an ``id``, so a second in-flight request
    registering the same one is using the same object. The context is represented by its
    ``g``, which Flask creates for each app context.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sessions: dict[int, str] = {}
        self.scopes: dict[int, str] = {}
        self.violations: list[str] = []
        self.requests = 0
        self.max_in_flight = 0
        self.created: list[weakref.ref[orm.Session]] = []

    def install(self, app: Flask) -> None:
        app.before_request(self.enter)
        app.teardown_request(self.leave)

    def enter(self) -> None:
        session = db.session()
        scope = g._get_current_object()
        g.watched = (session, scope)
        with self.lock:
            self.requests += 1
            for registry, key, what in (
                (self.sessions, id(session), "session"),
                (self.scopes, id(scope), "app context"),
            ):
                if key in registry:
                    self.violations.append(f"{request.path} got the {what} of {registry[key]}")
                registry[key] = request.path
            self.max_in_flight = max(self.max_in_flight, len(self.sessions))
            self.created.append(weakref.ref(session))

    def leave(self, exc: BaseException | None) -> None:
        session, scope = g.pop("watched")
        if db.session() is not session:
            with self.lock:
                self.violations.append(f"the session changed during a request ({exc!r})")
        with self.lock:
            self.sessions.pop(id(session), None)
            self.scopes.pop(id(scope), None)


@dataclasses.dataclass(frozen=True)
class ProbeSeen:
    """What a probe request saw inside the server."""

    fresh: bool
    visible: frozenset[str]
    distinct: bool
    stable: bool


class Probes:
    """Rounds of :data:`PROBERS` requests that each hold an uncommitted post at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.barriers: dict[int, threading.Barrier] = {}
        self.ids: dict[int, dict[int, tuple[int, int]]] = collections.defaultdict(dict)
        self.seen: dict[tuple[int, int], ProbeSeen] = {}
        self.broken = False

    def wait(self, round_: int) -> None:
        """Wait for the round's other members; after one timeout every later wait fails too."""
        with self.lock:
            barrier = self.barriers.setdefault(
                round_, threading.Barrier(PROBERS, timeout=BARRIER_TIMEOUT)
            )
            if self.broken:
                barrier.abort()
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            self.broken = True
            raise

    def install(self, app: Flask) -> None:
        @app.post("/probe/<int:round_>/<int:member>")
        def probe(round_: int, member: int) -> str:
            session = db.session()
            fresh = not (
                session.identity_map or session.new or session.dirty or session.in_transaction()
            )
            author = db.session.execute(sa.select(User).filter_by(name="writer1")).scalar_one()
            db.session.add(Post(title=_probe_title(round_, member), author=author))
            db.session.flush()
            self.wait(round_)  # every member has flushed its post; none has committed
            titles = sa.select(Post.title).where(Post.title.like("probe-%"))
            visible = frozenset(db.session.scalars(titles))
            with self.lock:
                self.ids[round_][member] = (id(session), id(g._get_current_object()))
            self.wait(round_)  # every member has looked and is still in its request
            with self.lock:
                pairs = list(self.ids[round_].values())
                distinct = len({s for s, _ in pairs}) == len({c for _, c in pairs}) == PROBERS
                self.seen[round_, member] = ProbeSeen(
                    fresh, visible, distinct, db.session() is session
                )
            outcome = _probe_outcome(round_, member)
            if outcome == "raise":
                raise RuntimeError(f"Probe {round_}-{member} fails after its flush.")
            if outcome == "rollback":
                db.session.rollback()
            else:
                db.session.commit()
            return outcome


def _add_boom(app: Flask) -> None:
    @app.post("/boom/<token>")
    def boom(token: str) -> str:
        author = db.session.execute(sa.select(User).filter_by(name="writer2")).scalar_one()
        post = Post(title=token, author=author)
        post.comments.append(Comment(body=token, author_name="boom"))
        db.session.add_all([post, AuditEntry(action="boom", detail=token)])
        db.session.flush()
        raise RuntimeError(f"The view failed after writing {token!r} to both databases.")


def _run(client: Client, calls: list[Call], outcomes: list[Outcome], stop: threading.Event) -> None:
    for call in calls:
        if stop.is_set():
            return
        try:
            if call.method == "GET":
                reply = client.get(call.path)
            else:
                reply = client.post(call.path, call.form)
        except (OSError, http.client.HTTPException) as e:
            outcomes.append(Outcome(call, None, repr(e)))
        else:
            outcomes.append(Outcome(call, reply.status))


def _join(threads: list[threading.Thread], deadline: float) -> list[str]:
    """Join the started ``threads`` by ``deadline``; the names of those still running."""
    for thread in threads:
        if thread.ident is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    return [thread.name for thread in threads if thread.is_alive()]


def _counts(connection: sa.Connection, column: t.Any, prefix: str) -> dict[str, int]:
    rows = connection.execute(
        sa.select(column, sa.func.count()).where(column.like(f"{prefix}%")).group_by(column)
    )
    return {value: count for value, count in rows}


def test_blog_under_concurrent_load(blog_databases: Database) -> None:
    """Concurrent mixed requests keep every write exactly once, every session private, no leaks."""
    app = blog.make_blog(blog_databases, ENGINE_OPTIONS)
    watch, probes = Watch(), Probes()
    watch.install(app)
    probes.install(app)
    _add_boom(app)
    plans = [_plan(index) for index in range(MIX_THREADS)]
    plans += [_probe_plan(member) for member in range(PROBERS)]
    outcomes: list[list[Outcome]] = [[] for _ in plans]
    stop = threading.Event()
    clients: list[Client] = []
    started = time.monotonic()
    try:
        with serving(app) as live:
            clients = [live.client(REQUEST_TIMEOUT) for _ in plans]
            threads = [
                threading.Thread(target=_run, args=(*args, stop), name=f"client-{i}", daemon=True)
                for i, args in enumerate(zip(clients, plans, outcomes, strict=True))
            ]
            try:
                for thread in threads:
                    thread.start()
                stuck = _join(threads, started + RUN_TIMEOUT)
            finally:
                stop.set()
                for client in clients:
                    client.close()
                _join(threads, time.monotonic() + REQUEST_TIMEOUT)
            assert not stuck, f"Clients still waiting after {RUN_TIMEOUT}s: {stuck}"
        elapsed = time.monotonic() - started

        done = [outcome for per_thread in outcomes for outcome in per_thread]
        wrong = [o for o in done if o.status != o.call.expected]
        assert not wrong, f"{len(wrong)} of {len(done)} requests got another status: {wrong[:5]}"
        total = MIX_THREADS * REQUESTS_PER_THREAD + PROBERS * PROBE_ROUNDS
        assert len(done) == watch.requests == total
        assert watch.violations == []
        assert watch.max_in_flight >= PROBERS

        by_kind = collections.Counter(o.call.kind for o in done)
        written = {kind: {o.call.token for o in done if o.call.kind == kind} for kind in by_kind}
        with blog.engines(app)[None].connect() as connection:
            assert _counts(connection, Post.title, "load-") == dict.fromkeys(written["create"], 1)
            assert _counts(connection, Comment.body, "load-") == dict.fromkeys(
                written["comment"], 1
            )
            assert _counts(connection, Post.title, "probe-") == dict.fromkeys(
                _committed_probes(PROBE_ROUNDS), 1
            )
            assert _counts(connection, Post.title, "boom-") == {}
            assert _counts(connection, Comment.body, "boom-") == {}
            created_ids = set(
                connection.scalars(sa.select(Post.id).where(Post.title.like("load-%")))
            )
        with blog.engines(app)["audit"].connect() as connection:
            actions = collections.Counter(connection.scalars(sa.select(AuditEntry.action)))
            details = connection.scalars(
                sa.select(AuditEntry.detail).where(AuditEntry.action == "create_post")
            )
            audited_ids = {int(detail.split()[1]) for detail in details}
        assert actions == {
            "seed": blog.WRITERS,
            "create_post": len(written["create"]),
            "add_comment": len(written["comment"]),
        }
        assert audited_ids == created_ids

        assert len(probes.seen) == PROBERS * PROBE_ROUNDS
        for (round_, member), seen in sorted(probes.seen.items()):
            assert seen == ProbeSeen(
                fresh=True,
                visible=frozenset({_probe_title(round_, member), *_committed_probes(round_)}),
                distinct=True,
                stable=True,
            ), (round_, member)

        assert blog.checked_out(app) == {None: 0, "audit": 0}
        assert blog.sessions_of(app) == []
        alive = [ref() for ref in watch.created]
        still_open = [s for s in alive if s is not None and (s.in_transaction() or s.identity_map)]
        assert still_open == []
        print(
            f"\nload: {len(done)} requests from {MIX_THREADS + PROBERS} threads in {elapsed:.1f}s;"
            f" {dict(sorted(by_kind.items()))}; up to {watch.max_in_flight} in flight"
        )
    finally:
        for client in clients:
            client.close()
        blog.dispose(app)
