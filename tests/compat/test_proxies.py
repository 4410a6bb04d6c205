"""``db.Column``, ``db.select``, ...: every forwarded SQLAlchemy name, and relationship helpers."""

from __future__ import annotations

import typing as t

import flask_sqlalchemy
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

import fss_compat
from tests._support.implementations import Impl

PUBLIC_NAMES = sorted({n for m in (sa, orm) for n in dir(m) if not n.startswith("_")})


def _origin(value: object) -> str:
    """Where a ``db`` attribute comes from: 'sa', 'orm', or 'db' for the object's own."""
    for label, module in (("sa", sa), ("orm", orm)):
        if any(value is getattr(module, n, None) for n in dir(module) if not n.startswith("_")):
            return label
    return "db"


@pytest.mark.difference("sessionmaker-attribute")
def test_every_public_sqlalchemy_name_resolves_the_same() -> None:
    """Each public name of sqlalchemy/sqlalchemy.orm gives the same object on both sides."""
    apps = [Flask("upstream"), Flask("ours")]
    for app in apps:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    upstream = flask_sqlalchemy.SQLAlchemy(apps[0])
    ours = fss_compat.SQLAlchemy(apps[1])
    mismatches = []
    for name in PUBLIC_NAMES:
        if name in {"engine", "engines"}:
            continue  # the db's own properties; they need an app context
        if name == "sessionmaker":
            assert getattr(upstream, name) is orm.sessionmaker
            assert isinstance(getattr(ours, name), orm.sessionmaker)
            continue
        theirs, mine = getattr(upstream, name), getattr(ours, name)
        if _origin(theirs) == "db":
            if _origin(mine) != "db":
                mismatches.append(name)
        elif theirs is not mine:
            mismatches.append(name)
    assert mismatches == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Column", sa.Column),
        ("Integer", sa.Integer),
        ("select", sa.select),
        ("func", sa.func),
        ("mapped_column", orm.mapped_column),
        ("backref", orm.backref),
        ("join", sa.join),
        ("Session", orm.Session),
        ("query", orm.query),
        ("exc", sa.exc),
        ("event", sa.event),
    ],
)
def test_forwarded_name(impl: Impl, name: str, expected: object) -> None:
    """Forwarded names come from sqlalchemy first, then sqlalchemy.orm, and are not bound."""
    assert getattr(impl.SQLAlchemy(), name) is expected


@pytest.mark.parametrize("name", ["nonexistent", "_private", "__wrapped__"])
def test_unknown_name_is_attribute_error(impl: Impl, name: str) -> None:
    """An unknown or underscore name is an AttributeError."""
    with pytest.raises(AttributeError):
        getattr(impl.SQLAlchemy(), name)


def test_own_attributes_shadow_sqlalchemy(impl: Impl, app: Flask) -> None:
    """``db.session``, ``db.Table``, ``db.relationship``... are the db's own objects."""
    db = impl.SQLAlchemy(app)
    assert db.Table is not sa.Table and issubclass(db.Table, sa.Table)
    assert db.relationship is not orm.relationship
    assert isinstance(db.session, orm.scoped_session)
    assert db.Query is impl.shim("query").Query


def test_forwarded_names_are_looked_up_on_access(impl: Impl) -> None:
    """Forwarded names are resolved by ``__getattr__``: not in ``dir(db)``, not stored on it."""
    db = impl.SQLAlchemy()
    assert "Column" not in dir(db) and "Column" not in vars(type(db))
    assert db.Column is sa.Column


def _rel_kwargs(prop: t.Any) -> dict[str, t.Any]:
    return {"query_class": prop.query_class, "backref": prop.backref}


def test_relationship_sets_query_class(impl: Impl) -> None:
    """``db.relationship`` and friends default ``query_class`` on themselves and tuple backrefs."""
    db = impl.SQLAlchemy()
    assert db.relationship("X").query_class is db.Query
    assert db.relation("X").query_class is db.Query
    assert db.dynamic_loader("X").query_class is db.Query
    prop = db.relationship("X", backref=db.backref("y", lazy="dynamic"))
    assert prop.backref[1]["query_class"] is db.Query
    assert db.relationship("X", backref="y").backref == "y"
    custom = db.relationship("X", query_class=orm.Query)
    assert custom.query_class is orm.Query
