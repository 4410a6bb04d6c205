"""Switches for the legacy Flask-SQLAlchemy features, and the usage report.

Each convenience that plain SQLAlchemy does not have is a feature of
:mod:`fss_compat.catalogue`, with a stable id (``FSCnnn``, the same ids the guide and the
``fss-compat`` tool use) and a mode:

* ``allow`` (the default): works silently, costs one flag check;
* ``warn``: works, and emits :class:`LegacyFeatureWarning` attributed to the user's line;
* ``error``: raises :class:`LegacyFeatureError` at that line.

Modes are process-wide. They are set with :func:`configure`, the ``legacy_modes=`` argument of
``SQLAlchemy()``, the ``FSS_LEGACY`` app config key, or the ``FSS_LEGACY`` environment
variable, all in the same form: a mapping (or ``"key=mode,key=mode"`` string) whose keys are
``"*"`` (every feature), a feature id or name (``"FSC201"``, ``"model-query"``), or
``"<module>:<feature or *>"`` to set the mode for code in one package of the app
(``"app.billing:*": "error"``). The most specific key wins; among module keys, the longest
module prefix.
"""

from __future__ import annotations

import collections
import enum
import os
import sys
import types
import typing as t
import warnings
from collections.abc import Mapping

if t.TYPE_CHECKING:
    from fss_compat.catalogue import Feature

__all__ = [
    "LegacyFeatureError",
    "LegacyFeatureWarning",
    "Mode",
    "Usage",
    "configure",
    "mode_for",
    "reset",
    "start_report",
    "stop_report",
    "used",
]


class Mode(str, enum.Enum):
    """What happens when a legacy feature is used."""

    ALLOW = "allow"
    WARN = "warn"
    ERROR = "error"


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


class _State:
    # A plain class, not a dataclass: building one of those costs more import time than
    # everything else in this module.
    def __init__(self) -> None:
        self.default = Mode.ALLOW
        self.features: dict[str, Mode] = {}
        # module prefix -> {feature id or "*": mode}
        self.modules: dict[str, dict[str, Mode]] = {}
        self.usage: Usage | None = None


_state = _State()
#: True when any mode is not ``allow`` or a report is running; the only cost when False.
_active = False


def _catalogue() -> types.ModuleType:
    # Loaded on first need (a mode, a report): the features' data is not needed to run
    # with every feature allowed, and building it is most of this package's import time.
    from fss_compat import catalogue

    return catalogue


