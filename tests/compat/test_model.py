"""How ``db.Model`` is built from ``model_class``; its ``query``, ``query_class``, ``__fsa__``."""

from __future__ import annotations

import types
import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from sqlalchemy.orm import Mapped

from tests._support.implementations import Impl
from tests._support.implementations import Variant

NAMING = {"pk": "pk_%(table_name)s", "ix": "ix_%(column_0_label)s"}


def custom_base(impl: Impl, variant: Variant, **namespace: t.Any) -> type[t.Any]:
    """The variant's kind of ``model_class``, with ``namespace`` in its class body."""
    bases: tuple[type, ...]
    if variant.declarative is None:
        bases = (impl.shim("model").Model,)
    elif variant.dataclass:
        bases = (orm.MappedAsDataclass, variant.declarative)
    else:
        bases = (variant.declarative,)
    return types.new_class("Base", bases, exec_body=lambda ns: ns.update(namespace))


def greet(self: object) -> str:
    return f"hello from {type(self).__name__}"


@pytest.mark.difference("model-subclasses-base")
@pytest.mark.difference("dataclass-base-on-sqlalchemy-2.1")
def test_model_class_paths(impl: Impl, variant: Variant, app: Flask) -> None:
    """A 1.x ``model_class`` becomes a new ``Model``; a 2.x base becomes ``FlaskSQLAlchemyBase``."""
    base = custom_base(impl, variant, greet=greet)
    db = impl.SQLAlchemy(app, model_class=base)

    class User(db.Model):
        id: Mapped[int] = variant.pk()

    assert User().greet() == "hello from User"
    assert issubclass(db.Model, impl.shim("model").Model)
    if variant.declarative is None:
        assert db.Model.__name__ == "Model"
        assert db.Model.__module__ == "sqlalchemy.orm.decl_api"
        assert isinstance(db.Model, orm.DeclarativeMeta)
        assert issubclass(db.Model, base)
        return
    assert db.Model.__name__ == "FlaskSQLAlchemyBase"
    assert db.Model.__module__ == base.__module__
    assert db.Model.metadata is base.metadata is db.metadata
    assert db.Model.registry is base.registry
    # Known intentional difference: Flask-SQLAlchemy copies the base's body into a new
    # class (which is what breaks MappedAsDataclass on SQLAlchemy 2.1, upstream #1420);
    # fss_compat makes db.Model an abstract subclass of the base.
    assert issubclass(db.Model, base) is not impl.is_fsa


def test_metadata_argument(impl: Impl, variant: Variant, app: Flask) -> None:
    """``metadata=`` is the default metadata for a 1.x base, and ignored with a warning for 2.x."""
    metadata = sa.MetaData()
    base = variant.base(impl)
    if variant.declarative is None:
        db = impl.SQLAlchemy(app, metadata=metadata, model_class=base)
        assert db.metadatas == {None: metadata}
        assert db.Model.metadata is metadata
        assert metadata.info == {"bind_key": None}
        return
    with pytest.warns(DeprecationWarning):
        db = impl.SQLAlchemy(app, metadata=metadata, model_class=base)
    assert db.metadata is base.metadata
    assert metadata.info == {}


def test_naming_convention_copied_to_binds(impl: Impl, variant: Variant, app: Flask) -> None:
    """A bind key's metadata copies the default metadata's naming convention."""
    metadata = sa.MetaData(naming_convention=NAMING)
    if variant.declarative is None:
        db = impl.SQLAlchemy(app, metadata=metadata)
    else:
        db = impl.SQLAlchemy(app, model_class=custom_base(impl, variant, metadata=metadata))

    class User(db.Model):
        __bind_key__ = "other"
        id: Mapped[int] = variant.pk()

    assert db.metadata is metadata
    assert User.metadata is db.metadatas["other"]
    assert db.metadatas["other"].naming_convention == metadata.naming_convention
    assert User.__table__.primary_key.name == "pk_user"


def test_bind_key_on_model_class(impl: Impl, variant: Variant, app: Flask) -> None:
    """A ``__bind_key__`` on ``model_class`` binds every model; the default metadata stays."""
    base = custom_base(impl, variant, __bind_key__="other")
    db = impl.SQLAlchemy(app, model_class=base)

    class User(db.Model):
        id: Mapped[int] = variant.pk()

    assert User.metadata is db.metadatas["other"]
    assert db.Model.metadata is db.metadata
    assert db.metadata.info == {"bind_key": None}
    if variant.declarative is not None:
        assert db.metadata is base.metadata


def test_two_declarative_bases(impl: Impl) -> None:
    """A ``model_class`` with two 2.x declarative bases raises ValueError."""

    class Both(orm.DeclarativeBase, orm.DeclarativeBaseNoMeta):
        pass

    with pytest.raises(ValueError):
        impl.SQLAlchemy(model_class=Both)


