"""The schema a set of model modules declares, for comparing it before and after a rewrite.

:func:`load` imports the modules from a temporary package and finds every ``MetaData``
they define (a ``db``'s, a declarative base's, a plain one); :func:`ddl` renders each table's
``CREATE TABLE`` and ``CREATE INDEX`` for SQLite and PostgreSQL; :func:`autogenerate`
runs Alembic's ``compare_metadata`` of a database created from one schema against another.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import sys
import textwrap
import typing as t
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as orm
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

_NUMBERS = itertools.count()
# PGDialect's __init__ has no annotations (SQLAlchemy 2.1).
DIALECTS = {"sqlite": SQLiteDialect_pysqlite(), "postgresql": PGDialect()}  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def load(sources: t.Mapping[str, str], folder: Path) -> Iterator[list[sa.MetaData]]:
    """Import ``sources`` (module name -> source) as one package; yield their MetaData.

    The mappers are configured first, so a relationship that does not resolve fails here.
    The modules are forgotten afterwards.
    """
    package = f"fsst_schema_{next(_NUMBERS)}"
    root = folder / package
    root.mkdir(parents=True)
    (root / "__init__.py").write_text("")
    for name, source in sources.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        modules = [importlib.import_module(f"{package}.{name}") for name in sources]
        found: dict[int, sa.MetaData] = {}
        for module in modules:
            for value in vars(module).values():
                for metadata in _metadatas(value):
                    found.setdefault(id(metadata), metadata)
        orm.configure_mappers()
        assert found, f"{sorted(sources)} define no MetaData"
        yield list(found.values())
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == package]:
            del sys.modules[name]


def _metadatas(value: object) -> list[sa.MetaData]:
    if isinstance(value, sa.MetaData):
        return [value]
    if isinstance(value, type) and issubclass(value, orm.DeclarativeBase):
        return [value.metadata]
    if type(value).__name__ == "SQLAlchemy" and isinstance(vars(value).get("metadatas"), dict):
        return list(t.cast(t.Any, value).metadatas.values())
    return []


def ddl(metadatas: t.Sequence[sa.MetaData]) -> str:
    """Every table's ``CREATE TABLE`` and ``CREATE INDEX``, for SQLite and PostgreSQL."""
    lines: list[str] = []
    tables = sorted(
        (table for metadata in metadatas for table in metadata.tables.values()),
        key=lambda table: table.fullname,
    )
    for dialect_name, dialect in DIALECTS.items():
        for table in tables:
            lines.append(f"-- {dialect_name}")
            lines.append(str(sa.schema.CreateTable(table).compile(dialect=dialect)).strip())
            for index in sorted(table.indexes, key=lambda index: str(index.name)):
                lines.append(str(sa.schema.CreateIndex(index).compile(dialect=dialect)).strip())
    return "\n".join(lines)


def autogenerate(
    before: t.Sequence[sa.MetaData], after: t.Sequence[sa.MetaData], url: str = "sqlite://"
) -> list[str]:
    """Alembic's differences between a database created from ``before`` and ``after``.

    Each MetaData is compared with its own database: the n-th of ``before`` with the n-th
    of ``after``. The differences are returned as their ``repr()``.
    """
    assert len(before) == len(after), (before, after)
    differences: list[str] = []
    for old, new in zip(before, after, strict=True):
        engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
        try:
            old.create_all(engine)
            with engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "compare_server_default": True}
                )
                differences += [repr(found) for found in compare_metadata(context, new)]
            old.drop_all(engine)
        finally:
            engine.dispose()
    return differences
