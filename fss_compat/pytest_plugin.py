"""pytest plugin: ``pytest --fss-compat`` runs an unchanged suite on fss_compat.

With the flag, ``flask_sqlalchemy`` is served by fss_compat (see :mod:`fss_compat.alias`)
before any conftest is imported, every legacy feature use is counted, and the run ends
with the usage report. ``--fss-compat=2.5`` serves the Flask-SQLAlchemy 2.x level,
``--fss-compat=3.1`` the 3.1 level; the bare flag serves the level ``FSS_COMPAT_LEVEL``
names, else 3.1. Without the flag the plugin serves nothing, whatever the variable says.

It also offers fixtures, used only by tests that ask for them by name (docs/testing.md):

``fss_app``
    The app to isolate: the value of your ``app`` fixture. Override it to choose another.
``fss_target``
    What to isolate: by default the ``SQLAlchemy`` object or ``flask_scoped_session``
    registered on ``fss_app``. Override it to return another ``db`` or scoped session.
``fss_isolation``
    The :class:`fss_compat.testing.Isolation` of ``fss_app`` for one test: everything the
    test and the app write, on every bind, is rolled back at its end.
``fss_session``
    The isolated scoped session (``db.session``, or the app's ``flask_scoped_session``).

With ``--fss-pytest-flask-sqlalchemy`` (or ``fss_pytest_flask_sqlalchemy = true`` in the
ini file) it also offers pytest-flask-sqlalchemy's names: ``db_session`` and ``db_engine``,
built from your ``_db`` fixture, and its ``mocked-sessions`` ini option.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterator

import pytest

from fss_compat import alias
from fss_compat import legacy

if t.TYPE_CHECKING:
    import sqlalchemy.orm as orm
    from flask import Flask

    from fss_compat.testing import Isolation

#: What the bare ``--fss-compat`` stores: the level comes from the environment.
_FROM_ENV = "env"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fss_compat", "fss_compat (Flask-SQLAlchemy compatibility)")
    levels = " or ".join(f"--fss-compat={level}" for level in alias.LEVELS)
    group.addoption(
        "--fss-compat",
        action="store_const",
        const=_FROM_ENV,
        default=None,
        dest="fss_compat",
        help=(
            "Serve 'flask_sqlalchemy' from fss_compat and report legacy feature use; at the"
            f" level of {alias.LEVEL_VARIABLE} (default {alias.DEFAULT_LEVEL}), or choose it:"
            f" {levels}."
        ),
    )
    # argparse matches a whole option string before splitting it at '=': one option per
    # level keeps the bare flag from swallowing a following path (as nargs="?" would).
    for level in alias.LEVELS:
        group.addoption(
            f"--fss-compat={level}",
            action="store_const",
            const=level,
            dest="fss_compat",
            help=f"Serve 'flask_sqlalchemy' as Flask-SQLAlchemy {alias.LEVELS[level]} does.",
        )
    _add_isolation_options(parser)


def _level(config: pytest.Config) -> str | None:
    chosen: str | None = config.getoption("fss_compat")
    if chosen == _FROM_ENV:
        return alias.level_from_env()
    return chosen


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    chosen = early_config.known_args_namespace.fss_compat
    if chosen is None:
        return
    try:
        level = alias.level_from_env() if chosen == _FROM_ENV else chosen
    except ValueError as e:
        raise pytest.UsageError(str(e)) from None
    alias.install(level)
    legacy.start_report()


def pytest_report_header(config: pytest.Config) -> str | None:
    level = _level(config)
    if level is not None:
        return (
            "fss_compat: 'flask_sqlalchemy' is served by fss_compat"
            f" (as {alias.LEVELS[level]}, level {level})"
        )
    return None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if config.getoption("fss_compat") is not None:
        usage = legacy.stop_report()
        if usage is not None:
            terminalreporter.write_sep("-", "fss_compat legacy feature report")
            terminalreporter.write_line(usage.render())


# --- Per-test isolation (fss_compat.testing) ---------------------------------------------------

_PFS_OPTION = "fss_pytest_flask_sqlalchemy"


def _add_isolation_options(parser: pytest.Parser) -> None:
    parser.getgroup("fss_compat").addoption(
        "--fss-pytest-flask-sqlalchemy",
        action="store_true",
        default=False,
        dest=_PFS_OPTION,
        help="Offer pytest-flask-sqlalchemy's fixture names (db_session, db_engine).",
    )
    parser.addini(
        _PFS_OPTION,
        type="bool",
        default=False,
        help="Offer pytest-flask-sqlalchemy's fixture names (db_session, db_engine).",
    )
    parser.addini(
        "mocked-sessions",
        type="args",
        default=[],
        help="With pytest-flask-sqlalchemy's names: sessions to replace by 'db_session'.",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption(_PFS_OPTION) or config.getini(_PFS_OPTION):
        config.pluginmanager.register(PytestFlaskSQLAlchemyNames(), "fss_compat_pfs_names")


@pytest.fixture
def fss_app(request: pytest.FixtureRequest) -> Flask:
    """The app that ``fss_isolation`` isolates: your ``app`` fixture's value.

    Override this fixture to isolate another app.
    """
    try:
        app: Flask = request.getfixturevalue("app")
    except pytest.FixtureLookupError:
        pytest.fail(
            "'fss_isolation' isolates the app of the 'app' fixture, and there is none."
            " Define an 'app' fixture returning your Flask app, or override 'fss_app'.",
            pytrace=False,
        )
    return app


@pytest.fixture
def fss_target() -> t.Any:
    """What ``fss_isolation`` isolates: by default (None) the one registered on ``fss_app``.

    Override it to return a ``db`` or a scoped session the app does not register.
    """
    return None


@pytest.fixture
def fss_isolation(fss_app: Flask, fss_target: t.Any) -> Iterator[Isolation]:
    """Isolate ``fss_app`` for one test: every write, on every bind, is rolled back."""
    from fss_compat.testing import isolate

    with isolate(fss_app, fss_target) as isolation:
        yield isolation


@pytest.fixture
def fss_session(fss_isolation: Isolation) -> orm.scoped_session[t.Any]:
    """The isolated scoped session: ``db.session``, or the app's ``flask_scoped_session``."""
    return fss_isolation.session


