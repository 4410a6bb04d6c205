"""Bind-key routing: which engine each statement goes to, on SQLite and PostgreSQL."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from flask import Flask
from sqlalchemy.orm import Mapped

from tests._support.implementations import Impl
from tests._support.implementations import Variant
from tests._support.postgresql import Database


class Routed(t.NamedTuple):
    db: t.Any
    Plain: t.Any
    Bound: t.Any
    bound_table: sa.Table


@pytest.fixture
def routed(
    make_db: t.Callable[..., t.Any], app: Flask, database: Database, variant: Variant
) -> t.Iterator[Routed]:
    """A default database and an ``other`` bind, a model and a Core table on each."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_BINDS"] = {"other": database.bind_url}
    db = make_db()

    class Plain(db.Model):
        id: Mapped[int] = variant.pk()

    class Bound(db.Model):
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()

    bound_table = db.Table(
        "bound_core", sa.Column("id", sa.Integer, primary_key=True), bind_key="other"
    )
    with app.app_context():
        db.create_all()
        yield Routed(db, Plain, Bound, bound_table)
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _rows(url: str, table: str) -> list[int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(f"SELECT id FROM {table} ORDER BY id")).scalars())
    finally:
        engine.dispose()


def test_orm_writes_go_to_bind(routed: Routed, database: Database) -> None:
    """Adding and committing instances writes each model into its bind's database."""
    db = routed.db
    db.session.add_all([routed.Plain(), routed.Bound()])
    db.session.commit()
    assert _rows(database.url, "plain") == [1]
    assert _rows(database.bind_url, "bound") == [1]
    assert "bound" not in sa.inspect(db.engine).get_table_names()


def test_orm_reads_go_to_bind(routed: Routed) -> None:
    """``select(Model)``, counts, ``session.get`` and ``query`` use the model's bind."""
    db = routed.db
    db.session.add(routed.Bound())
    db.session.commit()
    assert db.session.scalars(sa.select(routed.Bound)).one().id == 1
    count = sa.select(sa.func.count()).select_from(routed.Bound)
    assert db.session.scalar(count) == 1
    assert db.session.get(routed.Bound, 1) is not None
    assert db.session.query(routed.Bound).count() == 1
    assert routed.Bound.query.count() == 1


def test_core_dml_on_bound_table(routed: Routed, database: Database) -> None:
    """Core insert, update and delete on a bound ``db.Table`` go to its bind."""
    db = routed.db
    db.session.execute(sa.insert(routed.bound_table).values(id=5))
    db.session.execute(sa.update(routed.bound_table).values(id=6))
    db.session.commit()
    assert _rows(database.bind_url, "bound_core") == [6]
    db.session.execute(sa.delete(routed.bound_table))
    db.session.commit()
    assert _rows(database.bind_url, "bound_core") == []


def test_core_select_on_bound_table_goes_to_default(routed: Routed) -> None:
    """``select(bound_core_table)`` is not routed and fails on the default database (parity)."""
    with pytest.raises((sa_exc.OperationalError, sa_exc.ProgrammingError)):
        routed.db.session.execute(sa.select(routed.bound_table))


def test_text_goes_to_default(routed: Routed) -> None:
    """``text()`` always goes to the default engine."""
    db = routed.db
    db.session.execute(sa.text("INSERT INTO plain (id) VALUES (9)"))
    with pytest.raises((sa_exc.OperationalError, sa_exc.ProgrammingError)):
        db.session.execute(sa.text("SELECT id FROM bound"))


def test_bind_arguments_mapper(routed: Routed) -> None:
    """``bind_arguments={'mapper': Bound}`` routes a ``text()`` to the bind."""
    db = routed.db
    result = db.session.execute(
        sa.text("SELECT count(*) FROM bound"), bind_arguments={"mapper": routed.Bound}
    )
    assert result.scalar() == 0


def test_explicit_bind_argument_wins(routed: Routed) -> None:
    """An explicit ``bind`` in ``bind_arguments`` is used as is."""
    db = routed.db
    engine = db.engines["other"]
    result = db.session.execute(
        sa.text("SELECT count(*) FROM bound"), bind_arguments={"bind": engine}
    )
    assert result.scalar() == 0


