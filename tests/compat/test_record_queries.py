"""Recorded queries (``SQLALCHEMY_RECORD_QUERIES``) on both sides, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import inspect
import time
import typing as t
from pathlib import Path

import flask
import flask_sqlalchemy.record_queries
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm
from flask import Flask

import fss_compat
import fss_compat.shims.record_queries
from tests._support.implementations import Impl
from tests._support.implementations import Variant
from tests._support.postgresql import Database
from tests.compat import recording_app

_MakeDb = t.Callable[..., t.Any]


@pytest.fixture
def db_app(app: Flask, database: Database) -> Flask:
    """The test app on the test database, with recording on."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
    return app


@pytest.fixture
def located_app(database: Database, tmp_path: Path) -> Flask:
    """An app named after ``tests.compat.recording_app``, so ``tests`` is its package."""
    return recording_app.create_app(database.url, str(tmp_path / "located_instance"))


def line_of(function: t.Callable[..., t.Any], needle: str) -> int:
    """The line number, in its file, of the first line of ``function`` containing ``needle``."""
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if needle in line)


def recorded(impl: Impl) -> list[t.Any]:
    result: list[t.Any] = impl.shim("record_queries").get_recorded_queries()
    return result


def statements(impl: Impl) -> list[str]:
    return [query.statement for query in recorded(impl)]


def make_item(db: t.Any, variant: Variant) -> type[t.Any]:
    class Item(db.Model):
        id: orm.Mapped[int] = variant.pk()
        name: orm.Mapped[str] = variant.column(sa.String(50), init_default="")

    return Item


# Switching recording on and off


def test_off_by_default(impl: Impl, app: Flask, database: Database) -> None:
    """Without the config key nothing is recorded, and the key is then False in the config."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db = impl.SQLAlchemy(app)
    assert app.config["SQLALCHEMY_RECORD_QUERIES"] is False
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        assert recorded(impl) == []


def test_enabling_after_init_records_nothing(impl: Impl, app: Flask, database: Database) -> None:
    """The key is read at ``init_app``: setting it to True later records nothing."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database.url
    db = impl.SQLAlchemy(app)
    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        assert recorded(impl) == []


def test_disabling_after_init_keeps_recording(impl: Impl, db_app: Flask) -> None:
    """The key is read at ``init_app``: setting it to False later does not stop recording."""
    db = impl.SQLAlchemy(db_app)
    db_app.config["SQLALCHEMY_RECORD_QUERIES"] = False
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        assert statements(impl) == ["SELECT 1"]


def test_records_each_statement_in_order(impl: Impl, db_app: Flask) -> None:
    """Each statement sent is recorded once, in execution order, with its SQL text."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.execute(sa.text("SELECT 2"))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 3")
        assert statements(impl) == ["SELECT 1", "SELECT 2", "SELECT 3"]


def test_bind_engines_record_too(impl: Impl, db_app: Flask, database: Database) -> None:
    """Statements on the engines of ``SQLALCHEMY_BINDS`` are recorded in the same list."""
    db_app.config["SQLALCHEMY_BINDS"] = {"other": database.bind_url}
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        with db.engines["other"].connect() as conn:
            conn.execute(sa.text("SELECT 2"))
        assert statements(impl) == ["SELECT 1", "SELECT 2"]


def test_only_recording_apps_engines_record(impl: Impl, db_app: Flask, tmp_path: Path) -> None:
    """With one ``db`` on two apps, only the app with the key on at its init records."""
    quiet = Flask("fss_quiet_app", instance_path=str(tmp_path / "quiet"))
    quiet.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = impl.SQLAlchemy()
    db.init_app(db_app)
    db.init_app(quiet)
    with quiet.app_context():
        db.session.execute(sa.text("SELECT 1"))
        assert recorded(impl) == []
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 2"))
        assert statements(impl) == ["SELECT 2"]


# What a recorded query holds


def test_query_info_fields_and_types(impl: Impl, db_app: Flask) -> None:
    """A query info is the dataclass ``_QueryInfo`` with five typed fields and ``duration``."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        (query,) = recorded(impl)
    assert type(query).__name__ == "_QueryInfo"
    assert dataclasses.is_dataclass(type(query))
    assert [field.name for field in dataclasses.fields(query)] == [
        "statement",
        "parameters",
        "start_time",
        "end_time",
        "location",
    ]
    assert isinstance(query.statement, str)
    assert isinstance(query.parameters, list)
    assert type(query.start_time) is float
    assert type(query.end_time) is float
    assert type(query.duration) is float
    assert isinstance(query.location, str)
    assert not isinstance(query, tuple)
    assert not hasattr(query, "context")


