"""The ``blocked`` fixture: Python without Flask-SQLAlchemy (``tests/_support/blocked.py``)."""

from __future__ import annotations

import pytest

from tests._support.blocked import BLOCKER
from tests._support.blocked import Blocked


@pytest.fixture(scope="session")
def blocked(tmp_path_factory: pytest.TempPathFactory) -> Blocked:
    """The interpreter without Flask-SQLAlchemy (the real package stays installed for parity)."""
    folder = tmp_path_factory.mktemp("no_flask_sqlalchemy")
    (folder / "flask_sqlalchemy.py").write_text(BLOCKER)
    return Blocked(folder)
