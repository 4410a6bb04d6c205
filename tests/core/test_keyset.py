"""Keyset pagination: walks in the statement's order, tie-breakers, cursors, errors, the facade.

Each walk follows ``next_cursor`` from the first page to the last, then ``prev_cursor``
back, on SQLite files and PostgreSQL, and compares both with the statement's rows in
order: every row exactly once. The hostile cursors end in a 404 before any SQL runs, and
the session answers the next query.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import typing as t
import uuid

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from werkzeug.exceptions import NotFound

from fss_compat import KeysetPagination
from fss_compat import SQLAlchemy
from fss_compat import keyset_paginate
from fss_compat import legacy
from fss_compat.core import cursors
from fss_compat.core import ordering
from fss_compat.core.counting import _AnySelect
from tests._support.listing import Author
from tests._support.listing import Base
from tests._support.listing import Post
from tests._support.postgresql import Database
from tests.core.conftest import POSTS

KEY = "test secret"
_LABEL = sa.func.count().label("posts")

#: name -> (statement to page, the same order made total by hand, for reference).
WALKS: dict[str, tuple[_AnySelect, _AnySelect]] = {
    "id": (sa.select(Post).order_by(Post.id), sa.select(Post).order_by(Post.id)),
    "created-desc-appended-id": (
        sa.select(Post).order_by(Post.created.desc()),
        sa.select(Post).order_by(Post.created.desc(), Post.id.desc()),
    ),
    "score-nulls-default": (
        sa.select(Post).order_by(Post.score),
        sa.select(Post).order_by(Post.score, Post.id),
    ),
    "score-desc-nulls-first-mixed": (
        sa.select(Post).order_by(Post.score.desc().nulls_first(), Post.id),
        sa.select(Post).order_by(Post.score.desc().nulls_first(), Post.id),
    ),
    "score-nulls-last-created-desc": (
        sa.select(Post).order_by(Post.score.nulls_last(), Post.created.desc(), Post.id),
        sa.select(Post).order_by(Post.score.nulls_last(), Post.created.desc(), Post.id),
    ),
    "rows-join": (
        sa.select(Author.name, Post.id, Post.score).join(Post.author).order_by(Author.name),
        sa.select(Author.name, Post.id, Post.score)
        .join(Post.author)
        .order_by(Author.name, Author.id, Post.id),
    ),
    "rows-outer-join": (
        sa.select(Author.name, Post.id)
        .outerjoin(Post, sa.and_(Post.author_id == Author.id, Post.score == 4))
        .order_by(Post.id.desc(), Author.id),
        sa.select(Author.name, Post.id)
        .outerjoin(Post, sa.and_(Post.author_id == Author.id, Post.score == 4))
        .order_by(Post.id.desc(), Author.id),
    ),
    "rows-group-by-label": (
        sa.select(Post.score, _LABEL).group_by(Post.score).order_by(_LABEL.desc()),
        sa.select(Post.score, _LABEL)
        .group_by(Post.score)
        .order_by(_LABEL.desc(), Post.score.desc()),
    ),
}


def _plain(items: t.Iterable[t.Any]) -> list[object]:
    return [item.id if isinstance(item, (Post, Typed)) else tuple(item) for item in items]


def walk(
    session: orm.Session, select: _AnySelect, per_page: int, rows: bool
) -> tuple[list[object], list[object]]:
    """Every row, following next_cursor from the first page, then prev_cursor back."""
    page = keyset_paginate(session, select, per_page=per_page, rows=rows, secret_key=KEY)
    forward = _plain(page)
    pages = 1
    while page.has_next:
        assert page.next_cursor is not None and len(page.items) == per_page
        page = keyset_paginate(
            session, select, cursor=page.next_cursor, per_page=per_page, rows=rows, secret_key=KEY
        )
        forward += _plain(page)
        pages += 1
        assert pages <= POSTS + 1
    backward = _plain(page)
    while page.has_prev:
        page = keyset_paginate(
            session, select, cursor=page.prev_cursor, per_page=per_page, rows=rows, secret_key=KEY
        )
        backward = _plain(page) + backward
    assert page.prev_cursor is None
    return forward, backward


@pytest.mark.parametrize("name", WALKS)
@pytest.mark.parametrize("per_page", [1, 4, 50])
def test_walk_forward_and_back(listing_session: orm.Session, name: str, per_page: int) -> None:
    """Both walks return every row exactly once, in the statement's order."""
    select, reference = WALKS[name]
    rows = name.startswith("rows")
    expected = (
        _plain(listing_session.execute(reference))
        if rows
        else _plain(listing_session.scalars(reference))
    )
    forward, backward = walk(listing_session, select, per_page, rows)
    assert forward == expected
    assert backward == expected


