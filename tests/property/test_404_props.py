"""404-helper properties: the same lookups over the same rows return the same or 404 alike.

Each lookup runs in its own app context (a fresh session) through ``db.get_or_404`` and
friends, fss_compat's plain functions (compared with the ``db`` methods) or
``Model.query``'s methods. Returned rows are compared as ``(key..., value)`` tuples, a
404 by its code and description, anything else by exception type; warnings too.
"""

from __future__ import annotations

import functools
import typing as t

import hypothesis
import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
from werkzeug.exceptions import NotFound

import fss_compat
from fss_compat import differences
from tests._support.implementations import Impl
from tests._support.postgresql import Database
from tests._support.postgresql import Server
from tests._support.properties import IMPLS
from tests._support.properties import Databases
from tests._support.properties import Outcome
from tests._support.properties import observe
from tests._support.properties import plain
from tests._support.properties import postgresql_databases
from tests._support.properties import postgresql_settings
from tests._support.properties import side
from tests._support.properties import sqlite_databases
from tests.property import strategies
from tests.property.strategies import Lookup
from tests.property.strategies import LookupScenario


def _define(db: t.Any, shape: str) -> tuple[type[t.Any], list[str]]:
    """The model for a key shape (``Pair`` for the composite one), and its key columns."""
    if shape == "composite":

        class Pair(db.Model):
            a = orm.mapped_column(sa.Integer, primary_key=True, autoincrement=False)
            b = orm.mapped_column(sa.String(8), primary_key=True)
            value = orm.mapped_column(sa.Integer, nullable=True)

        return Pair, ["a", "b"]
    key_type = sa.Integer if shape == "int" else sa.String(8)

    class Thing(db.Model):
        id = orm.mapped_column(key_type, primary_key=True, autoincrement=False)
        value = orm.mapped_column(sa.Integer, nullable=True)

    return Thing, ["id"]


def _row(model: type[t.Any], keys: list[str], value: object) -> object:
    """A returned model as ``(key..., value)``; a ``Row`` as a tuple; others as they are."""
    if isinstance(value, model):
        return plain(tuple(getattr(value, name) for name in [*keys, "value"]))
    if isinstance(value, sa.Row):
        return plain(tuple(value))
    return plain(value)


def _lookup(impl: Impl, db: t.Any, model: type[t.Any], keys: list[str], lookup: Lookup) -> object:
    """Run one lookup in the current app context and return its result as plain values."""
    description = lookup.description
    if lookup.helper == "get":
        if lookup.via == "query":
            return _row(model, keys, model.query.get_or_404(lookup.ident, description))
        if lookup.via == "function" and not impl.is_fsa:
            found = fss_compat.get_or_404(
                db.session, model, lookup.ident, description=description, **lookup.options
            )
            return _row(model, keys, found)
        found = db.get_or_404(model, lookup.ident, description=description, **lookup.options)
        return _row(model, keys, found)
    kind, argument = lookup.where
    key_columns = [getattr(model, name) for name in keys]
    condition: t.Any = sa.true()
    if kind == "value":
        condition = model.value.is_(None) if argument is None else model.value == argument
    elif kind == "keys":
        wanted = list(t.cast("tuple[t.Any, ...]", argument))
        if len(key_columns) == 1:
            condition = key_columns[0].in_(wanted)
        else:
            condition = sa.tuple_(*key_columns).in_(wanted) if wanted else sa.false()
    order = [column.desc() if lookup.descending else column for column in key_columns]
    if lookup.via == "query":
        query = (db.session.query(model.value) if lookup.column else model.query).filter(condition)
        query = query.order_by(*order)
        if lookup.helper == "first":
            return _row(model, keys, query.first_or_404(description))
        return _row(model, keys, query.one_or_404(description))
    select = sa.select(model.value if lookup.column else model).where(condition).order_by(*order)
    if lookup.via == "function" and not impl.is_fsa:
        helper = fss_compat.first_or_404 if lookup.helper == "first" else fss_compat.one_or_404
        return _row(model, keys, helper(db.session, select, description=description))
    method = db.first_or_404 if lookup.helper == "first" else db.one_or_404
    return _row(model, keys, method(select, description=description))


def _run(impl: Impl, database: Database, scenario: LookupScenario) -> list[Outcome]:
    with side(impl, database) as (app, db):
        model, keys = _define(db, scenario.key_shape)
        with app.app_context():
            db.create_all()
            for key, value in scenario.rows:
                values = key if isinstance(key, tuple) else (key,)
                db.session.add(model(**dict(zip(keys, values, strict=True)), value=value))
            db.session.commit()
        outcomes = []
        for lookup in scenario.lookups:
            with app.app_context():
                outcomes.append(observe(functools.partial(_lookup, impl, db, model, keys, lookup)))
        return outcomes


def _impossible(shape: str, ident: object, postgresql: bool) -> bool:
    """Whether no key can equal ``ident``: text that ``int()`` refuses, or an integer out
    of range, for the integer key column (the first one in both shapes that have one)."""
    if shape == "str" or isinstance(ident, dict):
        return False
    values = tuple(ident) if isinstance(ident, (tuple, list)) else (ident,)
    if len(values) != (1 if shape == "int" else 2) or isinstance(values[0], bool):
        return False
    if isinstance(values[0], str):
        try:
            number = int(values[0])
        except ValueError:
            return True
    elif isinstance(values[0], int):
        number = values[0]
    else:
        return False
    # PostgreSQL enforces the 32-bit range of INTEGER; SQLite has 64-bit integers.
    limit = 2**31 if postgresql else 2**63
    return not -limit <= number < limit


def _tolerating(
    scenario: LookupScenario, ours: list[Outcome], upstream: list[Outcome], postgresql: bool
) -> list[Outcome]:
    """``ours``, with each impossible identity's 404 taken as upstream's outcome.

    Difference ``get-or-404-impossible-identifier``: fss_compat answers 404 without a
    query (so without ``Query.get``'s warning), where upstream's database may raise.
    """
    tolerated = []
    for lookup, mine, theirs in zip(scenario.lookups, ours, upstream, strict=True):
        impossible = lookup.helper == "get" and _impossible(
            scenario.key_shape, lookup.ident, postgresql
        )
        if mine != theirs and impossible:
            differences.get("get-or-404-impossible-identifier")
            refused = theirs.raised is sa_exc.DataError
            not_found = theirs.raised is NotFound and theirs.http == mine.http
            if mine.raised is NotFound and not mine.warned and (refused or not_found):
                mine = theirs
        tolerated.append(mine)
    return tolerated


def _check(databases: Databases, scenario: LookupScenario) -> None:
    outcomes = []
    for impl in IMPLS:
        with databases() as database:
            postgresql = database.is_postgresql
            outcomes.append(_run(impl, database, scenario))
    upstream, ours = outcomes
    for outcome in upstream:
        hypothesis.event("outcome", "found" if outcome.raised is None else outcome.raised.__name__)
    assert _tolerating(scenario, ours, upstream, postgresql) == upstream


@hypothesis.given(scenario=strategies.lookup_scenarios())
def test_404_helpers_match_on_sqlite(scenario: LookupScenario) -> None:
    """Any rows and lookups give the same values, 404s and errors on SQLite."""
    _check(sqlite_databases, scenario)


@pytest.mark.postgresql
@postgresql_settings()
@hypothesis.given(scenario=strategies.lookup_scenarios())
def test_404_helpers_match_on_postgresql(
    postgresql_server: Server, scenario: LookupScenario
) -> None:
    """Any rows and lookups give the same values, 404s and errors on PostgreSQL."""
    _check(postgresql_databases(postgresql_server), scenario)
