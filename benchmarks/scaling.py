"""Scaling out on real servers: read replicas, forked workers, PgBouncer.

Run from the repository root (needs the ``test`` extra, PostgreSQL and PgBouncer)::

    python -m benchmarks.scaling --quick    # small counts, about two minutes
    python -m benchmarks.scaling            # the figures in docs/operations.md

It starts a PostgreSQL primary with a streaming replica, and PgBouncer in transaction
mode in front of the primary (``tests/_support``), then serves ``tests/_support/
scaling_app.py`` with ``gunicorn --preload`` and sends it requests from client threads.
Every figure is counted, on the servers where it can be (statement logs, PgBouncer's
console, ``pg_stat_activity``); the timing comparisons (with and without replicas, the
pool behind PgBouncer) alternate their variants round by round and report ratios.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import itertools
import json
import pstats
import statistics
import sys
import tempfile
import time
import typing as t
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import SQLAlchemy
from tests._support import gunicorn
from tests._support import pgbouncer
from tests._support import replica
from tests._support import scenarios
from tests._support.pgbouncer import PgBouncer
from tests._support.replica import Cluster

APP = "tests._support.scaling_app:app"
#: What docs/operations.md recommends for the primary.
PRIMARY_OPTIONS = {"pool_pre_ping": True, "pool_timeout": 5, "connect_args": {"connect_timeout": 3}}
RETRY_AFTER = 2.0
_names = itertools.count()


@contextlib.contextmanager
def served(
    cluster: Cluster, url: str, config: dict[str, t.Any], impl: str = "fss_compat", **kwargs: t.Any
) -> Iterator[gunicorn.Server]:
    settings = {"SQLALCHEMY_DATABASE_URI": url, **config}
    env = {"FSS_SCALING_IMPL": impl, "FSS_SCALING_CONFIG": json.dumps(settings)}
    with gunicorn.serving(APP, env, Path(tempfile.mkdtemp()), **kwargs) as server:
        yield server


def new_database(cluster: Cluster) -> str:
    name = f"bench_scaling_{next(_names)}"
    cluster.create_database(name)
    return name


def replicated(cluster: Cluster, name: str) -> dict[str, t.Any]:
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": PRIMARY_OPTIONS,
        "FSS_REPLICAS": [cluster.replica.url(name)],
        "FSS_REPLICA_OPTIONS": {"retry_after": RETRY_AFTER},
    }


def routing(cluster: Cluster, requests: int, rounds: int, cpu_requests: int = 500) -> None:
    print(f"\n== Routing: {requests} requests (75% show, 20% list, 4% write, 1% locked comment),")
    print("   gunicorn --preload -w 4, 8 client threads; statements counted in each server's log")
    name = new_database(cluster)
    with served(cluster, cluster.primary.url(name), replicated(cluster, name)) as server:
        ids = scenarios.seed_posts(cluster.primary.url(name), 100)
        cluster.wait_replayed()
        report = scenarios.routing_run(server, cluster, name, ids, requests, threads=8)
        loop = write_then_read(server, max(requests // 20, 20))
    print(
        f"  read statements: primary {report.reads_on_primary}, replica"
        f" {report.reads_on_replica} ({report.replica_share:.1%} on the replica);"
        f" GETs whose reads ran on the primary: {report.gets_on_primary}"
    )
    print(
        f"  writes on the replica: {report.writes_on_replica}, refused there:"
        f" {report.refused_on_replica}; read-your-writes violations:"
        f" {report.read_your_writes_violations}; failed requests: {dict(report.problems)};"
        f" lost writes: {len(report.lost)}"
    )
    print(
        f"  write-then-read loop ({loop['pairs']} pairs): own write missing in the writing"
        f" request {loop['same_request']}, in the next request {loop['next_request']}"
    )
    # Throughput and the app's own CPU, with and without replicas, in alternating rounds.
    rates: dict[bool, list[float]] = {True: [], False: []}
    for round_ in range(rounds):
        for with_replica in (True, False) if round_ % 2 == 0 else (False, True):
            name = new_database(cluster)
            # The same primary options (pre-ping included) on both sides.
            config = (
                replicated(cluster, name)
                if with_replica
                else {"SQLALCHEMY_ENGINE_OPTIONS": PRIMARY_OPTIONS}
            )
            with served(cluster, cluster.primary.url(name), config) as server:
                ids = scenarios.seed_posts(cluster.primary.url(name), 100)
                cluster.wait_replayed()
                run = scenarios.routing_run(server, cluster, name, ids, requests // 4, 8)
            rates[with_replica].append(run.requests / run.seconds)
    ratios = [a / b for a, b in zip(rates[True], rates[False], strict=True)]
    if ratios:
        print(
            f"  throughput with replicas / primary only, {rounds} alternating rounds of"
            f" {requests // 4} requests: median {statistics.median(ratios):.2f}"
            f" ({min(ratios):.2f} to {max(ratios):.2f}); both servers share the machine's cores"
        )
    cpu, calls = app_cpu(cluster, max(rounds * 2, 2), cpu_requests)
    print(
        "  app process CPU per request (five reads), with replicas / without, in-process:"
        f" median {statistics.median(cpu):.3f} ({min(cpu):.3f} to {max(cpu):.3f});"
        f" Python calls per request {calls[True]:.0f} / {calls[False]:.0f}"
        f" = {calls[True] / calls[False]:.3f}"
    )


def app_cpu(cluster: Cluster, rounds: int, requests: int) -> tuple[list[float], dict[bool, float]]:
    """Ratios of the app's CPU time per request with and without ``FSS_REPLICAS``.

    Flask's test client in this process, so that only the app's own work is timed
    (``time.process_time``), not the servers'. Rounds alternate the order. Also the
    Python function calls per request on each side (``cProfile``), which, unlike time, do
    not depend on what else the machine runs.
    """
    name = new_database(cluster)

    class Base(orm.DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "items"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)

    with cluster.primary.engine(name).begin() as conn:
        Base.metadata.create_all(conn)
        conn.execute(sa.insert(Item), [{"id": n} for n in range(1, 101)])
    cluster.wait_replayed()
    clients = {}
    engines: list[sa.Engine] = []
    for with_replica in (True, False):
        app = Flask(f"cpu_{with_replica}")
        app.config["SQLALCHEMY_DATABASE_URI"] = cluster.primary.url(name)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = PRIMARY_OPTIONS
        if with_replica:
            app.config["FSS_REPLICAS"] = [cluster.replica.url(name)]
        db = SQLAlchemy(app, model_class=Base)

        @app.get("/<int:n>")
        def show(n: int, db: SQLAlchemy = db) -> str:
            for step in range(5):
                db.session.get(Item, (n + step) % 100 + 1, populate_existing=True)
            return "ok"

        clients[with_replica] = app.test_client()
        with app.app_context():
            engines += [db.engine, *(e for s in db._replica_sets.values() for e in s.replicas)]
    for client in clients.values():
        for n in range(min(requests, 100)):
            client.get(f"/{n}")
    spent: dict[bool, list[float]] = {True: [], False: []}
    for round_ in range(rounds):
        for with_replica in (True, False) if round_ % 2 == 0 else (False, True):
            started = time.process_time()
            for n in range(requests):
                clients[with_replica].get(f"/{n}")
            spent[with_replica].append(time.process_time() - started)
    calls = {}
    for with_replica, client in clients.items():
        profile = cProfile.Profile()
        profile.enable()
        for n in range(requests):
            client.get(f"/{n}")
        profile.disable()
        calls[with_replica] = pstats.Stats(profile).total_calls / requests  # type: ignore[attr-defined]
    for engine in engines:
        engine.dispose()
    return [a / b for a, b in zip(spent[True], spent[False], strict=True)], calls


def write_then_read(server: gunicorn.Server, pairs: int) -> dict[str, int]:
    """One client: write a post, then fetch it in a new request; count what was missing."""
    same = following = 0
    tag = time.monotonic_ns()
    for n in range(pairs):
        written = server.post("/posts", {"title": f"loop-{tag}-{n}"})
        assert written.status == 200, written
        same += not written.body["seen"]
        following += server.get(f"/posts/{written.body['id']}").status == 404
    return {"pairs": pairs, "same_request": same, "next_request": following}


def outages(cluster: Cluster, seconds: float) -> None:
    print(f"\n== Outages: 4 client threads without pause, a server stopped for {seconds:.0f} s")
    name = new_database(cluster)
    with served(cluster, cluster.primary.url(name), replicated(cluster, name)) as server:
        ids = scenarios.seed_posts(cluster.primary.url(name), 100)
        cluster.wait_replayed()
        reads = [
            scenarios.Call("GET", f"/posts/{ids[n]}") if n % 4 else scenarios.Call("GET", "/posts")
            for n in range(40)
        ]
        timeline = scenarios.outage_run(
            server,
            reads,
            4,
            [
                ("warm", lambda: None, 1.0),
                ("stopped", cluster.replica.stop, seconds),
                ("restarted", cluster.replica.start, RETRY_AFTER + 3.0),
            ],
        )
        describe_replica_outage(timeline)
        cluster.wait_streaming()
        mixed = [
            scenarios.Call("POST", "/posts", {"title": f"outage-{n}"})
            if n % 3 == 0
            else scenarios.Call("GET", f"/posts/{ids[n]}")
            for n in range(60)
        ]
        timeline = scenarios.outage_run(
            server,
            mixed,
            4,
            [
                ("warm", lambda: None, 1.0),
                ("stopped", cluster.primary.stop, seconds),
                ("restarted", cluster.primary.start, 2.0),
            ],
        )
        describe_primary_outage(timeline)
        cluster.wait_streaming()


def describe_replica_outage(timeline: scenarios.Timeline) -> None:
    stopped, restarted = timeline.events["stopped:begin"], timeline.events["restarted"]
    failed = [o for o in timeline.outcomes if o.status != 200]
    during = timeline.between("stopped", "restarted:begin")
    after = timeline.between("restarted", None)
    back = [o.started - restarted for o in after if o.status == 200 and o.body["replica"]]
    workers_back: dict[int, float] = {}
    for o in after:
        if o.status == 200 and o.body["replica"]:
            workers_back.setdefault(o.body["worker"], o.started - restarted)
    print(f"  replica stopped: {len(timeline.outcomes)} requests in all, {len(failed)} failed")
    if failed:
        offsets = [o.started - stopped for o in failed]
        print(
            f"    failures started {min(offsets):.2f} to {max(offsets):.2f} s after the stop"
            f" began: {dict(scenarios.problems(failed))}"
        )
    on_primary = sum(1 for o in during if o.status == 200 and not o.body["replica"])
    print(f"    while it was down: {on_primary} of {len(during)} reads served by the primary")
    print(
        f"    after the restart: first read on the replica after {min(back, default=-1):.2f} s,"
        f" every worker back within {max(workers_back.values(), default=-1):.2f} s"
        f" (retry_after = {RETRY_AFTER} s)"
    )


def describe_primary_outage(timeline: scenarios.Timeline) -> None:
    during = timeline.between("stopped", "restarted:begin")
    writes = [o for o in during if o.call.method == "POST"]
    reads = [o for o in during if o.call.method == "GET"]
    answered = [o.reply.seconds for o in writes if o.reply]
    print(
        f"  primary stopped: writes {collections.Counter(o.status for o in writes)},"
        f" slowest {max(answered, default=0):.3f} s; reads"
        f" {collections.Counter(o.status for o in reads)}, on the replica:"
        f" {sum(1 for o in reads if o.status == 200 and o.body['replica'])}"
    )
    after = timeline.between("restarted", None)
    print(f"    after the restart: {collections.Counter(o.status for o in after)}")


def fork(cluster: Cluster, requests: int) -> None:
    print(f"\n== Fork: gunicorn --preload -w 4, {requests} requests (half writes), 8 threads")
    variants = [
        ("fss_compat", {}, "fss_compat (default)"),
        ("fss_compat", {"FSS_DISPOSE_AT_FORK": False}, "fss_compat, FSS_DISPOSE_AT_FORK=False"),
        ("flask_sqlalchemy", {}, "Flask-SQLAlchemy 3.1.1"),
    ]
    for impl, config, label in variants:
        name = new_database(cluster)
        url = cluster.primary.url(name)
        with served(cluster, url, config, impl) as server:
            report = scenarios.fork_run(server, url, requests, threads=8, timeout=5)
        failed = sum(report.problems.values())
        print(
            f"  {label}: workers {report.workers}, backends shared by several workers"
            f" {len(report.shared_backends)}, failed requests {failed}"
            f" {dict(report.problems.most_common(4))}, lost writes {len(report.lost)}"
        )


def bouncer(cluster: Cluster, proxy: PgBouncer, requests: int, rounds: int) -> None:
    print(
        f"\n== PgBouncer (transaction mode): {requests} requests, 32 client threads,"
        " gunicorn -w 4 --threads 8"
    )
    for label, config in (
        ("FSS_PGBOUNCER = 'transaction'", {"FSS_PGBOUNCER": "transaction"}),
        ("without it (psycopg defaults)", {}),
    ):
        name = new_database(cluster)
        with served(cluster, proxy.url(name), config, workers=4, threads=8) as server:
            ids = scenarios.seed_posts(cluster.primary.url(name), 50)
            report = scenarios.bouncer_run(
                server, proxy, cluster.primary.url(name), ids, requests, threads=32
            )
        print(
            f"  {label}: {report.requests / report.seconds:.0f} requests/s, prepared-statement"
            f" errors {report.prepared_statement_errors}, failed {sum(report.problems.values())}"
            f" {dict(report.problems.most_common(3))}, idle in transaction"
            f" {report.idle_in_transaction}, server connections still active"
            f" {report.servers_active}, lost writes {len(report.lost)}"
        )
    pools: dict[str, dict[str, t.Any]] = {
        "QueuePool + pre-ping (FSS_PGBOUNCER)": {},
        "QueuePool, no pre-ping": {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}},
        "NullPool": {"SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": "NullPool"}},
    }
    rates: dict[str, list[float]] = {label: [] for label in pools}
    order = list(pools)
    for round_ in range(rounds):
        for label in order if round_ % 2 == 0 else order[::-1]:
            name = new_database(cluster)
            config = {"FSS_PGBOUNCER": "transaction", **pools[label]}
            with served(cluster, proxy.url(name), config, workers=4, threads=8) as server:
                ids = scenarios.seed_posts(cluster.primary.url(name), 50)
                report = scenarios.bouncer_run(
                    server, proxy, cluster.primary.url(name), ids, requests // 4, threads=32
                )
                assert not report.problems, report.problems
                rates[label].append(report.requests / report.seconds)
    base = rates[order[0]]
    print(f"  pool choice, {rounds} alternating rounds of {requests // 4} requests:")
    for label in order:
        ratios = [r / b for r, b in zip(rates[label], base, strict=True)]
        print(
            f"    {label:38} median {statistics.median(rates[label]):5.0f} requests/s,"
            f" ratio to the first {statistics.median(ratios):.2f}"
            f" ({min(ratios):.2f} to {max(ratios):.2f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Small counts (CI smoke).")
    args = parser.parse_args(argv)
    cluster = replica.start_cluster_or_skip()
    proxy = pgbouncer.start_or_skip(cluster.primary.port, pool_size=10)
    try:
        routing(cluster, 400 if args.quick else 8000, 2 if args.quick else 4)
        outages(cluster, 2.0 if args.quick else 5.0)
        fork(cluster, 80 if args.quick else 2000)
        bouncer(cluster, proxy, 400 if args.quick else 8000, 2 if args.quick else 5)
    finally:
        proxy.stop()
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