def test_first_page_and_links(listing_session: orm.Session) -> None:
    """The first page has no previous page; the next one links back to a page like the first."""
    select = sa.select(Post).order_by(Post.id)
    first = keyset_paginate(listing_session, select, per_page=20, secret_key=KEY)
    assert isinstance(first, KeysetPagination)
    assert ([p.id for p in first][:3], first.has_prev, first.has_next) == ([1, 2, 3], False, True)
    assert (first.cursor, first.prev_cursor, first.total) == (None, None, None)
    second = keyset_paginate(listing_session, select, cursor=first.next_cursor, secret_key=KEY)
    assert [p.id for p in second] == list(range(21, 41)) and second.has_prev
    back = keyset_paginate(listing_session, select, cursor=second.prev_cursor, secret_key=KEY)
    assert [p.id for p in back] == list(range(1, 21))
    assert (back.has_prev, back.has_next) == (False, True)


@pytest.mark.parametrize("count", [True, "estimate"])
def test_count(listing_session: orm.Session, count: t.Literal[True, "estimate"]) -> None:
    """``count`` fills ``total`` (an estimate made consistent with a short first page)."""
    select = sa.select(Post).order_by(Post.id)
    page = keyset_paginate(listing_session, select, count=count, secret_key=KEY)
    assert page.total is not None and page.total >= 20
    few = keyset_paginate(listing_session, select.where(Post.id < 6), count=count, secret_key=KEY)
    assert few.total == 5


def test_sql_uses_row_value_comparison(listing_session: orm.Session) -> None:
    """A NOT NULL key in one direction is compared as one row value; the count is skipped."""
    statements: list[str] = []
    engine = listing_session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    first = keyset_paginate(
        listing_session, sa.select(Post).order_by(Post.created, Post.id), per_page=5, secret_key=KEY
    )
    keyset_paginate(
        listing_session,
        sa.select(Post).order_by(Post.created, Post.id),
        cursor=first.next_cursor,
        secret_key=KEY,
    )
    assert len(statements) == 2
    assert "(post.created, post.id) >" in statements[1]
    # SQLite's dialect always writes an OFFSET (of 0) after a LIMIT.
    assert "LIMIT" in statements[1] and "OFFSET %(" not in statements[1]


# -----------------------------------------------------------------------------------------
# Hostile cursors


def _other_cursor(session: orm.Session, **changes: t.Any) -> str:
    arguments: dict[str, t.Any] = {
        "select": sa.select(Post).order_by(Post.id),
        "secret_key": KEY,
        "per_page": 5,
    }
    arguments.update(changes)
    cursor = keyset_paginate(session, **arguments).next_cursor
    assert cursor is not None
    return cursor


def _hostile(session: orm.Session) -> dict[str, str]:
    good = _other_cursor(session)
    return {
        "empty": "",
        "junk": "not a cursor",
        "truncated": good[:-3],
        "truncated-payload": good[5:],
        "one-character-changed": good[:10] + ("A" if good[10] != "A" else "B") + good[11:],
        "other-key": _other_cursor(session, secret_key="another key"),
        "other-order": _other_cursor(
            session, select=sa.select(Post).order_by(Post.created, Post.id)
        ),
        "other-direction-order": _other_cursor(
            session, select=sa.select(Post).order_by(Post.id.desc())
        ),
        "huge": good + "A" * 100_000,
        "non-ascii": good[:-1] + "\u00e9",
        "surrogate": good[:-1] + "\ud800",
        "nul": good[:-1] + "\x00",
    }


