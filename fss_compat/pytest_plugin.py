"""pytest plugin: ``pytest --fss-compat`` runs an unchanged suite on fss_compat.

With the flag, ``flask_sqlalchemy`` is served by fss_compat (see :mod:`fss_compat.alias`)
before any conftest is imported, every legacy feature use is counted, and the run ends
with the usage report. ``--fss-compat=2.5`` serves the Flask-SQLAlchemy 2.x level,
``--fss-compat=3.1`` the 3.1 level; the bare flag serves the level ``FSS_COMPAT_LEVEL``
names, else 3.1. Without the flag the plugin does nothing, whatever the variable says.
"""

from __future__ import annotations

import pytest

from fss_compat import alias
from fss_compat import legacy

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
