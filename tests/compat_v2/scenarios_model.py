"""Scenarios of 2.x's ``db.Model``: table names, bind keys, repr, ``db.Table``, metadata."""

from __future__ import annotations

import itertools
import types
import typing as t
from pathlib import Path

import sqlalchemy as sa

from tests._support.v2_scenarios import make_app
from tests._support.v2_scenarios import outcome
from tests._support.v2_scenarios import scenario

# Pieces of class names: runs of capitals, words, digits, underscores, and their mixes.
_TOKENS = ["A", "AB", "ABC", "a", "ab", "Abc", "1", "12", "_", "3D", "Url", "HTTP", "V2", "iD"]


def class_names() -> list[str]:
    """Every name of one to three tokens (about 3000): where 2.x's rule might break."""
    names = {"".join(parts) for n in (1, 2, 3) for parts in itertools.product(_TOKENS, repeat=n)}
    return sorted(names)


@scenario
def camel_to_snake_case(fsa: t.Any, tmp: Path) -> t.Any:
    """2.x's table name of each class name, from the model module's function."""
    return {name: fsa.model.camel_to_snake_case(name) for name in class_names()}


def _model(db: t.Any, class_name: str, base: t.Any = None, /, **namespace: t.Any) -> t.Any:
    body = {"__module__": __name__, **namespace}
    return types.new_class(class_name, (base or db.Model,), exec_body=lambda ns: ns.update(body))


@scenario
def model_table_names(fsa: t.Any, tmp: Path) -> t.Any:
    """The ``__tablename__`` of real models, inheritance included."""
    db = fsa.SQLAlchemy(make_app())
    names = {}
    for name in ["User", "FOOBar", "HTTPRequest", "Test3D", "ABC1", "UserV2", "My_Model", "ID"]:
        model = _model(db, name, id=sa.Column(sa.Integer, primary_key=True))
        names[name] = model.__tablename__
    duck = _model(
        db,
        "Duck",
        id=sa.Column(sa.Integer, primary_key=True),
        kind=sa.Column(sa.String),
        __mapper_args__={"polymorphic_on": "kind", "polymorphic_identity": "duck"},
    )
    mallard = _model(db, "Mallard", duck, __mapper_args__={"polymorphic_identity": "m"})
    rubber = _model(
        db,
        "RubberDuck",
        duck,
        id=sa.Column(sa.ForeignKey("duck.id"), primary_key=True),
        __mapper_args__={"polymorphic_identity": "r"},
    )
    abstract = _model(db, "Base3D", __abstract__=True, id=sa.Column(sa.Integer, primary_key=True))
    concrete = _model(db, "Concrete3D", abstract)
    kind, message = outcome(lambda: _model(db, "NoKey"))
    return {
        "names": names,
        "single": [mallard.__tablename__, "__tablename__" in vars(mallard)],
        "single table is parent's": mallard.__table__ is duck.__table__,
        "joined": rubber.__tablename__,
        "abstract": ["__tablename__" in vars(abstract), concrete.__tablename__],
        # SQLAlchemy's message names the mapper differently in 1.4 and 2.x.
        "no primary key": [kind, "could not assemble any primary key" in str(message)],
        "tables": sorted(db.metadata.tables),
    }


def _pk() -> dict[str, t.Any]:
    return {"id": sa.Column(sa.Integer, primary_key=True)}


@scenario
def bind_key_info(fsa: t.Any, tmp: Path) -> t.Any:
    """``__bind_key__`` goes into ``Table.info``; every table is in the one metadata."""
    db = fsa.SQLAlchemy(make_app(SQLALCHEMY_BINDS={"foo": "sqlite://", "bar": "sqlite://"}))
    _model(db, "Foo", __bind_key__="foo", **_pk())
    _model(db, "Plain", **_pk())
    abstract = _model(db, "FooBase", __abstract__=True, __bind_key__="foo")
    _model(db, "FooChild", abstract, **_pk())
    parent = _model(
        db,
        "Parent",
        __bind_key__="bar",
        id=sa.Column(sa.Integer, primary_key=True),
        kind=sa.Column(sa.String),
        __mapper_args__={"polymorphic_on": "kind", "polymorphic_identity": "p"},
    )
    _model(db, "Child", parent, __mapper_args__={"polymorphic_identity": "c"})
    _model(db, "Joined", parent, id=sa.Column(sa.ForeignKey("parent.id"), primary_key=True))
    _model(db, "Explicit", __table_args__={"info": {"bind_key": "foo", "x": 1}}, **_pk())
    db.Table("assoc", sa.Column("id", sa.Integer, primary_key=True))
    db.Table("tagged", sa.Column("id", sa.Integer, primary_key=True), info={"bind_key": "bar"})
    db.Table("with_metadata", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("plain_table", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    info = {name: dict(table.info) for name, table in db.metadata.tables.items()}
    keys = (None, "foo", "bar", "nope")
    return {
        "info": info,
        "one metadata": all(
            m.local_table.metadata is db.metadata for m in db.Model.registry.mappers
        ),
        "tables for bind": {
            str(key): sorted(t.name for t in db.get_tables_for_bind(key)) for key in keys
        },
        "db.Table is a Table": isinstance(db.metadata.tables["assoc"], sa.Table),
    }


@scenario
def reprs(fsa: t.Any, tmp: Path) -> t.Any:
    """``repr`` of models (transient, pending, persistent, composite, bytes keys) and db."""
    db = fsa.SQLAlchemy(make_app())
    user = _model(db, "User", name=sa.Column(sa.String, primary_key=True))
    report = _model(
        db,
        "Report",
        id=sa.Column(sa.Integer, primary_key=True, autoincrement=False),
        user_name=sa.Column(sa.ForeignKey("user.name"), primary_key=True),
    )
    blob = _model(db, "Blob", key=sa.Column(sa.LargeBinary, primary_key=True))
    db.create_all()
    seen = {}
    instance = user(name="ann")
    seen["transient"] = repr(instance).replace(str(id(instance)), "<id>")
    db.session.add(instance)
    seen["pending"] = repr(instance).replace(str(id(instance)), "<id>")
    db.session.flush()
    seen["persistent"] = repr(instance)
    row = report(id=2, user_name="ann")
    binary = blob(key="é".encode())
    db.session.add_all([row, binary])
    db.session.flush()
    seen["composite"] = repr(row)
    seen["bytes"] = repr(binary)
    seen["str"] = str(row)
    seen["db"] = repr(db)
    seen["unbound db"] = repr(fsa.SQLAlchemy())
    return seen


@scenario
def metadata_argument(fsa: t.Any, tmp: Path) -> t.Any:
    """``metadata=`` becomes ``db.metadata``; ``model_class`` customises ``db.Model``."""

    class Named(sa.MetaData):
        pass

    metadata = Named(naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"})

    class Custom(fsa.Model):
        def hello(self) -> str:
            return "hi"

    db = fsa.SQLAlchemy(make_app(), metadata=metadata, model_class=Custom)
    thing = _model(
        db,
        "Thing",
        id=sa.Column(sa.Integer, primary_key=True),
        code=sa.Column(sa.Integer, unique=True),
    )
    constraints = sorted(str(c.name) for c in thing.__table__.constraints if c.name)
    return {
        "is": [db.metadata is metadata, db.Model.metadata is metadata],
        "class": type(db.metadata).__name__,
        "constraints": constraints,
        "custom": [isinstance(thing(), Custom), thing().hello()],
        "metadata info": dict(metadata.info),
        "query_class": db.Model.query_class.__name__,
    }
