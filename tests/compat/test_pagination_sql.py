"""Pagination against a database: the SQL issued, how many statements, and what items are.

Runs on SQLite and PostgreSQL. Statements are counted with a ``before_cursor_execute``
listener added after the tables and rows exist, so only the call under test is seen.
"""

from __future__ import annotations

import dataclasses
import typing as t
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as orm
from flask import Flask
from sqlalchemy.orm import DynamicMapped
from sqlalchemy.orm import Mapped
from werkzeug.exceptions import NotFound

from fss_compat.shims import pagination
from tests._support.implementations import Impl
from tests._support.implementations import Variant
from tests._support.postgresql import Database


@dataclasses.dataclass
class Catalog:
    """25 items with two tags each (joined eagerly), and the statements run since setup."""

    db: t.Any
    Item: t.Any
    Tag: t.Any
    statements: list[str]


def _record(engine: sa.engine.Engine) -> list[str]:
    statements: list[str] = []

    def record(conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    return statements


def _dispose(db: t.Any, app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def catalog(impl: Impl, app: Flask, database: Database) -> Iterator[Catalog]:
    """The catalog on the default ``model_class``, on the database under test."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db = impl.SQLAlchemy(app)

    class Item(db.Model):
        id: Mapped[int] = orm.mapped_column(primary_key=True)
        data = orm.mapped_column(sa.JSON)
        tags: Mapped[list[Tag]] = db.relationship(lazy="joined", order_by="Tag.id")

    class Tag(db.Model):
        id: Mapped[int] = orm.mapped_column(primary_key=True)
        item_id: Mapped[int] = orm.mapped_column(sa.ForeignKey(Item.id))
        label: Mapped[str] = orm.mapped_column(sa.String(10))

    with app.app_context():
        db.create_all()
        db.session.execute(sa.insert(Item), [{"data": {"n": n}} for n in range(25)])
        tags = [{"item_id": n // 2 + 1, "label": "ab"[n % 2]} for n in range(50)]
        db.session.execute(sa.insert(Tag), tags)
        db.session.commit()
        statements = _record(db.engine)
    yield Catalog(db, Item, Tag, statements)
    _dispose(db, app)


def test_select_sql(catalog: Catalog, app: Flask) -> None:
    """``db.paginate`` runs the page's select, then ``count(*)`` without eager joins or ORDER BY."""
    db, item = catalog.db, catalog.Item
    with app.app_context():
        p = db.paginate(sa.select(item).order_by(item.id.desc()), page=2, per_page=10)
        items_sql, count_sql = catalog.statements
        assert [i.id for i in p.items] == list(range(15, 5, -1))
        assert [len(i.tags) for i in p.items] == [2] * 10
        assert (p.total, len(catalog.statements)) == (25, 2)
    assert all(word in items_sql for word in ("JOIN", "ORDER BY", "LIMIT", "OFFSET"))
    assert count_sql.startswith("SELECT count(*)")
    assert not any(word in count_sql for word in ("JOIN", "ORDER BY", "LIMIT", "tag"))


def test_query_sql(catalog: Catalog, app: Flask) -> None:
    """``Query.paginate`` runs the page's query, then ``count(*)`` without joins or ORDER BY."""
    item = catalog.Item
    with app.app_context():
        p = item.query.order_by(item.id.desc()).paginate(page=2, per_page=10)
        items_sql, count_sql = catalog.statements
        assert [i.id for i in p.items] == list(range(15, 5, -1))
        assert (p.total, len(catalog.statements)) == (25, 2)
    assert all(word in items_sql for word in ("JOIN", "ORDER BY", "LIMIT", "OFFSET"))
    assert count_sql.startswith("SELECT count(*)")
    assert not any(word in count_sql for word in ("JOIN", "ORDER BY", "LIMIT", "tag"))


_Scenario = t.Callable[[t.Any, t.Any], t.Callable[[], object]]


def _paginate(**kwargs: t.Any) -> _Scenario:
    return lambda db, item: lambda: db.paginate(sa.select(item), **kwargs)


def _query_paginate(**kwargs: t.Any) -> _Scenario:
    return lambda db, item: lambda: item.query.paginate(**kwargs)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        pytest.param(_paginate(), 2, id="paginate"),
        pytest.param(_paginate(count=False), 1, id="paginate-count-false"),
        pytest.param(_paginate(page=100, error_out=False), 2, id="paginate-past-end"),
        pytest.param(_paginate(page=100), 1, id="paginate-past-end-404"),
        pytest.param(_paginate(page=0), 0, id="paginate-page-0"),
        pytest.param(_paginate(page=1, per_page=-1), 0, id="paginate-per-page-negative"),
        pytest.param(_query_paginate(), 2, id="query-paginate"),
        pytest.param(_query_paginate(count=False), 1, id="query-paginate-count-false"),
        pytest.param(_query_paginate(page=100), 1, id="query-paginate-past-end-404"),
        pytest.param(lambda db, item: db.paginate(sa.select(item)).next, 1, id="next"),
        pytest.param(lambda db, item: db.paginate(sa.select(item), page=2).prev, 1, id="prev"),
        pytest.param(lambda db, item: item.query.paginate(per_page=5).next, 1, id="query-next"),
    ],
)
def test_statement_count(catalog: Catalog, app: Flask, scenario: _Scenario, expected: int) -> None:
    """Each pagination call runs as many SQL statements as Flask-SQLAlchemy's (items first)."""
    with app.app_context():
        call = scenario(catalog.db, catalog.Item)
        catalog.statements.clear()
        try:
            call()
        except NotFound:
            pass
        assert len(catalog.statements) == expected


