"""Automatic ``__tablename__`` on both sides: the name conversion and the inheritance rules."""

from __future__ import annotations

import types
import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from sqlalchemy.orm import Mapped

from tests._support.implementations import Impl
from tests._support.implementations import Variant

# Every row of the reference table (section 1.2.3); the installed 3.1.1 agrees with each.
SNAKE_CASE = [
    ("User", "user"),
    ("HTTPRequest", "http_request"),
    ("UserV2", "user_v2"),
    ("ABC", "abc"),
    ("_Private", "private"),
    ("__Dunder", "dunder"),
    ("UserID", "user_id"),
    ("FooBAR", "foo_bar"),
    ("IDUser", "id_user"),
    ("ABc", "a_bc"),
    ("AbC", "ab_c"),
    ("OAuth2Token", "o_auth2_token"),
    ("UserOAuth", "user_o_auth"),
    ("IPv4Address", "i_pv4_address"),
    ("S3Bucket", "s3_bucket"),
    ("My2FAKey", "my2_fa_key"),
    ("Version2Thing", "version2_thing"),
    ("Foo123bar", "foo123bar"),
    ("Snake_Case", "snake__case"),
    ("My_Model", "my__model"),
    ("CamelCase_", "camel_case_"),
    ("__MyModel__", "my_model__"),
    ("iPhone", "i_phone"),
    ("ID", "id"),
    ("Id", "id"),
    ("getHTTPresponseCode", "get_htt_presponse_code"),
    ("__test__Method", "test___method"),
    ("ÄpfelBaum", "äpfel_baum"),
    ("_", ""),
    ("__", ""),
    ("HTTP2ClientType3EncoderParametersSSE", "http2_client_type3_encoder_parameters_sse"),
]


def subclass(name: str, /, *bases: type, **namespace: t.Any) -> t.Any:
    """A class built at run time, so that its name can be any string."""
    return types.new_class(name, bases, exec_body=lambda ns: ns.update(namespace))


def model(db: t.Any, variant: Variant, name: str, /, *bases: type, **namespace: t.Any) -> t.Any:
    """A model named ``name`` with an integer primary key (replaceable through ``namespace``)."""
    body = {"__annotations__": {"id": Mapped[int]}, "id": variant.pk(), **namespace}
    return subclass(name, *bases, db.Model, **body)


@pytest.mark.parametrize(("name", "expected"), SNAKE_CASE)
def test_camel_to_snake_case(impl: Impl, name: str, expected: str) -> None:
    """``camel_to_snake_case`` converts each reference class name to its table name."""
    assert impl.shim("model").camel_to_snake_case(name) == expected


@pytest.mark.parametrize(("name", "expected"), SNAKE_CASE)
def test_generated_tablename(db: t.Any, variant: Variant, name: str, expected: str) -> None:
    """A model without ``__tablename__`` gets its class name in snake_case."""
    cls = model(db, variant, name)
    assert cls.__dict__["__tablename__"] == expected
    assert cls.__table__.name == expected


def test_explicit_tablename(db: t.Any, variant: Variant) -> None:
    """An explicit ``__tablename__`` is used as given."""
    cls = model(db, variant, "Explicit", __tablename__="given_name")
    assert cls.__table__.name == "given_name"


def test_mixin_literal_tablename(db: t.Any, variant: Variant) -> None:
    """A plain mixin's literal name wins, so a mapped subclass with a key reuses and clashes."""
    named = subclass("Named", __tablename__="from_mixin")
    cls = model(db, variant, "FromMixin", named)
    assert cls.__table__.name == "from_mixin"
    with pytest.raises(sa.exc.InvalidRequestError):
        model(db, variant, "Again", cls, id=variant.pk(sa.ForeignKey("from_mixin.id")))


def upper_name(cls: t.Any) -> str:
    return str(cls.__name__).upper()


def test_mixin_declared_attr_tablename(db: t.Any, variant: Variant) -> None:
    """A mixin's ``declared_attr`` ``__tablename__`` names its models and their children."""
    upper = subclass("Upper", __tablename__=orm.declared_attr.directive(upper_name))
    parent = model(db, variant, "Parent", upper)
    child = model(db, variant, "Child", parent, id=variant.pk(sa.ForeignKey("PARENT.id")))
    assert (parent.__table__.name, child.__table__.name) == ("PARENT", "CHILD")


@pytest.mark.parametrize("directive", [False, True], ids=["declared_attr", "directive"])
def test_model_declared_attr_tablename(db: t.Any, variant: Variant, directive: bool) -> None:
    """A model's ``declared_attr`` name reaches its children; a ``.directive`` one does not."""
    decorator: t.Any = orm.declared_attr.directive if directive else orm.declared_attr
    parent = model(db, variant, "Parent", __tablename__=decorator(upper_name))
    child = model(db, variant, "Child", parent, id=variant.pk(sa.ForeignKey("PARENT.id")))
    assert parent.__table__.name == "PARENT"
    # should_set_tablename only recognises plain declared_attr; in SQLAlchemy 2.x
    # declared_attr.directive is another class, so upstream generates the child's name.
    assert child.__table__.name == ("child" if directive else "CHILD")


