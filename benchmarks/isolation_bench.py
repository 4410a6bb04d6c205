"""Per-test isolation against the usual alternatives: one suite, three ways to reset, one run.

Run from the repository root (needs the ``test`` extra)::

    python -m benchmarks.isolation_bench              # 200 tests, SQLite file and PostgreSQL
    python -m benchmarks.isolation_bench --smoke      # 10 tests, SQLite only (the CI smoke run)

The suite is a blog app's 200 tests (8 tables on two binds, as ``examples/blog`` grown a
little). Each test adds its own fixture rows through the session, posts a comment through
the test client (a view that commits) and reads a page. Between tests the databases are
reset in one of three ways:

* ``rollback``: :func:`fss_compat.testing.isolate` around each test (tables created once);
* ``create/drop``: ``db.create_all()`` before and ``db.drop_all()`` after each test;
* ``truncate``: tables created once, every table emptied after each test (``DELETE`` on
  SQLite, one ``TRUNCATE ... RESTART IDENTITY`` per bind on PostgreSQL);
* ``no reset``: the tests alone (rows pile up), the baseline the reset cost is taken from.

Rounds alternate the order of the ways (A B C D, D C B A, ...), so drift on the machine
affects all alike. The report gives each way's median milliseconds per test, then the
ratios against ``rollback``: of whole tests (median of the per-round ratios), and of the
reset alone (each way's median minus the baseline's).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import statistics
import sys
import time
import typing as t
from collections.abc import Callable

import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from benchmarks._databases import postgresql_databases
from benchmarks._databases import sqlite_files
from fss_compat import SQLAlchemy
from fss_compat.testing import isolate

WAYS = ("rollback", "create/drop", "truncate", "no reset")
#: The ways compared with ``rollback`` in the ratio table.
COMPARED = ("create/drop", "truncate")


@dataclasses.dataclass
class Blog:
    """The app, its ``db`` and its models."""

    app: Flask
    db: SQLAlchemy
    models: dict[str, type[t.Any]]


def build(url: str, audit_url: str) -> Blog:
    """The benchmark's blog on ``url`` (7 tables) and ``audit_url`` (1 table), tables absent."""

    class Base(orm.DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)
    Model: t.Any = db.Model
    fk = sa.ForeignKey

    class User(Model):
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(80), unique=True, nullable=False)

    class Profile(Model):
        id = sa.Column(sa.Integer, primary_key=True)
        user_id = sa.Column(sa.Integer, fk("user.id"), index=True)
        bio = sa.Column(sa.Text, default="")

    class Post(Model):
        id = sa.Column(sa.Integer, primary_key=True)
        author_id = sa.Column(sa.Integer, fk("user.id"), index=True)
        title = sa.Column(sa.String(200), nullable=False)
        body = sa.Column(sa.Text, default="")

    class Tag(Model):
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(40), unique=True)

    class PostTag(Model):
        post_id = sa.Column(sa.Integer, fk("post.id"), primary_key=True)
        tag_id = sa.Column(sa.Integer, fk("tag.id"), primary_key=True)

    class Comment(Model):
        id = sa.Column(sa.Integer, primary_key=True)
        post_id = sa.Column(sa.Integer, fk("post.id"), index=True)
        body = sa.Column(sa.Text, nullable=False)

    class Like(Model):
        id = sa.Column(sa.Integer, primary_key=True)
        comment_id = sa.Column(sa.Integer, fk("comment.id"), index=True)
        user_id = sa.Column(sa.Integer, fk("user.id"), index=True)

    class Audit(Model):
        __bind_key__ = "audit"
        id = sa.Column(sa.Integer, primary_key=True)
        what = sa.Column(sa.String(200), nullable=False)

    app = Flask("isolation_bench")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_BINDS"] = {"audit": audit_url}
    db.init_app(app)

    @app.post("/posts/<int:post_id>/comments")
    def comment(post_id: int) -> str:
        db.session.add(Comment(post_id=post_id, body="Nice"))
        db.session.add(Audit(what=f"comment on {post_id}"))
        db.session.commit()
        return "ok"

    @app.get("/posts/<int:post_id>")
    def show(post_id: int) -> str:
        post = db.get_or_404(Post, post_id)
        comments = db.session.scalars(sa.select(Comment).filter_by(post_id=post_id)).all()
        return f"{post.title}: {len(comments)}"

    names = ["User", "Profile", "Post", "Tag", "PostTag", "Comment", "Like", "Audit"]
    classes = [User, Profile, Post, Tag, PostTag, Comment, Like, Audit]
    return Blog(app, db, dict(zip(names, classes, strict=True)))


