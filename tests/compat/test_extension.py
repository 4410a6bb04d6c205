"""The ``db`` object: repr, metadata, create/drop/reflect by bind key, session options."""

from __future__ import annotations

import gc
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
from flask import Flask
from sqlalchemy.orm import Mapped

import fss_compat
from tests._support.implementations import Impl
from tests._support.implementations import Variant
from tests._support.postgresql import Database


def test_repr(impl: Impl, app: Flask) -> None:
    """``repr(db)``: bare outside a context, then the default URL and the bind count."""
    app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://", "b": "sqlite://"}
    db = impl.SQLAlchemy(app)
    assert repr(db) == "<SQLAlchemy>"
    with app.app_context():
        assert repr(db) == "<SQLAlchemy sqlite:// +2>"


def test_repr_default_engine_only(impl: Impl, app: Flask) -> None:
    """With only the default engine, ``repr(db)`` shows its URL alone."""
    db = impl.SQLAlchemy(app)
    with app.app_context():
        assert repr(db) == "<SQLAlchemy sqlite://>"


def test_repr_hides_password(impl: Impl, app: Flask) -> None:
    """The URL in ``repr(db)`` masks the password."""
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://user:secret@localhost/db"
    db = impl.SQLAlchemy(app)
    with app.app_context():
        assert repr(db) == "<SQLAlchemy postgresql+psycopg://user:***@localhost/db>"


@pytest.mark.difference("repr-without-default-engine")
def test_repr_without_default_engine(impl: Impl, app: Flask) -> None:
    """Flask-SQLAlchemy 3.1.1's ``repr(db)`` raises KeyError without a default engine."""
    del app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://"}
    db = impl.SQLAlchemy(app)
    with app.app_context():
        if impl.is_fsa:
            with pytest.raises(KeyError):
                repr(db)
        else:
            assert repr(db) == "<SQLAlchemy (no default engine) +1>"


def test_metadata_is_default_metadata(db: t.Any) -> None:
    """``db.metadata`` is ``db.metadatas[None]`` and works without an app context."""
    assert db.metadata is db.metadatas[None]
    assert db.metadata.info["bind_key"] is None


def test_engines_is_live_mapping(db: t.Any, app: Flask, variant: Variant) -> None:
    """Replacing ``db.engines[None]`` with a connection routes the session through it."""

    class Item(db.Model):
        id: Mapped[int] = variant.pk()

    with app.app_context():
        db.create_all()
        engine = db.engine
        with engine.connect() as conn:
            transaction = conn.begin()
            db.engines[None] = conn
            try:
                db.session.add(Item())
                db.session.commit()
                assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 1
            finally:
                db.session.remove()
                transaction.rollback()
                db.engines[None] = engine
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 0


def _two_databases(make_db: t.Callable[..., t.Any], app: Flask, database: Database) -> t.Any:
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_BINDS"] = {"other": database.bind_url}
    return make_db()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("bind_key", "default", "other"),
    [
        ("__all__", {"a"}, {"b"}),
        (None, {"a"}, set()),
        ("other", set(), {"b"}),
        (["other"], set(), {"b"}),
        ((None, "other"), {"a"}, {"b"}),
        ([], set(), set()),
    ],
)
def test_create_all_by_bind_key(
    make_db: t.Callable[..., t.Any],
    app: Flask,
    database: Database,
    variant: Variant,
    bind_key: t.Any,
    default: set[str],
    other: set[str],
) -> None:
    """``create_all(bind_key)`` creates the tables of the named binds only, then ``drop_all``."""
    db = _two_databases(make_db, app, database)

    class A(db.Model):
        id: Mapped[int] = variant.pk()

    class B(db.Model):
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()

    with app.app_context():
        db.create_all(bind_key)
        assert (_tables(database.url), _tables(database.bind_url)) == (default, other)
        db.drop_all(bind_key)
        assert (_tables(database.url), _tables(database.bind_url)) == (set(), set())
        db.engine.dispose()
        db.engines["other"].dispose()


def test_create_all_unknown_key(db: t.Any, app: Flask) -> None:
    """A bind key with no engine is an UnboundExecutionError, also one only seen on a model."""
    db.Table("t", sa.Column("id", sa.Integer, primary_key=True), bind_key="nowhere")
    with app.app_context():
        with pytest.raises(sa_exc.UnboundExecutionError):
            db.create_all("missing")
        with pytest.raises(sa_exc.UnboundExecutionError, match="nowhere"):
            db.create_all()


def test_create_all_binds_only_needs_keys(impl: Impl, app: Flask) -> None:
    """With only binds configured, plain ``create_all()`` fails; naming the binds works."""
    del app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://"}
    db = impl.SQLAlchemy(app)
    with app.app_context():
        with pytest.raises(sa_exc.UnboundExecutionError, match="SQLALCHEMY_DATABASE_URI"):
            db.create_all()
        db.create_all("a")


