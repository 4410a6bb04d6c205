"""Table-name properties: the same class names and shapes give the same tables on both sides.

A drawn hierarchy (mixins, abstract classes, models, joined and single-table
inheritance, explicit ``__tablename__`` / ``__table__``, ``declared_attr`` and its
``directive`` form, schemas, tables declared before their model) is defined on each
side's ``db.Model`` (the default one, or a ``DeclarativeBase`` / ``DeclarativeBaseNoMeta``
base); each class's table, its own ``__tablename__`` and ``__table__`` entries, and each
metadata's tables are compared, or the exception type of the first class that fails.
``camel_to_snake_case`` itself is compared on any text.
"""

from __future__ import annotations

import functools
import types
import typing as t

import hypothesis
import sqlalchemy as sa
import sqlalchemy.orm as orm

from tests._support.implementations import Impl
from tests._support.postgresql import Database
from tests._support.properties import IMPLS
from tests._support.properties import Outcome
from tests._support.properties import observe
from tests._support.properties import scaled_settings
from tests._support.properties import side
from tests._support.properties import sqlite_databases
from tests.property import strategies
from tests.property.strategies import ClassShape
from tests.property.strategies import Hierarchy

_ABSENT = "<absent>"


def _declared_name(cls: type) -> str:
    return f"declared_{cls.__name__.lower()}"


def _model_class(hierarchy: Hierarchy) -> type[t.Any] | None:
    """A fresh base for the hierarchy's style; ``None`` keeps the default ``db.Model``."""
    if hierarchy.base == "declarative":
        return types.new_class("Base", (orm.DeclarativeBase,))
    if hierarchy.base == "nometa":
        return types.new_class("Base", (orm.DeclarativeBaseNoMeta,))
    return None


def _namespace(db: t.Any, shape: ClassShape, parent: type[t.Any]) -> dict[str, t.Any]:
    namespace: dict[str, t.Any] = {}
    if shape.kind == "abstract":
        namespace["__abstract__"] = True
    if shape.tablename == "literal":
        namespace["__tablename__"] = shape.literal
    elif shape.tablename == "none":
        namespace["__tablename__"] = None
    elif shape.tablename == "declared_attr":
        # declared_attr's stubs expect a mapped attribute; a name is a str.
        namespace["__tablename__"] = orm.declared_attr(t.cast("t.Any", _declared_name))
    elif shape.tablename == "directive":
        # The typed spelling, which is not a declared_attr instance.
        namespace["__tablename__"] = orm.declared_attr.directive(_declared_name)
    schema = {"schema": "s"} if shape.schema else {}
    if shape.table:
        namespace["__table__"] = db.Table(
            shape.literal, sa.Column("id", sa.Integer, primary_key=True), **schema
        )
        return namespace
    if schema:
        namespace["__table_args__"] = schema
    mapper = sa.inspect(parent, raiseerr=False) if shape.kind != "mixin" else None
    if shape.key == "foreign" and mapper is not None:
        namespace["id"] = orm.mapped_column(
            sa.ForeignKey(mapper.local_table.c.id), primary_key=True
        )
    elif shape.key != "none":
        namespace["id"] = orm.mapped_column(sa.Integer, primary_key=True)
    return namespace


def _new_class(name: str, bases: tuple[type, ...], namespace: dict[str, t.Any]) -> type:
    return types.new_class(name, bases, exec_body=lambda body: body.update(namespace))


def _shown(value: object) -> object:
    """A class attribute as a plain value: strings and None as they are, others by type."""
    return value if value is None or isinstance(value, str) else type(value).__name__


def _define(impl: Impl, db: t.Any, hierarchy: Hierarchy) -> list[object]:
    """Define the classes in order; what each one looks like, or the first failure."""
    for index in hierarchy.tables:
        shape = hierarchy.shapes[index]
        name = impl.shim("model").camel_to_snake_case(shape.name)
        schema = "s" if shape.schema else None
        db.Table(name, sa.Column("id", sa.Integer, primary_key=True), schema=schema)
    classes: list[type[t.Any]] = []
    seen: list[object] = []
    for shape in hierarchy.shapes:
        parent = db.Model if shape.parent is None else classes[shape.parent]
        bases = () if shape.kind == "mixin" else (*(classes[i] for i in shape.mixins), parent)
        namespace = _namespace(db, shape, parent)
        outcome = observe(functools.partial(_new_class, shape.name, bases, namespace))
        if outcome.raised is not None:
            seen.append(outcome)
            return seen
        cls = t.cast("type[t.Any]", outcome.value)
        classes.append(cls)
        mapper = sa.inspect(cls, raiseerr=False)
        seen.append(
            (
                None if mapper is None else mapper.local_table.fullname,
                _shown(cls.__dict__.get("__tablename__", _ABSENT)),
                "__table__" in cls.__dict__,
                outcome.warned,
            )
        )
    seen.append(observe(lambda: db.Model.registry.configure()))
    seen.append({key: sorted(metadata.tables) for key, metadata in db.metadatas.items()})
    return seen


def _run(impl: Impl, hierarchy: Hierarchy) -> Outcome:
    options: dict[str, t.Any] = {"disable_autonaming": hierarchy.disable_autonaming}
    model_class = _model_class(hierarchy)
    if model_class is not None:
        options["model_class"] = model_class
    with sqlite_databases() as database:
        return observe(lambda: _enter(impl, database, hierarchy, options))


def _enter(
    impl: Impl, database: Database, hierarchy: Hierarchy, options: dict[str, t.Any]
) -> object:
    with side(impl, database, **options) as (_, db):
        return _define(impl, db, hierarchy)


# Examples are cheap (no database) and the space of class shapes is large.
@scaled_settings(4)
@hypothesis.given(hierarchy=strategies.hierarchies())
def test_table_names_match(hierarchy: Hierarchy) -> None:
    """Any class names and shapes give the same table names, or fail alike."""
    upstream, ours = (_run(impl, hierarchy) for impl in IMPLS)
    hypothesis.event("classes", _kind(upstream))
    assert ours == upstream


def _kind(outcome: Outcome) -> str:
    if outcome.raised is not None:
        return outcome.raised.__name__
    for entry in t.cast("list[object]", outcome.value):
        if isinstance(entry, Outcome) and entry.raised is not None:
            return entry.raised.__name__
    return "mapped"


@scaled_settings(4)
@hypothesis.given(name=strategies.any_names())
def test_camel_to_snake_case_matches(name: str) -> None:
    """``camel_to_snake_case`` converts any text, ASCII or not, the same way."""
    upstream, ours = (impl.shim("model").camel_to_snake_case(name) for impl in IMPLS)
    assert ours == upstream