def test_mixin_with_only_primary_key(db: t.Any, variant: Variant) -> None:
    """A mixin that brings only the primary key leaves the name generated."""
    # Dataclass variants refuse a plain mixin's mapped field, so the mixin is one too.
    bases = (orm.MappedAsDataclass,) if variant.dataclass else ()
    body = {"__annotations__": {"id": Mapped[int]}, "id": variant.pk()}
    id_mixin = subclass("IdMixin", *bases, **body)
    assert subclass("UsesIdMixin", id_mixin, db.Model).__table__.name == "uses_id_mixin"


def test_abstract_base_without_name(db: t.Any, variant: Variant) -> None:
    """A concrete child of a nameless abstract base gets a name; the base gets none."""
    abstract = subclass("Abstract", db.Model, __abstract__=True)
    child = model(db, variant, "ConcreteChild", abstract)
    assert child.__table__.name == "concrete_child"
    assert "__tablename__" not in abstract.__dict__


def test_abstract_base_with_name(db: t.Any, variant: Variant) -> None:
    """A child of an abstract base that sets ``__tablename__`` inherits that exact name."""
    abstract = subclass("Abstract", db.Model, __abstract__=True, __tablename__="shared_name")
    child = model(db, variant, "ConcreteChild", abstract)
    assert child.__table__.name == "shared_name"


def test_joined_inheritance_child(db: t.Any, variant: Variant) -> None:
    """A child with its own foreign-key primary key gets its own generated name."""
    parent = model(db, variant, "Base2", __tablename__="base_two")
    child = model(db, variant, "Child2", parent, id=variant.pk(sa.ForeignKey("base_two.id")))
    assert child.__table__.name == "child2"
    assert child.__dict__["__tablename__"] == "child2"


def test_single_table_child_and_grandchild(db: t.Any, variant: Variant) -> None:
    """Children without a primary key share the parent's table and get no name of their own."""
    parent = model(db, variant, "Parent")
    column = variant.column(init_default=None)
    child = subclass("Child", parent, __annotations__={"extra": Mapped[str | None]}, extra=column)
    grandchild = subclass("Grandchild", child)
    for cls in (child, grandchild):
        assert cls.__table__ is parent.__table__
        assert "__tablename__" not in cls.__dict__
        assert "__table__" not in cls.__dict__
    assert "extra" in parent.__table__.c


def test_tablename_none_is_single_table(db: t.Any, variant: Variant) -> None:
    """A child that sets ``__tablename__ = None`` maps onto its parent's table."""
    parent = model(db, variant, "Parent")
    assert subclass("Child", parent, __tablename__=None).__table__ is parent.__table__


def test_schema_in_table_args(db: t.Any, variant: Variant) -> None:
    """With a schema in ``__table_args__`` the name is still generated, keyed with the schema."""
    cls = model(db, variant, "Sch", __table_args__={"schema": "other"})
    assert cls.__table__.name == "sch"
    assert db.metadata.tables["other.sch"] is cls.__table__


def test_explicit_table(db: t.Any, variant: Variant) -> None:
    """An explicit ``__table__`` is used, and a generated name still lands in the class dict."""
    table = db.Table("given", sa.Column("id", sa.Integer, primary_key=True))
    if variant.dataclass:
        # SQLAlchemy itself refuses a dataclass model with a __table__ (2.0.36 and later).
        with pytest.raises(sa.exc.InvalidRequestError):
            subclass("WithTable", db.Model, __table__=table)
        return
    cls = subclass("WithTable", db.Model, __table__=table)
    assert cls.__table__ is table
    assert cls.__dict__["__tablename__"] == "with_table"


def test_no_primary_key(db: t.Any, variant: Variant) -> None:
    """A model without a primary key or a mapped parent gets SQLAlchemy's ArgumentError."""
    body = {"__annotations__": {"name": Mapped[str]}, "name": orm.mapped_column()}
    with pytest.raises(sa.exc.ArgumentError):
        subclass("NoPk", db.Model, **body)


@pytest.mark.parametrize("bind_key", [None, "other"])
def test_existing_table_picked_up_by_name(
    db: t.Any, variant: Variant, bind_key: str | None
) -> None:
    """A ``db.Table`` already in the model's metadata is mapped by the generated name."""
    column = sa.Column("id", sa.Integer, primary_key=True)
    table = db.Table("pre_existing", column, bind_key=bind_key)
    assert subclass("PreExisting", db.Model, __bind_key__=bind_key).__table__ is table


def test_disable_autonaming(make_db: t.Callable[..., t.Any], variant: Variant) -> None:
    """With ``disable_autonaming`` a model needs a name; named models and STI children work."""
    db = make_db(disable_autonaming=True)
    with pytest.raises(sa.exc.InvalidRequestError):
        model(db, variant, "Unnamed")
    parent = model(db, variant, "Parent", __tablename__="parent_table")
    assert parent.__table__.name == "parent_table"
    assert subclass("Child", parent).__table__ is parent.__table__


def test_should_set_tablename(impl: Impl, db: t.Any, variant: Variant) -> None:
    """``should_set_tablename`` is False for abstract, plain, base and named classes."""
    should_set = impl.shim("model").should_set_tablename
    parent = model(db, variant, "Parent")
    assert not should_set(subclass("Plain"))
    assert not should_set(subclass("Direct", orm.DeclarativeBase))
    assert not should_set(db.Model)
    assert not should_set(subclass("Abstract", db.Model, __abstract__=True))
    # A class whose own dict holds the name keeps it; an STI child inherits a mapped name.
    assert not should_set(parent)
    assert should_set(subclass("Child", parent))
