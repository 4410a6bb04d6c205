"""The 404 helpers on ``db`` and on the legacy ``Query``, and ``db.Query`` itself.

Runs on SQLite and PostgreSQL. Rows: item 1 named "a", item 2 with a NULL name, item 3
named "c".
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
from sqlalchemy.orm import Mapped
from werkzeug.exceptions import NotFound

from fss_compat.shims import query
from tests._support.implementations import Impl
from tests._support.implementations import Variant
from tests._support.postgresql import Database

LEGACY = Variant("legacy", None, False)


@dataclasses.dataclass
class Catalog:
    """The ``db``, its ``Item`` model, and the SQL statements run since setup."""

    db: t.Any
    Item: t.Any
    statements: list[str]


def _catalog(db: t.Any, app: Flask, variant: Variant) -> Catalog:
    class Item(db.Model):
        id: Mapped[int] = variant.pk()
        name: Mapped[t.Optional[str]] = variant.column(sa.String(10))  # noqa: UP045 (runtime annotation)

    statements: list[str] = []

    def record(conn: t.Any, cursor: t.Any, statement: str, *args: t.Any) -> None:
        statements.append(statement)

    with app.app_context():
        db.create_all()
        db.session.execute(sa.insert(Item), [{"name": "a"}, {"name": None}, {"name": "c"}])
        db.session.commit()
        sa.event.listen(db.engine, "before_cursor_execute", record)
    return Catalog(db, Item, statements)


def _dispose(db: t.Any, app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def catalog(
    make_db: t.Callable[..., t.Any], app: Flask, database: Database, variant: Variant
) -> Iterator[Catalog]:
    """The catalog for the model-class variant under test, on the database under test."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    catalog = _catalog(make_db(), app, variant)
    yield catalog
    _dispose(catalog.db, app)


@pytest.fixture
def plain(impl: Impl, app: Flask, database: Database) -> Iterator[Catalog]:
    """The catalog on the default ``model_class``, on the database under test."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    catalog = _catalog(impl.SQLAlchemy(app), app, LEGACY)
    yield catalog
    _dispose(catalog.db, app)


def test_db_helpers_return_rows(catalog: Catalog, app: Flask) -> None:
    """``db.get_or_404``, ``first_or_404`` and ``one_or_404`` return the row or first column."""
    db, item = catalog.db, catalog.Item
    with app.app_context():
        assert db.get_or_404(item, 3).name == "c"
        assert db.first_or_404(sa.select(item).order_by(item.id.desc())).id == 3
        assert db.first_or_404(sa.select(item.name).order_by(item.id)) == "a"
        assert db.one_or_404(sa.select(item).where(item.name == "a")).id == 1
        assert db.one_or_404(sa.select(item.id).where(item.name.is_(None))) == 2


def test_db_helpers_abort(catalog: Catalog, app: Flask) -> None:
    """No row, a NULL first column, or several rows for ``one_or_404`` abort with 404."""
    db, item = catalog.db, catalog.Item
    with app.app_context():
        with pytest.raises(NotFound):
            db.get_or_404(item, 4)
        with pytest.raises(NotFound):
            db.first_or_404(sa.select(item).where(item.id > 3))
        with pytest.raises(NotFound):
            db.first_or_404(sa.select(item.name).where(item.id == 2))
        with pytest.raises(NotFound) as none:
            db.one_or_404(sa.select(item).where(item.id > 3))
        with pytest.raises(NotFound) as several:
            db.one_or_404(sa.select(item))
    assert type(none.value.__context__) is sa_exc.NoResultFound
    assert type(several.value.__context__) is sa_exc.MultipleResultsFound


def test_query_helpers(catalog: Catalog, app: Flask) -> None:
    """``Model.query`` has ``get_or_404``, ``first_or_404`` and ``one_or_404``, aborting alike."""
    item = catalog.Item
    with app.app_context():
        with pytest.warns(sa_exc.LegacyAPIWarning):
            assert item.query.get_or_404(1).name == "a"
        with pytest.warns(sa_exc.LegacyAPIWarning), pytest.raises(NotFound):
            item.query.get_or_404(4)
        assert item.query.order_by(item.id.desc()).first_or_404().id == 3
        with pytest.raises(NotFound):
            item.query.filter(item.id > 3).first_or_404()
        assert item.query.filter_by(name="c").one_or_404().id == 3
        with pytest.raises(NotFound) as none:
            item.query.filter(item.id > 3).one_or_404()
        with pytest.raises(NotFound) as several:
            item.query.one_or_404()
    assert type(none.value.__context__) is sa_exc.NoResultFound
    assert type(several.value.__context__) is sa_exc.MultipleResultsFound


def test_query_class(catalog: Catalog, app: Flask, impl: Impl) -> None:
    """``Model.query`` and ``db.session.query(Model)`` are ``db.Query``, the shim's ``Query``."""
    db, item = catalog.db, catalog.Item
    assert db.Query is impl.shim("query").Query
    with app.app_context():
        assert type(item.query) is type(db.session.query(item)) is db.Query