def test_declarative_model_class_used_as_is(impl: Impl, app: Flask) -> None:
    """An already declarative ``model_class`` is ``db.Model`` itself, with the extras set."""
    model = impl.shim("model")
    base = orm.declarative_base(cls=model.Model, metaclass=model.DefaultMeta, name="Model")
    db = impl.SQLAlchemy(app, model_class=base)

    class UserAccount(db.Model):
        id: Mapped[int] = orm.mapped_column(primary_key=True)

    assert db.Model is base
    assert db.metadata is base.metadata
    assert base.__fsa__ is db
    assert base.query_class is db.Query
    assert UserAccount.__table__.name == "user_account"


def test_init_subclass_keywords(impl: Impl, app: Flask) -> None:
    """A ``Model`` subclass's ``__init_subclass__`` receives the models' class keywords."""

    model_base: t.Any = impl.shim("model").Model

    class Tagged(model_base):
        tag: t.ClassVar[str] = ""

        def __init_subclass__(cls, tag: str = "", **kwargs: t.Any) -> None:
            cls.tag = tag
            super().__init_subclass__(**kwargs)

    db = impl.SQLAlchemy(app, model_class=Tagged)

    # call-arg: db.Model is Any, so mypy checks the keyword against object.__init_subclass__.
    class User(db.Model, tag="people"):  # type: ignore[call-arg]
        id: Mapped[int] = orm.mapped_column(primary_key=True)

    assert User.tag == "people"
    assert User.__table__.name == "user"


def test_query_class(impl: Impl, variant: Variant, app: Flask) -> None:
    """``query_class=`` overwrites the base's ``query_class``; a model may set its own."""
    base_query = types.new_class("BaseQuery", (impl.shim("query").Query,))
    db_query = types.new_class("DbQuery", (impl.shim("query").Query,))
    model_query = types.new_class("ModelQuery", (impl.shim("query").Query,))
    base = custom_base(impl, variant, query_class=base_query)
    db = impl.SQLAlchemy(app, model_class=base, query_class=db_query)

    class User(db.Model):
        id: Mapped[int] = variant.pk()

    class Item(db.Model):
        query_class = model_query
        id: Mapped[int] = variant.pk()

    assert db.Query is db_query
    assert db.Model.query_class is db_query
    assert base.__dict__["query_class"] is base_query
    with app.app_context():
        assert type(User.query) is db_query
        assert type(Item.query) is model_query


def test_default_query_class(impl: Impl, db: t.Any, variant: Variant) -> None:
    """By default ``Model.query_class`` is the shim's ``Query``."""
    assert db.Query is impl.shim("query").Query
    assert db.Model.query_class is db.Query


def test_query_on_unmapped_base(db: t.Any, app: Flask) -> None:
    """``db.Model.query`` on the unmapped base raises SQLAlchemy's ArgumentError."""
    with app.app_context(), pytest.raises(sa.exc.ArgumentError):
        db.Model.query  # noqa: B018


def test_model_query(db: t.Any, variant: Variant, app: Flask) -> None:
    """``Model.query`` is a new ``db.Query`` on the current session at every access."""

    class User(db.Model):
        id: Mapped[int] = variant.pk()
        name: Mapped[str] = variant.column(init_default="")

    with app.app_context():
        db.create_all()
        db.session.add(User(name="a"))
        db.session.commit()
        first = User.query
        assert isinstance(first, db.Query)
        assert first is not User.query
        assert first.session is db.session()
        user = first.one()
        assert user.name == "a"
        assert user.query.filter_by(name="a").one() is user
        assert isinstance(user.query, db.Query)


def test_model_query_follows_session(db: t.Any, variant: Variant, app: Flask) -> None:
    """``Model.query`` reads ``db.session`` at each access, so a reassigned session is used."""

    class User(db.Model):
        id: Mapped[int] = variant.pk()

    db.session = db._make_scoped_session({"autoflush": False})
    with app.app_context():
        assert User.query.session is db.session()
        assert User.query.session.autoflush is False


def test_model_query_outside_context(db: t.Any, variant: Variant) -> None:
    """``Model.query`` outside an app context raises RuntimeError."""

    class User(db.Model):
        id: Mapped[int] = variant.pk()

    with pytest.raises(RuntimeError):
        User.query  # noqa: B018


def test_fsa_is_db(db: t.Any, variant: Variant) -> None:
    """``__fsa__`` on ``db.Model`` and every model is the ``SQLAlchemy`` object."""

    class User(db.Model):
        id: Mapped[int] = variant.pk()

    assert db.Model.__fsa__ is db
    assert User.__fsa__ is db
