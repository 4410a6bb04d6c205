"""Session lifecycle: one state machine drives both sides with the same operations.

Each side has one ``db`` registered on two apps, each app with its own new SQLite
database: app 0 with ``SQLALCHEMY_TRACK_MODIFICATIONS`` and ``SQLALCHEMY_RECORD_QUERIES``
on, app 1 with both off. Each side also has its own :mod:`contextvars` context, so the
app contexts it pushes stack up apart from the other side's. Every rule runs on both
sides and compares what it returned or raised; after every step an invariant compares
the committed rows in every database, which pushed contexts share a session, the current
session's new/dirty/deleted objects, the modification signals received so far and the
queries recorded in the current context.

The databases are files, not in-memory: in-memory SQLite is one connection shared by
every session (``StaticPool``), so one context's rollback would undo another's work and
end its savepoints, and which teardown then fails would depend on garbage collection.
With files (in write-ahead-log mode) each session has its own connection, as on a real
server; a write lock another session holds fails at once (``timeout=0``) rather than
after five seconds.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import os
import shutil
import sqlite3
import tempfile
import typing as t
from collections.abc import Callable

import hypothesis
import hypothesis.stateful as stateful
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask import request

from tests._support.implementations import Impl
from tests._support.properties import IMPLS
from tests._support.properties import Outcome
from tests._support.properties import observe
from tests.property import strategies

_T = t.TypeVar("_T")
_Signal = tuple[int, str, tuple[tuple[str, object, str], ...]]


def _without_fsync(connection: sqlite3.Connection, record: object) -> None:
    # Durability is not under test; waiting for the disk at each commit would triple the
    # machine's run time.
    connection.execute("PRAGMA synchronous=OFF")


class _Side:
    """One implementation's apps, databases, pushed contexts and what it has seen."""

    def __init__(self, impl: Impl, folder: str) -> None:
        self.impl = impl
        self.paths = [os.path.join(folder, f"{impl.name}_{number}.db") for number in range(2)]
        for path in self.paths:
            # Write-ahead logging: readers (the observers) never wait for a writer.
            with contextlib.closing(sqlite3.connect(path)) as connection:
                connection.execute("PRAGMA journal_mode=WAL")
        # Flask keeps the current context in context variables: each side pushes and
        # pops its own, in a context of its own.
        self.context = contextvars.copy_context()
        self.db = db = impl.SQLAlchemy()

        class Item(db.Model):
            id = orm.mapped_column(sa.Integer, primary_key=True)
            name = orm.mapped_column(sa.String(8))

        self.Item = Item
        self._ids = itertools.count(1)
        self.apps = [self._make_app(impl, number) for number in range(2)]
        self.stack: list[t.Any] = []
        # Per pushed context, the session it last had; sessions by order of first sight.
        self.labels: list[int] = []
        self.sessions: list[orm.Session] = []
        # Every model object this side handed out, by order of first sight.
        self.objects: list[t.Any] = []
        self.signals: list[_Signal] = []
        self.record_queries = impl.shim("record_queries")
        track = impl.shim("track_modifications")
        self._receivers = [
            (signal, app, self._receiver(number, name))
            for number, app in enumerate(self.apps)
            for signal, name in (
                (track.before_models_committed, "before"),
                (track.models_committed, "after"),
            )
        ]
        for signal, app, receiver in self._receivers:
            signal.connect(receiver, sender=app, weak=False)
        self.engines = [self.run(functools.partial(self._create, app)) for app in self.apps]
        # Driver connections in autocommit mode, outside the apps: each read sees the
        # last commit, holds nothing afterwards, and is not recorded.
        self.observers = [
            sqlite3.connect(path, timeout=0, isolation_level=None) for path in self.paths
        ]

    def _make_app(self, impl: Impl, number: int) -> Flask:
        app = Flask(f"fss_lifecycle_{impl.name}_{number}")
        app.config.update(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{self.paths[number]}",
            SQLALCHEMY_ENGINE_OPTIONS={"poolclass": sa.NullPool, "connect_args": {"timeout": 0}},
            SQLALCHEMY_TRACK_MODIFICATIONS=number == 0,
            SQLALCHEMY_RECORD_QUERIES=number == 0,
            TESTING=True,
        )
        self.db.init_app(app)
        app.add_url_rule("/boom", view_func=self._boom)
        app.add_url_rule("/add", view_func=self._add)
        return app

    def _create(self, app: Flask) -> sa.engine.Engine:
        with app.app_context():
            engine = t.cast(sa.engine.Engine, self.db.engine)
            sa.event.listen(engine, "connect", _without_fsync)
            self.db.create_all()
            return engine

    def _boom(self) -> str:
        self.db.session.add(self.new_item("boom"))
        self.db.session.flush()
        raise ValueError("the view failed after a flush")

    def _add(self) -> str:
        item = self.new_item(request.args["name"])
        self.db.session.add(item)
        self.db.session.commit()
        return str(item.id)

    def new_item(self, name: str) -> t.Any:
        # Explicit keys: SQLAlchemy flushes pending objects whose insertion order ties
        # (an expunged one's place reused) in any order, so generated keys would differ.
        return self.Item(id=next(self._ids), name=name)

    def _receiver(self, number: int, name: str) -> Callable[..., None]:
        def receive(sender: Flask, *, changes: list[tuple[t.Any, str]]) -> None:
            seen = (
                (type(obj).__name__, sa.inspect(obj).identity, operation)
                for obj, operation in changes
            )
            self.signals.append((number, name, tuple(sorted(seen, key=repr))))

        return receive

    def run(self, call: Callable[[], _T]) -> _T:
        """Call ``call`` with this side's Flask contexts current."""
        return self.context.run(call)

    def push(self, context: t.Any) -> None:
        context.push()
        self.stack.append(context)
        self.labels.append(-1)

    def pop(self) -> None:
        self.labels.pop()
        self.stack.pop().pop()

    def key(self, obj: t.Any) -> int:
        """The object's position in :attr:`objects`, adding it when first seen."""
        for position, known in enumerate(self.objects):
            if known is obj:
                return position
        self.objects.append(obj)
        return len(self.objects) - 1

    def rows(self) -> list[list[tuple[t.Any, ...]]]:
        """The committed rows of each app's database."""
        query = "SELECT id, name FROM item ORDER BY id"
        return [[tuple(row) for row in observer.execute(query)] for observer in self.observers]

    def state(self) -> dict[str, object]:
        """What a user can see now, as plain values."""
        state: dict[str, object] = {"rows": self.rows(), "signals": list(self.signals)}
        if not self.stack:
            return state
        session = self.db.session()
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        self.labels[-1] = next(i for i, known in enumerate(self.sessions) if known is session)
        state["sessions"] = tuple(self.labels)
        for name in ("new", "dirty", "deleted"):
            state[name] = {self.key(obj) for obj in getattr(session, name)}
        queries = self.record_queries.get_recorded_queries()
        state["recorded"] = [query.statement for query in queries]
        return state

    def close(self) -> list[Outcome]:
        """Pop the contexts still pushed (what each pop did), then release everything."""
        popped = []
        try:
            while self.stack:
                popped.append(observe(self.pop))
        finally:
            for signal, app, receiver in self._receivers:
                signal.disconnect(receiver, sender=app)
            for observer, engine in zip(self.observers, self.engines, strict=True):
                observer.close()
                engine.dispose()
        return popped


