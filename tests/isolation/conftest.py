"""The ``urls`` fixture: 1 or 3 empty databases on SQLite files or the test PostgreSQL server."""

from __future__ import annotations

import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._support.postgresql import Database
from tests._support.postgresql import Server


@pytest.fixture
def make_urls(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[t.Callable[..., list[str]]]:
    """``make_urls(database, count)``: URLs of ``count`` empty databases, emptied afterwards."""
    taken: list[tuple[Server, Database]] = []

    def make(database: str, count: int) -> list[str]:
        if database == "sqlite":
            return [f"sqlite:///{tmp_path / f'bind{i}.db'}" for i in range(count)]
        server: Server = request.getfixturevalue("postgresql_server")
        urls: list[str] = []
        while len(urls) < count:
            pair = server.fresh_databases()
            taken.append((server, pair))
            urls += [pair.url, pair.bind_url]
        return urls[:count]

    yield make
    for server, pair in taken:
        server.end_sessions(pair)
        server.reset(pair)
