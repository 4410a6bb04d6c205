"""Each Flask-SQLAlchemy 2.x behaviour (``FSC7nn``) has the usual switch and is reported.

For every runtime feature of the 2.x family a trigger sets up an app at the 2.5 level and
returns the one call that uses the feature: in ``error`` mode that call raises
:class:`~fss_compat.legacy.LegacyFeatureError`, in ``warn`` mode it warns at this file's
line, in ``allow`` mode it does neither, and a report counts it at that line.
"""

from __future__ import annotations

import typing as t
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from fss_compat import catalogue
from fss_compat import legacy
from fss_compat import shims_v2 as fsa
from tests._support.v2_scenarios import make_app

Use = Callable[[], object]


def _db(**config: t.Any) -> tuple[flask.Flask, t.Any, t.Any]:
    app = make_app(**config)
    db = fsa.SQLAlchemy(app)

    class Item(db.Model):
        id = sa.Column(sa.Integer, primary_key=True)

    db.create_all()
    return app, db, Item


def _test3d(db: t.Any) -> Use:
    def use() -> object:
        class Test3D(db.Model):  # 2.x: "test3D", 3.x: "test3_d"
            id = sa.Column(sa.Integer, primary_key=True)

        return Test3D

    return use


def _bound(db: t.Any) -> Use:
    def use() -> object:
        class Audit(db.Model):
            __bind_key__ = "audit"
            id = sa.Column(sa.Integer, primary_key=True)

        return Audit

    return use


def _teardown_commit(tmp: Path) -> Use:
    app = _db(SQLALCHEMY_COMMIT_ON_TEARDOWN=True)[0]
    return app.app_context().push  # the pop at the end of the test is the use


def _in_context(app: flask.Flask, call: Use) -> Use:
    def use() -> object:
        with app.app_context():
            return call()

    return use


def _relative_sqlite(tmp: Path) -> Use:
    app = flask.Flask("relative", root_path=str(tmp))
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite:///app.db", SQLALCHEMY_TRACK_MODIFICATIONS=0)
    db = fsa.SQLAlchemy(app)
    return _in_context(app, lambda: db.engine)


def _positional(tmp: Path) -> Use:
    item = _db()[2]
    return lambda: item.query.paginate(1, 10)


def _state(tmp: Path) -> Use:
    app = _db()[0]
    return lambda: fsa.get_state(app)


def _no_context(tmp: Path) -> Use:
    db = _db()[1]
    return lambda: db.engine


def _engine_api(tmp: Path) -> Use:
    app, db, _ = _db()
    return lambda: db.get_engine(app, None)


def _session_hook(tmp: Path) -> Use:
    db = _db()[1]
    return lambda: db.create_session({})


def _create_all_app(tmp: Path) -> Use:
    app, db, _ = _db()
    return lambda: db.create_all(app=app)


TRIGGERS: dict[str, Callable[[Path], Use]] = {
    "FSC701": _positional,
    "FSC702": lambda tmp: lambda: fsa.Pagination(None, 1, 20, 0, []),
    "FSC703": _state,
    "FSC704": lambda tmp: fsa.get_debug_queries,
    "FSC705": _no_context,
    "FSC706": _engine_api,
    "FSC707": _session_hook,
    "FSC708": _teardown_commit,
    "FSC709": lambda tmp: lambda: fsa.SQLAlchemy(make_app(), use_native_unicode=False),
    "FSC710": lambda tmp: _test3d(_db()[1]),
    "FSC711": _relative_sqlite,
    "FSC712": lambda tmp: lambda: fsa.SQLAlchemy(make_app(SQLALCHEMY_TRACK_MODIFICATIONS=None)),
    "FSC713": lambda tmp: _bound(_db()[1]),
    "FSC714": _create_all_app,
}


@pytest.fixture(autouse=True)
def _allowed() -> Iterator[None]:
    legacy.reset()
    yield
    legacy.reset()


def _run(use: Use, feature_id: str) -> None:
    # The use may also emit 2.x's own DeprecationWarning; the commit-on-teardown trigger
    # is used when its app context is popped.
    use()
    if feature_id == "FSC708":
        flask.globals.app_ctx.pop()


def test_every_2_x_feature_has_a_trigger() -> None:
    """The triggers cover the runtime features of the 2.x family, no more, no less."""
    family = {f.id for f in catalogue.FEATURES if f.family == "Flask-SQLAlchemy 2.x"}
    assert family == set(TRIGGERS)


@pytest.mark.parametrize("feature_id", sorted(TRIGGERS))
def test_error_mode_raises(feature_id: str, tmp_path: Path) -> None:
    """In ``error`` mode the use raises LegacyFeatureError for its feature."""
    use = TRIGGERS[feature_id](tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with legacy.modes(f"{feature_id}=error"), pytest.raises(legacy.LegacyFeatureError) as e:
            _run(use, feature_id)
    assert e.value.feature.id == feature_id
    assert f"'{feature_id} {e.value.feature.name}' in the migration guide" in str(e.value)


@pytest.mark.parametrize("feature_id", sorted(TRIGGERS))
def test_warn_mode_warns_and_allow_is_silent(feature_id: str, tmp_path: Path) -> None:
    """``warn`` warns once for the feature; ``allow`` (the default) neither warns nor raises."""
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        _run(TRIGGERS[feature_id](tmp_path), feature_id)
        use = TRIGGERS[feature_id](tmp_path)
        with legacy.modes(f"{feature_id}=warn"):
            _run(use, feature_id)
    warned = [r.message for r in records if isinstance(r.message, legacy.LegacyFeatureWarning)]
    assert [w.feature.id for w in warned] == [feature_id]


@pytest.mark.parametrize("feature_id", sorted(TRIGGERS))
def test_reported_at_the_users_line(feature_id: str, tmp_path: Path) -> None:
    """A report counts the use, at a line of this file."""
    use = TRIGGERS[feature_id](tmp_path)
    usage = legacy.start_report()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _run(use, feature_id)
    finally:
        legacy.stop_report()
    assert usage.total(feature_id) >= 1
    assert all(site.startswith(__file__) for site in usage.sites[feature_id])
