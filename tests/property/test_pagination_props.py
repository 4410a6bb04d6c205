"""Pagination properties: one drawn call gives the same page, or the same error, on both sides.

A call is made in a test request with a drawn raw query string (its 404 is the response)
or in a bare app context, through ``db.paginate``, ``Model.query.paginate`` or the plain
``paginate()`` function (given explicit numbers, or those of ``page_from_request()`` and
``per_page_from_request()``); every public number of the page, its ``iter_pages()`` and its
``prev()`` and ``next()`` pages are compared.
"""

from __future__ import annotations

import dataclasses
import functools
import typing as t
from collections.abc import Callable

import hypothesis
import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
from werkzeug.exceptions import NotFound
from werkzeug.test import EnvironBuilder

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
from tests.property.strategies import PaginationScenario

_NUMBERS = ("page", "per_page", "max_per_page", "total", "pages", "first", "last")
_FLAGS = ("has_prev", "prev_num", "has_next", "next_num")


def _attribute(page: t.Any, name: str) -> object:
    return plain(getattr(page, name))


def _numbers(page: t.Any, widths: dict[str, int]) -> dict[str, Outcome]:
    """Every public number of ``page``, each observed on its own (one may raise)."""
    fields: dict[str, Callable[[], object]] = {
        name: functools.partial(_attribute, page, name) for name in (*_NUMBERS, *_FLAGS)
    }
    fields["items"] = lambda: tuple(item.id for item in page.items)
    fields["iterated"] = lambda: tuple(item.id for item in page)
    fields["iter_pages()"] = lambda: plain(list(page.iter_pages()))
    fields["iter_pages(widths)"] = lambda: plain(list(page.iter_pages(**widths)))
    return {name: observe(field) for name, field in fields.items()}


def _summary(page: t.Any, scenario: PaginationScenario) -> dict[str, object]:
    summary: dict[str, object] = dict(_numbers(page, scenario.widths))
    summary["prev()"] = observe(
        lambda: _numbers(page.prev(error_out=scenario.prev_error_out), scenario.widths)
    )
    summary["next()"] = observe(
        lambda: _numbers(page.next(error_out=scenario.next_error_out), scenario.widths)
    )
    return summary


def _paginate(impl: Impl, db: t.Any, item: t.Any, scenario: PaginationScenario) -> t.Any:
    kwargs: dict[str, t.Any] = {
        "page": scenario.page,
        "per_page": scenario.per_page,
        "max_per_page": scenario.max_per_page,
        "error_out": scenario.error_out,
        "count": scenario.count,
    }
    select = sa.select(item).order_by(item.id)
    if scenario.entry == "Model.query.paginate":
        return item.query.order_by(item.id).paginate(**kwargs)
    if scenario.entry == "paginate()" and not impl.is_fsa:
        return fss_compat.paginate(db.session, select, **kwargs)
    if scenario.entry == "paginate(from_request)" and not impl.is_fsa:
        # What FSC605's rewrite writes for the numbers db.paginate would read itself.
        error_out = scenario.error_out
        if kwargs["page"] is None:
            kwargs["page"] = fss_compat.page_from_request(error_out=error_out)
        if kwargs["per_page"] is None:
            cap = kwargs["max_per_page"]
            kwargs["per_page"] = fss_compat.per_page_from_request(
                max_per_page=cap, error_out=error_out
            )
        return fss_compat.paginate(db.session, select, **kwargs)
    return db.paginate(select, **kwargs)


def _run(impl: Impl, database: Database, scenario: PaginationScenario) -> Outcome:
    config = {"TESTING": True, "FSS_MAX_PER_PAGE": scenario.request_cap}
    with side(impl, database, config=config) as (app, db):

        class Item(db.Model):
            id = orm.mapped_column(sa.Integer, primary_key=True)

        with app.app_context():
            db.create_all()
            if scenario.rows:
                rows = [{"id": n} for n in range(1, scenario.rows + 1)]
                db.session.execute(sa.insert(Item), rows)
                db.session.commit()

        if scenario.query_string is None:
            with app.app_context():
                return observe(lambda: _summary(_paginate(impl, db, Item, scenario), scenario))

        summaries: list[dict[str, object]] = []

        @app.get("/items")
        def items() -> str:
            summaries.append(_summary(_paginate(impl, db, Item, scenario), scenario))
            return "ok"

        def request() -> object:
            response = app.test_client().get("/items", query_string=scenario.query_string)
            if response.status_code == 200:
                return (200, summaries[-1])
            return (response.status_code, response.get_data(as_text=True))

        return observe(request)