def one_test(blog: Blog, n: int) -> None:
    """One test of the suite: its fixture rows, a view that commits, a view that reads."""
    m, db = blog.models, blog.db
    with blog.app.app_context():
        user = m["User"](name=f"user{n}")
        post = m["Post"](author_id=None, title=f"Post {n}")
        db.session.add_all([user, post, m["Tag"](name=f"tag{n}")])
        db.session.flush()
        post.author_id = user.id
        db.session.add(m["Profile"](user_id=user.id))
        db.session.commit()
        post_id = post.id
    client = blog.app.test_client()
    assert client.post(f"/posts/{post_id}/comments").status_code == 200
    assert client.get(f"/posts/{post_id}").get_data(as_text=True) == f"Post {n}: 1"


def _truncate(blog: Blog) -> None:
    with blog.app.app_context():
        for key, engine in blog.db.engines.items():
            tables = blog.db.metadatas[key].sorted_tables
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    names = ", ".join(f'"{table.name}"' for table in tables)
                    connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(tables):
                        connection.execute(table.delete())


def run_suite(blog: Blog, way: str, tests: int) -> float:
    """Seconds to run ``tests`` tests resetting the ``way`` way; tables exist before and after."""
    with blog.app.app_context():
        blog.db.drop_all()
        if way != "create/drop":
            blog.db.create_all()
    gc.collect()
    start = time.perf_counter()
    for n in range(tests):
        if way == "rollback":
            with isolate(blog.app):
                one_test(blog, n)
        elif way == "create/drop":
            with blog.app.app_context():
                blog.db.create_all()
            one_test(blog, n)
            with blog.app.app_context():
                blog.db.drop_all()
        elif way == "truncate":
            one_test(blog, n)
            _truncate(blog)
        else:
            one_test(blog, n)
    return time.perf_counter() - start


@dataclasses.dataclass
class Result:
    """Seconds per suite, per way, one entry per round."""

    backend: str
    tests: int
    seconds: dict[str, list[float]]

    def per_test_ms(self, way: str) -> float:
        return statistics.median(self.seconds[way]) / self.tests * 1000

    def ratio(self, way: str) -> float:
        """Median over rounds of (``way``'s time / rollback's time): how many times faster."""
        pairs = zip(self.seconds[way], self.seconds["rollback"], strict=True)
        return statistics.median(slow / fast for slow, fast in pairs)

    def reset_ms(self, way: str) -> float:
        """Milliseconds per test the reset costs: ``way``'s median minus the baseline's."""
        return self.per_test_ms(way) - self.per_test_ms("no reset")

    def reset_ratio(self, way: str) -> str:
        """How many times ``way``'s reset costs rollback's (n/a when rollback's is noise)."""
        rollback = self.reset_ms("rollback")
        return f"{self.reset_ms(way) / rollback:.1f}x" if rollback > 0 else "n/a"


def measure(backend: str, urls: tuple[str, str], rounds: int, tests: int) -> Result:
    blog = build(*urls)
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    run_suite(blog, "rollback", max(tests // 10, 5))  # warm up
    for round_ in range(rounds):
        for way in WAYS if round_ % 2 == 0 else WAYS[::-1]:
            seconds[way].append(run_suite(blog, way, tests))
    with blog.app.app_context():
        blog.db.drop_all()
        for engine in blog.db.engines.values():
            engine.dispose()
    return Result(backend, tests, seconds)


def table(results: list[Result]) -> str:
    """The docs' tables: ms per test each way; ratios to rollback, whole tests and reset only."""
    lines = [
        "| Backend | Tests | " + " | ".join(f"{way} (ms/test)" for way in WAYS) + " |",
        "|---" * (len(WAYS) + 2) + "|",
    ]
    for r in results:
        cells = [f"{r.per_test_ms(way):.1f}" for way in WAYS]
        lines.append(f"| {r.backend} | {r.tests} | " + " | ".join(cells) + " |")
    heads = [f"{way} ÷ rollback, {what}" for way in COMPARED for what in ("tests", "resets")]
    lines += ["", "| Backend | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
    for r in results:
        cells = [c for way in COMPARED for c in (f"{r.ratio(way):.1f}x", r.reset_ratio(way))]
        lines.append(f"| {r.backend} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="10 tests, 1 round, SQLite only.")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--tests", type=int, default=None, help="Tests per suite (200).")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.smoke else 3)
    tests = args.tests or (10 if args.smoke else 200)
    results = []
    with sqlite_files() as urls:
        results.append(measure("SQLite (file)", urls, rounds, tests))
    if not args.smoke:
        with postgresql_databases() as pg_urls:
            if pg_urls is not None:
                results.append(measure("PostgreSQL", pg_urls, rounds, tests))
    out(f"{rounds} rounds of a {tests}-test suite, ways in alternating order\n")
    out(table(results))
    return results


if __name__ == "__main__":
    main()
    sys.exit(0)