def test_query_info_is_a_plain_dataclass(impl: Impl) -> None:
    """The info class can be built, compared and copied like any dataclass."""
    info_class = impl.shim("record_queries")._QueryInfo
    info = info_class("SELECT 1", [()], 1.0, 3.5, "<unknown>")
    assert info.duration == 2.5
    assert info == info_class("SELECT 1", [()], 1.0, 3.5, "<unknown>")
    assert dataclasses.replace(info, end_time=4.0).duration == 3.0
    assert dataclasses.astuple(info) == ("SELECT 1", [()], 1.0, 3.5, "<unknown>")


def test_parameters_as_sent_to_the_driver(impl: Impl, db_app: Flask) -> None:
    """``statement`` has the driver's placeholders and ``parameters`` one set per execution."""
    db = impl.SQLAlchemy(db_app)
    query = sa.text("SELECT :x")
    with db_app.app_context():
        db.session.execute(query, {"x": 1})
        dialect = db.engine.dialect
        (info,) = recorded(impl)
    assert info.statement == str(query.compile(dialect=dialect))
    assert info.parameters == ([(1,)] if dialect.positional else [{"x": 1}])


def test_parameters_without_values(impl: Impl, db_app: Flask) -> None:
    """A statement without parameters records one empty parameter set."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        empty: object = () if db.engine.dialect.positional else {}
        (info,) = recorded(impl)
    assert info.parameters == [empty]


def test_executemany_records_every_row(impl: Impl, db_app: Flask) -> None:
    """An insert of several rows is recorded with all its rows, also when sent in batches."""
    db = impl.SQLAlchemy(db_app)
    table = db.Table("numbers", sa.Column("n", sa.Integer))
    with db_app.app_context():
        db.create_all()
        db.session.execute(sa.insert(table), [{"n": 1}, {"n": 2}, {"n": 3}])
        inserts = [q for q in recorded(impl) if q.statement.startswith("INSERT")]
    assert inserts
    assert all(len(q.parameters) == 3 for q in inserts)


def test_duration_is_end_minus_start(impl: Impl, db_app: Flask) -> None:
    """Times come from ``perf_counter`` around the statement; ``duration`` is their difference."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        before = time.perf_counter()
        db.session.execute(sa.text("SELECT 1"))
        after = time.perf_counter()
        (info,) = recorded(impl)
    assert before <= info.start_time <= info.end_time <= after
    assert info.duration == info.end_time - info.start_time


