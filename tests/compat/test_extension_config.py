"""``init_app``: config keys, engine options and their precedence, driver defaults."""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests._support.implementations import Impl


@pytest.fixture
def bare_app(tmp_path: Path) -> Flask:
    """A Flask app with no database configured."""
    return Flask("fss_test_app", instance_path=str(tmp_path / "instance"))


def test_arguments_after_app_are_keyword_only(impl: Impl) -> None:
    """``SQLAlchemy(app, metadata)`` is a TypeError: every argument but ``app`` is keyword-only."""
    with pytest.raises(TypeError):
        impl.SQLAlchemy(None, sa.MetaData())


def test_app_is_not_stored(impl: Impl, app: Flask) -> None:
    """The app given to the constructor is registered but not kept on ``db``."""
    db = impl.SQLAlchemy(app)
    assert not hasattr(db, "app")
    assert app.extensions["sqlalchemy"] is db


def test_config_defaults_are_set(impl: Impl, bare_app: Flask) -> None:
    """``init_app`` sets every config key it reads to its default."""
    bare_app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    impl.SQLAlchemy(bare_app)
    config = bare_app.config
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    assert config["SQLALCHEMY_ECHO"] is False
    assert config["SQLALCHEMY_BINDS"] == {}
    assert config["SQLALCHEMY_RECORD_QUERIES"] is False
    assert config["SQLALCHEMY_TRACK_MODIFICATIONS"] is False


def test_neither_uri_nor_binds_raises(impl: Impl, bare_app: Flask) -> None:
    """Without a URI or binds, ``init_app`` raises RuntimeError."""
    with pytest.raises(RuntimeError, match="SQLALCHEMY_DATABASE_URI"):
        impl.SQLAlchemy(bare_app)


def test_failed_init_leaves_app_registered(impl: Impl, bare_app: Flask) -> None:
    """A failed ``init_app`` still registers the app, so a retry is 'already registered'."""
    db = impl.SQLAlchemy()
    with pytest.raises(RuntimeError):
        db.init_app(bare_app)
    assert bare_app.extensions["sqlalchemy"] is db
    assert "SQLALCHEMY_RECORD_QUERIES" not in bare_app.config
    bare_app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    with pytest.raises(RuntimeError, match="already"):
        db.init_app(bare_app)


def test_registering_twice_raises(impl: Impl, app: Flask) -> None:
    """``init_app`` twice, or a second instance on the same app, raises RuntimeError."""
    db = impl.SQLAlchemy(app)
    with pytest.raises(RuntimeError, match="already"):
        db.init_app(app)
    with pytest.raises(RuntimeError, match="already"):
        impl.SQLAlchemy(app)


def test_binds_string_url_and_dict(impl: Impl, app: Flask, tmp_path: Path) -> None:
    """``SQLALCHEMY_BINDS`` values may be a string, a ``URL`` or a dict of engine options."""
    app.config["SQLALCHEMY_BINDS"] = {
        "a": "sqlite://",
        "b": sa.make_url(f"sqlite:///{tmp_path / 'b.db'}"),
        "c": {"url": "sqlite://", "echo": True},
    }
    db = impl.SQLAlchemy(app)
    with app.app_context():
        assert set(db.engines) == {None, "a", "b", "c"}
        assert db.engines["b"].url.database == str(tmp_path / "b.db")
        assert db.engines["c"].echo is True
        assert db.engines["a"].echo is False
        assert db.engine is db.engines[None]
    assert set(db.metadatas) == {None, "a", "b", "c"}


def test_default_bind_in_binds_without_uri(impl: Impl, bare_app: Flask) -> None:
    """Without a URI, ``SQLALCHEMY_BINDS[None]`` alone defines the default engine."""
    bare_app.config["SQLALCHEMY_BINDS"] = {None: {"url": "sqlite://", "echo": True}}
    db = impl.SQLAlchemy(bare_app, engine_options={"echo": False})
    assert _echo(db, bare_app) is True


def test_binds_only_has_no_default_engine(impl: Impl, bare_app: Flask) -> None:
    """With only binds configured, ``db.engine`` raises KeyError."""
    bare_app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://"}
    db = impl.SQLAlchemy(bare_app)
    with bare_app.app_context(), pytest.raises(KeyError):
        db.engine  # noqa: B018 (the access is the test)


def _echo(db: t.Any, app: Flask, key: str | None = None) -> t.Any:
    with app.app_context():
        return db.engines[key].echo


