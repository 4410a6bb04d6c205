"""Scenarios of 2.x's engines: config defaults and warnings, options, binds, state."""

from __future__ import annotations

import functools
import typing as t
from pathlib import Path

import flask
import sqlalchemy as sa

from tests._support.v2_scenarios import make_app
from tests._support.v2_scenarios import outcome
from tests._support.v2_scenarios import scenario

_POOL_KEYS = {
    "SQLALCHEMY_POOL_SIZE": 5,
    "SQLALCHEMY_POOL_TIMEOUT": 3,
    "SQLALCHEMY_POOL_RECYCLE": 60,
    "SQLALCHEMY_MAX_OVERFLOW": 2,
}


@scenario
def config_defaults(fsa: t.Any, tmp: Path) -> t.Any:
    """The config keys ``init_app`` sets, and the warnings it emits, for several configs."""
    cases: dict[str, dict[str, t.Any]] = {
        "empty": {},
        "uri": {"SQLALCHEMY_DATABASE_URI": "sqlite://"},
        "binds": {"SQLALCHEMY_BINDS": {"a": "sqlite://"}},
        "tracking off": {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        },
        "pool keys": {"SQLALCHEMY_TRACK_MODIFICATIONS": False, **_POOL_KEYS},
        "native unicode": {
            "SQLALCHEMY_TRACK_MODIFICATIONS": True,
            "SQLALCHEMY_NATIVE_UNICODE": False,
        },
    }
    seen = {}
    for name, config in cases.items():
        app = flask.Flask("config_app")
        app.config.update(config)
        fsa.SQLAlchemy(app)
        keys = sorted(key for key in app.config if key.startswith("SQLALCHEMY_"))
        seen[name] = {key: repr(app.config[key]) for key in keys}
    return seen


def _url(url: t.Any) -> list[t.Any]:
    # Its parts: str() of a URL masks the password and escapes ':' in SQLAlchemy 2.x only.
    query = sorted((key, str(value)) for key, value in url.query.items())
    return [url.drivername, url.username, url.password, url.host, url.database, query]


def _describe(value: t.Any) -> t.Any:
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, dict):
        return {str(key): _describe(item) for key, item in value.items()}
    return repr(value)


_URIS = {
    "memory": "sqlite://",
    "memory named": "sqlite:///:memory:",
    "relative": "sqlite:///relative.db",
    "absolute": "sqlite:////var/data/absolute.db",
    "pysqlite relative": "sqlite+pysqlite:///relative.db",
    "mysql": "mysql://user:pw@host/db",
    "mysql charset": "mysql+pymysql://user:pw@host/db?charset=latin1",
    "gaerdbms": "mysql+gaerdbms:///db?instance=x",
    "postgresql": "postgresql://user:pw@host/db",
}
_CONFIGS: dict[str, dict[str, t.Any]] = {
    "plain": {},
    "echo": {"SQLALCHEMY_ECHO": True},
    "pool keys": dict(_POOL_KEYS),
    "pool size zero": {"SQLALCHEMY_POOL_SIZE": 0},
    "engine options": {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 7, "connect_args": {"x": 1}}},
    "native unicode": {"SQLALCHEMY_NATIVE_UNICODE": False},
}


def _has_engine(db_class: t.Any, app: flask.Flask) -> bool:
    return db_class(app).get_engine() is not None


@scenario
def engine_options(fsa: t.Any, tmp: Path) -> t.Any:
    """The URL and ``create_engine`` options each URI and config get (engines not made)."""
    made: list[t.Any] = []

    class Recording(fsa.SQLAlchemy):
        def create_engine(self, sa_url: t.Any, engine_opts: dict[str, t.Any]) -> t.Any:
            made.append([_url(sa_url), _describe(engine_opts)])
            return sa.create_engine("sqlite://")

    seen = {}
    for uri_name, uri in _URIS.items():
        for config_name, config in _CONFIGS.items():
            app = flask.Flask("engine_app", root_path=str(tmp))
            app.config.update(SQLALCHEMY_DATABASE_URI=uri, SQLALCHEMY_TRACK_MODIFICATIONS=False)
            app.config.update(config)
            made.clear()
            result = outcome(functools.partial(_has_engine, Recording, app))
            seen[f"{uri_name}, {config_name}"] = [result, list(made)]
    app = make_app()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 1, "echo": False}
    made.clear()
    Recording(app, engine_options={"pool_size": 2, "max_overflow": 3}).get_engine()
    seen["constructor over config"] = list(made)
    made.clear()
    Recording(make_app(), use_native_unicode=False).get_engine()
    seen["use_native_unicode"] = list(made)
    seen["real engine, use_native_unicode"] = outcome(
        lambda: fsa.SQLAlchemy(make_app(), use_native_unicode=False).get_engine() is not None
    )
    return seen


