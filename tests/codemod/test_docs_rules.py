"""The rule catalogue is consistent, and ``docs/rules.md`` is rendered from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fss_compat import catalogue
from fss_compat import legacy
from fss_compat.codemod import docs

ROOT = Path(__file__).resolve().parents[2]


def test_rules_page_is_current() -> None:
    """``docs/rules.md`` is exactly what ``fss-compat rules`` prints."""
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == docs.render_markdown()


def test_catalogue_ids_and_rewrites() -> None:
    """Ids and names are unique; every entry has rewrites, found by id and by name."""
    ids = [f.id for f in catalogue.CATALOGUE]
    names = [f.name for f in catalogue.CATALOGUE]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))
    assert ids == sorted(ids)
    assert catalogue.FEATURES == tuple(f for f in catalogue.CATALOGUE if f.runtime)
    for feature in catalogue.CATALOGUE:
        assert feature.rewrites, feature.id
        rewrites = [r.name for r in feature.rewrites]
        assert len(rewrites) == len(set(rewrites)), feature.id
        assert catalogue.get(feature.name) is catalogue.get(feature.id) is feature


def test_families_share_a_hundred() -> None:
    """The ids of one family share their hundreds digit, and no two families share one."""
    digits: dict[catalogue.Family, set[str]] = {}
    for feature in catalogue.CATALOGUE:
        digits.setdefault(feature.family, set()).add(feature.id[3])
    assert all(len(found) == 1 for found in digits.values()), digits
    assert len({next(iter(found)) for found in digits.values()}) == len(digits)


def test_static_entries_are_not_runtime_switches() -> None:
    """An entry only the tool sees cannot be given a runtime mode."""
    for feature in catalogue.CATALOGUE:
        if feature.runtime:
            continue
        with pytest.raises(ValueError, match="has no runtime switch"):
            legacy.Modes.parse(f"{feature.id}=error")
