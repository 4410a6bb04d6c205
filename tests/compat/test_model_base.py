"""What a SQLAlchemy 2.x ``model_class`` brings to ``db.Model``, where a copy and a subclass differ.

Flask-SQLAlchemy copies the base's body into a new class; fss_compat subclasses the base
(a known, intentional difference). These tests pin down what users can observe of that.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from sqlalchemy.orm import Mapped

from tests._support.implementations import Impl
from tests._support.implementations import Variant


def test_abstract_flag_inherited(db: t.Any, variant: Variant) -> None:
    """Models inherit ``__abstract__`` only on the 1.x path, where ``declarative_base`` sets it."""

    class User(db.Model):
        id: Mapped[int] = variant.pk()

    assert getattr(User, "__abstract__", False) is (variant.declarative is None)


def test_base_table_cls_wins(impl: Impl) -> None:
    """A ``__table_cls__`` in a 2.x base's body replaces the automatic-name one."""

    class Base(orm.DeclarativeBase):
        @classmethod
        def __table_cls__(cls, name: str, *args: t.Any, **kwargs: t.Any) -> sa.Table:
            return sa.Table(f"{name}_custom", *args, **kwargs)

    db = impl.SQLAlchemy(model_class=Base)

    class User(db.Model):
        id: Mapped[int] = orm.mapped_column(primary_key=True)

    assert User.__table__.name == "user_custom"


def test_base_own_repr_and_doc_win(impl: Impl) -> None:
    """A 2.x base's own ``__repr__`` beats ``Model.__repr__``; its docstring carries over."""

    class Base(orm.DeclarativeBase):
        """The app's base."""

        def __repr__(self) -> str:
            return "MINE"

    db = impl.SQLAlchemy(model_class=Base)

    class User(db.Model):
        id: Mapped[int] = orm.mapped_column(primary_key=True)

    assert repr(User()) == "MINE"
    assert db.Model.__doc__ == "The app's base."


def test_model_repr_beats_base_mixin(impl: Impl) -> None:
    """``Model.__repr__`` wins over a ``__repr__`` that a 2.x base inherits from a mixin."""

    class Shout:
        def __repr__(self) -> str:
            return "SHOUT"

    class Base(Shout, orm.DeclarativeBase):
        pass

    db = impl.SQLAlchemy(model_class=Base)

    class User(db.Model):
        id: Mapped[int] = orm.mapped_column(primary_key=True)

    assert repr(User()).startswith("<User (transient ")


@pytest.mark.difference("model-subclasses-base")
def test_zero_argument_super_in_base(impl: Impl) -> None:
    """A base's ``__init_subclass__`` using ``super()`` fails upstream and works here."""

    class Base(orm.DeclarativeBase):
        tag: t.ClassVar[str] = ""

        def __init_subclass__(cls, **kwargs: t.Any) -> None:
            cls.tag = cls.__name__.lower()
            super().__init_subclass__(**kwargs)

    db = impl.SQLAlchemy(model_class=Base)
    body = {"__annotations__": {"id": Mapped[int]}, "id": orm.mapped_column(primary_key=True)}
    if impl.is_fsa:
        # Known intentional difference: upstream's db.Model holds a copy of the method,
        # whose super() still names Base, which a model no longer subclasses.
        with pytest.raises(TypeError):
            type("User", (db.Model,), body)
        return
    user: t.Any = type("User", (db.Model,), body)
    assert user.tag == "user"
