"""The smoke run of ``benchmarks/isolation_bench.py``: every way runs the suite and resets it."""

from __future__ import annotations

from benchmarks import isolation_bench


def test_smoke_run_measures_every_way() -> None:
    """``--smoke`` runs the suite each way on SQLite and prints the docs' table."""
    lines: list[str] = []
    results = isolation_bench.main(["--smoke"], out=lines.append)
    assert [r.backend for r in results] == ["SQLite (file)"]
    (result,) = results
    assert all(len(result.seconds[way]) == 1 for way in isolation_bench.WAYS)
    assert all(result.per_test_ms(way) > 0 for way in isolation_bench.WAYS)
    rows = lines[-1].splitlines()
    assert rows[0].startswith("| Backend | Tests | rollback (ms/test)")
    assert rows[2].startswith("| SQLite (file) | 10 |")
