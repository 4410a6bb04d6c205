"""Serve ``import flask_sqlalchemy`` (and ``flask_sqlalchemy.<module>``) from fss_compat.

Call :func:`install` before the app (or any library that imports ``flask_sqlalchemy``) is
imported; ``pytest --fss-compat`` does it for a test run. Flask-SQLAlchemy need not be
installed. Nothing happens at import of this module.

The *level* is the Flask-SQLAlchemy version whose API and behaviour are served, with its
module layout: ``"3.1"`` (the default: ``fss_compat.SQLAlchemy`` and ``fss_compat.shims``)
or ``"2.5"`` (``fss_compat.shims_v2``, for apps written for Flask-SQLAlchemy 2.x). Without
an argument, :func:`install` reads the ``FSS_COMPAT_LEVEL`` environment variable, so
subprocesses and tools serve the same level.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import types

__all__ = ["LEVELS", "install", "installed", "installed_level", "level_from_env", "uninstall"]

#: The version ``flask_sqlalchemy.__version__`` reports under the alias: the behaviour served.
SERVED_VERSION = "3.1.1"
#: The levels that can be served, by name: the Flask-SQLAlchemy version each reproduces.
LEVELS = {"3.1": "3.1.1", "2.5": "2.5.1"}
#: The level served when none is asked for and ``FSS_COMPAT_LEVEL`` is not set.
DEFAULT_LEVEL = "3.1"
#: The environment variable :func:`install` and ``pytest --fss-compat`` read for the level.
LEVEL_VARIABLE = "FSS_COMPAT_LEVEL"
_ROOT = "flask_sqlalchemy"


def _checked_level(level: str, source: str) -> str:
    if level not in LEVELS:
        known = ", ".join(repr(name) for name in LEVELS)
        raise ValueError(
            f"Unknown fss_compat level {level!r} ({source}). Known levels: {known}; each is"
            " the Flask-SQLAlchemy version whose API is served."
        )
    return level


def level_from_env() -> str:
    """The level ``FSS_COMPAT_LEVEL`` names, or ``"3.1"`` when it is unset or empty.

    :raises ValueError: for an unknown level, naming the known ones.

    .. versionadded:: 0.1.0
    """
    value = os.environ.get(LEVEL_VARIABLE, "").strip()
    if not value:
        return DEFAULT_LEVEL
    return _checked_level(value, f"from the {LEVEL_VARIABLE} environment variable")


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``flask_sqlalchemy[.X]`` and loads fss_compat's module of the level in its place."""

    def __init__(self) -> None:
        self.level = DEFAULT_LEVEL

    def find_spec(
        self,
        fullname: str,
        path: object = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _ROOT and not fullname.startswith(_ROOT + "."):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname == _ROOT)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        if self.level == "2.5":
            self._exec_v2(module)
            return
        if module.__name__ == _ROOT:
            import fss_compat

            module.SQLAlchemy = fss_compat.SQLAlchemy  # type: ignore[attr-defined]
            module.__version__ = SERVED_VERSION  # type: ignore[attr-defined]
            module.__all__ = ["SQLAlchemy"]  # type: ignore[attr-defined]
            module.__path__ = []
            return
        name = module.__name__.removeprefix(_ROOT + ".")
        # The import system returns whatever is in sys.modules after exec_module, so the
        # alias name refers to the very same module object as fss_compat.shims.<name>.
        sys.modules[module.__name__] = importlib.import_module(f"fss_compat.shims.{name}")

    def _exec_v2(self, module: types.ModuleType) -> None:
        # 2.5.1 kept almost everything in its package's __init__, so the package itself is
        # served (tests patch its attributes); its submodules are the three 2.5.1 had.
        from fss_compat import shims_v2

        name = module.__name__.removeprefix(_ROOT).removeprefix(".")
        if name and name not in shims_v2.MODULES:
            raise ModuleNotFoundError(
                f"No module named {module.__name__!r} at fss_compat level '2.5'"
                f" (Flask-SQLAlchemy 2.5.1 has {', '.join(shims_v2.MODULES)})",
                name=module.__name__,
            )
        target = "fss_compat.shims_v2" + (f".{name}" if name else "")
        sys.modules[module.__name__] = importlib.import_module(target)


_finder = _AliasFinder()


def installed() -> bool:
    """Whether :func:`install` is in effect.

    .. versionadded:: 0.1.0
    """
    return _finder in sys.meta_path


def installed_level() -> str | None:
    """The level :func:`install` serves, or ``None`` when the alias is not installed.

    .. versionadded:: 0.1.0
    """
    return _finder.level if installed() else None


def install(level: str | None = None) -> None:
    """Make ``import flask_sqlalchemy`` and its submodules import fss_compat.

    :param level: ``"3.1"`` or ``"2.5"``; default: ``FSS_COMPAT_LEVEL``, else ``"3.1"``.
    :raises ValueError: for an unknown level, naming the known ones.
    :raises RuntimeError: if the real ``flask_sqlalchemy`` was imported already, since the
        objects made from it could not be replaced, or if another level is installed.

    .. versionadded:: 0.1.0
    """
    level = level_from_env() if level is None else _checked_level(level, "passed to install()")
    if installed():
        if _finder.level != level:
            raise RuntimeError(
                f"fss_compat serves 'flask_sqlalchemy' at level {_finder.level!r} already, so"
                f" it cannot serve level {level!r} too. Call 'fss_compat.alias.uninstall()'"
                " first, before anything imports 'flask_sqlalchemy'."
            )
        return
    loaded = sys.modules.get(_ROOT)
    if _ROOT in sys.modules and loaded is None:
        del sys.modules[_ROOT]  # an import blocked with None (as if uninstalled) is served
    elif loaded is not None:
        raise RuntimeError(
            f"'flask_sqlalchemy' was already imported ({loaded!r}), so it cannot be served by"
            " fss_compat any more. Call 'fss_compat.alias.install()' before the app is"
            " imported, or use 'pytest --fss-compat'."
        )
    _finder.level = level
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Undo :func:`install` and forget the aliased modules.

    .. versionadded:: 0.1.0
    """
    if installed():
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == _ROOT or n.startswith(_ROOT + ".")]:
        del sys.modules[name]