def test_items_are_first_column_of_unique_rows(catalog: Catalog, app: Flask) -> None:
    """Items are ``unique().scalars()``: the first column only, each value once per page."""
    db, tag = catalog.db, catalog.Tag
    with app.app_context():
        ids = db.paginate(sa.select(tag.id, tag.label).order_by(tag.id), per_page=3)
        assert ids.items == [1, 2, 3]
        labels = db.paginate(sa.select(tag.label).order_by(tag.label), per_page=5)
        assert (labels.items, labels.total) == (["a"], 50)
        pairs = db.paginate(sa.select(tag.label, tag.id).order_by(tag.id), per_page=4)
        assert (pairs.items, pairs.first, pairs.last) == (["a", "b"], 1, 2)


def test_unhashable_items_raise(catalog: Catalog, app: Flask) -> None:
    """Paginating a select of a JSON column raises InvalidRequestError, from ``unique()``."""
    db, item = catalog.db, catalog.Item
    with app.app_context(), pytest.raises(sa_exc.InvalidRequestError):
        db.paginate(sa.select(item.data))


def test_empty_result(catalog: Catalog, app: Flask) -> None:
    """An empty first page is no error: total and pages 0, first and last 0, no page links."""
    db, item = catalog.db, catalog.Item
    empty = sa.select(item).where(sa.false())
    with app.app_context():
        p = db.paginate(empty)
        q = item.query.filter(sa.false()).paginate()
        with pytest.raises(NotFound):
            db.paginate(empty, page=2)
    for page in (p, q):
        assert (page.items, page.total, page.pages, page.first, page.last) == ([], 0, 0, 0, 0)
        assert (page.has_prev, page.has_next, list(page.iter_pages())) == (False, False, [])


