"""Scenarios of 2.x's session: its scope, the app it uses, signals, recording, teardown."""

from __future__ import annotations

import os
import threading
import typing as t
from pathlib import Path

import sqlalchemy as sa

from tests._support.v2_scenarios import make_app
from tests._support.v2_scenarios import outcome
from tests._support.v2_scenarios import scenario


@scenario
def app_bound(fsa: t.Any, tmp: Path) -> t.Any:
    """With ``SQLAlchemy(app)`` everything works without an app context; without, nothing."""
    app = make_app()
    db = fsa.SQLAlchemy(app)

    class Todo(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        title = sa.Column(sa.String)

    db.create_all()
    db.session.add(Todo(title="a"))
    db.session.commit()
    seen: dict[str, t.Any] = {
        "query": [todo.title for todo in Todo.query.all()],
        "engine": str(db.engine.url),
        "repr": repr(db),
        "session app": db.session().app is app,
    }
    other = make_app("other_app")
    unbound = fsa.SQLAlchemy()
    unbound.init_app(other)

    class Foo(unbound.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    seen["unbound"] = {
        "query": outcome(lambda: Foo.query),
        "session": outcome(lambda: unbound.session()),
        "engine": outcome(lambda: unbound.engine),
        "create_all": outcome(lambda: unbound.create_all()),
        "repr": repr(unbound),
    }
    unbound.session.remove()
    seen["create_all(app=...)"] = outcome(lambda: unbound.create_all(app=other))
    with other.app_context():
        unbound.session.add(Foo())
        unbound.session.commit()
        seen["in a context"] = [Foo.query.count(), repr(unbound)]
    return seen


@scenario
def session_scope(fsa: t.Any, tmp: Path) -> t.Any:
    """One session per thread, shared by nested app contexts, removed at each teardown."""
    app = make_app()
    db = fsa.SQLAlchemy(app)
    outside = db.session()
    with app.app_context():
        first = db.session()
        with app.app_context():
            nested = db.session()
        after_nested = db.session()
    after = db.session()
    in_thread: list[t.Any] = []
    thread = threading.Thread(target=lambda: in_thread.append(db.session()))
    thread.start()
    thread.join()
    scoped = fsa.SQLAlchemy(make_app(), session_options={"scopefunc": lambda: id(dict())})
    options = fsa.SQLAlchemy(make_app(), session_options={"expire_on_commit": False})
    return {
        "outside is first": outside is first,
        "nested shares": nested is first,
        "after nested teardown": after_nested is first,
        "after teardown": after is after_nested,
        "other thread": in_thread[0] is after,
        "scopefunc": scoped.session() is scoped.session(),
        "expire_on_commit": options.session().expire_on_commit,
        "class": type(db.session()).__mro__[1].__name__,
    }


def _heard(fsa: t.Any, track: bool | None) -> list[t.Any]:
    app = make_app(SQLALCHEMY_TRACK_MODIFICATIONS=track)
    db = fsa.SQLAlchemy(app)

    class Todo(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        title = sa.Column(sa.String)

    db.create_all()
    heard: list[t.Any] = []

    def before(sender: t.Any, changes: t.Any) -> None:
        heard.append(["before", sender is app, [[type(o).__name__, op] for o, op in changes]])

    def after(sender: t.Any, changes: t.Any) -> None:
        heard.append(["after", sender is app, [[type(o).__name__, op] for o, op in changes]])

    fsa.before_models_committed.connect(before)
    fsa.models_committed.connect(after)
    try:
        todo: t.Any = Todo(title="x")
        db.session.add(todo)
        db.session.commit()
        todo.title = "y"
        db.session.commit()
        db.session.delete(todo)
        db.session.commit()
        db.session.add(Todo(title="z"))
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    finally:
        fsa.before_models_committed.disconnect(before)
        fsa.models_committed.disconnect(after)
    return heard


@scenario
def signals(fsa: t.Any, tmp: Path) -> t.Any:
    """``before_models_committed`` and ``models_committed`` per tracking setting."""
    return {repr(track): _heard(fsa, track) for track in (None, True, False)}


@scenario
def debug_queries(fsa: t.Any, tmp: Path) -> t.Any:
    """What ``get_debug_queries()`` holds under each recording rule."""
    cases: dict[str, tuple[dict[str, t.Any], bool]] = {
        "testing": ({"TESTING": True}, False),
        "not testing": ({}, False),
        "debug": ({}, True),
        "testing, key False": ({"TESTING": True, "SQLALCHEMY_RECORD_QUERIES": False}, False),
        "key True": ({"SQLALCHEMY_RECORD_QUERIES": True}, False),
    }
    seen: dict[str, t.Any] = {"outside": fsa.get_debug_queries()}
    for name, (config, debug) in cases.items():
        for import_name in (__name__, "tests", "elsewhere"):
            app = make_app(import_name, **config)
            app.debug = debug
            db = fsa.SQLAlchemy(app)

            class Todo(db.Model):
                id = sa.Column(sa.Integer, primary_key=True)
                title = sa.Column(sa.String)

            with app.app_context():
                db.create_all()
                start = len(fsa.get_debug_queries())
                db.session.add(Todo(title="t"))
                db.session.commit()
                Todo.query.filter_by(title="t").all()
                records = fsa.get_debug_queries()[start:]
                seen[f"{name}, {import_name}"] = [
                    [
                        record.statement.split()[0].upper(),
                        list(record.parameters),
                        os.path.basename(record.context.split(":")[0]),
                        record.context.rsplit(" ", 1)[-1],
                        record.duration >= 0,
                        record.end_time >= record.start_time,
                        repr(record).startswith('<query statement="'),
                    ]
                    for record in records
                ]
    return seen


@scenario
def commit_on_teardown(fsa: t.Any, tmp: Path) -> t.Any:
    """``SQLALCHEMY_COMMIT_ON_TEARDOWN`` commits after a good request, not a failed one."""
    app = make_app(SQLALCHEMY_COMMIT_ON_TEARDOWN=True)
    app.logger.disabled = True
    db = fsa.SQLAlchemy(app)

    class Todo(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        title = sa.Column(sa.String)

    db.create_all()

    @app.route("/<title>")
    def add(title: str) -> str:
        db.session.add(Todo(title=title))
        if title == "fail":
            raise RuntimeError("failing as asked")
        return "ok"

    client = app.test_client()
    statuses = [client.get("/one").status_code, client.get("/fail").status_code]
    return {"statuses": statuses, "titles": sorted(todo.title for todo in Todo.query.all())}


@scenario
def custom_session(fsa: t.Any, tmp: Path) -> t.Any:
    """A ``SignallingSession`` subclass from ``create_session`` routes with 2.x's get_bind."""
    routed: list[t.Any] = []

    class RoutingSession(fsa.SignallingSession):
        def get_bind(self, mapper: t.Any = None, clause: t.Any = None) -> t.Any:
            routed.append(None if mapper is None else mapper.class_.__name__)
            return fsa.SignallingSession.get_bind(self, mapper, clause)

    class RoutingSQLAlchemy(fsa.SQLAlchemy):
        def create_session(self, options: dict[str, t.Any]) -> t.Any:
            return sa.orm.sessionmaker(class_=RoutingSession, db=self, **options)

    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/default.db",
        SQLALCHEMY_BINDS={"other": f"sqlite:///{tmp}/other.db"},
    )
    db = RoutingSQLAlchemy(app)

    class Local(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    class Remote(db.Model):
        __bind_key__ = "other"
        id = sa.Column(sa.Integer, primary_key=True)

    db.create_all()
    db.session.add_all([Local(), Remote(), Remote()])
    db.session.commit()
    counts = [Local.query.count(), Remote.query.count()]
    with db.get_engine(app, "other").connect() as connection:
        direct = connection.execute(sa.text("SELECT count(*) FROM remote")).scalar()
    return {
        "routed": sorted({name for name in routed if name}),
        "counts": counts,
        "in the other database": direct,
        "session class": type(db.session()).__name__,
        "session app": db.session().app is app,
    }