@scenario
def binds(fsa: t.Any, tmp: Path) -> t.Any:
    """Tables go to their bind's database; create_all, drop_all and reflect per bind."""
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/default.db",
        SQLALCHEMY_BINDS={"foo": f"sqlite:///{tmp}/foo.db", "bar": f"sqlite:///{tmp}/bar.db"},
    )
    db = fsa.SQLAlchemy(app)

    class Foo(db.Model):
        __bind_key__ = "foo"
        id = sa.Column(sa.Integer, primary_key=True)

    class Bar(db.Model):
        __bind_key__ = "bar"
        id = sa.Column(sa.Integer, primary_key=True)

    class Baz(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    keys = (None, "foo", "bar")

    def tables() -> dict[str, list[str]]:
        return {str(k): sorted(sa.inspect(db.get_engine(app, k)).get_table_names()) for k in keys}

    seen: dict[str, t.Any] = {}
    db.create_all()
    seen["created"] = tables()
    seen["engines"] = {str(k): str(db.get_engine(app, k).url) for k in keys}
    seen["get_binds"] = {table.name: str(e.url) for table, e in db.get_binds(app).items()}
    db.session.add_all([Foo(), Foo(), Bar(), Baz()])
    db.session.commit()
    seen["rows"] = [Foo.query.count(), Bar.query.count(), Baz.query.count()]
    db.drop_all(bind="foo")
    seen["after drop_all(bind='foo')"] = tables()
    db.create_all(bind=["foo"])
    db.drop_all(bind=None)
    seen["after create_all(bind=['foo']), drop_all(bind=None)"] = tables()
    with db.get_engine(app, "foo").begin() as connection:
        connection.execute(sa.text("CREATE TABLE extra (id INTEGER PRIMARY KEY)"))
    db.reflect(bind="foo")
    seen["reflected"] = [sorted(db.metadata.tables), dict(db.metadata.tables["extra"].info)]
    seen["missing bind"] = outcome(lambda: db.get_engine(app, "nope"))
    seen["create_all(bind='nope')"] = outcome(lambda: db.create_all(bind="nope"))
    return seen


@scenario
def extension_state(fsa: t.Any, tmp: Path) -> t.Any:
    """``app.extensions['sqlalchemy']``: the state, its connectors, engines made again."""
    app = make_app(SQLALCHEMY_BINDS={"a": "sqlite://"})
    db = fsa.SQLAlchemy(app)
    state = app.extensions["sqlalchemy"]
    seen: dict[str, t.Any] = {
        "type": type(state).__name__,
        "db": state.db is db,
        "get_state": fsa.get_state(app) is state,
        "connectors before": sorted(map(str, state.connectors)),
    }
    first = db.engine
    db.get_engine(app, "a")
    seen["connectors after"] = sorted(map(str, state.connectors))
    seen["connector app"] = state.connectors[None]._app is app
    seen["cached"] = db.engine is first
    app.config["SQLALCHEMY_ECHO"] = True
    echoing = db.engine
    seen["echo changed"] = [echoing is first, echoing.echo]
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///:memory:"
    seen["uri changed"] = [db.engine is echoing, db.engine.url.database]
    seen["unregistered"] = outcome(lambda: fsa.get_state(flask.Flask("other")))
    with flask.Flask("other").app_context():
        seen["engine in another app"] = outcome(lambda: db.engine)
    db.init_app(app)
    seen["registered again"] = app.extensions["sqlalchemy"] is not state
    return seen