def test_hostile_cursors_are_404_and_leave_the_session_usable(listing_session: orm.Session) -> None:
    """Forged, truncated, foreign or huge cursors: 404 (or the first page), no SQL error."""
    select = sa.select(Post).order_by(Post.id)
    for name, cursor in _hostile(listing_session).items():
        with pytest.raises(NotFound):
            keyset_paginate(listing_session, select, cursor=cursor, secret_key=KEY)
        page = keyset_paginate(
            listing_session, select, cursor=cursor, error_out=False, secret_key=KEY
        )
        assert (page.cursor, [p.id for p in page][:1]) == (None, [1]), name
        assert listing_session.scalar(sa.select(sa.func.count()).select_from(Post)) == POSTS


def test_a_cursor_of_the_same_order_fits_another_filter(listing_session: orm.Session) -> None:
    """A cursor is a position in an order: another WHERE on the same order accepts it."""
    cursor = _other_cursor(listing_session)
    odd = sa.select(Post).where(Post.id % 2 == 1).order_by(Post.id)
    page = keyset_paginate(listing_session, odd, cursor=cursor, per_page=3, secret_key=KEY)
    assert [p.id for p in page] == [7, 9, 11]


def test_empty_page_after_a_cursor(listing_session: orm.Session) -> None:
    """A cursor past the last row (rows deleted since) is a 404, or an empty page."""
    select = sa.select(Post).order_by(Post.id)
    last = keyset_paginate(listing_session, select, per_page=POSTS - 1, secret_key=KEY)
    listing_session.execute(sa.delete(Post).where(Post.id == POSTS))
    with pytest.raises(NotFound):
        keyset_paginate(listing_session, select, cursor=last.next_cursor, secret_key=KEY)
    empty = keyset_paginate(
        listing_session, select, cursor=last.next_cursor, error_out=False, secret_key=KEY
    )
    assert (empty.items, empty.has_next, empty.has_prev) == ([], False, False)
    listing_session.rollback()


# -----------------------------------------------------------------------------------------
# Statements keyset pagination refuses


@pytest.mark.parametrize(
    ("select", "error", "message"),
    [
        (sa.select(Post), ValueError, "has no ORDER BY"),
        (sa.select(Post).order_by("title"), ValueError, "is a name or text"),
        (sa.select(Post).order_by(sa.text("title")), ValueError, "is a name or text"),
        (sa.select(Post.author_id).distinct().order_by(Post.author_id.desc()), None, ""),
        (
            sa.select(Post.author_id, Post.score).distinct().order_by(Post.author_id),
            ValueError,
            "DISTINCT",
        ),
        (sa.union(sa.select(Post.id), sa.select(Author.id)), TypeError, "select()"),
        (
            sa.select(sa.literal(1).label("one")).order_by(sa.literal_column("one")),
            ValueError,
            "no primary key",
        ),
    ],
)
def test_statements(
    listing_session: orm.Session, select: t.Any, error: type[Exception] | None, message: str
) -> None:
    """No ORDER BY, ordering by name or text, a DISTINCT not ordered by every column: refused."""
    if error is None:
        page = keyset_paginate(listing_session, select, secret_key=KEY)
        assert page.items == [4, 3, 2, 1]
        return
    with pytest.raises(error, match=message):
        keyset_paginate(listing_session, select, secret_key=KEY)


