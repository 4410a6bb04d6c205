"""``rows=True``: any ``select()`` (columns, joins, ``GROUP BY``) pages as rows.

Differential: each page holds exactly the rows ``LIMIT``/``OFFSET`` returns for the same
statement, and ``total`` is the number of rows the statement returns. The default
(``rows=False``) stays Flask-SQLAlchemy's first column of unique rows, which the parity
tests in ``tests/compat/test_pagination*`` check against Flask-SQLAlchemy itself.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

from fss_compat import SQLAlchemy
from fss_compat import paginate
from fss_compat.core.counting import _AnySelect
from tests._support.listing import Author
from tests._support.listing import Base
from tests._support.listing import Post
from tests._support.postgresql import Database
from tests.core.conftest import POSTS

_STATEMENTS: dict[str, _AnySelect] = {
    "columns": sa.select(Post.id, Post.title).order_by(Post.id),
    "join": sa.select(Post.title, Author.name).join(Post.author).order_by(Post.id.desc()),
    "group-by": (
        sa.select(Post.created, sa.func.count().label("posts"), sa.func.max(Post.score))
        .group_by(Post.created)
        .order_by(Post.created.desc())
    ),
    "entity-and-column": sa.select(Post, Author.name).join(Post.author).order_by(Post.id),
    "duplicates": sa.select(Post.author_id).order_by(Post.author_id),
}


def _rows(session: orm.Session, select: _AnySelect) -> list[tuple[t.Any, ...]]:
    return [tuple(row) for row in session.execute(select)]


@pytest.mark.parametrize("name", _STATEMENTS)
@pytest.mark.parametrize("per_page", [1, 7, 50])
def test_pages_are_limit_offset_rows(
    listing_session: orm.Session, name: str, per_page: int
) -> None:
    """Every page is the statement's LIMIT/OFFSET rows, as Row objects; total counts rows."""
    select = _STATEMENTS[name]
    every = _rows(listing_session, select)
    page_number, seen = 1, []
    while True:
        page = paginate(listing_session, select, page=page_number, per_page=per_page, rows=True)
        offset = (page_number - 1) * per_page
        expected = _rows(listing_session, select.limit(per_page).offset(offset))
        assert [tuple(row) for row in page.items] == expected
        assert all(isinstance(row, sa.Row) for row in page)
        assert page.total == len(every)
        seen += expected
        if not page.has_next:
            break
        page_number += 1
    assert seen == every


def test_rows_keep_names_and_entities(listing_session: orm.Session) -> None:
    """Rows keep their column names; an entity column holds the entity."""
    page = paginate(listing_session, _STATEMENTS["entity-and-column"], per_page=3, rows=True)
    first = page.items[0]
    assert first._fields == ("Post", "name")
    assert isinstance(first.Post, Post) and first.name == first.Post.author.name
    grouped = paginate(listing_session, _STATEMENTS["group-by"], per_page=2, rows=True)
    assert grouped.items[0]._mapping["posts"] >= 1


def test_default_is_first_column_of_unique_rows(listing_session: orm.Session) -> None:
    """Without ``rows``, a page is the first column, each value once (Flask-SQLAlchemy's)."""
    select = _STATEMENTS["duplicates"]
    # Author 1 has 12 of the 50 posts.
    assert paginate(listing_session, select, per_page=14).items == [1, 2]
    as_rows = paginate(listing_session, select, per_page=14, rows=True).items
    assert [row.author_id for row in as_rows] == [1] * 12 + [2] * 2


def test_next_and_prev_keep_rows(listing_session: orm.Session) -> None:
    """``next()`` and ``prev()`` page rows too."""
    page = paginate(listing_session, _STATEMENTS["columns"], page=2, per_page=10, rows=True)
    assert [row.id for row in page.next()] == list(range(21, 31))
    assert [row.id for row in page.prev()] == list(range(1, 11))


def test_facade_paginates_rows(database: Database) -> None:
    """``db.paginate(select, rows=True)`` reads ``?page=`` and pages rows, like the core."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db = SQLAlchemy(app, model_class=Base)
    try:
        with app.app_context():
            db.create_all()
            db.session.add_all([Author(name="ann"), Author(name="bob"), Author(name="cy")])
            db.session.commit()
        select = sa.select(Author.id, Author.name).order_by(Author.name)
        with app.test_request_context("/?page=2&per_page=2"):
            page = db.paginate(select, rows=True)
            assert ([tuple(row) for row in page], page.total) == ([(3, "cy")], 3)
            assert db.paginate(select).items == [3]
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


def test_posts_fixture_size(listing_session: orm.Session) -> None:
    """The fixture holds the posts the tests above count on."""
    assert listing_session.scalar(sa.select(sa.func.count()).select_from(Post)) == POSTS