def test_engine_option_precedence(impl: Impl, bare_app: Flask) -> None:
    """Constructor options < BINDS[key] < ENGINE_OPTIONS (default key only) < ECHO if unset."""
    config = bare_app.config
    config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"echo": False}
    config["SQLALCHEMY_BINDS"] = {"plain": "sqlite://", "own": {"url": "sqlite://", "echo": True}}
    config["SQLALCHEMY_ECHO"] = True
    db = impl.SQLAlchemy(bare_app, engine_options={"echo": "debug"})
    assert _echo(db, bare_app) is False
    assert _echo(db, bare_app, "plain") == "debug"
    assert _echo(db, bare_app, "own") is True


def test_echo_config_applies_where_unset(impl: Impl, app: Flask) -> None:
    """``SQLALCHEMY_ECHO`` becomes ``echo`` and ``echo_pool`` of engines that do not set them."""
    app.config["SQLALCHEMY_ECHO"] = True
    db = impl.SQLAlchemy(app)
    with app.app_context():
        assert db.engine.echo is True
        assert db.engine.pool.echo is True


def test_constructor_options_override_default_bind(impl: Impl, bare_app: Flask) -> None:
    """With a URI set, constructor ``engine_options`` override ``SQLALCHEMY_BINDS[None]``."""
    bare_app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    bare_app.config["SQLALCHEMY_BINDS"] = {None: {"url": "sqlite://", "echo": True}}
    db = impl.SQLAlchemy(bare_app, engine_options={"echo": False})
    assert _echo(db, bare_app) is False


def test_url_in_constructor_options_creates_default(impl: Impl, bare_app: Flask) -> None:
    """A ``url`` in the constructor's ``engine_options`` alone creates the default engine."""
    db = impl.SQLAlchemy(bare_app, engine_options={"url": "sqlite://"})
    with bare_app.app_context():
        assert db.engine.url.drivername == "sqlite"


def test_engine_options_without_uri_create_nothing(impl: Impl, bare_app: Flask) -> None:
    """``SQLALCHEMY_ENGINE_OPTIONS`` without a URI does not create a default engine."""
    bare_app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"echo": True}
    bare_app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://"}
    db = impl.SQLAlchemy(bare_app)
    with bare_app.app_context():
        assert None not in db.engines


def test_engine_options_not_applied_to_binds(impl: Impl, app: Flask) -> None:
    """``SQLALCHEMY_ENGINE_OPTIONS`` applies to the default engine only (upstream #1396)."""
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"echo": True}
    app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://"}
    db = impl.SQLAlchemy(app)
    assert _echo(db, app) is True
    assert _echo(db, app, "a") is False


def test_string_options_are_coerced(impl: Impl, app: Flask, tmp_path: Path) -> None:
    """Engines come from ``engine_from_config``, so string option values are coerced."""
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.db'}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": "7", "echo": "true"}
    db = impl.SQLAlchemy(app)
    with app.app_context():
        assert db.engine.pool.size() == 7
        assert db.engine.echo is True


def test_sqlite_relative_path_goes_to_instance_folder(impl: Impl, bare_app: Flask) -> None:
    """A relative SQLite path is joined onto the instance folder, which is created."""
    bare_app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///site.db"
    assert not os.path.exists(bare_app.instance_path)
    db = impl.SQLAlchemy(bare_app)
    with bare_app.app_context():
        assert db.engine.url.database == os.path.join(bare_app.instance_path, "site.db")
        assert isinstance(db.engine.pool, sa.pool.QueuePool)
    assert os.path.isdir(bare_app.instance_path)


def test_sqlite_absolute_path_unchanged(impl: Impl, bare_app: Flask, tmp_path: Path) -> None:
    """An absolute SQLite path is used as given, and the instance folder is not created."""
    bare_app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'abs.db'}"
    db = impl.SQLAlchemy(bare_app)
    with bare_app.app_context():
        assert db.engine.url.database == str(tmp_path / "abs.db")
    assert not os.path.exists(bare_app.instance_path)


def test_sqlite_file_uri_made_relative(impl: Impl, bare_app: Flask) -> None:
    """A relative ``file:`` URI database is moved into the instance folder, prefix kept."""
    bare_app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///file:data.db?uri=true"
    db = impl.SQLAlchemy(bare_app)
    with bare_app.app_context():
        expected = "file:" + os.path.join(bare_app.instance_path, "data.db")
        assert db.engine.url.database == expected