# The loaded profile's settings: without them Hypothesis would run a state machine with
# every health check suppressed.
@hypothesis.settings()
class SessionLifecycle(stateful.RuleBasedStateMachine):
    """The same random operations on both sides; what they return and show must match."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="fss-lifecycle-")
        self.sides: list[_Side] = []
        for impl in IMPLS:
            self.sides.append(_Side(impl, self.folder))

    def teardown(self) -> None:
        try:
            upstream, ours = (side.run(side.close) for side in self.sides)
            assert ours == upstream
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _each(self, operation: Callable[[_Side], object]) -> None:
        """Run ``operation`` on every side; what it returns or raises must be equal."""
        upstream, ours = (
            side.run(functools.partial(observe, functools.partial(operation, side)))
            for side in self.sides
        )
        assert ours == upstream

    @property
    def depth(self) -> int:
        return len(self.sides[0].stack)

    def _in_context(self) -> bool:
        return self.depth > 0

    def _has_objects(self) -> bool:
        return bool(self.sides[0].objects)

    # Contexts

    @stateful.rule(app=strategies.app_numbers())
    def push_app_context(self, app: int) -> None:
        self._each(lambda side: side.push(side.apps[app].app_context()))

    @stateful.rule(app=strategies.app_numbers())
    def push_request_context(self, app: int) -> None:
        self._each(lambda side: side.push(side.apps[app].test_request_context()))

    @stateful.precondition(_in_context)
    @stateful.rule()
    def pop_context(self) -> None:
        self._each(lambda side: side.pop())

    @stateful.rule(app=strategies.app_numbers())
    def request_that_raises(self, app: int) -> None:
        self._each(lambda side: side.apps[app].test_client().get("/boom").status_code)

    @stateful.rule(app=strategies.app_numbers(), name=strategies.item_names())
    def request_that_commits(self, app: int, name: str) -> None:
        def request(side: _Side) -> int:
            client = side.apps[app].test_client()
            return client.get("/add", query_string={"name": name}).status_code

        self._each(request)

    @stateful.rule(app=strategies.app_numbers())
    def toggle_tracking(self, app: int) -> None:
        def toggle(side: _Side) -> None:
            config = side.apps[app].config
            config["SQLALCHEMY_TRACK_MODIFICATIONS"] = not config["SQLALCHEMY_TRACK_MODIFICATIONS"]

        self._each(toggle)

    @stateful.precondition(lambda self: self.depth == 0)
    @stateful.rule()
    def session_outside_context(self) -> None:
        self._each(lambda side: side.db.session.add(side.new_item("out")))

    # The session

    @stateful.precondition(_in_context)
    @stateful.rule(name=strategies.item_names())
    def add(self, name: str) -> None:
        def add(side: _Side) -> int:
            item = side.new_item(name)
            side.db.session.add(item)
            return side.key(item)

        self._each(add)

    @stateful.precondition(_in_context)
    @stateful.rule()
    def flush(self) -> None:
        self._each(lambda side: side.db.session.flush())

    @stateful.precondition(_in_context)
    @stateful.rule()
    def commit(self) -> None:
        self._each(lambda side: side.db.session.commit())

    @stateful.precondition(_in_context)
    @stateful.rule()
    def rollback(self) -> None:
        self._each(lambda side: side.db.session.rollback())

    @stateful.precondition(_in_context)
    @stateful.rule()
    def begin_nested(self) -> None:
        self._each(lambda side: side.db.session.begin_nested() and None)

    @stateful.precondition(_in_context)
    @stateful.rule()
    def remove(self) -> None:
        self._each(lambda side: side.db.session.remove())

    @stateful.precondition(lambda self: self._in_context() and self._has_objects())
    @stateful.rule(index=strategies.object_indices())
    def delete(self, index: int) -> None:
        self._each(lambda side: side.db.session.delete(side.objects[index % len(side.objects)]))

    @stateful.precondition(lambda self: self._in_context() and self._has_objects())
    @stateful.rule(index=strategies.object_indices())
    def expunge(self, index: int) -> None:
        self._each(lambda side: side.db.session.expunge(side.objects[index % len(side.objects)]))

    @stateful.precondition(_has_objects)
    @stateful.rule(index=strategies.object_indices(), name=strategies.item_names())
    def rename(self, index: int, name: str) -> None:
        def rename(side: _Side) -> None:
            side.objects[index % len(side.objects)].name = name

        self._each(rename)

    @stateful.precondition(_in_context)
    @stateful.rule()
    def query(self) -> None:
        def query(side: _Side) -> list[tuple[int, int, str]]:
            items = side.db.session.execute(sa.select(side.Item).order_by(side.Item.id)).scalars()
            return [(side.key(item), item.id, item.name) for item in items]

        self._each(query)

    @stateful.precondition(_in_context)
    @stateful.rule()
    def legacy_query(self) -> None:
        def query(side: _Side) -> list[tuple[int, int, str]]:
            items = side.Item.query.order_by(side.Item.id).all()
            return [(side.key(item), item.id, item.name) for item in items]

        self._each(query)

    @stateful.precondition(_in_context)
    @stateful.rule(ident=strategies.object_indices())
    def get(self, ident: int) -> None:
        def get(side: _Side) -> tuple[int, str] | None:
            item = side.db.session.get(side.Item, ident % 8)
            return None if item is None else (side.key(item), item.name)

        self._each(get)

    @stateful.invariant()
    def same_observable_state(self) -> None:
        upstream, ours = (side.run(functools.partial(observe, side.state)) for side in self.sides)
        assert ours == upstream


TestSessionLifecycle = SessionLifecycle.TestCase
