"""The leak check: generated tests that write every way an app can leave nothing behind.

Each case builds one app (fss_compat's facade, Flask-SQLAlchemy 3.1.1, fss_compat's 2.5
level, or the plain core) on 1 or 3 binds, on SQLite files or PostgreSQL, and runs a suite
of generated tests in random order, each inside :func:`fss_compat.testing.isolate`. After
every test the full contents of every table of every bind, read over new connections, must
equal those before it: zero rows survive. The mutation tests run broken isolations through
the same check and expect it to find the leak.
"""

from __future__ import annotations

import dataclasses
import typing as t
import zlib
from pathlib import Path

import pytest

from fss_compat import testing
from fss_compat.testing import _connections
from fss_compat.testing import _routes
from tests._support import isolation as support

#: Generated tests per case; cases: 4 kinds x 2 databases x 2 bind counts.
TESTS_PER_CASE = 20


@dataclasses.dataclass
class LeakReport:
    """What a suite run found."""

    tests: int = 0
    binds: int = 0
    #: Rows (and tables) the tests changed, as seen inside their isolation.
    changed_inside: int = 0
    #: Rows (and tables) that differ from before the test, after it: leaks.
    surviving: int = 0
    leaking_tests: list[list[support.Step]] = dataclasses.field(default_factory=list)


def run_suite(subject: support.Subject, suite: list[list[support.Step]]) -> LeakReport:
    """Run each generated test in an isolation; compare every bind before and after it."""
    report = LeakReport(binds=len(subject.engines))
    baseline = support.snapshot(subject.urls)
    for steps in suite:
        with testing.isolate(subject.app) as isolation:
            client, cli = subject.app.test_client(), subject.app.test_cli_runner()
            for name, bind, value in steps:
                support.OPERATIONS[name](subject, client, cli, bind, value)
            inside = [support.contents(isolation.connections[e]) for e in subject.engines]
        report.tests += 1
        report.changed_inside += support.differing_rows(baseline, inside)
        surviving = support.differing_rows(baseline, support.snapshot(subject.urls))
        if surviving:
            report.leaking_tests.append(steps)
            report.surviving += surviving
            baseline = support.snapshot(subject.urls)  # count each leak once
    return report


@pytest.fixture
def make_subject(
    make_urls: t.Callable[[str, int], list[str]], tmp_path: Path
) -> t.Iterator[t.Callable[[str, str, int], support.Subject]]:
    made: list[support.Subject] = []

    def make(kind: str, database: str, binds: int) -> support.Subject:
        subject = support.make_subject(kind, make_urls(database, binds), tmp_path / "instance")
        made.append(subject)
        return subject

    yield make
    for subject in made:
        subject.dispose()


@pytest.mark.parametrize("binds", [1, 3])
@pytest.mark.parametrize("database", support.DATABASES)
@pytest.mark.parametrize("kind", support.KINDS)
def test_no_row_survives(
    make_subject: t.Callable[[str, str, int], support.Subject],
    kind: str,
    database: str,
    binds: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After each generated test every table of every bind is exactly as before it."""
    subject = make_subject(kind, database, binds)
    seed = zlib.crc32(f"{kind}/{database}/{binds}".encode())
    report = run_suite(subject, support.programs(TESTS_PER_CASE, binds, seed))
    with capsys.disabled():
        print(
            f"\nleak check {kind}/{database}/{binds} binds: {report.tests} tests,"
            f" {report.changed_inside} rows changed inside, {report.surviving} surviving"
        )
    assert report.surviving == 0, report.leaking_tests
    assert report.tests == TESTS_PER_CASE
    # The tests did write: a check of tests that change nothing could not fail.
    assert report.changed_inside >= TESTS_PER_CASE


def _skip_last_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route every bind but the last to the test's connections; no guard notices."""
    route = _routes.Routes.route

    def broken(self: _routes.Routes, connections: t.Any) -> None:
        route(self, connections)
        last = list(self.by_key)[-1]
        self._set({last: self.by_key[last]})

    restore = _routes.Routes.restore
    monkeypatch.setattr(_routes.Routes, "route", broken)
    monkeypatch.setattr(_routes.Routes, "restore", lambda self: restore(self) and [])
    monkeypatch.setattr(testing.Isolation, "_check_bind", lambda self, *args: None)


def _commit_at_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """End each connection by committing its outer transaction; the commit guard is off."""
    monkeypatch.setattr(_connections.TestConnection, "_refuse_commit", lambda self, conn: None)

    def broken(self: _connections.TestConnection) -> list[str]:
        self.connection.commit()
        self.connection.close()
        return []

    monkeypatch.setattr(_connections.TestConnection, "end", broken)


def _no_savepoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave ``join_transaction_mode`` at SQLAlchemy's default; the commit guard is off.

    A session's rollback then ends the test's transaction, and the next session commits
    its own on the bare connection.
    """
    monkeypatch.setattr(_routes.Routes, "JOIN", "conditional_savepoint")
    monkeypatch.setattr(_connections.TestConnection, "_refuse_commit", lambda self, conn: None)
    # The check the isolation's end makes would report it; the leak check must find it.
    monkeypatch.setattr(_connections.TestConnection, "end", _end_quietly)


def _end_quietly(self: _connections.TestConnection) -> list[str]:
    self.connection.rollback()
    self.connection.close()
    return []


def _sqlite_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Begin with SQLAlchemy alone, leaving pysqlite's own transaction handling on."""
    monkeypatch.setattr(_connections.TestConnection, "_begin", lambda self: self.connection.begin())


MUTATIONS = {
    "skip-last-bind": _skip_last_bind,
    "commit-at-end": _commit_at_end,
    "no-savepoints": _no_savepoints,
    "sqlite-as-is": _sqlite_as_is,
}


@pytest.mark.parametrize(
    ("mutation", "database"),
    [
        *((name, "sqlite") for name in MUTATIONS),
        # SQLite's driver is the only one that needs the explicit BEGIN.
        *(
            pytest.param(n, "postgresql", marks=pytest.mark.postgresql)
            for n in MUTATIONS
            if n != "sqlite-as-is"
        ),
    ],
)
def test_leak_check_finds_broken_isolation(
    make_subject: t.Callable[[str, str, int], support.Subject],
    monkeypatch: pytest.MonkeyPatch,
    mutation: str,
    database: str,
) -> None:
    """A deliberately broken isolation leaks, and the leak check reports the surviving rows."""
    subject = make_subject("fss_compat", database, 3)
    MUTATIONS[mutation](monkeypatch)
    report = run_suite(subject, support.programs(10, 3, seed=7))
    assert report.surviving > 0
    assert report.leaking_tests


@pytest.mark.parametrize("kind", support.KINDS)
def test_guard_stops_a_skipped_bind(
    make_subject: t.Callable[[str, str, int], support.Subject],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """With one bind left unrouted but the guard on, its first write is an error, not a leak."""
    subject = make_subject(kind, "sqlite", 3)
    route = _routes.Routes.route

    def broken(self: _routes.Routes, connections: t.Any) -> None:
        route(self, connections)
        # The third bind: key "b2" of a db, the third base class of a sessionmaker.
        key = "b2" if self.facade else subject.models[2].__mro__[1]
        self._set({key: self.by_key[key]})

    monkeypatch.setattr(_routes.Routes, "route", broken)
    before = support.snapshot(subject.urls)
    with pytest.raises(testing.IsolationError, match="not one of the test's connections"):
        with testing.isolate(subject.app):
            with subject.app.app_context():
                subject.session.add(subject.models[2](v=1))
                subject.session.commit()
    assert support.differing_rows(before, support.snapshot(subject.urls)) == 0
