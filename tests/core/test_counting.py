"""``count="estimate"``: PostgreSQL's planner estimate for ``total``, exact elsewhere.

On PostgreSQL the only statement besides the page is ``EXPLAIN (FORMAT JSON)``, and its
number is the planner's: for ``WHERE id % 2 = 0`` it has no statistics and guesses 0.5%
of the rows, far from the exact half, which tells the estimate from a count. Whatever the
estimate, ``total`` agrees with what the page saw.
"""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm

from fss_compat import paginate
from fss_compat.core.counting import corrected
from tests._support.listing import Post
from tests._support.postgresql import Database
from tests.core.conftest import POSTS

#: Half the posts; the planner's default selectivity for an expression's equality is 0.5%.
EVEN = sa.select(Post).where(Post.id % 2 == 0).order_by(Post.id)


def _recorded(session: orm.Session) -> list[str]:
    statements: list[str] = []

    def record(conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        statements.append(statement)

    sa.event.listen(session.get_bind(), "before_cursor_execute", record)
    return statements


def _analyze(session: orm.Session, database: Database) -> None:
    if database.is_postgresql:
        session.execute(sa.text("ANALYZE post"))
        session.commit()


def test_estimate_is_the_planners_on_postgresql(
    listing_session: orm.Session, database: Database
) -> None:
    """On PostgreSQL ``total`` is the plan's row estimate; on SQLite it is the exact count."""
    _analyze(listing_session, database)
    statements = _recorded(listing_session)
    page = paginate(listing_session, EVEN, per_page=3, count="estimate")
    exact = paginate(listing_session, EVEN, per_page=3)
    assert exact.total == POSTS // 2
    if database.is_postgresql:
        # 0.5% of 50 rows, rounded up to the planner's minimum of one row, then at least
        # the three rows the page saw.
        assert page.total == 3
        assert statements[1].startswith("EXPLAIN (FORMAT JSON) SELECT")
        assert "count(" not in statements[1]
    else:
        assert page.total == exact.total
        assert statements[1].startswith("SELECT count(*)")
    assert [post.id for post in page] == [2, 4, 6]


def test_estimate_of_whole_table_after_analyze(
    listing_session: orm.Session, database: Database
) -> None:
    """After ``ANALYZE`` the planner knows the table's size: the estimate is the row count."""
    _analyze(listing_session, database)
    page = paginate(listing_session, sa.select(Post).order_by(Post.id), count="estimate")
    assert (page.total, page.pages, page.has_next) == (POSTS, 3, True)


def test_last_page_makes_the_total_exact(listing_session: orm.Session, database: Database) -> None:
    """A page with fewer rows than ``per_page`` is the last: its total is exact."""
    _analyze(listing_session, database)
    page = paginate(listing_session, EVEN, page=3, per_page=10, count="estimate")
    assert (page.total, page.pages, page.has_next) == (25, 3, False)


def test_estimate_on_facade_and_group_by(listing_session: orm.Session) -> None:
    """``count="estimate"`` works on row pages of grouped statements too."""
    grouped = sa.select(Post.author_id, sa.func.count()).group_by(Post.author_id)
    page = paginate(listing_session, grouped.order_by(Post.author_id), count="estimate", rows=True)
    assert (len(page.items), page.total) == (4, 4)


@pytest.mark.parametrize(
    ("estimate", "offset", "seen", "per_page", "expected"),
    [
        (1000, 0, 5, 20, 5),  # a short first page is everything
        (1000, 40, 5, 20, 45),  # a short later page is the end
        (1000, 0, 0, 20, 0),  # an empty first page: nothing at all
        (1000, 40, 0, 20, 1000),  # an empty later page says nothing (past the end)
        (10, 40, 20, 20, 60),  # a full page: at least the rows up to here
        (1000, 40, 20, 20, 1000),
    ],
)
def test_corrected(estimate: int, offset: int, seen: int, per_page: int, expected: int) -> None:
    """The estimate never contradicts the page: exact at the end, else at least what was seen."""
    assert corrected(estimate, offset, seen, per_page) == expected
