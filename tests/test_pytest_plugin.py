"""``pytest --fss-compat`` and ``fss_compat.alias``: an unchanged suite served by fss_compat."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

APP = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.model import Model

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)
    return app
"""

TESTS = """
import flask_sqlalchemy
import pytest

from app import User, create_app, db


@pytest.fixture
def app():
    app = create_app()
    with app.app_context():
        db.create_all()
        yield app


def test_add_and_query(app):
    db.session.add(User(name="ada"))
    db.session.commit()
    assert User.query.filter_by(name="ada").one().id == 1
    assert User.__tablename__ == "user"


def test_served_by(app, request):
    served = flask_sqlalchemy.SQLAlchemy.__module__
    expected = "fss_compat" if request.config.getoption("fss_compat") else "flask_sqlalchemy"
    assert served.startswith(expected)
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A tiny Flask-SQLAlchemy app and its tests, written for Flask-SQLAlchemy only."""
    pytester.makepyfile(app=APP, test_app=TESTS)
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    return pytester


def test_suite_passes_on_both(suite: pytest.Pytester) -> None:
    """The same unchanged suite passes on Flask-SQLAlchemy and with ``--fss-compat``."""
    suite.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "--fss-compat")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "fss_compat: 'flask_sqlalchemy' is served by fss_compat*",
            "*fss_compat legacy feature report*",
            "*FSC101 db-names: 4 uses at 2 sites*",
            "*app.py:9 (2x)*",
            "*FSC201 model-query: 1 use at 1 site*",
            "*test_app.py:18 (1x)*",
            "*FSC301 auto-tablename: 1 use at 1 site*",
            "*app.py:8 (1x)*",
        ]
    )


def test_without_flag_plugin_is_inert(suite: pytest.Pytester) -> None:
    """Without the flag there is no report and no header line."""
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    assert "fss_compat" not in result.stdout.str()


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )


def test_alias_serves_every_module() -> None:
    """After ``install()``, ``flask_sqlalchemy`` and each submodule are fss_compat's."""
    result = _run(
        """
        from fss_compat import alias
        alias.install()
        import flask_sqlalchemy, fss_compat
        import flask_sqlalchemy.model as model
        from flask_sqlalchemy.pagination import Pagination
        from flask_sqlalchemy.session import Session
        import fss_compat.shims.model as ours
        assert flask_sqlalchemy.SQLAlchemy is fss_compat.SQLAlchemy
        assert flask_sqlalchemy.__version__ == "3.1.1"
        assert model is ours
        assert Pagination is fss_compat.core.pagination.Pagination
        import importlib.util
        assert importlib.util.find_spec("flask_sqlalchemy.track_modifications") is not None
        try:
            import flask_sqlalchemy.nonexistent
        except ModuleNotFoundError:
            print("ok")
        """
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_alias_too_late_raises() -> None:
    """Installing after the real ``flask_sqlalchemy`` was imported is an error naming the fix."""
    result = _run(
        """
        import flask_sqlalchemy
        from fss_compat import alias
        try:
            alias.install()
        except RuntimeError as e:
            print("before the app is imported" in str(e))
        """
    )
    assert result.stdout.strip() == "True", result.stderr


def test_alias_serves_when_flask_sqlalchemy_is_missing() -> None:
    """With the real package blocked (as if uninstalled), the alias still serves the name."""
    result = _run(
        """
        import sys
        sys.modules["flask_sqlalchemy"] = None
        from fss_compat import alias
        alias.install()
        from flask_sqlalchemy import SQLAlchemy
        print(SQLAlchemy.__module__)
        """
    )
    assert result.stdout.strip() == "fss_compat.shims.extension", result.stderr


def test_alias_uninstall() -> None:
    """``uninstall()`` removes the alias and the aliased modules."""
    result = _run(
        """
        import sys
        from fss_compat import alias
        alias.install()
        import flask_sqlalchemy.model
        alias.uninstall()
        print(alias.installed(), [n for n in sys.modules if n.startswith("flask_sqlalchemy")])
        """
    )
    assert result.stdout.strip() == "False []", result.stderr


@pytest.mark.parametrize("warnings_as_errors", ["-W error", "filterwarnings = error"])
def test_alias_from_sitecustomize_keeps_pytest_quiet(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, warnings_as_errors: str
) -> None:
    """``alias.install()`` in ``sitecustomize`` imports fss_compat before pytest: no warning.

    pytest marks the packages of pytest11 plugins for assertion rewriting and warns about one
    already imported; with warnings as errors (by ``-W error`` or by the ini option) it would
    refuse to start.
    """
    site = pytester.mkdir("site")
    (site / "sitecustomize.py").write_text("import fss_compat.alias\nfss_compat.alias.install()\n")
    pytester.makepyfile(
        test_served="""
        import flask_sqlalchemy

        def test_served():
            assert flask_sqlalchemy.SQLAlchemy.__module__ == "fss_compat.shims.extension"
        """
    )
    args = ["-p", "no:cacheprovider"]
    if warnings_as_errors == "-W error":
        args += ["-W", "error"]
    else:
        pytester.makeini("[pytest]\nfilterwarnings = error\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = pytester.runpytest_subprocess(*args)
    assert "PytestAssertRewriteWarning" not in result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