def _requested_per_page(scenario: PaginationScenario) -> int | None:
    """The ``per_page`` a request gives when nothing else sets it, or None when not read."""
    if scenario.query_string is None or scenario.per_page is not None:
        return None
    # Werkzeug's request parses the query string for Flask's request too.
    args = EnvironBuilder(query_string=scenario.query_string).get_request().args
    raw = args.get("per_page", 20)
    try:
        return int(raw)
    except ValueError:
        # An unparsable value is a 404 before any cap, or the default.
        return None if scenario.error_out else 20


def _upstream_scenario(scenario: PaginationScenario) -> PaginationScenario:
    """What Flask-SQLAlchemy must be given to match fss_compat's registered differences.

    With ``per-page-request-cap``, a ``per_page`` from the request above the app's cap is
    used as the cap, as if passed explicitly.
    """
    requested = _requested_per_page(scenario)
    cap = scenario.request_cap
    if requested is None or cap is None or scenario.max_per_page is not None or requested <= cap:
        return scenario
    differences.get("per-page-request-cap")
    return dataclasses.replace(scenario, per_page=cap)


def _overflowed(outcome: Outcome) -> bool:
    """Whether the driver refused a LIMIT or OFFSET beyond its 64-bit integers.

    SQLite's driver raises "Python int too large to convert to SQLite INTEGER",
    PostgreSQL "bigint out of range". Not SQLAlchemy's "cannot convert float infinity to
    integer": that is no database limit, and must stay as it is upstream.
    """
    if outcome.raised is OverflowError:
        return "too large" in outcome.message
    return outcome.raised is sa_exc.DataError and "out of range" in outcome.message


def _tolerating_overflow(ours: object, upstream: object) -> object:
    """``ours``, with each call that upstream failed with an overflow taken as upstream's.

    Difference ``pagination-overflow``: fss_compat takes such a page as past the end (a
    404 or an empty page) instead of letting the driver fail.
    """
    if isinstance(ours, Outcome) and isinstance(upstream, Outcome):
        if _overflowed(upstream) and not _overflowed(ours) and ours.raised in (None, NotFound):
            differences.get("pagination-overflow")
            return upstream
        return dataclasses.replace(ours, value=_tolerating_overflow(ours.value, upstream.value))
    if isinstance(ours, dict) and isinstance(upstream, dict) and ours.keys() == upstream.keys():
        return {key: _tolerating_overflow(value, upstream[key]) for key, value in ours.items()}
    if isinstance(ours, tuple) and isinstance(upstream, tuple) and len(ours) == len(upstream):
        return tuple(_tolerating_overflow(*pair) for pair in zip(ours, upstream, strict=True))
    return ours


def _check(databases: Databases, scenario: PaginationScenario) -> None:
    with databases() as database:
        upstream = _run(IMPLS[0], database, _upstream_scenario(scenario))
    with databases() as database:
        ours = _run(IMPLS[1], database, scenario)
    hypothesis.event("outcome", _kind(upstream))
    assert _tolerating_overflow(ours, upstream) == upstream


def _kind(outcome: Outcome) -> str:
    if outcome.raised is not None:
        return outcome.raised.__name__
    if isinstance(outcome.value, tuple):
        return f"HTTP {outcome.value[0]}"
    return "page"


@hypothesis.given(scenario=strategies.pagination_scenarios())
def test_pagination_matches_on_sqlite(scenario: PaginationScenario) -> None:
    """Any table size, query string and arguments give the same pages or errors on SQLite."""
    _check(sqlite_databases, scenario)


@pytest.mark.postgresql
@postgresql_settings()
@hypothesis.given(scenario=strategies.pagination_scenarios())
def test_pagination_matches_on_postgresql(
    postgresql_server: Server, scenario: PaginationScenario
) -> None:
    """Any table size, query string and arguments give the same pages or errors on PostgreSQL."""
    _check(postgresql_databases(postgresql_server), scenario)


@hypothesis.given(
    scenario=strategies.pagination_scenarios(
        entries=("paginate(from_request)",), requests_only=True
    )
)
def test_numbers_from_the_request_match_db_paginate(scenario: PaginationScenario) -> None:
    """``paginate(session, select, page=page_from_request(), ...)`` is ``db.paginate(select)``.

    FSC605's rewrite relies on it: any query string, table and arguments give the same page
    or the same error as Flask-SQLAlchemy's ``db.paginate`` reading the request itself.
    """
    _check(sqlite_databases, scenario)
