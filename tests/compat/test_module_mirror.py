"""``flask_sqlalchemy.X`` -> ``fss_compat.shims.X`` is mechanical: the same public names exist."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import flask_sqlalchemy
import pytest

import fss_compat
import fss_compat.shims

# From the installed Flask-SQLAlchemy, not from fss_compat's own list, so that a module
# missing from both would still be noticed.
MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(flask_sqlalchemy.__path__)
    if not info.name.startswith("_")
)


def _public_names(module_name: str) -> set[str]:
    """Names Flask-SQLAlchemy defines in a module: public ones plus load-bearing privates."""
    module = importlib.import_module(f"flask_sqlalchemy.{module_name}")
    names = set()
    for name, value in vars(module).items():
        defined_here = getattr(value, "__module__", None) == module.__name__
        if (
            defined_here
            and not inspect.ismodule(value)
            and (not name.startswith("_") or name == "_Table")
        ):
            names.add(name)
    return names


@pytest.mark.parametrize("module_name", MODULES)
def test_mirror_has_upstream_names(module_name: str) -> None:
    """Each public name of ``flask_sqlalchemy.<module>`` is in ``fss_compat.shims.<module>``."""
    ours = importlib.import_module(f"fss_compat.shims.{module_name}")
    missing = sorted(name for name in _public_names(module_name) if not hasattr(ours, name))
    assert missing == []


def test_shims_list_matches_upstream() -> None:
    """``fss_compat.shims.MODULES`` (used by the alias docs and the codemod) is upstream's list."""
    assert sorted(fss_compat.shims.MODULES) == MODULES


def test_top_level_reexports() -> None:
    """``fss_compat`` re-exports ``SQLAlchemy`` like ``flask_sqlalchemy`` does."""
    assert fss_compat.SQLAlchemy is importlib.import_module("fss_compat.shims.extension").SQLAlchemy
    assert set(fss_compat.__all__) >= {"SQLAlchemy", "flask_scoped_session", "current_session"}
