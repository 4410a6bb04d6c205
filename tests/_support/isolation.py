"""Apps for the isolation tests, on 1 or 3 binds, and full snapshots of their databases.

A :class:`Subject` is one small app in one of four forms: fss_compat's facade, the real
Flask-SQLAlchemy 3.1.1, fss_compat's Flask-SQLAlchemy 2.5 level (``fss_compat.shims_v2``),
or the plain core (a ``flask_scoped_session`` over a user's ``sessionmaker``). Bind ``i``
holds table ``row<i>``; the app's views, its CLI command and the test code write to any of
them through the app's session, as :data:`OPERATIONS` lists.
"""

from __future__ import annotations

import collections
import dataclasses
import importlib
import random
import typing as t
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from fss_compat import flask_scoped_session

KINDS = ("fss_compat", "flask_sqlalchemy", "fss_compat.shims_v2", "core")
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
#: Full contents of one database: table name -> sorted rows.
Contents = dict[str, list[tuple[t.Any, ...]]]


@dataclasses.dataclass
class Subject:
    """One app, its scoped session, a model per bind, and a session for scripts."""

    kind: str
    app: Flask
    session: orm.scoped_session[t.Any]
    models: list[type[t.Any]]
    engines: list[sa.Engine]
    script_session: Callable[[], orm.Session] | None

    @property
    def urls(self) -> list[str]:
        return [engine.url.render_as_string(hide_password=False) for engine in self.engines]

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()


def make_subject(kind: str, urls: list[str], instance: Path) -> Subject:
    """The app of ``kind`` on ``urls`` (one per bind), its tables created, 3 rows per bind."""
    app = Flask(f"isolation_{kind}", instance_path=str(instance))
    if kind == "core":
        subject = _core(app, urls)
    else:
        subject = _facade(kind, app, urls)
    _add_views(subject)
    with app.app_context():
        for i, model in enumerate(subject.models):
            subject.session.add_all([model(v=10 * i + n) for n in range(3)])
        subject.session.commit()
    return subject


def _facade(kind: str, app: Flask, urls: list[str]) -> Subject:
    db = importlib.import_module(kind).SQLAlchemy()
    models = []
    for i in range(len(urls)):
        namespace = {
            "__tablename__": f"row{i}",
            "id": sa.Column(sa.Integer, primary_key=True),
            "v": sa.Column(sa.Integer, nullable=False),
        }
        if i:
            namespace["__bind_key__"] = f"b{i}"
        models.append(type(f"Row{i}", (db.Model,), namespace))
    app.config["SQLALCHEMY_DATABASE_URI"] = urls[0]
    app.config["SQLALCHEMY_BINDS"] = {f"b{i}": url for i, url in enumerate(urls) if i}
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False  # 2.x warns when it is unset
    db.init_app(app)
    with app.app_context():
        db.create_all()
        engines = [db.engines[None], *(db.engines[f"b{i}"] for i in range(1, len(urls)))]
    script = db.sessionmaker if kind == "fss_compat" else None
    return Subject(kind, app, db.session, models, engines, script)


def _core(app: Flask, urls: list[str]) -> Subject:
    engines = [sa.create_engine(url) for url in urls]
    models: list[type[t.Any]] = []
    binds: dict[type[t.Any], sa.Engine] = {}
    for i, engine in enumerate(engines):
        base: type[t.Any] = type(f"Base{i}", (orm.DeclarativeBase,), {})
        model = type(
            f"Row{i}",
            (base,),
            {
                "__tablename__": f"row{i}",
                "id": sa.Column(sa.Integer, primary_key=True),
                "v": sa.Column(sa.Integer, nullable=False),
            },
        )
        base.metadata.create_all(engine)
        models.append(model)
        binds[base] = engine
    # One bind: the sessionmaker's 'bind'; three: its 'binds', by base class.
    factory = (
        orm.sessionmaker(bind=engines[0]) if len(engines) == 1 else orm.sessionmaker(binds=binds)
    )
    session = flask_scoped_session(factory, app)
    return Subject("core", app, session, models, engines, factory)


