"""The corpus benchmark's smoke run: a public package from PyPI, scanned and migrated.

``benchmarks/corpus.py`` runs on several packages; CI runs its smallest one here: every
rewritten file compiles and a second run changes nothing. Without PyPI the test is skipped
with pip's message.
"""

from __future__ import annotations

import pytest

from benchmarks import corpus


def test_public_package_migrates_to_a_fixed_point() -> None:
    """The smoke package's sites are found, some rewritten, and the result is a fixed point."""
    name, version = corpus.SMOKE
    try:
        result = corpus.run_package(name, version)
    except corpus.Unavailable as error:
        pytest.skip(f"PyPI unreachable, the corpus smoke run is skipped: {error}")
    assert result.errors == []
    assert result.found > 0 and result.rewritten > 0
    assert result.changed > 0 and result.second_run == 0
    assert result.after < result.found
