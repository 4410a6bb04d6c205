"""Every error Flask-SQLAlchemy raises with a message: the same type and ``str(exc)`` here.

The list was made from the ``raise`` and ``abort`` statements of Flask-SQLAlchemy 3.1.1's
``extension.py``, ``model.py``, ``session.py``, ``pagination.py`` and ``query.py``, plus
the Flask and SQLAlchemy errors it lets through on its public paths (no app context,
``db.engine`` without a default engine, an unknown attribute) and those of
``record_queries.py`` and ``track_modifications.py``. Each scenario runs on a fresh app for
each implementation; the two exceptions must have the same type and message. fss_compat's
extra help is in a note (``__notes__``), never in the message.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask
from werkzeug.exceptions import NotFound

from tests._support.implementations import Impl

FSA = Impl("flask_sqlalchemy")
OURS = Impl("fss_compat")

Scenario = Callable[[Impl, Path], object]
SCENARIOS: dict[str, Scenario] = {}
#: Scenarios where fss_compat adds a note with what to do.
NOTED: set[str] = set()


def scenario(*, noted: bool = False) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        name = function.__name__
        SCENARIOS[name] = function
        if noted:
            NOTED.add(name)
        return function

    return register


def _app(tmp_path: Path, **config: t.Any) -> Flask:
    app = Flask("fss_test_app", instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    return app


def _sqlite(tmp_path: Path, **config: t.Any) -> Flask:
    return _app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", **config)


def _binds_only(tmp_path: Path) -> Flask:
    return _app(tmp_path, SQLALCHEMY_BINDS={"audit": "sqlite://"})


def _model(db: t.Any, name: str = "item", bind_key: str | None = None) -> t.Any:
    namespace: dict[str, t.Any] = {
        "__tablename__": name,
        "id": sa.Column(sa.Integer, primary_key=True),
    }
    if bind_key is not None:
        namespace["__bind_key__"] = bind_key
    return type(name.title(), (db.Model,), namespace)


# extension.py: init_app


@scenario(noted=True)
def init_app_twice(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    return db.init_app(app)


@scenario(noted=True)
def second_db_on_one_app(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    impl.SQLAlchemy(app)
    return impl.SQLAlchemy(app)


@scenario(noted=True)
def neither_uri_nor_binds(impl: Impl, tmp_path: Path) -> object:
    return impl.SQLAlchemy(_app(tmp_path))


# extension.py: the declarative base


@scenario(noted=True)
def several_declarative_bases(impl: Impl, tmp_path: Path) -> object:
    class First(orm.DeclarativeBase):
        pass

    class Second(orm.DeclarativeBaseNoMeta):
        pass

    class Both(First, Second):
        __abstract__ = True

    return impl.SQLAlchemy(model_class=Both)


# extension.py: engines


@scenario(noted=True)
def engines_of_unregistered_app(impl: Impl, tmp_path: Path) -> object:
    db = impl.SQLAlchemy(_sqlite(tmp_path))
    with _sqlite(tmp_path).app_context():
        return db.engines


@scenario()
def engine_without_default(impl: Impl, tmp_path: Path) -> object:
    app = _binds_only(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context():
        return db.engine


@scenario()
def get_engine_unknown_key(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context(), pytest.warns(DeprecationWarning):
        return db.get_engine("nope")


@scenario(noted=True)
def engines_outside_app_context(impl: Impl, tmp_path: Path) -> object:
    return impl.SQLAlchemy(_sqlite(tmp_path)).engines


# extension.py: create_all, drop_all, reflect


@scenario(noted=True)
def create_all_unknown_bind_key(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context():
        return db.create_all(bind_key="nope")


@scenario(noted=True)
def create_all_without_default_engine(impl: Impl, tmp_path: Path) -> object:
    app = _binds_only(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context():
        return db.create_all()


@scenario(noted=True)
def drop_all_unknown_bind_key(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context():
        return db.drop_all(bind_key=["nope"])


@scenario(noted=True)
def reflect_without_default_engine(impl: Impl, tmp_path: Path) -> object:
    app = _binds_only(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context():
        return db.reflect(bind_key=None)


# extension.py: __getattr__


@scenario()
def unknown_attribute(impl: Impl, tmp_path: Path) -> object:
    return impl.SQLAlchemy().nonexistent


@scenario()
def private_attribute(impl: Impl, tmp_path: Path) -> object:
    return impl.SQLAlchemy()._private


# extension.py: the 404 helpers (werkzeug's NotFound, with the description)


@scenario()
def get_or_404_missing(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
        return db.get_or_404(item, 1, description="no such item")


@scenario()
def first_or_404_missing(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
        return db.first_or_404(sa.select(item))


@scenario()
def one_or_404_several(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
        db.session.add_all([item(id=1), item(id=2)])
        return db.one_or_404(sa.select(item), description="ambiguous")


# session.py: bind-key routing, and the scoped session outside an app context


@scenario(noted=True)
def query_model_of_unknown_bind(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db, bind_key="nope")
    with app.app_context():
        return db.session.execute(sa.select(item)).all()


@scenario(noted=True)
def query_model_without_default_engine(impl: Impl, tmp_path: Path) -> object:
    app = _binds_only(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        return db.session.execute(sa.select(item)).all()


@scenario()
def get_unmapped_class(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context():
        return db.session.get_bind(mapper=object)


@scenario(noted=True)
def session_outside_app_context(impl: Impl, tmp_path: Path) -> object:
    return impl.SQLAlchemy(_sqlite(tmp_path)).session.execute(sa.text("select 1"))


@scenario(noted=True)
def model_query_outside_app_context(impl: Impl, tmp_path: Path) -> object:
    db = impl.SQLAlchemy(_sqlite(tmp_path))
    return _model(db).query.all()


# model.py: Model.query on the unmapped base


@scenario()
def query_on_unmapped_base(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    with app.app_context():
        return db.Model.query


# pagination.py and query.py


@scenario()
def paginate_page_as_text(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
        return db.paginate(sa.select(item), page="2")


@scenario()
def paginate_past_the_end(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
        return db.paginate(sa.select(item), page=3, per_page=5)


@scenario(noted=True)
def pagination_base_class_items(impl: Impl, tmp_path: Path) -> object:
    return impl.shim("pagination").Pagination(page=1, per_page=5)


@scenario()
def query_get_or_404_missing(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
        return item.query.filter_by(id=1).first_or_404(description="gone")


@scenario()
def query_one_or_404_none(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
        return item.query.one_or_404()


# record_queries.py and track_modifications.py


@scenario(noted=True)
def recorded_queries_outside_app_context(impl: Impl, tmp_path: Path) -> object:
    return impl.shim("record_queries").get_recorded_queries()


@scenario(noted=True)
def tracked_commit_in_unregistered_app(impl: Impl, tmp_path: Path) -> object:
    app = _sqlite(tmp_path, SQLALCHEMY_TRACK_MODIFICATIONS=True)
    db = impl.SQLAlchemy(app)
    item = _model(db)
    with app.app_context():
        db.create_all()
    session = db.session.session_factory()
    with _app(tmp_path).app_context():
        session.add(item(id=1))
        return session.commit()


def _raised(impl: Impl, name: str, tmp_path: Path) -> BaseException:
    folder = tmp_path / impl.name
    folder.mkdir()
    with pytest.raises(Exception) as info:
        SCENARIOS[name](impl, folder)
    return info.value


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_type_and_message(name: str, tmp_path: Path) -> None:
    """Both implementations raise the same exception type with the same ``str()``."""
    theirs, ours = _raised(FSA, name, tmp_path), _raised(OURS, name, tmp_path)
    assert (type(ours), str(ours)) == (type(theirs), str(theirs))
    if isinstance(ours, NotFound) and isinstance(theirs, NotFound):
        assert ours.description == theirs.description


@pytest.mark.parametrize("name", sorted(NOTED))
def test_fss_compat_adds_help_as_a_note(name: str, tmp_path: Path) -> None:
    """Where fss_compat has more to say, it is a note beside the unchanged message."""
    ours = _raised(OURS, name, tmp_path)
    notes = getattr(ours, "__notes__", [])
    assert len(notes) == 1 and notes[0].startswith("fss_compat: ")
    assert notes[0] not in str(ours)