def _add_views(subject: Subject) -> None:
    app, session, models = subject.app, subject.session, subject.models

    @app.post("/insert/<int:i>/<int:v>")
    def insert(i: int, v: int) -> str:
        session.add(models[i](v=v))
        session.commit()
        return "ok"

    @app.post("/update/<int:i>/<int:v>")
    def update(i: int, v: int) -> str:
        session.execute(sa.update(models[i]).values(v=models[i].v + v))
        session.commit()
        return "ok"

    @app.post("/delete/<int:i>")
    def delete(i: int) -> str:
        first = session.scalars(sa.select(models[i]).order_by(models[i].id).limit(1)).first()
        if first is not None:
            session.delete(first)
        session.commit()
        return "ok"

    @app.post("/rollback/<int:i>/<int:v>")
    def rollback(i: int, v: int) -> str:
        session.add(models[i](v=v))
        session.flush()
        session.rollback()
        return "ok"

    @app.post("/nested/<int:i>/<int:v>/<int:keep>")
    def nested(i: int, v: int, keep: int) -> str:
        session.add(models[i](v=v))
        savepoint = session.begin_nested()
        session.add(models[i](v=v + 1))
        session.flush()
        savepoint.commit() if keep else savepoint.rollback()
        session.commit()
        return "ok"

    @app.post("/raise/<int:i>/<int:v>")
    def fail(i: int, v: int) -> str:
        session.add(models[i](v=v))
        session.flush()
        raise RuntimeError("the view failed after writing")

    @app.post("/ddl/<int:i>/<int:v>")
    def ddl(i: int, v: int) -> str:
        where = {"mapper": models[i]}
        session.execute(sa.text(f"CREATE TABLE extra_{v} (x INTEGER)"), bind_arguments=where)
        session.execute(sa.text(f"INSERT INTO extra_{v} VALUES ({v})"), bind_arguments=where)
        session.commit()
        return "ok"

    @app.cli.command("insert")
    @click.argument("i", type=int)
    @click.argument("v", type=int)
    def insert_command(i: int, v: int) -> None:
        session.add(models[i](v=v))
        session.commit()


# --- Generated tests: operations, programs, the leak check ------------------------------------

Operation = Callable[[Subject, FlaskClient, FlaskCliRunner, int, int], None]


def _request(path: str, status: int = 200) -> Operation:
    def run(subject: Subject, client: FlaskClient, cli: FlaskCliRunner, i: int, v: int) -> None:
        response = client.post(path.format(i=i, v=v, keep=v % 2))
        assert response.status_code == status, response.get_data(as_text=True)

    return run


def _cli(subject: Subject, client: FlaskClient, cli: FlaskCliRunner, i: int, v: int) -> None:
    result = cli.invoke(args=["insert", str(i), str(v)])
    assert result.exit_code == 0, result.output


def _test_code(subject: Subject, client: FlaskClient, cli: FlaskCliRunner, i: int, v: int) -> None:
    with subject.app.app_context():
        subject.session.add(subject.models[i](v=v))
        subject.session.commit()
        assert subject.session.scalar(sa.select(sa.func.count()).select_from(subject.models[i]))


def _script(subject: Subject, client: FlaskClient, cli: FlaskCliRunner, i: int, v: int) -> None:
    if subject.script_session is None:  # Flask-SQLAlchemy has no such factory
        return _test_code(subject, client, cli, i, v)
    with subject.script_session() as session:
        session.add(subject.models[i](v=v))
        session.commit()


#: What a generated test does, by name: views (commit, rollback, savepoints, an error, DDL),
#: the CLI command, test code in an app context, and a script's session with no context.
OPERATIONS: dict[str, Operation] = {
    "insert": _request("/insert/{i}/{v}"),
    "update": _request("/update/{i}/{v}"),
    "delete": _request("/delete/{i}"),
    "rollback": _request("/rollback/{i}/{v}"),
    "nested": _request("/nested/{i}/{v}/{keep}"),
    "raise": _request("/raise/{i}/{v}", status=500),
    "ddl": _request("/ddl/{i}/{v}"),
    "cli": _cli,
    "test_code": _test_code,
    "script": _script,
}

Step = tuple[str, int, int]


def programs(count: int, binds: int, seed: int) -> list[list[Step]]:
    """``count`` generated tests of 2 to 6 steps each, in random order.

    Every operation appears at least once; values are unique, so DDL table names are too.
    """
    rng = random.Random(seed)
    names = list(OPERATIONS)
    values = iter(range(1000, 10**6))
    found = []
    for n in range(count):
        steps = [names[n % len(names)], *rng.choices(names, k=rng.randint(1, 5))]
        rng.shuffle(steps)
        found.append([(name, rng.randrange(binds), next(values)) for name in steps])
    rng.shuffle(found)
    return found


def contents(bind: sa.Engine | sa.Connection) -> Contents:
    """Every table of the database and its rows, sorted."""
    tables = sa.inspect(bind).get_table_names()
    found = {}
    for name in sorted(tables):
        rows = (
            bind.execute(sa.text(f'SELECT * FROM "{name}"'))
            if isinstance(bind, sa.Connection)
            else _read(bind, name)
        )
        found[name] = sorted(tuple(row) for row in rows)
    return found


def _read(engine: sa.Engine, table: str) -> Iterator[sa.Row[t.Any]]:
    with engine.connect() as connection:
        yield from connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()


def snapshot(urls: list[str]) -> list[Contents]:
    """The contents of every database, read over new connections (what a new test sees)."""
    found = []
    for url in urls:
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        try:
            found.append(contents(engine))
        finally:
            engine.dispose()
    return found


def differing_rows(before: list[Contents], after: list[Contents]) -> int:
    """How many rows (and tables, each counted as one) differ between two snapshots."""
    count = 0
    for old, new in zip(before, after, strict=True):
        for table in old.keys() | new.keys():
            if (table in old) != (table in new):
                count += 1
            rows_old = collections.Counter(old.get(table, []))
            rows_new = collections.Counter(new.get(table, []))
            count += (rows_old - rows_new).total() + (rows_new - rows_old).total()
    return count
