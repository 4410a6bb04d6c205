"""Keyset and row pagination properties, differential against the database's own ordering.

Keyset: for generated rows full of ties and NULLs and any ``ORDER BY`` (one to three terms,
either direction, with or without ``NULLS FIRST``/``LAST``, with or without the primary
key), following ``next_cursor`` from the first page to the last, then ``prev_cursor``
back to the first, returns every row exactly once, in the order the database returns the
statement with its tie-breaker (the primary key, appended in the last term's direction).
The reference is the full ``ORDER BY`` query; keyset pages only ever see ``WHERE``
conditions, so any mistake in the NULL or tie handling shows as a missing, repeated or
misplaced row.

Rows: ``paginate(..., rows=True)`` returns, page by page, exactly the rows ``LIMIT``/
``OFFSET`` returns for the same statement, and ``total`` is their number.

Both run on SQLite and on the test PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import typing as t
from collections.abc import Iterator

import hypothesis
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import keyset_paginate
from fss_compat import paginate
from fss_compat.core.counting import _AnySelect
from tests._support.postgresql import Server
from tests._support.properties import Databases
from tests._support.properties import postgresql_databases
from tests._support.properties import postgresql_settings
from tests._support.properties import sqlite_databases
from tests.property import strategies
from tests.property.strategies import KeysetScenario
from tests.property.strategies import SortTerm

KEY = "property secret"


class Base(orm.DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "sorted_row"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    a: orm.Mapped[int | None] = orm.mapped_column()
    b: orm.Mapped[str | None] = orm.mapped_column(sa.String(4))
    c: orm.Mapped[int] = orm.mapped_column()


@contextlib.contextmanager
def _session(databases: Databases, scenario: KeysetScenario) -> Iterator[orm.Session]:
    with databases() as database:
        engine = sa.create_engine(database.url)
        try:
            Base.metadata.create_all(engine)
            with orm.Session(engine) as session:
                if scenario.rows:
                    rows = [{"a": a, "b": b, "c": c} for a, b, c in scenario.rows]
                    session.execute(sa.insert(Row), rows)
                yield session
        finally:
            engine.dispose()


def _term(term: SortTerm) -> t.Any:
    column = getattr(Row, term.column)
    clause = column.desc() if term.descending else column.asc()
    if term.nulls == "first":
        return clause.nulls_first()
    if term.nulls == "last":
        return clause.nulls_last()
    return clause


def _statements(scenario: KeysetScenario) -> tuple[_AnySelect, _AnySelect]:
    """The statement to page, and the same with the tie-breaker keyset pagination adds."""
    select: _AnySelect = (
        sa.select(Row.a, Row.b, Row.c, Row.id) if scenario.rows_mode else sa.select(Row)
    )
    if scenario.where is not None:
        select = select.where(Row.c <= scenario.where)
    terms = [_term(term) for term in scenario.order]
    reference = select.order_by(*terms)
    if all(term.column != "id" for term in scenario.order):
        last = scenario.order[-1].descending
        reference = reference.order_by(Row.id.desc() if last else Row.id.asc())
    return select.order_by(*terms), reference


def _ids(items: t.Iterable[t.Any]) -> list[int]:
    return [item.id for item in items]


def _walk(session: orm.Session, scenario: KeysetScenario) -> tuple[list[int], list[int], int]:
    select, _ = _statements(scenario)

    def page(cursor: str | None) -> t.Any:
        return keyset_paginate(
            session,
            select,
            cursor=cursor,
            per_page=scenario.per_page,
            rows=scenario.rows_mode,
            secret_key=KEY,
        )

    current = page(None)
    forward, pages = _ids(current), 1
    while current.has_next:
        current = page(current.next_cursor)
        forward += _ids(current)
        pages += 1
        assert pages <= len(scenario.rows) + 1, "the walk does not end"
    backward = _ids(current)
    while current.has_prev:
        current = page(current.prev_cursor)
        backward = _ids(current) + backward
        pages += 1
        assert pages <= 2 * len(scenario.rows) + 2, "the walk back does not end"
    return forward, backward, pages


def _check_keyset(databases: Databases, scenario: KeysetScenario) -> None:
    with _session(databases, scenario) as session:
        _, reference = _statements(scenario)
        result = session.execute(reference)
        expected = _ids(result if scenario.rows_mode else result.scalars())
        forward, backward, pages = _walk(session, scenario)
    hypothesis.event("pages walked", "1" if pages == 1 else "2-5" if pages <= 5 else "6+")
    hypothesis.event("NULLs", "some" if any(None in row for row in scenario.rows) else "none")
    assert forward == expected
    assert backward == expected


@hypothesis.given(scenario=strategies.keyset_scenarios())
def test_keyset_walks_every_row_once_on_sqlite(scenario: KeysetScenario) -> None:
    """Forward and back, every row once, in the statement's order, on SQLite."""
    _check_keyset(sqlite_databases, scenario)


@pytest.mark.postgresql
@postgresql_settings()
@hypothesis.given(scenario=strategies.keyset_scenarios())
def test_keyset_walks_every_row_once_on_postgresql(
    postgresql_server: Server, scenario: KeysetScenario
) -> None:
    """Forward and back, every row once, in the statement's order, on PostgreSQL."""
    _check_keyset(postgresql_databases(postgresql_server), scenario)


def _row_statement(scenario: KeysetScenario) -> _AnySelect:
    """A statement of rows: columns in the scenario's order, or counts grouped by ``c``."""
    if scenario.rows_mode:
        return sa.select(Row.a, Row.b, Row.id).order_by(
            *(_term(term) for term in scenario.order), Row.id
        )
    grouped = sa.select(Row.c, sa.func.count(), sa.func.max(Row.a)).group_by(Row.c)
    return grouped.order_by(Row.c.desc() if scenario.order[0].descending else Row.c)


def _check_rows(databases: Databases, scenario: KeysetScenario) -> None:
    select = _row_statement(scenario)
    with _session(databases, scenario) as session:
        every = [tuple(row) for row in session.execute(select)]
        number, seen = 1, []
        while True:
            page = paginate(session, select, page=number, per_page=scenario.per_page, rows=True)
            offset = (number - 1) * scenario.per_page
            expected = session.execute(select.limit(scenario.per_page).offset(offset))
            assert [tuple(row) for row in page] == [tuple(row) for row in expected]
            assert page.total == len(every)
            seen += [tuple(row) for row in page]
            if not page.has_next:
                break
            number += 1
    assert seen == every


@hypothesis.given(scenario=strategies.keyset_scenarios())
def test_row_pages_are_limit_offset_on_sqlite(scenario: KeysetScenario) -> None:
    """Row pages are the statement's LIMIT/OFFSET rows, and add up to all of them, on SQLite."""
    _check_rows(sqlite_databases, scenario)


@pytest.mark.postgresql
@postgresql_settings()
@hypothesis.given(scenario=strategies.keyset_scenarios())
def test_row_pages_are_limit_offset_on_postgresql(
    postgresql_server: Server, scenario: KeysetScenario
) -> None:
    """Row pages are the statement's LIMIT/OFFSET rows, and add up to all of them, on PostgreSQL."""
    _check_rows(postgresql_databases(postgresql_server), scenario)
