"""The blocked interpreter the integration tests use really has no Flask-SQLAlchemy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests._support.blocked import Blocked


def test_flask_sqlalchemy_is_installed_here() -> None:
    """The test process has the real package, so a failing import there is the block's doing."""
    spec = importlib.util.find_spec("flask_sqlalchemy")
    assert spec is not None
    assert spec.origin is not None
    assert Path(spec.origin).name == "__init__.py"  # the real package, not the blocker


def test_import_fails_without_the_alias(blocked: Blocked) -> None:
    """``import flask_sqlalchemy`` and its submodules fail as if the package were not installed."""
    out = blocked.code(
        """
        for name in ("flask_sqlalchemy", "flask_sqlalchemy.session"):
            try:
                __import__(name)
            except ModuleNotFoundError as e:
                print(name, e.name)
        """,
        alias=False,
    )
    assert out.splitlines() == [
        "flask_sqlalchemy flask_sqlalchemy",
        "flask_sqlalchemy.session flask_sqlalchemy",
    ]


def test_alias_serves_the_name(blocked: Blocked) -> None:
    """With ``fss_compat.alias.install()`` first, the blocked name is fss_compat's."""
    out = blocked.code(
        """
        import flask_sqlalchemy
        import flask_sqlalchemy.session
        print(flask_sqlalchemy.SQLAlchemy.__module__, flask_sqlalchemy.session.__name__)
        """,
        alias=True,
    )
    assert out.split() == ["fss_compat.shims.extension", "fss_compat.shims.session"]
