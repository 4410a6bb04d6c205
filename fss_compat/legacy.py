"""Switches for the legacy Flask-SQLAlchemy features, per app, and the usage report.

Each convenience that plain SQLAlchemy does not have is a feature of
:mod:`fss_compat.catalogue`, with a stable id (``FSCnnn``, the same ids the guide and the
``fss-compat`` tool use) and a mode:

* ``allow`` (the default): works silently;
* ``warn``: works, and emits :class:`LegacyFeatureWarning` attributed to the user's line;
* ``error``: raises :class:`LegacyFeatureError` at that line.

Modes are written as a mapping, or the same as a ``"key=mode,key=mode"`` string, whose keys
are ``"*"`` (every feature), a feature id or name (``"FSC201"``, ``"model-query"``; case
does not matter), or ``"<module>:<feature or *>"`` for code in one package of the app
(``"app.billing:*": "error"``). They come in three layers, each overriding the keys it
names in the one below:

1. the process default: the ``FSS_LEGACY`` environment variable, or :func:`configure`;
2. a ``db``'s own: ``SQLAlchemy(legacy_modes=...)``;
3. an app's own: the ``FSS_LEGACY`` key of its config, read at ``init_app``.

A use inside an app context follows that app's modes; outside one, the ``db``'s. Two apps
in one process never see each other's. Within the resulting modes the most specific key
wins: a module key over a plain one (the longest module prefix first), an id or name over
``"*"``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import types
import typing as t
import warnings
import weakref
from collections.abc import Iterator
from collections.abc import Mapping

from flask import Flask
from flask import current_app
from flask import has_app_context

from fss_compat._modes import QUIET
from fss_compat._modes import Mode
from fss_compat._modes import Modes
from fss_compat._modes import load_catalogue
from fss_compat._modes import resolve_feature_id
from fss_compat._usage import Usage

if t.TYPE_CHECKING:
    from fss_compat.catalogue import Feature

__all__ = [
    "FeatureId",
    "LegacyFeatureError",
    "LegacyFeatureWarning",
    "Mode",
    "Modes",
    "Usage",
    "check",
    "configure",
    "mode_for",
    "modes",
    "reset",
    "start_report",
    "stop_report",
]

#: The ids of the features with a runtime switch; :func:`check` takes only these.
FeatureId = t.Literal[
    "FSC002",
    "FSC101",
    "FSC102",
    "FSC104",
    "FSC201",
    "FSC301",
    "FSC304",
    "FSC402",
    "FSC403",
    "FSC601",
    "FSC602",
    "FSC603",
    "FSC605",
    "FSC701",
    "FSC702",
    "FSC703",
    "FSC704",
    "FSC705",
    "FSC706",
    "FSC707",
    "FSC708",
    "FSC709",
    "FSC710",
    "FSC711",
    "FSC712",
    "FSC713",
    "FSC714",
]

#: Key in ``app.extensions`` of an app's :class:`_AppLegacy`.
APP_KEY = "fss_compat.legacy"


class LegacyFeatureWarning(DeprecationWarning):
    """Emitted where a legacy feature in ``warn`` mode is used.

    .. versionadded:: 0.1.0
    """

    def __init__(self, message: str, feature: Feature) -> None:
        super().__init__(message)
        self.feature = feature


class LegacyFeatureError(RuntimeError):
    """Raised where a legacy feature in ``error`` mode is used.

    .. versionadded:: 0.1.0
    """

    def __init__(self, message: str, feature: Feature) -> None:
        super().__init__(message)
        self.feature = feature


class _AppLegacy:
    """An app's legacy state, kept in ``app.extensions[APP_KEY]``."""

    __slots__ = ("__weakref__", "modes", "usage")

    def __init__(self, modes: Modes) -> None:
        self.modes = modes
        self.usage: Usage | None = None


class _HasModes(t.Protocol):
    """The object (a ``db``) whose modes apply outside an app context."""

    _legacy_modes: Modes


class _Process:
    """Process-wide: the default layer, the process report, and the fast-path flag's inputs."""

    def __init__(self) -> None:
        self.modes = QUIET
        self.usage: Usage | None = None
        # Owners (a db, an app's state) whose own modes can warn or raise, and apps with a
        # report running: while there are none, a check returns at its first line.
        self.loud: weakref.WeakSet[object] = weakref.WeakSet()


_process = _Process()
#: False while no mode anywhere in the process is other than ``allow`` and no report runs:
#: a check is then this one global lookup. May stay True after the last loud owner is
#: collected, which only costs the slow path.
_watching = False


def _update_watching() -> None:
    global _watching
    _watching = bool(not _process.modes.quiet or _process.usage is not None or len(_process.loud))


def attach_db(db: _HasModes, spec: Mapping[str, str] | str | Modes | None) -> None:
    """Give ``db`` its own modes (its constructor's ``legacy_modes``)."""
    db._legacy_modes = Modes.parse(spec)
    if not db._legacy_modes.quiet:
        _process.loud.add(db)
        _update_watching()


def attach_app(app: Flask, db: _HasModes, spec: Mapping[str, str] | str | None) -> None:
    """Give ``app`` its modes: ``db``'s, overridden by ``spec`` (its ``FSS_LEGACY`` config)."""
    state = _AppLegacy(db._legacy_modes.merged(Modes.parse(spec)))
    app.extensions[APP_KEY] = state
    if not state.modes.quiet:
        _process.loud.add(state)
        _update_watching()