def test_unique_constraint_is_a_tie_breaker(listing_session: orm.Session) -> None:
    """A NOT NULL unique column ends a total order: nothing is appended."""
    key = ordering.sort_key(sa.select(Author).order_by(Author.name.desc()), "sqlite")
    assert [str(k.expression) for k in key.keys] == ["author.name"]
    appended = ordering.sort_key(sa.select(Post).order_by(Post.title.desc()), "postgresql")
    assert [(str(k.expression), k.descending) for k in appended.keys] == [
        ("post.title", True),
        ("post.id", True),
    ]


def test_private_clauses_still_read() -> None:
    """The private attributes ordering.clauses() reads still hold what it expects.

    SQLAlchemy has no public accessor for them; this fails first if that changes.
    """
    select = sa.select(Post.score).group_by(Post.score).order_by(Post.score.desc()).distinct()
    parts = ordering.clauses(select)
    assert [ordering._term(clause)[1:] for clause in parts.order_by] == [(True, None)]
    assert parts.group_by[0].compare(Post.__table__.c.score)
    assert parts.distinct is True
    assert ordering.clauses(sa.select(Post)) == ordering.Clauses((), (), False)


def test_needs_a_secret_key(listing_session: orm.Session) -> None:
    """Without ``secret_key`` the app's ``SECRET_KEY`` signs; with neither it is an error."""
    select = sa.select(Post).order_by(Post.id)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        keyset_paginate(listing_session, select)
    app = Flask(__name__)
    with app.app_context(), pytest.raises(RuntimeError, match="SECRET_KEY"):
        keyset_paginate(listing_session, select)
    app.secret_key = KEY
    with app.app_context():
        cursor = keyset_paginate(listing_session, select).next_cursor
    assert cursor == keyset_paginate(listing_session, select, secret_key=KEY).next_cursor


def test_per_page(listing_session: orm.Session) -> None:
    """``per_page`` is checked and capped as for numbered pages; None is a TypeError."""
    select = sa.select(Post).order_by(Post.id)
    with pytest.raises(NotFound):
        keyset_paginate(listing_session, select, per_page=0, secret_key=KEY)
    assert (
        len(
            keyset_paginate(
                listing_session, select, per_page=0, error_out=False, secret_key=KEY
            ).items
        )
        == 20
    )
    assert (
        len(
            keyset_paginate(
                listing_session, select, per_page=30, max_per_page=7, secret_key=KEY
            ).items
        )
        == 7
    )
    assert (
        len(keyset_paginate(listing_session, select, per_page=2**70, secret_key=KEY).items) == POSTS
    )
    with pytest.raises(TypeError, match="per_page"):
        keyset_paginate(listing_session, select, per_page=None, secret_key=KEY)  # type: ignore[arg-type]


# -----------------------------------------------------------------------------------------
# Sort key values of every type a cursor holds


class Colour(enum.Enum):
    red = "r"
    green = "g"


class Typed(Base):
    __tablename__ = "typed"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[dt.datetime | None] = orm.mapped_column()
    day: orm.Mapped[dt.date | None] = orm.mapped_column()
    time: orm.Mapped[dt.time | None] = orm.mapped_column()
    span: orm.Mapped[dt.timedelta | None] = orm.mapped_column(sa.Interval)
    amount: orm.Mapped[decimal.Decimal | None] = orm.mapped_column(sa.Numeric(10, 2))
    ratio: orm.Mapped[float | None] = orm.mapped_column(sa.Float)
    token: orm.Mapped[uuid.UUID | None] = orm.mapped_column(sa.Uuid)
    blob: orm.Mapped[bytes | None] = orm.mapped_column(sa.LargeBinary)
    colour: orm.Mapped[Colour | None] = orm.mapped_column(sa.Enum(Colour))
    flag: orm.Mapped[bool | None] = orm.mapped_column()
    text: orm.Mapped[str | None] = orm.mapped_column(sa.String(20))


