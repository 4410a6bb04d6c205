"""Divergences the property tests (``tests/property``) found, one minimal test each.

Every test runs on both sides. A divergence fss_compat has to fix is marked xfail, strictly,
on the fss_compat side only, so the fix turns it into a failure and the marker must go.
An intentional difference looks its entry up in :mod:`fss_compat.differences`; while the
entry is missing, the fss_compat side is marked xfail the same way.
"""

from __future__ import annotations

import math
import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
from flask import Flask
from werkzeug.exceptions import NotFound

from fss_compat import differences
from tests._support.implementations import Impl
from tests._support.postgresql import Database


def _catalog(impl: Impl, app: Flask, rows: int) -> tuple[t.Any, type[t.Any]]:
    db = impl.SQLAlchemy(app)

    class Item(db.Model):
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)

    with app.app_context():
        db.create_all()
        db.session.execute(sa.insert(Item), [{"id": n} for n in range(1, rows + 1)])
        db.session.commit()
    return db, Item


def _expect_registered(request: pytest.FixtureRequest, impl: Impl, id: str) -> None:
    """On the fss_compat side, xfail while difference ``id`` is not in the registry."""
    if not impl.is_fsa and id not in {difference.id for difference in differences.DIFFERENCES}:
        reason = f"fss_compat behaves as difference {id!r} says, but it is not registered."
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page": 1, "per_page": math.inf},
        {"page": math.inf, "per_page": 20},
        {"page": math.inf, "per_page": 20, "error_out": False},
    ],
    ids=repr,
)
def test_infinite_page_or_per_page_raises_overflow_error(
    impl: Impl, app: Flask, kwargs: dict[str, t.Any]
) -> None:
    """A float infinity ``page`` or ``per_page`` raises SQLAlchemy's OverflowError, as upstream."""
    db, item = _catalog(impl, app, 3)
    with app.app_context(), pytest.raises(OverflowError):
        db.paginate(sa.select(item), **kwargs)


def test_get_or_404_rejects_unknown_arguments_for_any_identifier(impl: Impl, app: Flask) -> None:
    """An unknown keyword argument to ``get_or_404`` is a TypeError for any identifier."""
    db, item = _catalog(impl, app, 3)
    with app.app_context(), pytest.raises(TypeError):
        db.get_or_404(item, "abc", unknown=1)


@pytest.mark.parametrize("error_out", [True, False])
def test_page_beyond_64_bit_integers_is_past_the_end(
    request: pytest.FixtureRequest, impl: Impl, app: Flask, error_out: bool
) -> None:
    """An offset beyond 64 bits is the driver's OverflowError upstream, past the end here."""
    _expect_registered(request, impl, "pagination-overflow")
    db, item = _catalog(impl, app, 3)
    with app.app_context():
        if impl.is_fsa:
            with pytest.raises(OverflowError):
                db.paginate(sa.select(item), page=2**62, error_out=error_out)
            return
        differences.get("pagination-overflow")
        if error_out:
            with pytest.raises(NotFound):
                db.paginate(sa.select(item), page=2**62)
        else:
            assert db.paginate(sa.select(item), page=2**62, error_out=False).items == []


def test_request_per_page_is_capped(request: pytest.FixtureRequest, impl: Impl, app: Flask) -> None:
    """``?per_page=`` above ``FSS_MAX_PER_PAGE`` is used as is upstream, capped here."""
    _expect_registered(request, impl, "per-page-request-cap")
    app.config["FSS_MAX_PER_PAGE"] = 2
    db, item = _catalog(impl, app, 3)
    with app.test_request_context("/?per_page=3"):
        page = db.paginate(sa.select(item).order_by(item.id))
    if impl.is_fsa:
        assert (page.per_page, [i.id for i in page.items]) == (3, [1, 2, 3])
        return
    differences.get("per-page-request-cap")
    assert (page.per_page, [i.id for i in page.items]) == (2, [1, 2])


def test_impossible_identifier_is_a_404_without_a_query(
    request: pytest.FixtureRequest, impl: Impl, app: Flask, database: Database
) -> None:
    """Text for an integer key: PostgreSQL's DataError upstream, a 404 here (SQLite: both)."""
    _expect_registered(request, impl, "get-or-404-impossible-identifier")
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db, item = _catalog(impl, app, 3)
    try:
        with app.app_context():
            if impl.is_fsa and database.is_postgresql:
                with pytest.raises(sa_exc.DataError):
                    db.get_or_404(item, "abc")
                return
            if not impl.is_fsa:
                differences.get("get-or-404-impossible-identifier")
            with pytest.raises(NotFound):
                db.get_or_404(item, "abc")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_failing_rollback_at_teardown(
    request: pytest.FixtureRequest, impl: Impl, app: Flask
) -> None:
    """A rollback failing at teardown raises from ``pop()`` upstream; here it is logged."""
    _expect_registered(request, impl, "teardown-survives-dead-connection")
    db, item = _catalog(impl, app, 3)
    outer = app.app_context()
    outer.push()
    db.session.begin_nested()
    db.session.get(item, 1)
    with app.app_context():
        # In-memory SQLite is one connection for all sessions: this one's end rolls it
        # back, which ends the outer session's savepoint under it.
        db.session.get(item, 2)
    if impl.is_fsa:
        with pytest.raises(sa_exc.OperationalError):
            outer.pop()
        return
    differences.get("teardown-survives-dead-connection")
    outer.pop()
    with app.app_context():
        assert db.session.get(item, 3) is not None
