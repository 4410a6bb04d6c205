"""Legacy modes: ``allow``, ``warn`` or ``error`` per feature and per package, parsed and merged.

:class:`Modes` is one layer of settings (the process default, a ``db``'s, an app's), as
parsed from ``{"*": "warn", "FSC201": "error"}`` or ``"*=warn,FSC201=error"``;
:mod:`fss_compat.legacy` stacks the layers and applies them.
"""

from __future__ import annotations

import enum
import functools
import types
from collections.abc import Mapping

__all__ = ["Mode", "Modes"]


class Mode(str, enum.Enum):
    """What happens when a legacy feature is used."""

    ALLOW = "allow"
    WARN = "warn"
    ERROR = "error"


def load_catalogue() -> types.ModuleType:
    # Loaded on first need (a mode, a report): the features' data is not needed to run
    # with every feature allowed, and building it is most of this package's import time.
    from fss_compat import catalogue

    return catalogue


def _mode(value: str) -> Mode:
    try:
        return Mode(value.strip().lower())
    except ValueError:
        raise ValueError(
            f"Invalid legacy mode {value!r}: use 'allow', 'warn' or 'error'."
        ) from None


def resolve_feature_id(key: str) -> str:
    """The id of the runtime feature ``key`` names (an id or name, any case)."""
    catalogue = load_catalogue()
    wanted = key.strip().lower()
    for f in catalogue.CATALOGUE:
        if wanted in (f.id.lower(), f.name):
            if not f.runtime:
                raise ValueError(
                    f"Legacy feature {key!r} ({f.id} {f.name}) has no runtime switch: only"
                    " the scanner sees it. Run 'fss-compat scan' to find its uses."
                )
            return str(f.id)
    known = ", ".join(f"{f.id} ({f.name})" for f in catalogue.FEATURES)
    raise ValueError(f"Unknown legacy feature {key!r}. Known: {known}.")


class Modes:
    """A parsed set of modes: a default, per-feature modes and per-module modes.

    Immutable; :meth:`merged` makes a new one. Build one with :meth:`parse`.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("default", "features", "modules", "quiet")

    def __init__(
        self,
        default: Mode | None = None,
        features: Mapping[str, Mode] | None = None,
        modules: Mapping[str, Mapping[str, Mode]] | None = None,
    ) -> None:
        #: The ``"*"`` mode, or None where this layer does not set it.
        self.default = default
        #: Feature id -> mode.
        self.features: Mapping[str, Mode] = types.MappingProxyType(dict(features or {}))
        #: Module prefix -> {feature id or ``"*"``: mode}.
        self.modules: Mapping[str, Mapping[str, Mode]] = types.MappingProxyType(
            {prefix: types.MappingProxyType(dict(m)) for prefix, m in (modules or {}).items()}
        )
        modes = [default, *self.features.values()]
        modes += [mode for by_feature in self.modules.values() for mode in by_feature.values()]
        #: True when every key is ``allow``: no use can warn or raise.
        self.quiet = all(mode in (None, Mode.ALLOW) for mode in modes)

    @classmethod
    def parse(cls, spec: Mapping[str, str] | str | Modes | None) -> Modes:
        """Parse ``{"*": "warn", "FSC201": "error"}`` or ``"*=warn,FSC201=error"``.

        :raises ValueError: for a malformed string, an unknown mode, an unknown feature, or
            a feature only the scanner sees; the message names the valid choices.
        """
        if spec is None:
            return QUIET
        if isinstance(spec, Modes):
            return spec
        pairs: list[tuple[str, str]]
        if isinstance(spec, str):
            items = [item.split("=", 1) for item in spec.split(",") if item.strip()]
            if any(len(item) != 2 for item in items):
                raise ValueError(
                    f"Invalid legacy modes {spec!r}: use 'key=mode' pairs separated by commas,"
                    " for example '*=warn,FSC201=error'."
                )
            pairs = [(key, value) for key, value in items]
        else:
            pairs = list(spec.items())
        default: Mode | None = None
        features: dict[str, Mode] = {}
        modules: dict[str, dict[str, Mode]] = {}
        for key, value in pairs:
            mode = _mode(value)
            module, _, target = key.strip().rpartition(":")
            target_id = "*" if target == "*" else resolve_feature_id(target)
            if module:
                modules.setdefault(module, {})[target_id] = mode
            elif target_id == "*":
                default = mode
            else:
                features[target_id] = mode
        return cls(default, features, modules)

    def merged(self, over: Modes) -> Modes:
        """These modes with every key ``over`` sets replaced by its mode."""
        if over is QUIET:
            return self
        if self is QUIET:
            return over
        return _merge(self, over)

    def mode_for(self, feature_id: str, module: str) -> Mode:
        """The mode of a feature for code in ``module``: the most specific key wins."""
        best: tuple[int, Mode] | None = None
        for prefix, by_feature in self.modules.items():
            if module == prefix or module.startswith(prefix + "."):
                mode = by_feature.get(feature_id, by_feature.get("*"))
                if mode is not None:
                    rank = len(prefix) * 2 + (feature_id in by_feature)
                    if best is None or rank > best[0]:
                        best = (rank, mode)
        if best is not None:
            return best[1]
        return self.features.get(feature_id, self.default or Mode.ALLOW)

    def __repr__(self) -> str:
        keys = [f"*={self.default.value}"] if self.default else []
        keys += [f"{k}={m.value}" for k, m in self.features.items()]
        keys += [f"{p}:{k}={m.value}" for p, by in self.modules.items() for k, m in by.items()]
        return f"Modes({','.join(keys)!r})"


QUIET = Modes()


@functools.lru_cache(maxsize=256)
def _merge(lower: Modes, upper: Modes) -> Modes:
    # Cached: every check in an app with modes of its own merges the process layer with
    # them, and both are immutable (hashed by identity).
    modules = {prefix: dict(m) for prefix, m in lower.modules.items()}
    for prefix, by_feature in upper.modules.items():
        modules.setdefault(prefix, {}).update(by_feature)
    return Modes(
        upper.default if upper.default is not None else lower.default,
        {**lower.features, **upper.features},
        modules,
    )
