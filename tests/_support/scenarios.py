"""Load scenarios against the gunicorn-served scaling app, shared by tests and benchmarks.

Each scenario sends a planned list of requests from client threads and returns what the
servers saw, as plain numbers: the tests run them small and assert, ``benchmarks/scaling.py``
runs them large and prints them. Writes carry unique titles, so that lost writes are
counted by comparing the acknowledged titles with the rows.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import queue
import random
import threading
import time
import typing as t
from collections.abc import Sequence

import sqlalchemy as sa

from tests._support.gunicorn import Reply
from tests._support.gunicorn import Server
from tests._support.pgbouncer import PgBouncer
from tests._support.replica import Cluster

#: Seconds one request may take before the client gives up (counted as an error).
REQUEST_TIMEOUT = 30.0
#: Seconds between the first requests of ``fork_run``, one per worker (a query takes a few ms).
FIRST_CONTACT_GAP = 0.15


@dataclasses.dataclass(frozen=True)
class Call:
    """One planned request."""

    method: str
    path: str
    form: dict[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one request got: a reply, or the client's error (``status`` 0)."""

    call: Call
    started: float
    reply: Reply | None
    error: str | None = None

    @property
    def status(self) -> int:
        return self.reply.status if self.reply else 0

    @property
    def body(self) -> dict[str, t.Any]:
        return self.reply.body if self.reply else {}

    @property
    def problem(self) -> str:
        """A short name of what went wrong: the client's error, or the server's error class."""
        if self.error is not None:
            return self.error
        return f"{self.status} {self.body.get('error', '')}".strip()


def run_calls(
    server: Server,
    calls: Sequence[Call],
    threads: int,
    *,
    pace: float = 0.0,
    stagger: float = 0.0,
    timeout: float = REQUEST_TIMEOUT,
) -> list[Outcome]:
    """Send ``calls`` from ``threads`` client threads, each taking the next one; in call order.

    :param pace: seconds each thread waits between its requests.
    :param stagger: seconds between the client threads' starts.
    :param timeout: seconds one request may take; a slower one is a client error.
    """
    todo: queue.SimpleQueue[tuple[int, Call]] = queue.SimpleQueue()
    for item in enumerate(calls):
        todo.put(item)
    outcomes: list[Outcome | None] = [None] * len(calls)

    def client() -> None:
        while True:
            try:
                index, call = todo.get_nowait()
            except queue.Empty:
                return
            started = time.monotonic()
            try:
                reply = server.request(call.method, call.path, call.form, timeout)
                outcomes[index] = Outcome(call, started, reply)
            except OSError as e:
                outcomes[index] = Outcome(call, started, None, f"client {type(e).__name__}")
            if pace:
                time.sleep(pace)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
        time.sleep(stagger)
    for worker in workers:
        worker.join()
    assert all(outcome is not None for outcome in outcomes)
    return t.cast("list[Outcome]", outcomes)


def problems(outcomes: Sequence[Outcome]) -> collections.Counter[str]:
    """How many requests failed, by :attr:`Outcome.problem`."""
    return collections.Counter(o.problem for o in outcomes if o.status != 200)


def lost_writes(outcomes: Sequence[Outcome], database_url: str) -> list[str]:
    """Titles a 200 response said were written but are not in the table (each exactly once)."""
    acknowledged = [
        title for o in outcomes if o.status == 200 for title in o.body.get("written", [])
    ]
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            stored = collections.Counter(
                conn.execute(sa.text("SELECT title FROM posts")).scalars().all()
            )
    finally:
        engine.dispose()
    return [title for title in acknowledged if stored[title] != 1]


@dataclasses.dataclass(frozen=True)
class ForkReport:
    """A run against ``gunicorn --preload``: which database backends each worker used."""

    requests: int
    workers: int
    #: Backend PIDs that answered requests of more than one worker process.
    shared_backends: dict[int, list[int]]
    problems: collections.Counter[str]
    lost: list[str]


def fork_run(
    server: Server, database_url: str, requests: int, threads: int, timeout: float = REQUEST_TIMEOUT
) -> ForkReport:
    """Alternate ``GET /whoami`` and ``POST /posts``; report shared backends, errors, lost writes.

    First each worker answers one ``/whoami`` on the connection it starts with: the requests
    leave ``FIRST_CONTACT_GAP`` seconds apart and each holds its worker for a second, so each
    goes to another idle worker and no two queries overlap. Whether workers started on one
    inherited backend then shows every time, not only when the load happens to interleave.

    :param timeout: seconds one request may take (a worker reading another's reply hangs).
    """
    first = [Call("GET", "/whoami?hold=1") for _ in range(server.workers)]
    outcomes = run_calls(server, first, server.workers, timeout=timeout, stagger=FIRST_CONTACT_GAP)
    tag = f"{time.monotonic_ns()}"
    calls = [
        Call("POST", "/posts", {"title": f"fork-{tag}-{i}"}) if i % 2 else Call("GET", "/whoami")
        for i in range(requests)
    ]
    outcomes += run_calls(server, calls, threads, timeout=timeout)
    workers_of: dict[int, set[int]] = collections.defaultdict(set)
    for outcome in outcomes:
        if outcome.status == 200 and "backend" in outcome.body:
            workers_of[outcome.body["backend"]].add(outcome.body["worker"])
    return ForkReport(
        requests=requests,
        workers=len({w for ws in workers_of.values() for w in ws}),
        shared_backends={b: sorted(w) for b, w in workers_of.items() if len(w) > 1},
        problems=problems(outcomes),
        lost=lost_writes(outcomes, database_url),
    )