def test_custom_query_class(impl: Impl, app: Flask) -> None:
    """A ``query_class`` subclass serves ``Model.query`` and ``db.session.query``, 404s and all."""

    # misc: the base class comes from a module chosen at run time, so it is Any.
    class CustomQuery(impl.shim("query").Query):  # type: ignore[misc]
        pass

    catalog = _catalog(impl.SQLAlchemy(app, query_class=CustomQuery), app, LEGACY)
    item = catalog.Item
    with app.app_context():
        assert type(item.query) is type(catalog.db.session.query(item)) is CustomQuery
        assert item.query.filter_by(name="a").one_or_404().id == 1
        assert type(item.query.paginate()) is impl.shim("pagination").QueryPagination


_Call = t.Callable[[t.Any, t.Any], object]

_DESCRIBED_CALLS: list[t.Any] = [
    pytest.param(lambda db, item, **kw: db.get_or_404(item, 4, **kw), id="db.get_or_404"),
    pytest.param(
        lambda db, item, **kw: db.first_or_404(sa.select(item).where(item.id > 3), **kw),
        id="db.first_or_404",
    ),
    pytest.param(lambda db, item, **kw: db.one_or_404(sa.select(item), **kw), id="db.one_or_404"),
    pytest.param(
        lambda db, item, **kw: item.query.filter(item.id > 3).first_or_404(*kw.values()),
        id="Query.first_or_404",
    ),
    pytest.param(lambda db, item, **kw: item.query.one_or_404(*kw.values()), id="Query.one_or_404"),
]


@pytest.mark.parametrize("call", _DESCRIBED_CALLS)
@pytest.mark.parametrize("description", [None, "No such item."])
def test_description(plain: Catalog, app: Flask, call: t.Any, description: str | None) -> None:
    """The 404 carries the given description, or Werkzeug's default one without it."""
    with app.app_context(), pytest.raises(NotFound) as e:
        call(plain.db, plain.Item, description=description)
    assert e.value.description == (description or NotFound.description)


def test_query_get_or_404_description(plain: Catalog, app: Flask) -> None:
    """``Query.get_or_404`` takes the description positionally too."""
    with app.app_context(), pytest.warns(sa_exc.LegacyAPIWarning):
        with pytest.raises(NotFound) as e:
            plain.Item.query.get_or_404(4, "Gone.")
    assert e.value.description == "Gone."


def test_db_helpers_description_is_keyword_only(plain: Catalog, app: Flask) -> None:
    """``db.first_or_404`` and ``db.one_or_404`` refuse a positional description."""
    db, item = plain.db, plain.Item
    with app.app_context():
        with pytest.raises(TypeError):
            db.first_or_404(sa.select(item), "Gone.")
        with pytest.raises(TypeError):
            db.one_or_404(sa.select(item), "Gone.")


