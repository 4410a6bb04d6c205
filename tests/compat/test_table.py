"""``db.Table`` on both sides: a real ``Table`` that picks its metadata by bind key."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests._support.implementations import Impl


@pytest.fixture
def db(impl: Impl, app: Flask) -> t.Any:
    """``SQLAlchemy(app)`` with the default model class: ``db.Table`` does not depend on it."""
    return impl.SQLAlchemy(app)


def id_column() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True)


def test_table_is_a_real_table(impl: Impl, db: t.Any) -> None:
    """``db.Table`` is a per-object ``_Table`` subclass whose instances are ``sa.Table``."""
    table = db.Table("plain", id_column())
    assert isinstance(table, sa.Table)
    assert type(table) is db.Table
    assert issubclass(db.Table, impl.shim("table")._Table)
    assert db.Table is not impl.SQLAlchemy().Table
    assert table.metadata is db.metadata
    assert db.metadata.tables["plain"] is table


def test_bind_key_picks_metadata(db: t.Any) -> None:
    """``bind_key=`` puts the table in ``db.metadatas[key]``, created and tagged if missing."""
    table = db.Table("bound", id_column(), bind_key="other")
    assert table.metadata is db.metadatas["other"]
    assert db.metadatas["other"].info == {"bind_key": "other"}
    assert "bound" not in db.metadata.tables


def test_bind_key_copies_naming_convention(impl: Impl, app: Flask) -> None:
    """A metadata made for ``bind_key=`` copies the default metadata's naming convention."""
    metadata = sa.MetaData(naming_convention={"pk": "pk_%(table_name)s"})
    db = impl.SQLAlchemy(app, metadata=metadata)
    table = db.Table("bound", id_column(), bind_key="other")
    assert table.primary_key.name == "pk_bound"


def test_metadata_argument_wins(db: t.Any) -> None:
    """A ``MetaData`` second argument is used as is and ``bind_key`` is ignored."""
    metadata = sa.MetaData()
    table = db.Table("own", metadata, id_column(), bind_key="other")
    assert table.metadata is metadata
    assert "other" not in db.metadatas
    assert "own" not in db.metadata.tables


def test_keyword_arguments_pass_through(db: t.Any) -> None:
    """Other keyword arguments reach ``sa.Table``."""
    table = db.Table("described", id_column(), comment="note", info={"k": 1})
    assert (table.comment, table.info) == ("note", {"k": 1})


def test_no_arguments(db: t.Any) -> None:
    """``db.Table()`` raises TypeError."""
    with pytest.raises(TypeError):
        db.Table()


def test_name_only(db: t.Any) -> None:
    """``db.Table("only_name")`` raises TypeError."""
    with pytest.raises(TypeError):
        db.Table("only_name")


def test_redefinition(db: t.Any) -> None:
    """Defining a table name twice with columns raises SQLAlchemy's InvalidRequestError."""
    db.Table("twice", id_column())
    with pytest.raises(sa.exc.InvalidRequestError):
        db.Table("twice", id_column())


def test_existing_table_returned(db: t.Any) -> None:
    """Naming an existing table again without columns returns the same table."""
    table = db.Table("once", id_column())
    assert db.Table("once", db.metadata) is table


def test_core_insert_routes_by_bind_key(impl: Impl, app: Flask, tmp_path: Path) -> None:
    """A Core insert on a bound table runs on that bind's engine, not the default."""
    app.config["SQLALCHEMY_BINDS"] = {"other": f"sqlite:///{tmp_path / 'other.db'}"}
    db = impl.SQLAlchemy(app)
    bound = db.Table("bound", id_column(), sa.Column("name", sa.String), bind_key="other")
    with app.app_context():
        db.create_all(bind_key="other")
        db.session.execute(sa.insert(bound).values(name="a"))
        db.session.commit()
        with db.engines["other"].connect() as connection:
            assert connection.execute(sa.select(bound.c.name)).scalars().all() == ["a"]
        assert not sa.inspect(db.engine).has_table("bound")