def seed_posts(database_url: str, count: int) -> list[int]:
    """Insert ``count`` posts on the primary; their ids."""
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.text(
                    "INSERT INTO posts (title, comments) SELECT 'seed-' || n, 0"
                    " FROM generate_series(1, :count) AS n RETURNING id"
                ),
                {"count": count},
            )
            return sorted(rows.scalars().all())
    finally:
        engine.dispose()


def routing_calls(ids: Sequence[int], requests: int, seed: int = 17) -> list[Call]:
    """A read-mostly web app: 75% show a post, 20% list (paginate), 4% write, 1% comment (locks)."""
    rng = random.Random(seed)
    tag = f"{time.monotonic_ns()}"
    calls = []
    for i in range(requests):
        roll = rng.random()
        if roll < 0.75:
            calls.append(Call("GET", f"/posts/{rng.choice(ids)}"))
        elif roll < 0.95:
            calls.append(Call("GET", "/posts"))
        elif roll < 0.99:
            calls.append(Call("POST", "/posts", {"title": f"route-{tag}-{i}"}))
        else:
            calls.append(Call("POST", f"/posts/{rng.choice(ids)}/comments", {}))
    return calls


def is_app_read(statement: str) -> bool:
    """A ``SELECT`` the app sent (SQLAlchemy writes them in capitals), not a lag check."""
    return statement.startswith("SELECT ") and "pg_last_wal_replay_lsn" not in statement


def is_write(statement: str) -> bool:
    return statement.split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


@dataclasses.dataclass(frozen=True)
class RoutingReport:
    """A mixed load through gunicorn on a primary with a replica, counted on each server."""

    requests: int
    seconds: float
    reads_on_primary: int
    reads_on_replica: int
    writes_on_replica: int
    refused_on_replica: int
    #: ``POST /posts`` whose own write was missing when it read it back.
    read_your_writes_violations: int
    #: GET requests (which write nothing) whose last read ran on the primary.
    gets_on_primary: int
    problems: collections.Counter[str]
    lost: list[str]

    @property
    def replica_share(self) -> float:
        """Share of the app's read statements the replica ran."""
        total = self.reads_on_primary + self.reads_on_replica
        return self.reads_on_replica / total if total else 0.0


def routing_run(
    server: Server, cluster: Cluster, database: str, ids: Sequence[int], requests: int, threads: int
) -> RoutingReport:
    """Send :func:`routing_calls` and count, from each server's statement log, what ran where."""
    marks = (cluster.primary.log_size(), cluster.replica.log_size())
    started = time.monotonic()
    outcomes = run_calls(server, routing_calls(ids, requests), threads)
    seconds = time.monotonic() - started
    # Statements are logged as they start; every response is in, so every statement too,
    # but the logger may not have written the last lines yet.
    time.sleep(0.5)
    on_primary = cluster.primary.statements(database, marks[0])
    on_replica = cluster.replica.statements(database, marks[1])
    replica_log = cluster.replica.log_text(marks[1])
    return RoutingReport(
        requests=requests,
        seconds=seconds,
        reads_on_primary=sum(map(is_app_read, on_primary)),
        reads_on_replica=sum(map(is_app_read, on_replica)),
        writes_on_replica=sum(map(is_write, on_replica)),
        refused_on_replica=replica_log.count("in a read-only transaction"),
        read_your_writes_violations=sum(
            1
            for o in outcomes
            if o.call.path == "/posts" and o.call.form and o.status == 200 and not o.body["seen"]
        ),
        gets_on_primary=sum(
            1
            for o in outcomes
            if o.call.method == "GET" and o.status == 200 and not o.body["replica"]
        ),
        problems=problems(outcomes),
        lost=lost_writes(outcomes, cluster.primary.url(database)),
    )


