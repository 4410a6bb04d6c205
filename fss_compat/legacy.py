"""The catalogue of legacy Flask-SQLAlchemy features, their switches and the usage report.

Each convenience that plain SQLAlchemy does not have is a :class:`Feature` with a stable id
(``FSCnnn``, the same ids the guide and the ``fss-compat`` tool use) and a mode:

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
import dataclasses
import enum
import os
import sys
import types
import warnings
from collections.abc import Mapping

__all__ = [
    "FEATURES",
    "Feature",
    "LegacyFeatureError",
    "LegacyFeatureWarning",
    "Mode",
    "Usage",
    "configure",
    "feature",
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


@dataclasses.dataclass(frozen=True)
class Feature:
    """One legacy feature.

    :param id: stable id, ``FSCnnn``; the family is the hundreds digit (0 setup, 1 ``db.*``
        names, 2 query API, 3 models, 4 relationships, 5 session and engine, 6 helpers).
    :param name: stable short name, usable instead of the id.
    :param summary: what the feature is.
    :param replacement: the plain-SQLAlchemy way to do the same.

    .. versionadded:: 0.1.0
    """

    id: str
    name: str
    summary: str
    replacement: str

    @property
    def guide(self) -> str:
        """The title of this feature's section in ``migration_guide.md``."""
        return f"{self.id} {self.name}"


FEATURES: tuple[Feature, ...] = (
    Feature(
        "FSC002",
        "get-engine",
        "db.get_engine(...)",
        "db.engine or db.engines[key]",
    ),
    Feature(
        "FSC101",
        "db-names",
        "SQLAlchemy names on the db object: db.Column, db.Integer, db.select, db.func, ...",
        "import sqlalchemy as sa (and sqlalchemy.orm) and use sa.Column, sa.select, ...",
    ),
    Feature(
        "FSC104",
        "db-relationship",
        "db.relationship / db.backref / db.dynamic_loader adding the legacy query_class",
        "sqlalchemy.orm.relationship (with lazy='write_only' instead of lazy='dynamic')",
    ),
    Feature(
        "FSC201",
        "model-query",
        "Model.query and the legacy Query API",
        "db.session.scalars(select(Model).where(...)) and db.session.get(Model, id)",
    ),
    Feature(
        "FSC301",
        "auto-tablename",
        "__tablename__ generated from the class name",
        "an explicit __tablename__ = '...' on each model",
    ),
    Feature(
        "FSC304",
        "bind-key",
        "__bind_key__ routing models to SQLALCHEMY_BINDS engines",
        "a declarative base per database and sessionmaker(binds={Base: engine, ...})",
    ),
    Feature(
        "FSC601",
        "db-404-helpers",
        "db.get_or_404, db.first_or_404, db.one_or_404 and db.paginate on the db object",
        "fss_compat.get_or_404(db.session, ...), fss_compat.paginate(db.session, select, ...)"
        " and friends, or your own helpers",
    ),
    Feature(
        "FSC602",
        "recorded-queries",
        "SQLALCHEMY_RECORD_QUERIES and get_recorded_queries()",
        "a sqlalchemy.event listener on 'after_cursor_execute'",
    ),
    Feature(
        "FSC603",
        "track-modifications",
        "SQLALCHEMY_TRACK_MODIFICATIONS and the models_committed signals",
        "session events: before_flush, after_commit, after_rollback",
    ),
    Feature(
        "FSC605",
        "paginate-request-args",
        "db.paginate / Query.paginate reading page and per_page from the request",
        "read request.args yourself and call fss_compat.paginate(session, select, page=...)",
    ),
)

_BY_KEY: dict[str, Feature] = {f.id: f for f in FEATURES} | {f.name: f for f in FEATURES}


def feature(key: str) -> Feature:
    """Return the feature with this id or name.

    :raises KeyError: with the known ids, for an unknown key.
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(f"{f.id} ({f.name})" for f in FEATURES)
        raise KeyError(f"Unknown legacy feature {key!r}. Known: {known}.") from None


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


@dataclasses.dataclass
class _State:
    default: Mode = Mode.ALLOW
    features: dict[str, Mode] = dataclasses.field(default_factory=dict)
    # module prefix -> {feature id or "*": mode}
    modules: dict[str, dict[str, Mode]] = dataclasses.field(default_factory=dict)
    usage: Usage | None = None


_state = _State()
#: True when any mode is not ``allow`` or a report is running; the only cost when False.
_active = False


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
        target_id = "*" if target == "*" else feature(target).id
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


@dataclasses.dataclass
class Usage:
    """What a report collected: per feature id, the call sites and how often each was hit."""

    sites: dict[str, collections.Counter[str]] = dataclasses.field(default_factory=dict)

    def total(self, feature_id: str) -> int:
        """How many times the feature was used."""
        return sum(self.sites.get(feature_id, collections.Counter()).values())

    def render(self) -> str:
        """A plain-text summary: one block per feature used, busiest call sites first."""
        if not self.sites:
            return "fss_compat: no legacy Flask-SQLAlchemy features were used."
        lines = ["fss_compat: legacy Flask-SQLAlchemy features used (migration work left):"]
        for f in FEATURES:
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
    f = _BY_KEY[feature_id]
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
