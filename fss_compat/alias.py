"""Serve ``import flask_sqlalchemy`` (and ``flask_sqlalchemy.<module>``) from fss_compat.

Call :func:`install` before the app (or any library that imports ``flask_sqlalchemy``) is
imported; ``pytest --fss-compat`` does it for a test run. Flask-SQLAlchemy need not be
installed. Nothing happens at import of this module.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types

__all__ = ["install", "installed", "uninstall"]

#: The version ``flask_sqlalchemy.__version__`` reports under the alias: the behaviour served.
SERVED_VERSION = "3.1.1"
_ROOT = "flask_sqlalchemy"


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``flask_sqlalchemy[.X]`` and loads ``fss_compat[.shims.X]`` in its place."""

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


_finder = _AliasFinder()


def installed() -> bool:
    """Whether :func:`install` is in effect.

    .. versionadded:: 0.1.0
    """
    return _finder in sys.meta_path


def install() -> None:
    """Make ``import flask_sqlalchemy`` and its submodules import fss_compat.

    :raises RuntimeError: if the real ``flask_sqlalchemy`` was imported already, since the
        objects made from it could not be replaced.

    .. versionadded:: 0.1.0
    """
    if installed():
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
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Undo :func:`install` and forget the aliased modules.

    .. versionadded:: 0.1.0
    """
    if installed():
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == _ROOT or n.startswith(_ROOT + ".")]:
        del sys.modules[name]