class PytestFlaskSQLAlchemyNames:
    """pytest-flask-sqlalchemy's fixture names, for suites written for it.

    Registered by ``--fss-pytest-flask-sqlalchemy`` or the ini option
    ``fss_pytest_flask_sqlalchemy = true``. Your ``_db`` fixture returns the ``db`` to
    isolate, as with pytest-flask-sqlalchemy.
    """

    @pytest.fixture
    def _fss_db_isolation(
        self, request: pytest.FixtureRequest, _db: t.Any, monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[Isolation]:
        from flask import current_app
        from flask import has_app_context

        from fss_compat.testing import isolate

        # pytest-flask-sqlalchemy runs in the app context the suite pushed; else 'app'.
        if has_app_context():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        else:
            app = request.getfixturevalue("fss_app")
        with isolate(app, _db) as isolation:
            for path in request.config.getini("mocked-sessions"):
                monkeypatch.setattr(path, isolation.session)
            yield isolation

    @pytest.fixture
    def db_session(self, _fss_db_isolation: Isolation) -> orm.scoped_session[t.Any]:
        """``_db.session``, isolated; the ``mocked-sessions`` paths point to it."""
        return _fss_db_isolation.session

    @pytest.fixture
    def db_engine(self, _fss_db_isolation: Isolation, _db: t.Any) -> t.Any:
        """The test's connection to ``_db``'s default engine (raw SQL: ``.execute(...)``)."""
        with _fss_db_isolation.app.app_context():
            return _db.engines[None]