@pytest.fixture
def variant_db(make_db: t.Callable[..., t.Any], app: Flask, database: Database) -> Iterator[t.Any]:
    """``db`` for the model-class variant under test, on the database under test."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db = make_db()
    yield db
    _dispose(db, app)


def test_query_paginate(variant_db: t.Any, app: Flask, variant: Variant, impl: Impl) -> None:
    """``Model.query``, ``db.session.query`` and ``db.paginate`` page alike for any model class."""
    db = variant_db

    class Item(db.Model):
        id: Mapped[int] = variant.pk()

    with app.app_context():
        db.create_all()
        db.session.execute(sa.insert(Item), [{}] * 7)
        by_model = Item.query.order_by(Item.id).paginate(page=2, per_page=3)
        by_session = db.session.query(Item).order_by(Item.id).paginate(page=3, per_page=3)
        by_select = db.paginate(sa.select(Item).order_by(Item.id), page=2, per_page=3)
    shim = impl.shim("pagination")
    assert type(by_model) is type(by_session) is shim.QueryPagination
    assert type(by_select) is shim.SelectPagination
    assert [i.id for i in by_model] == [i.id for i in by_select] == [4, 5, 6]
    assert ([i.id for i in by_session], by_session.total, by_session.has_next) == ([7], 7, False)


def test_dynamic_relationship_paginate(variant_db: t.Any, app: Flask, variant: Variant) -> None:
    """A ``db.relationship(lazy="dynamic")`` collection is a ``db.Query`` and pages its own rows."""
    db = variant_db
    dataclass_args = {"init": False} if variant.dataclass else {}

    class Parent(db.Model):
        id: Mapped[int] = variant.pk()
        children: DynamicMapped[Child] = db.relationship(
            lazy="dynamic", order_by="Child.id", **dataclass_args
        )

    class Child(db.Model):
        id: Mapped[int] = variant.pk()
        parent_id: Mapped[int] = variant.column(sa.ForeignKey(Parent.id))

    with app.app_context():
        db.create_all()
        db.session.execute(sa.insert(Parent), [{}] * 2)
        db.session.execute(sa.insert(Child), [{"parent_id": n % 2 + 1} for n in range(10)])
        parent = db.session.get(Parent, 1)
        assert isinstance(parent.children, db.Query)
        p = parent.children.paginate(page=2, per_page=2)
        assert ([c.id for c in p], p.total, p.pages) == ([5, 7], 5, 3)


_ROWS = sa.Table("row", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))


@pytest.fixture
def engine() -> Iterator[sa.engine.Engine]:
    """An in-memory SQLite engine, no Flask involved, with rows 1 to 12 in table ``row``."""
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    _ROWS.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(_ROWS), [{}] * 12)
    yield engine
    engine.dispose()


def test_select_pagination_on_plain_session(impl: Impl, engine: sa.engine.Engine) -> None:
    """``SelectPagination`` on a plain Session works with no app context, 404s included."""
    table = _ROWS
    select_pagination = impl.shim("pagination").SelectPagination
    with orm.Session(engine) as session:
        select = sa.select(table.c.id).order_by(table.c.id)
        p = select_pagination(select=select, session=session, page=3, per_page=5, max_per_page=None)
        assert (p.items, p.total, p.pages, p.has_next) == ([11, 12], 12, 3, False)
        assert p.prev().items == [6, 7, 8, 9, 10]
        with pytest.raises(NotFound):
            select_pagination(select=select, session=session, page=4, per_page=5)


# fss_compat only: Flask-SQLAlchemy has no standalone paginate().


def test_standalone_paginate(engine: sa.engine.Engine) -> None:
    """``paginate(session, select)`` pages without Flask and ignores any request's args."""
    select = sa.select(_ROWS.c.id).order_by(_ROWS.c.id)
    scoped = orm.scoped_session(orm.sessionmaker(engine))
    p = pagination.paginate(scoped, select, page=2, per_page=5)
    assert type(p) is pagination.SelectPagination
    assert (p.items, p.total, p.max_per_page) == ([6, 7, 8, 9, 10], 12, None)
    assert p.next().items == [11, 12]
    assert p._query_args["session"] is scoped()
    with pytest.raises(NotFound):
        pagination.paginate(scoped, select, page=0)
    with Flask(__name__).test_request_context("/?page=2&per_page=3"):
        assert pagination.paginate(scoped, select).items == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    scoped.remove()


def test_standalone_paginate_refuses_none(engine: sa.engine.Engine) -> None:
    """``paginate(..., page=None)`` raises TypeError instead of falling back to the request."""
    with orm.Session(engine) as session, pytest.raises(TypeError, match="page"):
        # arg-type: None is the mistake under test.
        pagination.paginate(session, sa.select(_ROWS), page=None)  # type: ignore[arg-type]
