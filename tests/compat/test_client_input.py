"""Values a client controls (page numbers, identifiers from URLs) never cause a 500.

Where Flask-SQLAlchemy sends such a value to the database and fails, fss_compat answers
404 instead; each such case is a registered difference, checked here on both sides.
"""

from __future__ import annotations

import typing as t
import uuid

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from flask import Flask
from sqlalchemy.orm import Mapped
from werkzeug.exceptions import NotFound

from tests._support.implementations import Impl
from tests._support.implementations import Variant
from tests._support.postgresql import Database

HUGE = 99999999999999999999  # past 64 bits


class Setup(t.NamedTuple):
    db: t.Any
    Item: t.Any
    Token: t.Any
    token: uuid.UUID


@pytest.fixture
def setup(
    make_db: t.Callable[..., t.Any], app: Flask, database: Database, variant: Variant
) -> t.Iterator[Setup]:
    """Ten items with integer keys and one token with a UUID key, in an app context."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db = make_db()

    class Item(db.Model):
        id: Mapped[int] = variant.pk()

    class Token(db.Model):
        id: Mapped[uuid.UUID] = variant.pk()

    token = uuid.uuid4()
    with app.test_request_context():
        db.create_all()
        db.session.add_all([Item() for _ in range(10)])
        db.session.add(Token(id=token) if not variant.dataclass else _token(Token, token))
        db.session.commit()
        yield Setup(db, Item, Token, token)
        db.session.remove()


def _token(model: t.Any, value: uuid.UUID) -> t.Any:
    token = model()
    token.id = value
    return token


def _still_usable(setup: Setup) -> None:
    count = sa.select(sa.func.count()).select_from(setup.Item)
    assert setup.db.session.scalar(count) == 10


def _upstream_failure(database: Database) -> tuple[type[Exception], ...]:
    if database.is_postgresql:
        return (sa_exc.DataError,)
    return (OverflowError, sa_exc.StatementError)


@pytest.mark.difference("get-or-404-impossible-identifier")
@pytest.mark.parametrize("ident", ["abc", HUGE, "99999999999999999999", 2**40])
def test_get_or_404_integer_key(
    impl: Impl, setup: Setup, database: Database, ident: object
) -> None:
    """A non-integer or out-of-range id is a 404 here; upstream may fail in the database."""
    db = setup.db
    upstream_fails = database.is_postgresql or ident == HUGE
    if impl.is_fsa and upstream_fails:
        with pytest.raises(_upstream_failure(database)):
            db.get_or_404(setup.Item, ident)
        db.session.rollback()
    else:
        with pytest.raises(NotFound):
            db.get_or_404(setup.Item, ident)
    _still_usable(setup)


def test_get_or_404_integer_text_still_found(setup: Setup) -> None:
    """An integer written as text (as from a URL) finds its row on both sides."""
    assert setup.db.get_or_404(setup.Item, " 5").id == 5


@pytest.mark.difference("get-or-404-impossible-identifier")
@pytest.mark.parametrize("valid", [False, True])
def test_get_or_404_uuid_key(impl: Impl, setup: Setup, database: Database, valid: bool) -> None:
    """A UUID key given as text is parsed here; upstream fails for bad or (SQLite) any text."""
    db = setup.db
    ident = str(setup.token) if valid else "not-a-uuid"
    if impl.is_fsa and (not valid or not database.is_postgresql):
        with pytest.raises(_upstream_failure(database)):
            db.get_or_404(setup.Token, ident)
        db.session.rollback()
    elif valid:
        assert db.get_or_404(setup.Token, ident).id == setup.token
    else:
        with pytest.raises(NotFound):
            db.get_or_404(setup.Token, ident)
    _still_usable(setup)


@pytest.mark.difference("pagination-overflow")
@pytest.mark.parametrize("error_out", [True, False])
def test_huge_page_number(
    impl: Impl, setup: Setup, app: Flask, database: Database, error_out: bool
) -> None:
    """``?page=<past 64 bits>`` is past the end here (404 or empty); upstream overflows."""
    db = setup.db
    select = sa.select(setup.Item).order_by(setup.Item.id)
    with app.test_request_context(f"/?page={HUGE}"):
        if impl.is_fsa:
            with pytest.raises(_upstream_failure(database)):
                db.paginate(select, error_out=error_out)
            db.session.rollback()
        elif error_out:
            with pytest.raises(NotFound):
                db.paginate(select)
        else:
            page = db.paginate(select, error_out=False)
            assert (page.page, page.items, page.total) == (HUGE, [], 10)
    _still_usable(setup)


@pytest.mark.difference("pagination-overflow")
def test_huge_per_page_on_first_page(impl: Impl, setup: Setup, database: Database) -> None:
    """A per_page past 64 bits on page 1 returns every row here; upstream overflows."""
    db = setup.db
    select = sa.select(setup.Item).order_by(setup.Item.id)
    if impl.is_fsa:
        with pytest.raises(_upstream_failure(database)):
            db.paginate(select, page=1, per_page=HUGE)
        db.session.rollback()
    else:
        assert len(db.paginate(select, page=1, per_page=HUGE).items) == 10
    _still_usable(setup)


@pytest.mark.difference("per-page-request-cap")
@pytest.mark.parametrize(("cap", "expected"), [(5, 5), (None, 8)])
def test_per_page_from_request_is_capped(
    impl: Impl, setup: Setup, app: Flask, cap: int | None, expected: int
) -> None:
    """A per_page from the query string is capped by FSS_MAX_PER_PAGE here, not upstream."""
    app.config["FSS_MAX_PER_PAGE"] = cap
    select = sa.select(setup.Item).order_by(setup.Item.id)
    with app.test_request_context("/?per_page=8"):
        page = setup.db.paginate(select)
        explicit = setup.db.paginate(select, per_page=8)
    if impl.is_fsa:
        assert page.per_page == 8
    else:
        assert page.per_page == expected
    assert len(page.items) == page.per_page
    assert explicit.per_page == 8  # values passed in code are never capped


def test_default_cap_allows_upstream_examples(impl: Impl, setup: Setup, app: Flask) -> None:
    """The default cap (1000) still allows ``?per_page=1000``, as upstream."""
    with app.test_request_context("/?per_page=1000"):
        assert setup.db.paginate(sa.select(setup.Item)).per_page == 1000
