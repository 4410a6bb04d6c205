"""``__bind_key__`` on models, on both sides: which metadata a model's table lands in."""

from __future__ import annotations

import types
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from sqlalchemy.orm import Mapped

from tests._support.implementations import Impl
from tests._support.implementations import Variant


def test_bind_key_picks_metadata(db: t.Any, variant: Variant) -> None:
    """A model's ``__bind_key__`` puts its table in ``db.metadatas[key]``, tagged with the key."""

    class User(db.Model):
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()

    metadata = db.metadatas["other"]
    assert User.metadata is metadata
    assert User.__table__.metadata is metadata
    assert metadata.info == {"bind_key": "other"}
    assert "user" in metadata.tables
    assert "user" not in db.metadata.tables


@pytest.mark.parametrize("source", ["parent", "abstract", "mixin"])
def test_bind_key_inherited(db: t.Any, variant: Variant, source: str) -> None:
    """The key is inherited from a mapped parent, an abstract parent or a plain mixin."""
    bases: tuple[type, ...]
    if source == "parent":
        body = {"__bind_key__": "other", "__annotations__": {"id": Mapped[int]}, "id": variant.pk()}
        parent = types.new_class("Parent", (db.Model,), exec_body=lambda ns: ns.update(body))
        bases = (parent,)
        key = variant.pk(sa.ForeignKey("parent.id"))
    elif source == "abstract":
        body = {"__bind_key__": "other", "__abstract__": True}
        bases = (types.new_class("Abstract", (db.Model,), exec_body=lambda ns: ns.update(body)),)
        key = variant.pk()
    else:
        mixin = types.new_class("Mixin", exec_body=lambda ns: ns.update(__bind_key__="other"))
        bases = (mixin, db.Model)
        key = variant.pk()
    child_body = {"__annotations__": {"id": Mapped[int]}, "id": key}
    child: t.Any = types.new_class("Child", bases, exec_body=lambda ns: ns.update(child_body))
    assert child.__table__.metadata is db.metadatas["other"]


def test_bind_key_none_overrides(db: t.Any, variant: Variant) -> None:
    """A child's ``__bind_key__ = None`` puts it back on the default metadata."""

    class Abstract(db.Model):
        __abstract__ = True
        __bind_key__: str | None = "other"

    class User(Abstract):
        __bind_key__ = None
        id: Mapped[int] = variant.pk()

    assert User.metadata is db.metadata
    assert "user" in db.metadata.tables


def test_unknown_bind_key(db: t.Any, variant: Variant) -> None:
    """An unconfigured key is no error at class creation: it creates a metadata entry."""
    assert "unknown" not in db.metadatas

    class User(db.Model):
        __bind_key__ = "unknown"
        id: Mapped[int] = variant.pk()

    assert db.metadatas["unknown"].info == {"bind_key": "unknown"}
    assert User.metadata is db.metadatas["unknown"]


def test_own_metadata_ignores_bind_key(db: t.Any, variant: Variant) -> None:
    """A model that sets its own ``metadata`` keeps it, and its ``__bind_key__`` is ignored."""
    own = sa.MetaData()

    class User(db.Model):
        metadata = own
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()

    assert User.__table__.metadata is own
    assert "other" not in db.metadatas


def test_own_metadata_routes_to_default_engine(
    make_db: t.Callable[..., t.Any], variant: Variant, app: Flask, tmp_path: Path
) -> None:
    """A model with its own metadata is routed to the default engine despite its key."""
    app.config["SQLALCHEMY_BINDS"] = {"other": f"sqlite:///{tmp_path / 'other.db'}"}
    db = make_db()

    class User(db.Model):
        metadata = sa.MetaData()
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()

    class Item(db.Model):
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()

    with app.app_context():
        assert db.session.get_bind(mapper=orm.class_mapper(User)) is db.engine
        assert db.session.get_bind(mapper=orm.class_mapper(Item)) is db.engines["other"]


def test_own_table_ignores_bind_key(db: t.Any, variant: Variant) -> None:
    """A model that sets ``__table__`` keeps that table's metadata whatever its key."""
    if variant.dataclass:
        pytest.skip("SQLAlchemy refuses a dataclass model with a '__table__' of its own.")
    table = db.Table("given", sa.Column("id", sa.Integer, primary_key=True))

    class User(db.Model):
        __table__ = table
        __bind_key__ = "other"

    assert User.__table__.metadata is db.metadata
    assert "other" not in db.metadatas


@pytest.mark.parametrize("convention", [False, True])
def test_registered_base_routes_and_creates(
    impl: Impl, app: Flask, tmp_path: Path, convention: bool
) -> None:
    """A declarative base of its own whose metadata carries ``info["bind_key"]``, registered
    as ``db.metadatas[key]`` before ``init_app`` (what FSC304's rewrite writes): the session
    routes its models and their statements to that key's engine, and ``create_all()`` creates
    its tables there, for the key alone and for ``"__all__"``.
    """
    naming = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s"}

    class Base(orm.DeclarativeBase):
        metadata = sa.MetaData(naming_convention=naming) if convention else sa.MetaData()

    db = impl.SQLAlchemy(model_class=Base)

    class User(db.Model):
        __tablename__ = "user"
        id: Mapped[int] = orm.mapped_column(primary_key=True)

    copied = {"naming_convention": db.metadata.naming_convention} if convention else {}

    class AuditBase(orm.DeclarativeBase):
        metadata = sa.MetaData(**copied, info={"bind_key": "audit"})

    db.metadatas["audit"] = AuditBase.metadata

    class Entry(AuditBase):
        __tablename__ = "entry"
        id: Mapped[int] = orm.mapped_column(primary_key=True)
        action: Mapped[str] = orm.mapped_column(sa.String(20), unique=True)

    app.config["SQLALCHEMY_BINDS"] = {"audit": f"sqlite:///{tmp_path / 'audit.db'}"}
    db.init_app(app)
    with app.app_context():
        audit = db.engines["audit"]
        db.create_all(bind_key="audit")
        assert sa.inspect(audit).get_table_names() == ["entry"]
        assert sa.inspect(db.engine).get_table_names() == []
        db.drop_all(bind_key="audit")
        db.create_all()
        assert sa.inspect(audit).get_table_names() == ["entry"]
        assert sa.inspect(db.engine).get_table_names() == ["user"]
        unique = sa.inspect(audit).get_unique_constraints("entry")
        assert [u["name"] for u in unique] == (["uq_entry_action"] if convention else [None])
        assert db.session.get_bind(mapper=orm.class_mapper(Entry)) is audit
        db.session.add_all([Entry(id=1, action="login"), User(id=1)])
        db.session.commit()
        with audit.connect() as connection:
            assert connection.execute(sa.text("SELECT action FROM entry")).all() == [("login",)]
        assert db.session.execute(sa.select(Entry.action)).scalars().all() == ["login"]
        db.session.execute(sa.update(Entry).values(action="logout"))
        assert db.session.scalars(sa.select(Entry.action)).all() == ["logout"]