def test_failed_statement_not_recorded(impl: Impl, db_app: Flask) -> None:
    """A statement the database rejects is not recorded."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.text("SELECT * FROM no_such_table"))
        assert recorded(impl) == []


def test_ddl_recorded(make_db: _MakeDb, impl: Impl, variant: Variant, db_app: Flask) -> None:
    """``create_all`` and ``drop_all`` record their DDL like any other statement."""
    db = make_db()
    make_item(db, variant)
    with db_app.app_context():
        db.create_all()
        created = statements(impl)
        db.drop_all()
        dropped = statements(impl)[len(created) :]
    assert any("CREATE TABLE item" in s for s in created)
    assert any("DROP TABLE item" in s for s in dropped)


def test_model_statements_recorded(
    make_db: _MakeDb, impl: Impl, variant: Variant, db_app: Flask
) -> None:
    """The ORM's insert and select of a model are recorded with the model's values."""
    db = make_db()
    item_class = make_item(db, variant)
    with db_app.app_context():
        db.create_all()
        before = len(recorded(impl))
        db.session.add(item_class(name="a"))
        db.session.commit()
        db.session.execute(sa.select(item_class)).scalars().all()
        queries = recorded(impl)[before:]
    inserts = [q for q in queries if q.statement.startswith("INSERT INTO item")]
    selects = [q for q in queries if q.statement.startswith("SELECT item.id")]
    assert len(inserts) == 1 and len(selects) == 1
    values = inserts[0].parameters[0]
    assert list(values if isinstance(values, tuple) else values.values()) == ["a"]


# One list per app context


def test_outside_context_raises(impl: Impl) -> None:
    """Asking for the recorded queries outside an app context raises RuntimeError."""
    with pytest.raises(RuntimeError):
        impl.shim("record_queries").get_recorded_queries()


def test_statements_outside_context_not_recorded(impl: Impl, db_app: Flask) -> None:
    """A statement run with no app context is not recorded anywhere, and does not fail."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        engine = db.engine
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    with db_app.app_context():
        assert recorded(impl) == []


def test_new_context_starts_empty(impl: Impl, db_app: Flask) -> None:
    """Each app context has its own list, so the next one starts empty."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        first = recorded(impl)
    with db_app.app_context():
        assert recorded(impl) == []
        db.session.execute(sa.text("SELECT 2"))
        assert statements(impl) == ["SELECT 2"]
    assert [q.statement for q in first] == ["SELECT 1"]


def test_nested_context_has_own_list(impl: Impl, db_app: Flask) -> None:
    """A nested app context records into its own list and leaves the outer one alone."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        with db_app.app_context():
            assert recorded(impl) == []
            db.session.execute(sa.text("SELECT 2"))
            assert statements(impl) == ["SELECT 2"]
        assert statements(impl) == ["SELECT 1"]


def test_each_request_has_own_list(impl: Impl, db_app: Flask) -> None:
    """Each request records into its own list, started empty."""
    db = impl.SQLAlchemy(db_app)

    @db_app.route("/")
    def index() -> list[str]:
        db.session.execute(sa.text("SELECT 1"))
        return statements(impl)

    client = db_app.test_client()
    assert client.get("/").json == ["SELECT 1"]
    assert client.get("/").json == ["SELECT 1"]


def test_request_inside_context_shares_its_list(impl: Impl, db_app: Flask) -> None:
    """A request made while the app's context is active records into that context's list."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        with db_app.test_request_context():
            db.session.execute(sa.text("SELECT 2"))
        assert statements(impl) == ["SELECT 1", "SELECT 2"]


def test_list_is_live_once_recorded(impl: Impl, db_app: Flask) -> None:
    """After the first record the same list is returned, and later statements extend it."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        queries = recorded(impl)
        assert recorded(impl) is queries
        db.session.execute(sa.text("SELECT 2"))
        assert [q.statement for q in queries] == ["SELECT 1", "SELECT 2"]


def test_empty_result_is_not_stored(impl: Impl, db_app: Flask) -> None:
    """Before anything is recorded each call returns a new list that recording ignores."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        empty = recorded(impl)
        assert recorded(impl) is not empty
        db.session.execute(sa.text("SELECT 1"))
        assert empty == []
        assert statements(impl) == ["SELECT 1"]


def test_resetting_g_resets_the_list(impl: Impl, db_app: Flask) -> None:
    """Assigning ``g._sqlalchemy_queries = []`` (a pattern in the wild) restarts the count."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        flask.g._sqlalchemy_queries = []
        assert recorded(impl) == []
        db.session.execute(sa.text("SELECT 2"))
        assert statements(impl) == ["SELECT 2"]


