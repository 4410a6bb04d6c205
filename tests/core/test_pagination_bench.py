"""The pagination benchmark's smoke run: its table, cursors and counts work on both databases.

``benchmarks/pagination_bench.py`` measures a million rows; here the same code runs on
3,000, once per test database, and its self-checks hold: offset and keyset pages agree on
every page measured, the exact count is the table's size, and after ``ANALYZE`` the
estimate is near it. No time is asserted: times are for the benchmark's own run.
"""

from __future__ import annotations

import sqlalchemy as sa

from benchmarks import pagination_bench
from tests._support.postgresql import Database

ROWS = 3000


def test_smoke(database: Database) -> None:
    """The benchmark measures pages 1, 100 and the last, and both totals, on a small table."""
    engine = sa.create_engine(database.url)
    try:
        report = pagination_bench.run(engine, database.url.split(":")[0], ROWS, repeat=1)
    finally:
        pagination_bench.Base.metadata.drop_all(engine)
        engine.dispose()
    assert [timing.page for timing in report.pages] == [1, 100, ROWS // pagination_bench.PER_PAGE]
    assert report.exact == ROWS
    if database.is_postgresql:
        assert 0.8 * ROWS <= report.estimate <= 1.2 * ROWS
    else:
        assert report.estimate == ROWS
    assert "| 100 |" in report.render()