def test_get_bind(routed: Routed) -> None:
    """``session.get_bind`` resolves mappers and bound tables, and defaults otherwise."""
    db = routed.db
    session = db.session()
    assert session.get_bind(mapper=routed.Bound) is db.engines["other"]
    assert session.get_bind(mapper=routed.Plain) is db.engine
    assert session.get_bind(clause=routed.bound_table) is db.engines["other"]
    assert session.get_bind() is db.engine
    with pytest.raises(sa.orm.exc.UnmappedClassError):
        session.get_bind(mapper=object)


def test_session_level_bind_ignored_with_default_engine(routed: Routed) -> None:
    """A session ``bind=`` option loses to the default engine (parity with upstream 3.x)."""
    db = routed.db
    other = sa.create_engine("sqlite://")
    session = db._make_session_factory({"bind": other})()
    try:
        assert session.get_bind() is db.engine
    finally:
        session.close()
        other.dispose()


def test_joined_inheritance_child_uses_parent_bind(
    make_db: t.Callable[..., t.Any], app: Flask, variant: Variant
) -> None:
    """A joined-inheritance subclass of a bound model routes to the parent's bind."""
    app.config["SQLALCHEMY_BINDS"] = {"other": "sqlite://"}
    db = make_db()

    class Animal(db.Model):
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()
        kind: Mapped[str] = variant.column(sa.String(10), init=False)
        __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "animal"}

    class Dog(Animal):
        id: Mapped[int] = variant.pk(sa.ForeignKey("animal.id"))
        __mapper_args__ = {"polymorphic_identity": "dog"}

    with app.app_context():
        db.create_all("other")
        db.session.add(Dog())
        db.session.commit()
        assert db.session.get_bind(mapper=Dog) is db.engines["other"]
        assert db.session.scalars(sa.select(Animal)).one().kind == "dog"


def test_unknown_bind_key_at_query_time(
    make_db: t.Callable[..., t.Any], app: Flask, variant: Variant
) -> None:
    """A model whose bind key has no engine fails when queried, not when defined."""
    db = make_db()

    class Lost(db.Model):
        __bind_key__ = "nowhere"
        id: Mapped[int] = variant.pk()

    with app.app_context(), pytest.raises(sa_exc.UnboundExecutionError):
        db.session.scalars(sa.select(Lost)).all()


def test_no_default_engine_unbound(impl: t.Any, app: Flask) -> None:
    """Without a default engine, an unbound statement raises UnboundExecutionError."""
    del app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://"}
    db = impl.SQLAlchemy(app)
    with app.app_context(), pytest.raises(sa_exc.UnboundExecutionError):
        db.session.execute(sa.text("SELECT 1"))


@pytest.mark.difference("session-engines-resolved-once")
def test_session_keeps_first_apps_engines(impl: t.Any, tmp_path: t.Any) -> None:
    """A plain session used under two apps: upstream follows the current app, fss_compat
    keeps the engines of the app it first ran in (a registered difference)."""
    db = impl.SQLAlchemy()
    apps = [Flask("a"), Flask("b")]
    for app in apps:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / app.name}.db"
        db.init_app(app)
    with apps[0].app_context():
        session = db._make_session_factory({})()
        first = session.get_bind()
    with apps[1].app_context():
        second = session.get_bind()
    session.close()
    if impl.is_fsa:
        assert first is not second
    else:
        assert first is second


@pytest.mark.difference("unregistered-app-session")
def test_session_in_an_unregistered_apps_context(impl: Impl, app: Flask) -> None:
    """A session for an app never given to ``init_app``: upstream fails at the first query."""
    db = impl.SQLAlchemy(app)
    with Flask("other").app_context():
        if impl.is_fsa:
            session = db.session()
            with pytest.raises(RuntimeError, match="not registered"):
                session.execute(sa.text("SELECT 1"))
        else:
            with pytest.raises(RuntimeError, match="never registered"):
                db.session()