@dataclasses.dataclass(frozen=True)
class Timeline:
    """Requests sent without pause while servers were stopped and started, and when that was.

    Times are :func:`time.monotonic` seconds, like :attr:`Outcome.started`.
    """

    outcomes: list[Outcome]
    events: dict[str, float]

    def between(self, start: str | None, end: str | None) -> list[Outcome]:
        """Outcomes of requests started after event ``start`` and before event ``end``."""
        low = self.events[start] if start else -math.inf
        high = self.events[end] if end else math.inf
        return [o for o in self.outcomes if low <= o.started < high]


def outage_run(
    server: Server,
    calls: Sequence[Call],
    threads: int,
    steps: Sequence[tuple[str, t.Callable[[], None], float]],
    *,
    timeout: float = REQUEST_TIMEOUT,
) -> Timeline:
    """Send ``calls`` round and round from ``threads`` threads while ``steps`` run in order.

    A ``title`` in a form gets the request's number appended, so that every write is new.

    Each step is ``(name, action, seconds)``: the action runs (stopping or starting a
    server) between events ``name + ":begin"`` and ``name``, then the load goes on for
    ``seconds``. The load stops after the last step.
    """
    stop = threading.Event()
    lock = threading.Lock()
    outcomes: list[Outcome] = []

    def client(offset: int) -> None:
        index = offset
        while not stop.is_set():
            call = calls[index % len(calls)]
            if call.form and "title" in call.form:
                # Each round writes new rows: titles are unique.
                call = Call(
                    call.method, call.path, {**call.form, "title": f"{call.form['title']}.{index}"}
                )
            index += threads
            started = time.monotonic()
            try:
                outcome = Outcome(
                    call, started, server.request(call.method, call.path, call.form, timeout)
                )
            except OSError as e:
                outcome = Outcome(call, started, None, f"client {type(e).__name__}")
            with lock:
                outcomes.append(outcome)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    events = {"start": time.monotonic()}
    for worker in workers:
        worker.start()
    try:
        for name, action, seconds in steps:
            events[f"{name}:begin"] = time.monotonic()
            action()
            events[name] = time.monotonic()
            time.sleep(seconds)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    events["end"] = time.monotonic()
    return Timeline(sorted(outcomes, key=lambda o: o.started), events)


@dataclasses.dataclass(frozen=True)
class BouncerReport:
    """A load through PgBouncer in transaction mode."""

    requests: int
    seconds: float
    problems: collections.Counter[str]
    #: Failed requests whose error names a prepared statement.
    prepared_statement_errors: int
    #: Server sessions of the database left "idle in transaction" after the run.
    idle_in_transaction: int
    #: PgBouncer's server connections still linked to a client after the run.
    servers_active: int
    lost: list[str]


def bouncer_calls(ids: Sequence[int], requests: int) -> list[Call]:
    """Statements repeated in and across transactions (what makes psycopg prepare them).

    In turn: five posts written with a commit each, one post read ten times in one
    transaction, one post read and a post written. psycopg prepares a statement on its
    sixth run on a connection, and forgets them all at a rollback (every request ends with
    one), so only repeats within a request count.
    """
    tag = f"{time.monotonic_ns()}"
    calls = []
    for i in range(requests):
        kind = i % 4
        if kind == 0:
            calls.append(Call("POST", "/batch", {"title": f"bounce-{tag}-{i}"}))
        elif kind == 1:
            calls.append(Call("GET", f"/posts/{ids[i % len(ids)]}/tenfold"))
        elif kind == 2:
            calls.append(Call("GET", f"/posts/{ids[i % len(ids)]}"))
        else:
            calls.append(Call("POST", "/posts", {"title": f"bounce-{tag}-{i}"}))
    return calls


def bouncer_run(
    server: Server,
    bouncer: PgBouncer,
    direct_url: str,
    ids: Sequence[int],
    requests: int,
    threads: int,
) -> BouncerReport:
    """Send :func:`bouncer_calls`; then count what is left open on PgBouncer and the server.

    :param direct_url: the database on the server itself, not through PgBouncer.
    """
    started = time.monotonic()
    outcomes = run_calls(server, bouncer_calls(ids, requests), threads)
    seconds = time.monotonic() - started
    found = problems(outcomes)
    prepared = sum(
        1 for o in outcomes if o.status != 200 and "prepared statement" in o.body.get("message", "")
    )
    database = sa.make_url(direct_url).database
    engine = sa.create_engine(direct_url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            idle = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :name"
                    " AND state LIKE 'idle in transaction%'"
                ),
                {"name": database},
            ).scalar_one()
    finally:
        engine.dispose()
    pools = [p for p in bouncer.show("POOLS") if p["database"] == database]
    return BouncerReport(
        requests=requests,
        seconds=seconds,
        problems=found,
        prepared_statement_errors=prepared,
        idle_in_transaction=idle,
        servers_active=sum(int(p["sv_active"]) for p in pools),
        lost=lost_writes(outcomes, direct_url),
    )
