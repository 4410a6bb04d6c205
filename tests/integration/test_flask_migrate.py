"""Flask-Migrate 4's real ``flask db`` CLI on fss_compat, with Flask-SQLAlchemy blocked.

Each command runs in its own subprocess, as a user runs it, on SQLite and on PostgreSQL;
the revision file, the databases and ``flask db current`` are checked from outside. The apps
import ``from fss_compat import SQLAlchemy`` and nothing else of fss_compat: no alias.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import sqlalchemy as sa

from tests._support.blocked import Blocked
from tests._support.blocked import succeeded
from tests._support.postgresql import Database


@dataclasses.dataclass(frozen=True)
class Project:
    """A folder where ``flask --app tests.integration.<app> db ...`` runs."""

    blocked: Blocked
    app: str
    folder: Path
    database: Database

    #: Give the app the second database (``FSS_TEST_BIND_URL``).
    binds: bool = True

    def db(self, *args: str) -> str:
        """Run ``flask db <args>``; its stdout, or a failure showing its output."""
        env = {"FSS_TEST_DATABASE_URL": self.database.url}
        if self.binds:
            env["FSS_TEST_BIND_URL"] = self.database.bind_url
        app = f"tests.integration.{self.app}"
        return succeeded(
            self.blocked.run("-m", "flask", "--app", app, "db", *args, cwd=self.folder, env=env)
        )

    @property
    def revisions(self) -> list[Path]:
        return sorted((self.folder / "migrations" / "versions").glob("*.py"))


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _table_calls(revision: Path, operation: str) -> dict[str, set[str]]:
    """For each function of ``revision`` that calls ``op.<operation>``, the tables it names."""
    found: dict[str, set[str]] = {}
    for function in ast.parse(revision.read_text()).body:
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and (node.func.value.id, node.func.attr) == ("op", operation)
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.setdefault(function.name, set()).add(str(node.args[0].value))
    return found


def _revision_id(revision: Path) -> str:
    for statement in ast.parse(revision.read_text()).body:
        if (
            isinstance(statement, ast.Assign)
            and [ast.unparse(target) for target in statement.targets] == ["revision"]
            and isinstance(statement.value, ast.Constant)
        ):
            return str(statement.value.value)
    raise AssertionError(f"{revision} has no 'revision = ...' line.")


def _round_trip(
    project: Project, sections: dict[str, set[str]], tables: dict[str, set[str]]
) -> None:
    """``migrate``, ``upgrade``, ``current``, ``check``, ``downgrade`` and ``upgrade`` again.

    :param sections: upgrade function name -> tables the revision creates there.
    :param tables: database URL -> tables the models put there.
    """
    project.db("migrate", "-m", "first tables")
    [revision] = project.revisions
    assert _table_calls(revision, "create_table") == sections
    downgrades = {
        name.replace("upgrade", "downgrade", 1): names for name, names in sections.items()
    }
    assert _table_calls(revision, "drop_table") == downgrades

    project.db("upgrade")
    assert {url: _tables(url) for url in tables} == {
        url: {"alembic_version", *names} for url, names in tables.items()
    }
    head = _revision_id(revision)
    # One line per database: each keeps its own alembic_version table.
    assert project.db("current").splitlines() == [f"{head} (head)"] * len(tables)
    # Autogenerate finds nothing left to do: the upgraded schema is exactly the models'.
    assert "No new upgrade operations detected." in project.db("check")

    project.db("downgrade")
    assert {url: _tables(url) for url in tables} == {url: {"alembic_version"} for url in tables}

    project.db("upgrade")
    assert {url: _tables(url) for url in tables} == {
        url: {"alembic_version", *names} for url, names in tables.items()
    }


def test_single_database(blocked: Blocked, database: Database, tmp_path: Path) -> None:
    """The ``flask`` template migrates a one-database app up, down and up again."""
    project = Project(blocked, "migrate_app", tmp_path, database)
    project.db("init")
    assert (tmp_path / "migrations" / "env.py").is_file()
    _round_trip(
        project,
        sections={"upgrade": {"author", "post"}},
        tables={database.url: {"author", "post"}},
    )


def test_multidb(blocked: Blocked, database: Database, tmp_path: Path) -> None:
    """The ``flask-multidb`` template puts each bind's tables in its own section and database."""
    project = Project(blocked, "migrate_multidb_app", tmp_path, database)
    project.db("init", "--multidb")
    assert "Multi-database" in (tmp_path / "migrations" / "README").read_text()
    _round_trip(
        project,
        sections={"upgrade_": {"post"}, "upgrade_accounts": {"account"}},
        tables={database.url: {"post"}, database.bind_url: {"account"}},
    )


def test_single_database_at_the_2_5_level(
    blocked: Blocked, database: Database, tmp_path: Path
) -> None:
    """An app written for Flask-SQLAlchemy 2.x migrates with the ``flask`` template."""
    project = Project(blocked, "migrate_v2_app", tmp_path, database, binds=False)
    project.db("init")
    _round_trip(
        project,
        sections={"upgrade": {"author", "post"}},
        tables={database.url: {"author", "post"}},
    )


def test_multidb_at_the_2_5_level(blocked: Blocked, database: Database, tmp_path: Path) -> None:
    """At the 2.5 level the ``flask-multidb`` template sorts tables by their bind key too."""
    project = Project(blocked, "migrate_v2_app", tmp_path, database)
    project.db("init", "--multidb")
    _round_trip(
        project,
        sections={"upgrade_": {"author", "post"}, "upgrade_accounts": {"account"}},
        tables={database.url: {"author", "post"}, database.bind_url: {"account"}},
    )
