"""Pagination arguments: request args, explicit values, clamping and 404s (reference 1.5.2).

Each row runs through ``db.paginate(select(Item))`` and ``Item.query.paginate()`` over 250
rows in a test request.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from flask import Flask
from sqlalchemy.orm import Mapped
from werkzeug.exceptions import NotFound

from tests._support.implementations import Impl
from tests._support.postgresql import Database

_Outcome = t.Union[tuple[int, int, int, int], type[Exception]]  # noqa: UP007 (runtime alias)
_Paginate = t.Callable[..., t.Any]


def _catalog(impl: Impl, app: Flask) -> tuple[t.Any, type[t.Any]]:
    db = impl.SQLAlchemy(app)

    class Item(db.Model):
        id: Mapped[int] = sa.orm.mapped_column(primary_key=True)

    with app.app_context():
        db.create_all()
        db.session.execute(sa.insert(Item), [{}] * 250)
        db.session.commit()
    return db, Item


@pytest.fixture(params=["select", "query"])
def paginate(request: pytest.FixtureRequest, impl: Impl, app: Flask) -> Iterator[_Paginate]:
    """``db.paginate(select(Item))`` or ``Item.query.paginate()``, ordered by id, 250 rows."""
    db, item = _catalog(impl, app)
    if request.param == "select":
        yield lambda **kwargs: db.paginate(sa.select(item).order_by(item.id), **kwargs)
    else:
        yield lambda **kwargs: item.query.order_by(item.id).paginate(**kwargs)
    with app.app_context():
        db.engine.dispose()


def _outcome(paginate: _Paginate, **kwargs: t.Any) -> _Outcome:
    try:
        p = paginate(**kwargs)
    except (NotFound, TypeError) as e:
        return type(e)
    # Ids run from 1, so the items must be exactly rows first..last (none when both are 0).
    assert [item.id for item in p.items] == list(range(p.first, p.last + 1 if p.last else 0))
    assert p.total == 250
    return (p.page, p.per_page, p.first, p.last)


@pytest.mark.parametrize(
    ("query_string", "kwargs", "expected"),
    [
        ("", {}, (1, 20, 1, 20)),
        ("page=2", {}, (2, 20, 21, 40)),
        ("page=0", {}, NotFound),
        ("page=-1", {}, NotFound),
        ("page=abc", {}, NotFound),
        ("page=1.5", {}, NotFound),
        ("page=", {}, NotFound),
        ("page=True", {}, NotFound),
        ("page=%202%20", {}, (2, 20, 21, 40)),
        ("page=%2B3", {}, (3, 20, 41, 60)),
        ("page=1_0", {}, (10, 20, 181, 200)),
        ("page=%D9%A3", {}, (3, 20, 41, 60)),
        ("page=2&page=3", {}, (2, 20, 21, 40)),
        ("PAGE=2", {}, (1, 20, 1, 20)),
        ("page=13", {}, (13, 20, 241, 250)),
        ("page=14", {}, NotFound),
        ("page=100", {}, NotFound),
        ("page=461168601842738791", {}, NotFound),
        ("per_page=0", {}, NotFound),
        ("per_page=-1", {}, NotFound),
        ("per_page=abc", {}, NotFound),
        ("per_page=1000", {}, (1, 1000, 1, 250)),
        ("per_page=5&page=51", {}, NotFound),
        ("per_page=5&page=50", {}, (50, 5, 246, 250)),
        ("page=0", {"error_out": False}, (1, 20, 1, 20)),
        ("page=-5", {"error_out": False}, (1, 20, 1, 20)),
        ("page=abc", {"error_out": False}, (1, 20, 1, 20)),
        ("per_page=0", {"error_out": False}, (1, 20, 1, 20)),
        ("per_page=-3", {"error_out": False}, (1, 20, 1, 20)),
        ("per_page=abc", {"error_out": False}, (1, 20, 1, 20)),
        ("page=abc&per_page=abc", {"error_out": False}, (1, 20, 1, 20)),
        ("page=100", {"error_out": False}, (100, 20, 0, 0)),
        ("per_page=1000", {"max_per_page": 100}, (1, 100, 1, 100)),
        ("", {"max_per_page": 10, "per_page": -5, "error_out": False}, (1, 20, 1, 20)),
        ("", {"max_per_page": 0}, NotFound),
        ("", {"max_per_page": 0, "error_out": False}, (1, 20, 1, 20)),
        ("page=5", {"page": 2, "per_page": 7}, (2, 7, 8, 14)),
        ("page=abc&per_page=abc", {"page": 2, "per_page": 7}, (2, 7, 8, 14)),
        ("", {"page": "2"}, TypeError),
        ("", {"per_page": "2"}, TypeError),
        ("", {"per_page": "2", "max_per_page": 10}, TypeError),
    ],
    ids=lambda value: repr(value) if isinstance(value, dict) else None,
)
def test_args_table(
    paginate: _Paginate,
    app: Flask,
    query_string: str,
    kwargs: dict[str, t.Any],
    expected: _Outcome,
) -> None:
    """Each row of reference table 1.5.2 gives the same page, per_page and items, or error."""
    with app.test_request_context(f"/?{query_string}"):
        assert _outcome(paginate, **kwargs) == expected


def test_page_past_end_without_error_out(paginate: _Paginate, app: Flask) -> None:
    """A page past the end with ``error_out=False`` is empty with a previous but no next page."""
    with app.test_request_context("/?page=100"):
        p = paginate(error_out=False)
    assert (p.items, p.first, p.last, p.pages) == ([], 0, 0, 13)
    assert (p.has_prev, p.prev_num, p.has_next, p.next_num) == (True, 99, False, None)


def test_max_per_page_defaults_to_no_cap(paginate: _Paginate, app: Flask) -> None:
    """Both entry points default ``max_per_page`` to None, so ``?per_page=`` is not capped."""
    with app.test_request_context("/?per_page=250"):
        p = paginate()
    assert (p.per_page, p.max_per_page, len(p.items)) == (250, None, 250)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, (1, 20, 1, 20)),
        ({"page": 3, "per_page": 5}, (3, 5, 11, 15)),
        ({"page": 0}, NotFound),
        ({"page": -1, "error_out": False}, (1, 20, 1, 20)),
        ({"per_page": 0}, NotFound),
        ({"page": 14}, NotFound),
    ],
    ids=repr,
)
def test_outside_request(
    paginate: _Paginate, app: Flask, kwargs: dict[str, t.Any], expected: _Outcome
) -> None:
    """In an app context without a request, defaults are 1 and 20 and bad pages still 404."""
    with app.app_context():
        assert _outcome(paginate, **kwargs) == expected


def test_app_context_inside_request_reads_args(paginate: _Paginate, app: Flask) -> None:
    """An app context pushed inside a request context still reads the request's args."""
    with app.test_request_context("/?page=2"), app.app_context():
        assert _outcome(paginate) == (2, 20, 21, 40)


def test_not_found_has_default_description(paginate: _Paginate, app: Flask) -> None:
    """Pagination's own 404 carries Werkzeug's default description."""
    with app.test_request_context("/?page=0"), pytest.raises(NotFound) as e:
        paginate()
    assert e.value.description == NotFound.description


@pytest.mark.difference("pagination-overflow")
def test_page_too_large_for_database(impl: Impl, app: Flask, database: Database) -> None:
    """A page whose offset overflows the database integer: the driver's error upstream, a
    404 here (registered difference 'pagination-overflow'), for both pagination forms."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db, item = _catalog(impl, app)
    if impl.is_fsa:
        expected: type[Exception] = sa_exc.DataError if database.is_postgresql else OverflowError
    else:
        expected = NotFound
    try:
        with app.test_request_context("/?page=99999999999999999999"):
            with pytest.raises(expected):
                db.paginate(sa.select(item))
            db.session.rollback()
            with pytest.raises(expected):
                item.query.paginate()
    finally:
        with app.app_context():
            db.engine.dispose()