# Location: the innermost frame in the app's top-level package


def test_location_is_innermost_app_frame(impl: Impl, located_app: Flask) -> None:
    """The location names the innermost frame of the app's package, not outer ones."""
    db = impl.SQLAlchemy(located_app)
    with located_app.app_context():
        recording_app.select_one(db)
        (info,) = recorded(impl)
    line = line_of(recording_app.select_one, "execute")
    assert info.location == f"{recording_app.__file__}:{line} (select_one)"


def test_location_anywhere_in_top_level_package(impl: Impl, located_app: Flask) -> None:
    """Any module under the app's top-level package counts, here a test module under ``tests``."""
    db = impl.SQLAlchemy(located_app)
    with located_app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # the located line
        (info,) = recorded(impl)
    function = test_location_anywhere_in_top_level_package
    line = line_of(function, "# the located line")
    assert info.location == f"{__file__}:{line} ({function.__name__})"


def test_location_of_ddl(impl: Impl, located_app: Flask) -> None:
    """DDL from ``create_all`` is located at the line that called it."""
    db = impl.SQLAlchemy(located_app)
    db.Table("numbers", sa.Column("n", sa.Integer))
    with located_app.app_context():
        db.create_all()  # the located line
        locations = {q.location for q in recorded(impl)}
    line = line_of(test_location_of_ddl, "# the located line")
    assert locations == {f"{__file__}:{line} (test_location_of_ddl)"}


@pytest.mark.parametrize(
    ("module_name", "located"),
    [("tests", True), ("tests.deeper.module", True), ("tests_other", False), ("", False)],
)
def test_location_package_match(
    impl: Impl, located_app: Flask, module_name: str, located: bool
) -> None:
    """A frame counts if its module is the package or under it, not a name that only starts so."""
    db = impl.SQLAlchemy(located_app)
    code = compile('db.session.execute(sa.text("SELECT 1"))', "<generated>", "exec")
    with located_app.app_context():
        exec(code, {"__name__": module_name, "db": db, "sa": sa})  # the fallback line
        (info,) = recorded(impl)
    if located:
        assert info.location == "<generated>:1 (<module>)"
    else:
        line = line_of(test_location_package_match, "# the fallback line")
        assert info.location == f"{__file__}:{line} (test_location_package_match)"


def test_location_unknown_outside_package(impl: Impl, db_app: Flask) -> None:
    """With no frame of the app's package on the stack the location is ``<unknown>``."""
    db = impl.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        (info,) = recorded(impl)
    assert info.location == "<unknown>"


def test_location_follows_current_app(impl: Impl, located_app: Flask, db_app: Flask) -> None:
    """A recording engine run in another app's context records there, located by that app."""
    db = impl.SQLAlchemy()
    db.init_app(located_app)
    db_app.config["SQLALCHEMY_RECORD_QUERIES"] = False
    db.init_app(db_app)
    with located_app.app_context():
        engine = db.engine
    with db_app.app_context():
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        (info,) = recorded(impl)
    assert info.statement == "SELECT 1"
    assert info.location == "<unknown>"
    with located_app.app_context():
        assert recorded(impl) == []


# fss_compat only: Flask-SQLAlchemy's reader sees fss_compat's records


def test_flask_sqlalchemy_reader_sees_records(db_app: Flask) -> None:
    """Flask-SQLAlchemy's ``get_recorded_queries``, which Flask-DebugToolbar calls, sees ours."""
    db = fss_compat.SQLAlchemy(db_app)
    with db_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        ours: list[t.Any] = fss_compat.shims.record_queries.get_recorded_queries()
        assert flask_sqlalchemy.record_queries.get_recorded_queries() is ours
        assert [q.statement for q in ours] == ["SELECT 1"]
