"""Throughput of the same Flask app on Flask-SQLAlchemy 3.1.1 and on fss_compat.

Run from the repository root (needs the ``test`` extra)::

    python -m benchmarks.bench --quick            # under a minute, SQLite
    python -m benchmarks.bench                    # longer, SQLite and PostgreSQL

Each workload is a view driven through Flask's test client. Rounds alternate between the
two implementations (A B, B A, A B, ...) so drift and order affect both alike; the ratio
per round is fss_compat's requests/second over Flask-SQLAlchemy's, and the report gives
its median and range. It also counts SQL statements per request (fss_compat must never issue more),
and measures import time and memory growth over many requests. The last line is the
geometric mean of the median ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import math
import os
import statistics
import subprocess
import sys
import time
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask.testing import FlaskClient

from benchmarks._databases import postgresql_databases
from benchmarks._databases import sqlite_files

IMPLEMENTATIONS = ("flask_sqlalchemy", "fss_compat")
ROWS = 200


@dataclasses.dataclass
class Side:
    """One implementation's app, client and engines."""

    name: str
    app: Flask
    client: FlaskClient
    db: t.Any


def build(name: str, url: str, bind_url: str, *, record: bool = False) -> Side:
    """The benchmark app on implementation ``name``, with ``ROWS`` items and audit rows.

    :param record: turn ``SQLALCHEMY_RECORD_QUERIES`` on.
    """
    module = importlib.import_module(name)

    class Base(orm.DeclarativeBase):
        pass

    db = module.SQLAlchemy(model_class=Base)

    class Item(db.Model):  # type: ignore[name-defined, misc]
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        name: orm.Mapped[str] = orm.mapped_column(sa.String(40), index=True)

    class Audit(db.Model):  # type: ignore[name-defined, misc]
        __bind_key__ = "audit"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        what: orm.Mapped[str] = orm.mapped_column(sa.String(40))

    app = Flask(f"bench_{name}")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_BINDS"] = {"audit": bind_url}
    app.config["SQLALCHEMY_RECORD_QUERIES"] = record
    db.init_app(app)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all(Item(name=f"item{n}") for n in range(ROWS))
        db.session.add(Audit(what="start"))
        db.session.commit()

    @app.get("/session")
    def touch_session() -> str:
        db.session()
        return ""

    @app.get("/get/<int:ident>")
    def get(ident: int) -> str:
        return db.get_or_404(Item, ident).name  # type: ignore[no-any-return]

    @app.get("/page")
    def page() -> str:
        return str(len(db.paginate(sa.select(Item).order_by(Item.id), page=5, per_page=20).items))

    @app.get("/query")
    def query() -> str:
        return Item.query.filter_by(name="item7").first().name  # type: ignore[no-any-return]

    @app.post("/insert")
    def insert() -> str:
        db.session.add(Item(name="new"))
        db.session.commit()
        return ""

    @app.get("/ten")
    def ten() -> str:
        return str(sum(db.session.get(Item, n, populate_existing=True).id for n in range(1, 11)))

    @app.get("/binds")
    def binds() -> str:
        item = db.session.get(Item, 3)
        audit = db.session.scalars(sa.select(Audit).limit(1)).first()
        return f"{item.name} {audit.what}"

    return Side(name, app, app.test_client(), db)


WORKLOADS: dict[str, tuple[str, str, int]] = {
    # name: (method, path, expected status); a name ending "(recorded)" runs on apps built
    # with SQLALCHEMY_RECORD_QUERIES on.
    "session only": ("GET", "/session", 200),
    "get_or_404 hit": ("GET", "/get/5", 200),
    "get_or_404 miss": ("GET", "/get/99999", 404),
    "paginate page 5 + count": ("GET", "/page", 200),
    "Model.query.filter_by().first()": ("GET", "/query", 200),
    "insert + commit": ("POST", "/insert", 200),
    "two binds": ("GET", "/binds", 200),
    # Ten statements in one request: Flask-SQLAlchemy finds the engine again for each one.
    "10 queries": ("GET", "/ten", 200),
    "10 queries (recorded)": ("GET", "/ten", 200),
}


def run(side: Side, method: str, path: str, status: int, n: int) -> float:
    """Requests per second for ``n`` requests."""
    open_ = side.client.open
    start = time.perf_counter()
    for _ in range(n):
        response = open_(path, method=method)
        if response.status_code != status:
            raise AssertionError(f"{side.name} {method} {path}: {response.status_code}")
    return n / (time.perf_counter() - start)


def statements(side: Side, method: str, path: str) -> int:
    """SQL statements one request issues (all engines of the app)."""
    count = 0

    def listener(*args: t.Any) -> None:
        nonlocal count
        count += 1

    with side.app.app_context():
        engines = list(side.db.engines.values())
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        side.client.open(path, method=method)
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", listener)
    return count


