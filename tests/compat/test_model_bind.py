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