def configure(spec: Mapping[str, str] | str) -> None:
    """Set process-default modes; keys not mentioned keep their current mode.

    The process default is the lowest layer: a ``db``'s ``legacy_modes`` and an app's
    ``FSS_LEGACY`` config override the keys they set. :func:`reset` goes back to the
    ``FSS_LEGACY`` environment variable.

    :param spec: ``{"*": "warn", "FSC201": "error"}`` or ``"*=warn,FSC201=error"``.
    :raises ValueError: for an unknown feature or mode (see :meth:`Modes.parse`).

    .. versionadded:: 0.1.0
    """
    _process.modes = _process.modes.merged(Modes.parse(spec))
    _update_watching()


def reset() -> None:
    """Process-default modes back to the ``FSS_LEGACY`` environment variable; stop the report.

    A ``db``'s and an app's own modes are not touched.
    """
    _process.modes = Modes.parse(os.environ.get("FSS_LEGACY") or None)
    _process.usage = None
    _update_watching()


@contextlib.contextmanager
def modes(spec: Mapping[str, str] | str) -> Iterator[Modes]:
    """Within the block, process-default modes have ``spec`` on top; restored afterwards.

    For tests: ``with legacy.modes("FSC201=error"): ...``.

    .. versionadded:: 0.1.0
    """
    saved = _process.modes
    configure(spec)
    try:
        yield _process.modes
    finally:
        _process.modes = saved
        _update_watching()


def _effective(db: _HasModes | None, app: Flask | None) -> tuple[Modes, _AppLegacy | None]:
    """The modes that apply, and the app state they came from."""
    if app is None and has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    state: _AppLegacy | None = None if app is None else app.extensions.get(APP_KEY)
    if state is not None:
        return _process.modes.merged(state.modes), state
    own = QUIET if db is None else db._legacy_modes
    return _process.modes.merged(own), None


def mode_for(
    feature_id: str, module: str, *, db: _HasModes | None = None, app: Flask | None = None
) -> Mode:
    """The mode of a feature for code in ``module``, as :func:`check` would find it.

    :param feature_id: the feature's id or name.
    :param module: the module the use is in (its ``__name__``).
    :param db: the ``db`` whose modes apply outside an app context.
    :param app: the app whose modes apply; default: the current app, if any.
    """
    found, _ = _effective(db, app)
    return found.mode_for(resolve_feature_id(feature_id), module)


def start_report(app: Flask | None = None) -> Usage:
    """Start collecting every legacy use (in any mode) into a new :class:`Usage`.

    :param app: collect only the uses made in this app's contexts (and ``init_app``);
        without it, every use in the process.
    """
    usage = Usage()
    if app is None:
        _process.usage = usage
    else:
        state = app.extensions.get(APP_KEY)
        if state is None:
            raise RuntimeError(
                f"{app!r} has no 'SQLAlchemy' registered, so fss_compat cannot report its"
                " legacy feature uses. Call 'db.init_app(app)' first."
            )
        state.usage = usage
        _process.loud.add(state)
    _update_watching()
    return usage


def stop_report(app: Flask | None = None) -> Usage | None:
    """Stop collecting (for ``app``, or process-wide) and return what was collected."""
    if app is None:
        usage, _process.usage = _process.usage, None
    else:
        state = app.extensions.get(APP_KEY)
        usage = None if state is None else state.usage
        if state is not None:
            state.usage = None
            if state.modes.quiet:
                _process.loud.discard(state)
    _update_watching()
    return usage


# Frames from these packages are never "the user's line".
_LIBRARY_PREFIXES = (
    "fss_compat.",
    "sqlalchemy.",
    "flask.",
    "werkzeug.",
    "jinja2.",
    "blinker.",
    "click.",
    "importlib.",
    "typing.",
    "dataclasses.",
    "abc.",
)


def _user_frame() -> types.FrameType | None:
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module + ".").startswith(_LIBRARY_PREFIXES):
            return frame
        frame = frame.f_back
    return None


def check(feature_id: FeatureId, db: _HasModes | None = None, *, app: Flask | None = None) -> None:
    """Record a use of a legacy feature at the user's line; warn or raise per its mode.

    The one entry point every shim calls where a legacy feature is used. While no mode in
    the process is other than ``allow`` and no report runs, it returns at once.

    :param feature_id: the feature used.
    :param db: the ``db`` whose modes apply outside an app context.
    :param app: the app the use belongs to, when it is not the current one (``init_app``).
    :raises LegacyFeatureError: when the feature's mode is ``error``.
    """
    if _watching:
        _check(feature_id, db, app)


def _check(feature_id: str, db: _HasModes | None, app: Flask | None) -> None:
    found, state = _effective(db, app)
    app_usage = None if state is None else state.usage
    reports = [usage for usage in (_process.usage, app_usage) if usage is not None]
    if found.quiet and not reports:
        return  # another app or db is loud, not this one
    frame = _user_frame()
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    if reports:
        site = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<unknown>"
        for usage in reports:
            usage.record(feature_id, site)
    mode = found.mode_for(feature_id, module)
    if mode is Mode.ALLOW:
        return
    f = load_catalogue().get(feature_id)
    message = (
        f"{f.id} {f.name}: {f.summary} is a legacy Flask-SQLAlchemy feature. Use {f.replacement}"
        f" instead; see '{f.guide}' in the migration guide."
    )
    if mode is Mode.ERROR:
        raise LegacyFeatureError(message, f)
    if frame is None:
        warnings.warn(LegacyFeatureWarning(message, f), stacklevel=4)
        return
    warnings.warn_explicit(
        LegacyFeatureWarning(message, f),
        LegacyFeatureWarning,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=module,
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
        module_globals=frame.f_globals,
    )


# Reading FSS_LEGACY here is configuration only: no listener, patch or filter is set.
reset()