def _typed_row(n: int) -> dict[str, object]:
    v = n % 4  # ties: four distinct values, and NULL for every fifth row
    if n % 5 == 0:
        return {"id": n}
    return {
        "id": n,
        "at": dt.datetime(2024, 1, 1, 0, 0, v, 500 * v),
        "day": dt.date(2024, 1, 1 + v),
        "time": dt.time(1, v, 0, 250),
        "span": dt.timedelta(days=v, microseconds=v),
        "amount": decimal.Decimal(f"{v}.{v}5"),
        "ratio": v / 3,
        "token": uuid.UUID(int=v * 2**100),
        "blob": bytes([v, 255, 0]),
        "colour": [Colour.red, Colour.green][v % 2],
        "flag": v % 2 == 0,
        "text": "é" * v,
    }


TYPED_COLUMNS = [
    "at",
    "day",
    "time",
    "span",
    "amount",
    "ratio",
    "token",
    "blob",
    "colour",
    "flag",
    "text",
]


@pytest.mark.parametrize("column", TYPED_COLUMNS)
def test_every_value_type_walks(database: Database, column: str) -> None:
    """Each type's values, ties and NULLs round-trip through cursors and bind as the column."""
    engine = sa.create_engine(database.url)
    table = t.cast(sa.Table, Typed.__table__)
    table.create(engine)
    try:
        with orm.Session(engine) as session:
            session.execute(sa.insert(Typed), [_typed_row(n) for n in range(1, 24)])
            attribute = getattr(Typed, column)
            for descending in (False, True):
                tie = Typed.id.desc() if descending else Typed.id
                select = sa.select(Typed).order_by(attribute.desc() if descending else attribute)
                expected = [row.id for row in session.scalars(select.order_by(tie))]
                forward, backward = walk(session, select, 4, rows=False)
                assert forward == expected and backward == expected
    finally:
        table.drop(engine)
        engine.dispose()


def test_cursor_refuses_values_it_cannot_hold() -> None:
    """A sort key value of another type is a TypeError when the cursor is written."""
    signed = cursors.Cursors(KEY, "f", 1)
    with pytest.raises(TypeError, match="cannot hold"):
        signed.write(cursors.NEXT, [object()])
    assert signed.read(signed.write(cursors.NEXT, [float("nan")])) is not None


# -----------------------------------------------------------------------------------------
# The facade


def test_facade_reads_cursor_and_per_page(database: Database) -> None:
    """``db.keyset_paginate`` reads ``?cursor=`` and ``?per_page=``; bad cursors are 404s."""
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=database.url, SECRET_KEY=KEY)
    db = SQLAlchemy(app, model_class=Base)
    try:
        with app.app_context():
            db.create_all()
            db.session.add_all([Author(name=f"n{n:02d}") for n in range(30)])
            db.session.commit()
        select = sa.select(Author.name).order_by(Author.name)
        with app.test_request_context("/?per_page=4"):
            first = db.keyset_paginate(select)
            assert first.items == ["n00", "n01", "n02", "n03"]
        with app.test_request_context(
            "/", query_string={"cursor": first.next_cursor, "per_page": 3}
        ):
            assert db.keyset_paginate(select).items == ["n04", "n05", "n06"]
        with app.test_request_context("/?cursor=forged"), pytest.raises(NotFound):
            db.keyset_paginate(select)
        with app.app_context():
            page = db.keyset_paginate(
                select, cursor=first.next_cursor, per_page=2, rows=True, count=True
            )
            assert ([tuple(r) for r in page], page.total) == ([("n04",), ("n05",)], 30)
        # Reading the request is the legacy feature FSC605, as for db.paginate (cursor=None
        # reads it; the core's keyset_paginate never does); db.* itself is FSC601.
        with legacy.modes("FSC605=error"):
            with app.test_request_context("/"), pytest.raises(legacy.LegacyFeatureError):
                db.keyset_paginate(select, per_page=3)
            with app.app_context():
                assert len(db.keyset_paginate(select, per_page=3).items) == 3
        with legacy.modes("FSC601=error"), app.app_context():
            with pytest.raises(legacy.LegacyFeatureError):
                db.keyset_paginate(select, per_page=3)
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()