def test_create_all_needs_app_context(db: t.Any) -> None:
    """``create_all`` outside an app context raises RuntimeError."""
    with pytest.raises(RuntimeError):
        db.create_all()


def test_reflect_then_map(
    make_db: t.Callable[..., t.Any], app: Flask, database: Database, variant: Variant
) -> None:
    """``reflect`` loads existing tables per bind; a model can map a reflected table."""
    engine = sa.create_engine(database.bind_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE legacy (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        conn.execute(sa.text("INSERT INTO legacy (id, name) VALUES (1, 'x')"))
    engine.dispose()
    db = _two_databases(make_db, app, database)
    with app.app_context():
        db.reflect(bind_key="other")
        assert "legacy" in db.metadatas["other"].tables
        assert db.metadata.tables == {}
        if variant.dataclass:
            # SQLAlchemy (>= 2.0.36) refuses '__table__' on dataclass models, on both sides.
            with pytest.raises(sa_exc.InvalidRequestError, match="__table__"):

                class Refused(db.Model):
                    __table__ = db.metadatas["other"].tables["legacy"]

        else:

            class Legacy(db.Model):
                __table__ = db.metadatas["other"].tables["legacy"]

            assert db.session.get(Legacy, 1).name == "x"
            db.session.remove()
        db.engines["other"].dispose()
        db.engine.dispose()


def test_session_class_option(impl: Impl, app: Flask) -> None:
    """A ``class_`` in ``session_options`` must accept ``db``; sessions are its instances."""
    base = impl.shim("session").Session

    class Custom(base):  # type: ignore[misc, valid-type]
        pass

    db = impl.SQLAlchemy(app, session_options={"class_": Custom, "autoflush": False})
    with app.app_context():
        session = db.session()
        assert isinstance(session, Custom) and isinstance(session, base)
        assert session.autoflush is False


def test_session_default_class(db: t.Any, impl: Impl, app: Flask) -> None:
    """The default session is an instance of the shim's ``Session`` with SQLAlchemy's defaults."""
    with app.app_context():
        session = db.session()
        assert isinstance(session, impl.shim("session").Session)
        assert (session.autoflush, session.expire_on_commit) == (True, True)


def test_session_options_db_key_is_type_error(impl: Impl) -> None:
    """Passing ``db`` in ``session_options`` is a TypeError at construction."""
    with pytest.raises(TypeError):
        impl.SQLAlchemy(session_options={"db": None})


def test_session_options_mutated(impl: Impl) -> None:
    """The ``session_options`` dict is changed in place: ``scopefunc`` popped, defaults added."""
    options: dict[str, t.Any] = {"scopefunc": lambda: 1}
    db = impl.SQLAlchemy(session_options=options)
    assert "scopefunc" not in options
    assert options["query_cls"] is db.Query


@pytest.mark.difference("sessionmaker-attribute")
def test_sessionmaker_outside_app_context(app: Flask) -> None:
    """``db.sessionmaker`` (fss_compat only) opens plain sessions in scripts, with no context."""
    db = fss_compat.SQLAlchemy(app)

    class Note(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    with app.app_context():
        db.create_all()
    assert isinstance(db.sessionmaker, orm.sessionmaker)
    with db.sessionmaker() as session:
        session.add(Note())
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(Note)) == 1


def test_sessionmaker_uses_latest_app(tmp_path: Path) -> None:
    """Outside a context, plain sessions use the most recently registered live app."""
    db = fss_compat.SQLAlchemy()
    with db.sessionmaker() as session, pytest.raises(RuntimeError, match="init_app"):
        session.execute(sa.text("SELECT 1"))
    apps = [Flask("one"), Flask("two")]  # db keeps apps weakly: hold them
    for app in apps:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / app.name}.db"
        db.init_app(app)
    with db.sessionmaker() as session:
        assert session.get_bind().engine.url.database == f"{tmp_path / 'two'}.db"
    del apps[1], app
    gc.collect()
    with db.sessionmaker() as session:
        assert session.get_bind().engine.url.database == f"{tmp_path / 'one'}.db"


@pytest.mark.difference("extension-entries")
def test_extension_entries(impl: Impl, app: Flask) -> None:
    """``init_app`` adds ``"sqlalchemy"``; fss_compat also keeps its per-app state there."""
    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
    db = impl.SQLAlchemy(app)
    assert app.extensions["sqlalchemy"] is db
    ours = {"fss_compat.scoped_session", "fss_compat.legacy", "fss_compat.record_queries"}
    assert set(app.extensions) == {"sqlalchemy"} | (set() if impl.is_fsa else ours)
