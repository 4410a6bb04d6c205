"""The ``flask shell`` context on both sides: ``db`` and every mapped model."""

from __future__ import annotations

import typing as t

import sqlalchemy.orm as orm
from flask import Flask
from sqlalchemy.orm import Mapped

from tests._support.implementations import Impl
from tests._support.implementations import Variant


def define_models(db: t.Any, variant: Variant) -> dict[str, type]:
    """A concrete model, a single-table child, a joined child and an abstract base."""

    class Abstract(db.Model):
        __abstract__ = True

    class User(Abstract):
        id: Mapped[int] = variant.pk()

    class Admin(User):
        pass

    class Item(db.Model):
        id: Mapped[int] = variant.pk()

    return {"User": User, "Admin": Admin, "Item": Item}


def test_shell_context_has_models_and_db(db: t.Any, variant: Variant, app: Flask) -> None:
    """``flask shell`` gets ``db`` and every mapped class on ``db.Model``'s registry, no more."""
    models = define_models(db, variant)

    class Elsewhere(orm.DeclarativeBase):
        pass

    class Other(Elsewhere):
        __tablename__ = "other"
        id: Mapped[int] = orm.mapped_column(primary_key=True)

    with app.app_context():
        context = app.make_shell_context()
    assert set(context) == {"app", "g", "db", *models}
    assert context["db"] is db
    assert all(context[name] is cls for name, cls in models.items())


def test_add_models_to_shell_called_directly(
    impl: Impl, db: t.Any, variant: Variant, app: Flask
) -> None:
    """``add_models_to_shell()`` returns the models by class name plus ``db``."""
    models = define_models(db, variant)
    with app.app_context():
        assert impl.shim("cli").add_models_to_shell() == {**models, "db": db}


def test_add_models_to_shell_after_init_app(impl: Impl, app: Flask) -> None:
    """A ``db`` registered later with ``init_app`` adds itself to the shell too."""
    db = impl.SQLAlchemy()
    db.init_app(app)
    with app.app_context():
        assert app.make_shell_context()["db"] is db


def test_add_models_to_shell_disabled(
    make_db: t.Callable[..., t.Any], variant: Variant, app: Flask
) -> None:
    """With ``add_models_to_shell=False`` the shell context gets nothing from ``db``."""
    db = make_db(add_models_to_shell=False)
    define_models(db, variant)
    with app.app_context():
        assert set(app.make_shell_context()) == {"app", "g"}
