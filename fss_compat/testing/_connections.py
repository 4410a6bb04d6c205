"""One test connection: an outer transaction on one engine, guarded, always rolled back.

The guards turn the ways a test can escape its transaction into an
:class:`IsolationError` at the offending call, recorded so that the isolation's end
raises it again even when the app swallowed it (a view turning it into a 500):

* a statement from another thread (a live server thread serving the same app): a DBAPI
  connection is not shared between threads, and its rows would be the test's;
* a commit of the outer transaction (``db.engine.commit()`` during isolation, or a session
  configured with ``join_transaction_mode="control_fully"``);
* a savepoint ended while one opened after it is still open: two sessions on the test's
  connection must end in the reverse order they began, or the database ends the later
  one's savepoint with the earlier one's.
"""

from __future__ import annotations

import threading
import typing as t

import sqlalchemy as sa

__all__ = ["IsolationError", "TestConnection", "commits_on_ddl"]

#: Databases whose DDL statements commit the open transaction (MySQL and MariaDB commit
#: before and after ``CREATE``, ``ALTER``, ``DROP``, ``TRUNCATE``; Oracle likewise).
_DDL_COMMITS = frozenset({"mysql", "mariadb", "oracle"})


class IsolationError(RuntimeError):
    """Per-test isolation was misused, or the test escaped its transaction.

    .. versionadded:: 0.1.0
    """


def commits_on_ddl(dialect_name: str) -> bool:
    """Whether DDL commits the open transaction on this database, so rollback cannot undo it.

    PostgreSQL, SQLite and SQL Server run ``CREATE TABLE`` and the like inside the
    transaction; MySQL, MariaDB and Oracle commit it first. Isolation refuses the latter:
    one ``create_all()`` in a test would commit every row the test wrote before it.

    :param dialect_name: SQLAlchemy's dialect name, ``engine.dialect.name``.

    .. versionadded:: 0.1.0
    """
    return dialect_name in _DDL_COMMITS


class TestConnection:
    """A connection of ``engine`` in an outer transaction, guarded as the module says.

    :param engine: the engine to connect to.
    :param report: called with each problem found, before it is raised.
    """

    # Not a test class, whatever its name: pytest must not collect it.
    __test__ = False

    def __init__(self, engine: sa.Engine, report: t.Callable[[str], None]) -> None:
        self.engine = engine
        self._report = report
        self._owner = threading.get_ident()
        self._savepoints: list[str] = []
        self._sqlite = engine.dialect.name == "sqlite"
        self._sqlite_level: str | None = None
        self.connection = engine.connect()
        try:
            self.transaction = self._begin()
            self._listen()
        except BaseException:
            self._end_sqlite()
            self.connection.close()
            raise

    def _begin(self) -> sa.RootTransaction:
        if not self._sqlite:
            return self.connection.begin()
        self._sqlite_autocommit()
        transaction = self.connection.begin()
        if not self._dbapi.in_transaction:
            # pysqlite begins lazily (before DML only) or never (autocommit), so a first
            # SAVEPOINT would run outside any transaction and its RELEASE would commit.
            # An explicit BEGIN makes savepoints nest in the test's transaction.
            self.connection.exec_driver_sql("BEGIN")
        return transaction

    @property
    def _dbapi(self) -> t.Any:
        return self.connection.connection.driver_connection

    def _sqlite_autocommit(self) -> None:
        """Turn pysqlite's legacy transaction control off, keeping its ``isolation_level``."""
        import sqlite3

        dbapi = self._dbapi
        legacy = getattr(sqlite3, "LEGACY_TRANSACTION_CONTROL", None)
        if getattr(dbapi, "isolation_level", None) is None:
            return  # not pysqlite, or already in autocommit (SQLAlchemy's SQLite recipe)
        if getattr(dbapi, "autocommit", legacy) != legacy:
            return  # Python 3.12+ autocommit=True/False: isolation_level is not used
        if dbapi.in_transaction:
            raise IsolationError(
                f"The SQLite connection of {self.engine!r} is already in a transaction"
                " (a single-connection pool shared with an open session?), so the test"
                " cannot start its own. Start the isolation before the test's first"
                " database use."
            )
        self._sqlite_level = dbapi.isolation_level
        # Setting None commits an open transaction; there is none (checked above).
        dbapi.isolation_level = None

    def _end_sqlite(self) -> None:
        if not self._sqlite or self.connection.closed:
            return
        dbapi = self._dbapi
        if dbapi.in_transaction:
            # The driver's rollback() does nothing with Python 3.12's autocommit=True.
            dbapi.execute("ROLLBACK")
        if self._sqlite_level is not None:
            dbapi.isolation_level = self._sqlite_level

    def _listen(self) -> None:
        listen = sa.event.listen
        listen(self.connection, "before_cursor_execute", self._before_statement)
        listen(self.connection, "commit", self._refuse_commit)
        listen(self.connection, "release_savepoint", self._ended)
        listen(self.connection, "rollback_savepoint", self._ended)

    def _fail(self, message: str) -> t.NoReturn:
        self._report(message)
        raise IsolationError(message)

    def _before_statement(
        self, conn: sa.Connection, cursor: t.Any, statement: str, *args: t.Any
    ) -> None:
        self._check_thread()
        if statement.startswith("SAVEPOINT "):
            # The "savepoint" event comes before SQLAlchemy names the savepoint; the
            # statement has the name (test_sessions_ending_out_of_order fails if not).
            self._savepoints.append(statement.split()[-1].strip('"`[]'))

    def _check_thread(self) -> None:
        if threading.get_ident() != self._owner:
            self._fail(
                f"Thread {threading.current_thread().name!r} used the test's connection to"
                f" {self.engine.url!r}, which belongs to the thread that started the"
                " isolation. A live server thread cannot share the test's transaction:"
                " drive the app with 'app.test_client()' in the test's thread, or run the"
                " live server without isolation (create and drop the tables around it)."
            )

    def _refuse_commit(self, conn: sa.Connection) -> None:
        self._fail(
            f"Something committed the test's outer transaction on {self.engine.url!r}"
            " (a 'Connection.commit()' on 'db.engine', or a session with"
            " join_transaction_mode='control_fully'); its rows would outlive the test."
            " Commit through the session: during isolation its commit ends a savepoint."
        )

    def _ended(self, conn: sa.Connection, name: str, context: t.Any) -> None:
        if name not in self._savepoints:
            return
        later = self._savepoints[self._savepoints.index(name) + 1 :]
        if later:
            self._fail(
                f"A session ended savepoint {name!r} on the test's connection to"
                f" {self.engine.url!r} while {later!r}, opened after it by another"
                " session, is still open: sessions sharing the test's transaction must"
                " end in the reverse order they began. Close the later session first."
            )
        self._savepoints.pop()

    def end(self) -> list[str]:
        """Roll back everything the test did and close the connection; problems found."""
        problems = []
        if self.connection.closed:
            # Closing rolled the transaction back: nothing leaked, but the app's sessions
            # lost their connection in the middle of the test.
            return [f"The test closed its connection to {self.engine.url!r} itself."]
        if not self.transaction.is_active:
            problems.append(
                f"The test's outer transaction on {self.engine.url!r} was ended before the"
                " isolation ended it ('rollback()' or 'commit()' on 'db.engine'?)."
            )
        try:
            # The current transaction: the outer one, or one begun after it was ended.
            self.connection.rollback()
            self._end_sqlite()
        finally:
            self.connection.close()
        return problems