@pytest.mark.parametrize("uri", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_sqlite_memory_is_shared(impl: Impl, bare_app: Flask, uri: str) -> None:
    """In-memory SQLite uses one shared connection, so every session sees the same data."""
    bare_app.config["SQLALCHEMY_DATABASE_URI"] = uri
    bare_app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "poolclass": sa.pool.QueuePool,
        "connect_args": {"check_same_thread": True, "timeout": 3},
    }
    db = impl.SQLAlchemy(bare_app)
    with bare_app.app_context():
        assert isinstance(db.engine.pool, sa.pool.StaticPool)
        db.session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        db.session.execute(sa.text("INSERT INTO t VALUES (1)"))
        db.session.commit()
    with bare_app.app_context():
        assert db.session.execute(sa.text("SELECT x FROM t")).scalar() == 1


@pytest.mark.parametrize(
    ("url", "given", "expected_url", "expected"),
    [
        ("sqlite+aiosqlite:///rel.db", {}, "sqlite+aiosqlite:///rel.db", {}),
        (
            "sqlite://",
            {"connect_args": {"timeout": 3}},
            "sqlite://",
            {
                "poolclass": sa.pool.StaticPool,
                "connect_args": {"timeout": 3, "check_same_thread": False},
            },
        ),
        ("mysql://u@h/d", {}, "mysql://u@h/d?charset=utf8mb4", {"pool_recycle": 7200}),
        (
            "mysql://u@h/d?charset=latin1",
            {},
            "mysql://u@h/d?charset=latin1",
            {"pool_recycle": 7200},
        ),
        (
            "mysql+pymysql://u@h/d",
            {"poolclass": sa.pool.NullPool},
            "mysql+pymysql://u@h/d?charset=utf8mb4",
            {"poolclass": sa.pool.NullPool, "pool_recycle": 7200},
        ),
        (
            "mysql://u@h/d",
            {"pool_recycle": 5},
            "mysql://u@h/d?charset=utf8mb4",
            {"pool_recycle": 5},
        ),
        ("mariadb://u@h/d", {}, "mariadb://u@h/d", {}),
        ("postgresql://u@h/d", {}, "postgresql://u@h/d", {}),
    ],
)
def test_driver_defaults(
    impl: Impl,
    app: Flask,
    url: str,
    given: dict[str, t.Any],
    expected_url: str,
    expected: dict[str, t.Any],
) -> None:
    """``_apply_driver_defaults`` sets the same SQLite and MySQL defaults (no driver needed)."""
    db = impl.SQLAlchemy(app)
    options = {"url": url, **given}
    db._apply_driver_defaults(options, app)
    assert str(options.pop("url")) == expected_url
    assert options == expected


def test_engines_per_app(impl: Impl, tmp_path: Path) -> None:
    """One ``db`` serves several apps, each with its own engines (app factory pattern)."""
    db = impl.SQLAlchemy()
    apps = []
    for name in ("one", "two"):
        app = Flask(name, instance_path=str(tmp_path / name))
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / name}.db"
        db.init_app(app)
        apps.append(app)
    with apps[0].app_context():
        first = db.engine
        assert first.url.database == f"{tmp_path / 'one'}.db"
    with apps[1].app_context():
        assert db.engine is not first
        assert db.engine.url.database == f"{tmp_path / 'two'}.db"


def test_unregistered_app_raises(impl: Impl, app: Flask) -> None:
    """Engines of an app the ``db`` never initialised: RuntimeError naming ``init_app``."""
    db = impl.SQLAlchemy(app)
    with Flask("other").app_context(), pytest.raises(RuntimeError, match="init_app"):
        db.engines  # noqa: B018 (the access is the test)


def test_engines_need_app_context(impl: Impl, app: Flask) -> None:
    """``db.engines`` and ``db.engine`` outside an app context raise RuntimeError."""
    db = impl.SQLAlchemy(app)
    with pytest.raises(RuntimeError):
        db.engines  # noqa: B018 (the access is the test)
    with pytest.raises(RuntimeError):
        db.engine  # noqa: B018 (the access is the test)


def test_get_engine_is_deprecated(impl: Impl, app: Flask) -> None:
    """``get_engine`` warns, accepts ``bind=`` as an alias, and raises KeyError for unknown keys."""
    app.config["SQLALCHEMY_BINDS"] = {"a": "sqlite://"}
    db = impl.SQLAlchemy(app)
    with app.app_context():
        with pytest.warns(DeprecationWarning):
            assert db.get_engine() is db.engine
        with pytest.warns(DeprecationWarning):
            assert db.get_engine(bind="a") is db.engines["a"]
        with pytest.warns(DeprecationWarning):
            assert db.get_engine("a", other=1) is db.engines["a"]
        with pytest.warns(DeprecationWarning), pytest.raises(KeyError):
            db.get_engine("missing")