@dataclasses.dataclass
class Result:
    workload: str
    ratios: list[float]
    statements: dict[str, int]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)


def compare(url: str, bind_url: str, rounds: int, n: int) -> list[Result]:
    plain = {name: build(name, url, bind_url) for name in IMPLEMENTATIONS}
    recording = {name: build(name, url, bind_url, record=True) for name in IMPLEMENTATIONS}
    results = []
    for workload, (method, path, status) in WORKLOADS.items():
        sides = recording if workload.endswith("(recorded)") else plain
        counts = {name: statements(side, method, path) for name, side in sides.items()}
        for side in sides.values():
            run(side, method, path, status, max(n // 10, 20))  # warm up
        ratios = []
        for round_ in range(rounds):
            rates = {}
            # A B, then B A: whichever runs second in a round (warmer caches, a later
            # moment on a shared machine) is each implementation in turn.
            for name in IMPLEMENTATIONS if round_ % 2 == 0 else IMPLEMENTATIONS[::-1]:
                gc.collect()
                rates[name] = run(sides[name], method, path, status, n)
            ratios.append(rates["fss_compat"] / rates["flask_sqlalchemy"])
        results.append(Result(workload, ratios, counts))
    for side in [*plain.values(), *recording.values()]:
        with side.app.app_context():
            for engine in side.db.engines.values():
                engine.dispose()
    return results


def import_time(name: str, repeat: int) -> float:
    """Median seconds to import ``name`` in a fresh interpreter (Flask and SQLAlchemy preloaded).

    Both sides import from bytecode caches, as installed packages do: writing them is
    allowed, and a first, untimed run writes any that are missing.
    """
    code = (
        "import time, flask, sqlalchemy, sqlalchemy.orm;"
        f"t = time.perf_counter(); import {name}; print(time.perf_counter() - t)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def once() -> float:
        command = [sys.executable, "-c", code]
        out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
        return float(out.stdout)

    once()
    return statistics.median(once() for _ in range(repeat))


def memory_growth(name: str, requests: int) -> float:
    """KiB still allocated after ``requests`` requests, beyond after the first 100."""
    code = f"""
import tracemalloc, tempfile, os
from benchmarks.bench import build
folder = tempfile.mkdtemp()
side = build({name!r}, f"sqlite:///{{folder}}/a.db", f"sqlite:///{{folder}}/b.db")
for _ in range(100):
    side.client.get("/get/5")
tracemalloc.start()
before = tracemalloc.take_snapshot()
for _ in range({requests}):
    side.client.get("/get/5")
import gc; gc.collect()
after = tracemalloc.take_snapshot()
print(sum(s.size_diff for s in after.compare_to(before, "filename")) / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def report(backend: str, results: list[Result]) -> None:
    print(f"\n{backend}: throughput ratio fss_compat / Flask-SQLAlchemy (>1 = fss_compat faster)")
    print(f"  {'workload':34} {'median':>7} {'min':>6} {'max':>6}   SQL statements (FSA / fss)")
    for r in results:
        fsa, ours = r.statements["flask_sqlalchemy"], r.statements["fss_compat"]
        flag = "" if ours <= fsa else "  MORE STATEMENTS"
        print(
            f"  {r.workload:34} {r.median:7.2f} {min(r.ratios):6.2f} {max(r.ratios):6.2f}"
            f"   {fsa} / {ours}{flag}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="SQLite only, fewer rounds.")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--requests", type=int, default=None, help="Requests per round.")
    args = parser.parse_args(argv)
    rounds = args.rounds or (4 if args.quick else 10)
    n = args.requests or (300 if args.quick else 1000)
    all_results: list[Result] = []
    with sqlite_files() as (url, bind_url):
        results = compare(url, bind_url, rounds, n)
        report("SQLite (file)", results)
        all_results += results
    if not args.quick:
        with postgresql_databases() as urls:
            if urls is not None:
                results = compare(*urls, rounds, n)
                report("PostgreSQL", results)
                all_results += results
        for name in IMPLEMENTATIONS:
            print(f"import {name}: {import_time(name, 5) * 1000:.1f} ms")
            growth = memory_growth(name, 10_000)
            print(f"memory growth after 10,000 requests ({name}): {growth:.1f} KiB")
    more = [
        r.workload
        for r in all_results
        if r.statements["fss_compat"] > r.statements["flask_sqlalchemy"]
    ]
    geomean = math.exp(statistics.fmean(math.log(r.median) for r in all_results))
    print(f"\ngeometric mean throughput ratio fss_compat / Flask-SQLAlchemy: {geomean:.2f}")
    return 1 if more else 0


if __name__ == "__main__":
    sys.exit(main())
