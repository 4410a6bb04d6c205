"""The docs stay in sync with the code they are generated from."""

from __future__ import annotations

from pathlib import Path

from fss_compat import differences

ROOT = Path(__file__).resolve().parent.parent


def test_differences_page_is_current() -> None:
    """``docs/differences.md`` is exactly what ``differences.render_markdown()`` produces."""
    assert (ROOT / "docs" / "differences.md").read_text() == differences.render_markdown()


def test_difference_ids_are_unique() -> None:
    """Each difference has its own id."""
    ids = [difference.id for difference in differences.DIFFERENCES]
    assert len(ids) == len(set(ids))
