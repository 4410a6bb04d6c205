"""The schema a set of model modules declares, for comparing it before and after a rewrite.

:func:`load` imports the modules from a temporary package and finds every ``MetaData``
they define (a ``db``'s, a declarative base's, a plain one); :func:`ddl` renders each table's
``CREATE TABLE`` and ``CREATE INDEX`` for SQLite and PostgreSQL; :func:`autogenerate`
runs Alembic's ``compare_metadata`` of a database created from one schema against another.
"""

from __future__ import annotations

import contextlib
import dataclasses
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


@dataclasses.dataclass
class Loaded:
    """What the imported modules define: their MetaData and their mapped classes."""

    metadatas: list[sa.MetaData]
    mappers: list[orm.Mapper[t.Any]]


@contextlib.contextmanager
def load(sources: t.Mapping[str, str], folder: Path) -> Iterator[Loaded]:
    """Import ``sources`` (module name -> source) as one package; yield what they define.

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
        mappers: list[orm.Mapper[t.Any]] = []
        for module in modules:
            for value in vars(module).values():
                for metadata in _metadatas(value):
                    found.setdefault(id(metadata), metadata)
                mapper = sa.inspect(value, raiseerr=False) if isinstance(value, type) else None
                if isinstance(mapper, orm.Mapper) and mapper.class_.__module__ == module.__name__:
                    mappers.append(mapper)
        orm.configure_mappers()
        assert found, f"{sorted(sources)} define no MetaData"
        yield Loaded(list(found.values()), mappers)
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


def ddl(loaded: Loaded) -> str:
    """Every table's ``CREATE TABLE`` and ``CREATE INDEX``, for SQLite and PostgreSQL."""
    lines: list[str] = []
    tables = sorted(
        (table for metadata in loaded.metadatas for table in metadata.tables.values()),
        key=lambda table: table.fullname,
    )
    for dialect_name, dialect in DIALECTS.items():
        for table in tables:
            lines.append(f"-- {dialect_name}")
            lines.append(str(sa.schema.CreateTable(table).compile(dialect=dialect)).strip())
            for index in sorted(table.indexes, key=lambda index: str(index.name)):
                lines.append(str(sa.schema.CreateIndex(index).compile(dialect=dialect)).strip())
    return "\n".join(lines)


def autogenerate(before: Loaded, after: Loaded, url: str = "sqlite://") -> list[str]:
    """Alembic's differences between a database created from ``before`` and ``after``.

    Each MetaData is compared with its own database: the n-th of ``before`` with the n-th
    of ``after``. The differences are returned as their ``repr()``.
    """
    assert len(before.metadatas) == len(after.metadatas), (before, after)
    differences: list[str] = []
    for old, new in zip(before.metadatas, after.metadatas, strict=True):
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


def relationships(loaded: Loaded) -> dict[str, dict[str, object]]:
    """What each relationship is, as plain values: ``"User.posts"`` -> its properties."""
    found: dict[str, dict[str, object]] = {}
    for mapper in loaded.mappers:
        for prop in mapper.relationships:
            if prop.parent is not mapper:
                continue
            # None is SQLAlchemy's default, a list; a list annotation sets it explicitly.
            collection = prop.collection_class or list
            found[f"{mapper.class_.__name__}.{prop.key}"] = {
                "target": prop.mapper.class_.__name__,
                "direction": prop.direction.name,
                "uselist": prop.uselist,
                "collection": getattr(collection, "__name__", repr(collection)),
                "lazy": prop.lazy,
                "reverse": prop.back_populates,
                "secondary": None if prop.secondary is None else str(prop.secondary),
                "viewonly": prop.viewonly,
                "query_class": getattr(prop.query_class, "__module__", None),
                "order_by": str(prop.order_by),
                "cascade": str(prop.cascade),
                # The join: which columns pair up, and which side holds the foreign key.
                "pairs": sorted((str(a), str(b)) for a, b in prop.local_remote_pairs),
                "foreign": sorted(str(column) for column in prop._calculated_foreign_keys),
            }
    return found
