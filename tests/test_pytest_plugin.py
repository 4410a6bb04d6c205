"""``pytest --fss-compat`` and ``fss_compat.alias``: an unchanged suite served by fss_compat."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests._support.plugin_app import APP
from tests._support.plugin_app import TESTS


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


APP_V2 = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db = SQLAlchemy(app)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
"""

TESTS_V2 = """
import flask_sqlalchemy

from app_v2 import User, db


def test_written_for_2_x():
    db.create_all()
    db.session.add(User())
    db.session.commit()
    assert User.query.paginate(1, 10).total == 1
    assert flask_sqlalchemy.__version__ == "2.5.1"
"""


@pytest.fixture
def suite_v2(pytester: pytest.Pytester) -> pytest.Pytester:
    """A tiny app written for Flask-SQLAlchemy 2.x, and its test."""
    pytester.makepyfile(app_v2=APP_V2, test_app_v2=TESTS_V2)
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    return pytester


def test_level_2_5_serves_the_2_x_api(suite_v2: pytest.Pytester) -> None:
    """``--fss-compat=2.5`` serves Flask-SQLAlchemy 2.5.1's API and reports its features."""
    result = suite_v2.runpytest_subprocess("-p", "no:cacheprovider", "--fss-compat=2.5")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "fss_compat: 'flask_sqlalchemy' is served by fss_compat (as 2.5.1, level 2.5)",
            "*FSC701 paginate-positional: 1 use at 1 site*",
            "*test_app_v2.py:10 (1x)*",
            "*FSC705 app-bound-session: * uses at * sites*",
        ]
    )


def test_level_from_the_environment(
    suite_v2: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bare flag serves the level of ``FSS_COMPAT_LEVEL``; ``=3.1`` overrides it."""
    monkeypatch.setenv("FSS_COMPAT_LEVEL", "2.5")
    suite_v2.runpytest_subprocess("-p", "no:cacheprovider", "--fss-compat").assert_outcomes(
        passed=1
    )
    result = suite_v2.runpytest_subprocess("-p", "no:cacheprovider", "--fss-compat=3.1")
    result.stdout.fnmatch_lines(["*(as 3.1.1, level 3.1)*"])
    result.assert_outcomes(failed=1)


def test_unknown_level_is_a_usage_error(
    suite_v2: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown level in ``FSS_COMPAT_LEVEL`` stops the run, naming the known levels."""
    monkeypatch.setenv("FSS_COMPAT_LEVEL", "2.6")
    result = suite_v2.runpytest_subprocess("-p", "no:cacheprovider", "--fss-compat")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*Unknown fss_compat level '2.6'*Known levels: '3.1', '2.5'*"])


def test_alias_serves_the_2_5_layout() -> None:
    """At level 2.5 the package is ``fss_compat.shims_v2`` with 2.5.1's three submodules."""
    result = _run(
        """
        from fss_compat import alias
        alias.install(level="2.5")
        import flask_sqlalchemy
        import flask_sqlalchemy.model
        from flask_sqlalchemy import _compat, utils
        import fss_compat.shims_v2 as v2
        assert flask_sqlalchemy is v2 and flask_sqlalchemy.model is v2.model
        assert flask_sqlalchemy.__version__ == "2.5.1" and alias.installed_level() == "2.5"
        assert utils is v2.utils and _compat is v2._compat
        for name in ("session", "query", "_extension"):
            try:
                __import__("flask_sqlalchemy." + name)
            except ModuleNotFoundError:
                print(name, end=" ")
        try:
            alias.install(level="3.1")
        except RuntimeError as e:
            print("already" in str(e))
        """
    )
    assert result.stdout.strip() == "session query _extension True", result.stderr


def test_alias_level_checks() -> None:
    """Unknown levels are errors naming the known ones; ``FSS_COMPAT_LEVEL`` is the default."""
    result = _run(
        """
        import os
        from fss_compat import alias
        try:
            alias.install(level="2")
        except ValueError as e:
            print("'3.1', '2.5'" in str(e), end=" ")
        os.environ["FSS_COMPAT_LEVEL"] = "2.5"
        alias.install()
        print(alias.installed_level())
        """
    )
    assert result.stdout.strip() == "True 2.5", result.stderr


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