def test_get_or_404_forwards_kwargs(plain: Catalog, app: Flask, database: Database) -> None:
    """``db.get_or_404`` passes extra keywords to ``session.get``; an unknown one is TypeError."""
    db, item = plain.db, plain.Item
    with app.app_context():
        row = db.get_or_404(item, 1)
        row.name = "changed"
        plain.statements.clear()
        with db.session.no_autoflush:
            assert db.get_or_404(item, 1, populate_existing=True).name == "a"
        assert db.get_or_404(item, 3, with_for_update=True).name == "c"
        assert len(plain.statements) == 2
        assert ("FOR UPDATE" in plain.statements[1]) is database.is_postgresql
        with pytest.raises(TypeError):
            db.get_or_404(item, 1, no_such_option=True)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(lambda db, item: db.get_or_404(item, 1), 1, id="db.get_or_404"),
        pytest.param(lambda db, item: db.get_or_404(item, 4), 1, id="db.get_or_404-miss"),
        pytest.param(lambda db, item: db.first_or_404(sa.select(item)), 1, id="db.first_or_404"),
        pytest.param(
            lambda db, item: db.one_or_404(sa.select(item)), 1, id="db.one_or_404-several"
        ),
        pytest.param(lambda db, item: item.query.first_or_404(), 1, id="Query.first_or_404"),
        pytest.param(lambda db, item: item.query.one_or_404(), 1, id="Query.one_or_404"),
    ],
)
def test_statement_count(plain: Catalog, app: Flask, call: _Call, expected: int) -> None:
    """Each helper runs as many SQL statements as Flask-SQLAlchemy's."""
    with app.app_context():
        try:
            call(plain.db, plain.Item)
        except NotFound:
            pass
        assert len(plain.statements) == expected


def test_get_or_404_identity_map_hit(plain: Catalog, app: Flask) -> None:
    """``db.get_or_404`` of a row already in the session runs no statement."""
    with app.app_context():
        row = plain.db.get_or_404(plain.Item, 1)
        assert plain.db.get_or_404(plain.Item, 1) is row
    assert len(plain.statements) == 1


def test_query_get_or_404_statement_count(plain: Catalog, app: Flask) -> None:
    """``Query.get_or_404`` runs one statement, or none when the row is already loaded."""
    with app.app_context(), pytest.warns(sa_exc.LegacyAPIWarning):
        row = plain.Item.query.get_or_404(1)
        assert plain.Item.query.get_or_404(1) is row
    assert len(plain.statements) == 1


# fss_compat only: Flask-SQLAlchemy's helpers need the 'db' object.


class _Base(orm.DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "row"
    id: Mapped[int] = orm.mapped_column(primary_key=True)


@pytest.fixture
def sessionmaker() -> Iterator[orm.sessionmaker[orm.Session]]:
    """Sessions on an in-memory SQLite engine, no Flask involved, with rows 1 and 2."""
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    _Base.metadata.create_all(engine)
    with orm.Session(engine) as session:
        session.add_all([_Row(id=1), _Row(id=2)])
        session.commit()
    yield orm.sessionmaker(engine)
    engine.dispose()


def test_standalone_helpers_without_app_context(
    sessionmaker: orm.sessionmaker[orm.Session],
) -> None:
    """The session-taking helpers work on a plain Session with no Flask context at all."""
    with sessionmaker() as session:
        assert query.get_or_404(session, _Row, 2).id == 2
        assert query.first_or_404(session, sa.select(_Row.id).order_by(_Row.id)) == 1
        assert query.one_or_404(session, sa.select(_Row).where(_Row.id == 2)).id == 2
        with pytest.raises(NotFound) as e:
            query.get_or_404(session, _Row, 3, description="No row 3.")
        assert e.value.description == "No row 3."
        with pytest.raises(NotFound):
            query.first_or_404(session, sa.select(_Row).where(_Row.id > 2))
        with pytest.raises(NotFound) as several:
            query.one_or_404(session, sa.select(_Row))
        assert type(several.value.__context__) is sa_exc.MultipleResultsFound


def test_standalone_helpers_on_scoped_session(sessionmaker: orm.sessionmaker[orm.Session]) -> None:
    """The helpers also take a ``scoped_session`` and use its current session."""
    scoped = orm.scoped_session(sessionmaker)
    row = query.get_or_404(scoped, _Row, 1)
    assert query.one_or_404(scoped, sa.select(_Row).where(_Row.id == 1)) is row
    with pytest.raises(NotFound):
        query.first_or_404(scoped, sa.select(_Row).where(_Row.id > 2))
    scoped.remove()
