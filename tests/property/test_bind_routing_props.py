"""Bind-routing properties: the same statements land in, and read from, the same database.

Models and ``db.Table`` objects are assigned to the default bind, the bind ``"other"``
or an unconfigured key (directly, through an abstract parent, a mixin or the
``model_class`` base, or inherited by a joined-table child); a drawn sequence of ORM and
Core statements (including ``text()`` and Core selects of model tables, which upstream
sends to the default engine) runs on each side, one app context each. What each
statement returns or raises, and every table's rows in both databases afterwards, are
compared.
"""

from __future__ import annotations

import functools
import types
import typing as t

import hypothesis
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm

from tests._support.implementations import Impl
from tests._support.postgresql import Database
from tests._support.postgresql import Server
from tests._support.properties import IMPLS
from tests._support.properties import Databases
from tests._support.properties import observe
from tests._support.properties import postgresql_databases
from tests._support.properties import postgresql_settings
from tests._support.properties import side
from tests._support.properties import sqlite_databases
from tests._support.properties import table_rows
from tests.property import strategies
from tests.property.strategies import BindLayout
from tests.property.strategies import BindOperation


def _model_class(impl: Impl, layout: BindLayout) -> type[t.Any]:
    """A fresh ``model_class`` of the layout's style, with the base's bind key if any."""
    body: dict[str, t.Any] = {}
    for key in layout.base_keys:
        body["__bind_key__"] = key
    parent = {
        "legacy": impl.shim("model").Model,
        "declarative": orm.DeclarativeBase,
        "nometa": orm.DeclarativeBaseNoMeta,
    }[layout.base]
    return types.new_class("Base", (parent,), exec_body=lambda ns: ns.update(body))


def _model(db: t.Any, number: int, bind_key: str | None, how: str, previous: t.Any) -> t.Any:
    """Model ``M<number>`` on table ``m<number>``, its bind key set as ``how`` says."""
    body: dict[str, t.Any] = {"__tablename__": f"m{number}"}
    if how == "joined":
        body["id"] = orm.mapped_column(sa.ForeignKey(previous.id), primary_key=True)
        return types.new_class(f"M{number}", (previous,), exec_body=lambda ns: ns.update(body))
    body["id"] = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    body["n"] = orm.mapped_column(sa.Integer)
    key = {"__bind_key__": bind_key}
    if how == "direct":
        body.update(key)
        bases: tuple[type, ...] = (db.Model,)
    elif how == "abstract":
        abstract = {"__abstract__": True, **key}
        bases = (
            types.new_class(
                f"Abstract{number}", (db.Model,), exec_body=lambda ns: ns.update(abstract)
            ),
        )
    else:
        bases = (type(f"Mixin{number}", (), key), db.Model)
    return types.new_class(f"M{number}", bases, exec_body=lambda ns: ns.update(body))


def _table(db: t.Any, number: int, bind_key: str | None) -> sa.Table:
    return t.cast(
        sa.Table,
        db.Table(
            f"t{number}",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("n", sa.Integer),
            bind_key=bind_key,
        ),
    )


def _statement(
    db: t.Any, models: list[type[t.Any]], tables: list[sa.Table], op: BindOperation
) -> object:
    """Run one statement in the current app context; its result as plain values."""
    session = db.session
    if op.kind in ("insert", "update", "select_table"):
        table = tables[op.target]
        if op.kind == "select_table":
            return [tuple(row) for row in session.execute(sa.select(table).order_by(table.c.id))]
        if op.kind == "insert":
            statement: t.Any = sa.insert(table).values(id=op.key, n=op.value)
        else:
            statement = sa.update(table).where(table.c.id == op.key).values(n=op.value)
        count = session.execute(statement).rowcount
        session.commit()
        return count
    model = models[op.target]
    if op.kind in ("add", "bulk_insert", "orm_update"):
        if op.kind == "add":
            session.add(model(id=op.key, n=op.value))
        elif op.kind == "bulk_insert":
            session.execute(sa.insert(model), [{"id": op.key, "n": op.value}])
        else:
            session.execute(sa.update(model).where(model.id == op.key).values(n=op.value))
        session.commit()
        return None
    if op.kind == "get":
        found = session.get(model, op.key)
        return None if found is None else (found.id, found.n)
    local_table = sa.inspect(model).local_table
    if op.kind == "count_model":
        return session.execute(sa.select(sa.func.count()).select_from(model)).scalar()
    if op.kind == "select_model_table":
        return [tuple(row) for row in session.execute(sa.select(local_table))]
    if op.kind == "text":
        return session.execute(sa.text(f"SELECT count(*) FROM {local_table.name}")).scalar()
    if op.kind == "query_model":
        rows = model.query.order_by(model.id).all()
    else:
        rows = session.execute(sa.select(model).order_by(model.id)).scalars().all()
    return [(row.id, row.n) for row in rows]


def _run(impl: Impl, database: Database, layout: BindLayout) -> object:
    with side(impl, database, binds=True, model_class=_model_class(impl, layout)) as (app, db):
        models: list[t.Any] = []
        for number, (key, how) in enumerate(layout.models):
            models.append(_model(db, number, key, how, models[-1] if models else None))
        tables = [_table(db, i, key) for i, key in enumerate(layout.tables)]
        with app.app_context():
            # Only the configured binds; "__all__" would fail on a "missing" key.
            db.create_all(bind_key=[None, "other"])
        results = []
        for op in layout.operations:
            with app.app_context():
                results.append(observe(functools.partial(_statement, db, models, tables, op)))
        with app.app_context():
            stored = {key: table_rows(engine) for key, engine in db.engines.items()}
        return results, stored


def _check(databases: Databases, layout: BindLayout) -> None:
    outcomes = []
    for impl in IMPLS:
        with databases() as database:
            outcomes.append(_run(impl, database, layout))
    upstream, ours = outcomes
    assert ours == upstream


@hypothesis.given(layout=strategies.bind_layouts())
def test_bind_routing_matches_on_sqlite(layout: BindLayout) -> None:
    """Any bind assignment and statements write and read the same databases on SQLite."""
    _check(sqlite_databases, layout)


@pytest.mark.postgresql
@postgresql_settings()
@hypothesis.given(layout=strategies.bind_layouts())
def test_bind_routing_matches_on_postgresql(postgresql_server: Server, layout: BindLayout) -> None:
    """Any bind assignment and statements write and read the same databases on PostgreSQL."""
    _check(postgresql_databases(postgresql_server), layout)
