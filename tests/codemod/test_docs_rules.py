"""The rule catalogue is consistent, and ``docs/rules.md`` is rendered from it."""

from __future__ import annotations

from pathlib import Path

from fss_compat import catalogue
from fss_compat.codemod import docs

ROOT = Path(__file__).resolve().parents[2]


def test_rules_page_is_current() -> None:
    """``docs/rules.md`` is exactly what ``fss-compat rules`` prints."""
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == docs.render_markdown()


def test_catalogue_ids_and_rewrites() -> None:
    """Ids and names are unique; every runtime feature is in the catalogue with rewrites."""
    ids = [f.id for f in catalogue.CATALOGUE]
    names = [f.name for f in catalogue.CATALOGUE]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))
    assert set(catalogue.FEATURES) <= set(catalogue.CATALOGUE)
    for feature in catalogue.CATALOGUE:
        assert feature.rewrites, feature.id
        rewrites = [r.name for r in feature.rewrites]
        assert len(rewrites) == len(set(rewrites)), feature.id
        assert catalogue.entry(feature.name) is catalogue.entry(feature.id) is feature
        assert feature.family == catalogue.FAMILIES[feature.id[3]]


def test_runtime_lookup_is_unchanged() -> None:
    """Static-only entries are not runtime switches: ``feature()`` does not know them."""
    for feature in catalogue.STATIC_FEATURES:
        assert feature not in catalogue.FEATURES
        try:
            catalogue.feature(feature.id)
        except KeyError:
            continue
        raise AssertionError(f"{feature.id} must not be a runtime switch")