def _parse(spec: Mapping[str, str] | str) -> dict[str, str]:
    if isinstance(spec, str):
        pairs = [item.split("=", 1) for item in spec.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(
                f"Invalid legacy modes {spec!r}: use 'key=mode' pairs separated by commas,"
                " for example '*=warn,FSC201=error'."
            )
        return {key.strip(): mode.strip() for key, mode in pairs}
    return dict(spec)


def _mode(value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise ValueError(
            f"Invalid legacy mode {value!r}: use 'allow', 'warn' or 'error'."
        ) from None


def configure(modes: Mapping[str, str] | str) -> None:
    """Set modes; keys not mentioned keep their current mode.

    :param modes: ``{"*": "warn", "FSC201": "error", "app.billing:*": "error"}`` or the same
        as a string, ``"*=warn,FSC201=error,app.billing:*=error"``.
    :raises KeyError: for an unknown feature; :raises ValueError: for an unknown mode.

    .. versionadded:: 0.1.0
    """
    global _active
    for key, value in _parse(modes).items():
        mode = _mode(value)
        module, _, target = key.rpartition(":")
        target_id = "*" if target == "*" else _catalogue().feature(target).id
        if module:
            _state.modules.setdefault(module, {})[target_id] = mode
        elif target_id == "*":
            _state.default = mode
        else:
            _state.features[target_id] = mode
    _active = _compute_active()


def _compute_active() -> bool:
    modes = [_state.default, *_state.features.values()]
    modes += [mode for by_feature in _state.modules.values() for mode in by_feature.values()]
    return _state.usage is not None or any(mode is not Mode.ALLOW for mode in modes)


def reset() -> None:
    """Every feature back to ``allow``, and no report; then apply ``FSS_LEGACY`` if set."""
    global _state, _active
    _state = _State()
    _active = False
    if os.environ.get("FSS_LEGACY"):
        configure(os.environ["FSS_LEGACY"])


def mode_for(feature_id: str, module: str) -> Mode:
    """The mode of a feature for code in ``module``: the most specific setting wins."""
    best: tuple[int, Mode] | None = None
    for prefix, by_feature in _state.modules.items():
        if module == prefix or module.startswith(prefix + "."):
            mode = by_feature.get(feature_id, by_feature.get("*"))
            if mode is not None:
                rank = len(prefix) * 2 + (feature_id in by_feature)
                if best is None or rank > best[0]:
                    best = (rank, mode)
    if best is not None:
        return best[1]
    return _state.features.get(feature_id, _state.default)


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


class Usage:
    """What a report collected: per feature id, the call sites and how often each was hit.

    :param sites: feature id -> call site (``file:line``) -> number of uses.

    .. versionadded:: 0.1.0
    """

    def __init__(self, sites: dict[str, collections.Counter[str]] | None = None) -> None:
        self.sites: dict[str, collections.Counter[str]] = {} if sites is None else sites

    def total(self, feature_id: str) -> int:
        """How many times the feature was used."""
        return sum(self.sites.get(feature_id, collections.Counter()).values())

    def render(self) -> str:
        """A plain-text summary: one block per feature used, busiest call sites first."""
        if not self.sites:
            return "fss_compat: no legacy Flask-SQLAlchemy features were used."
        lines = ["fss_compat: legacy Flask-SQLAlchemy features used (migration work left):"]
        for f in _catalogue().FEATURES:
            counter = self.sites.get(f.id)
            if not counter:
                continue
            uses, sites = sum(counter.values()), len(counter)
            lines.append(f"  {f.id} {f.name}: {_plural(uses, 'use')} at {_plural(sites, 'site')}")
            lines.append(f"    replace with: {f.replacement}")
            lines += [f"    {site} ({count}x)" for site, count in counter.most_common(10)]
            if len(counter) > 10:
                lines.append(f"    ... and {len(counter) - 10} more sites")
        return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def start_report() -> Usage:
    """Start collecting every legacy use (in any mode) into a new :class:`Usage`."""
    global _active
    _state.usage = Usage()
    _active = True
    return _state.usage


def stop_report() -> Usage | None:
    """Stop collecting and return what was collected."""
    global _active
    usage, _state.usage = _state.usage, None
    _active = _compute_active()
    return usage


def used(feature_id: str) -> None:
    """Record a use of a legacy feature from the caller's caller; warn or raise per its mode.

    Library code calls this at the point of use, guarded by ``if legacy._active:`` so that
    the default (everything allowed, no report) costs one global lookup.
    """
    frame = _user_frame()
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    if _state.usage is not None:
        site = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<unknown>"
        _state.usage.sites.setdefault(feature_id, collections.Counter())[site] += 1
    mode = mode_for(feature_id, module)
    if mode is Mode.ALLOW:
        return
    f = _catalogue().feature(feature_id)
    message = (
        f"{f.id} {f.name}: {f.summary} is a legacy Flask-SQLAlchemy feature. Use {f.replacement}"
        f" instead; see '{f.guide}' in the migration guide."
    )
    if mode is Mode.ERROR:
        raise LegacyFeatureError(message, f)
    if frame is None:
        warnings.warn(LegacyFeatureWarning(message, f), stacklevel=3)
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


def _from_environment() -> None:
    # Reading FSS_LEGACY here is configuration only: no listener, patch or filter is set.
    if os.environ.get("FSS_LEGACY"):
        configure(os.environ["FSS_LEGACY"])


_from_environment()
