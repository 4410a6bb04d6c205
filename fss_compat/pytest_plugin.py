"""pytest plugin: ``pytest --fss-compat`` runs an unchanged suite on fss_compat.

With the flag, ``flask_sqlalchemy`` is served by fss_compat (see :mod:`fss_compat.alias`)
before any conftest is imported, every legacy feature use is counted, and the run ends
with the usage report. Without it the plugin does nothing.
"""

from __future__ import annotations

import pytest

from fss_compat import alias
from fss_compat import legacy


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fss_compat", "fss_compat (Flask-SQLAlchemy compatibility)")
    group.addoption(
        "--fss-compat",
        action="store_true",
        default=False,
        help="Serve 'flask_sqlalchemy' from fss_compat and report legacy feature use.",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    if early_config.known_args_namespace.fss_compat:
        alias.install()
        legacy.start_report()


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.getoption("fss_compat"):
        return f"fss_compat: 'flask_sqlalchemy' is served by fss_compat (as {alias.SERVED_VERSION})"
    return None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if config.getoption("fss_compat"):
        usage = legacy.stop_report()
        if usage is not None:
            terminalreporter.write_sep("-", "fss_compat legacy feature report")
            terminalreporter.write_line(usage.render())
