"""FSC305 typed-columns: before/after pairs, no-op cases, and the schema differential.

Each case is a module before and after the rewrite. The same case runs three ways: LibCST's
``CodemodTest`` (the text, and the warnings for what is left), the DDL differential (``CREATE
TABLE`` and ``CREATE INDEX`` for SQLite and PostgreSQL, identical before and after), and
Alembic's autogenerate against a database created from the module before (nothing to do).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from libcst.codemod import CodemodContext
from libcst.codemod import CodemodTest
from libcst.codemod import TransformSuccess
from libcst.codemod import transform_module

from fss_compat.codemod.python_types import Target
from fss_compat.codemod.python_types import project_target
from fss_compat.codemod.typed_models import TypedColumns
from tests._support import schema_diff
from tests._support.typed import schema_for

HEADER = """\
from __future__ import annotations

import datetime
import decimal
import enum
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as orm
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from fss_compat import SQLAlchemy

db = SQLAlchemy()
NULLABLE = True
KEY = False
"""


PY310 = Target((3, 10))


@dataclasses.dataclass(frozen=True)
class Case:
    """A module before and after FSC305 (``after`` == ``before``: a no-op)."""

    id: str
    before: str
    after: str
    #: ``(attribute, reason)`` of each column left untyped.
    warnings: tuple[tuple[str, str], ...] = ()
    target: Target = PY310
    #: Imports the rewrite adds, after the last one of the header.
    added: str = ""

    def expected_warnings(self) -> list[str]:
        """The rule's warnings, with the line of each column in the module."""
        lines = self.source(self.before).splitlines()
        found = []
        for attribute, reason in self.warnings:
            line = next(
                n for n, text in enumerate(lines, 1) if text.startswith(f"    {attribute} =")
            )
            found.append(f"line {line}: FSC305: column '{attribute}' left untyped: {reason}")
        return found

    def source(self, body: str, added: str = "") -> str:
        return HEADER.replace("SQLAlchemy\n\n", f"SQLAlchemy\n{added}\n", 1) + body


CASES = [
    Case(
        "not-null-string",
        """
class User(db.Model):
    __tablename__ = "user"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    nick = db.Column(db.String(80))
    bio = db.Column(db.Text, nullable=True)
""",
        """
class User(db.Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80))
    nick: Mapped[str | None] = mapped_column(db.String(80))
    bio: Mapped[str | None] = mapped_column(db.Text)
""",
    ),
    Case(
        "optional-before-3.10",
        """
class User(db.Model):
    __tablename__ = "user"
    id = sa.Column(sa.Integer, primary_key=True)
    nick = sa.Column(sa.String(80))
""",
        """
class User(db.Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    nick: Mapped[t.Optional[str]] = mapped_column(sa.String(80))
""",
        target=Target(None),
    ),
    Case(
        "keys-and-keywords",
        """
class Tag(db.Model):
    __tablename__ = "tag"
    id = db.Column(db.BigInteger, primary_key=True, autoincrement=False)
    code = db.Column("tag_code", db.String(20), unique=True, index=True)
    label = db.Column(db.String(40), name="lbl", key="lbl_key", info={})
    rank = db.Column(db.Integer, default=0, server_default="0", nullable=False)
    odd = db.Column(db.Integer, primary_key=True, nullable=True)
""",
        """
class Tag(db.Model):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(db.BigInteger, primary_key=True, autoincrement=False)
    code: Mapped[str | None] = mapped_column("tag_code", db.String(20), unique=True, index=True)
    label: Mapped[str | None] = mapped_column(db.String(40), name="lbl", key="lbl_key", info={})
    rank: Mapped[int] = mapped_column(db.Integer, default=0, server_default="0")
    odd: Mapped[int | None] = mapped_column(db.Integer, primary_key=True, nullable=True)
""",
    ),
    Case(
        "foreign-keys",
        """
def _elsewhere() -> sa.Table:
    # A table the tool does not see: a foreign key to it cannot be typed.
    return sa.Table("elsewhere", db.metadata, sa.Column("id", sa.Integer, primary_key=True))


ELSEWHERE = _elsewhere()


class Node(db.Model):
    __tablename__ = "node"
    id = db.Column(db.BigInteger, primary_key=True)
    parent_id = db.Column(db.ForeignKey("node.id"))
    root_id = db.Column(db.BigInteger, db.ForeignKey("node.id"), nullable=False)
    other_id = db.Column(
        db.ForeignKey(id, ondelete="CASCADE"),
        nullable=False,
    )
    outside_id = db.Column(db.ForeignKey("elsewhere.id"))
""",
        """
def _elsewhere() -> sa.Table:
    # A table the tool does not see: a foreign key to it cannot be typed.
    return sa.Table("elsewhere", db.metadata, sa.Column("id", sa.Integer, primary_key=True))


ELSEWHERE = _elsewhere()


class Node(db.Model):
    __tablename__ = "node"
    id: Mapped[int] = mapped_column(db.BigInteger, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(db.ForeignKey("node.id"))
    root_id: Mapped[int] = mapped_column(db.BigInteger, db.ForeignKey("node.id"))
    other_id: Mapped[int] = mapped_column(
        db.ForeignKey(id, ondelete="CASCADE"),
    )
    outside_id = db.Column(db.ForeignKey("elsewhere.id"))
""",
        warnings=(("outside_id", "the tool does not see the column 'elsewhere.id'"),),
    ),
    Case(
        "types",
        """
class Status(enum.Enum):
    NEW = "new"
    DONE = "done"


class Item(db.Model):
    __tablename__ = "item"
    id = sa.Column(sa.Integer, primary_key=True)
    price = sa.Column(sa.Numeric(10, 2), nullable=False)
    ratio = sa.Column(sa.Numeric(asdecimal=False))
    weight = sa.Column(sa.Float)
    status = sa.Column(sa.Enum(Status), nullable=False, default=Status.NEW)
    kind = sa.Column(sa.Enum("a", "b", name="item_kind"))
    data = sa.Column(sa.JSON)
    blob = sa.Column(sa.PickleType, nullable=False)
    raw = sa.Column(sa.LargeBinary)
    flag = sa.Column(sa.Boolean, nullable=False, default=False)
    created = sa.Column(sa.DateTime, server_default="0")
    span = sa.Column(sa.Interval)
    uid = sa.Column(sa.Uuid, nullable=False)
""",
        """
class Status(enum.Enum):
    NEW = "new"
    DONE = "done"


class Item(db.Model):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 2))
    ratio: Mapped[float | None] = mapped_column(sa.Numeric(asdecimal=False))
    weight: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[Status] = mapped_column(sa.Enum(Status), default=Status.NEW)
    kind: Mapped[str | None] = mapped_column(sa.Enum("a", "b", name="item_kind"))
    data: Mapped[t.Any | None] = mapped_column(sa.JSON)
    blob: Mapped[t.Any] = mapped_column(sa.PickleType)
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    flag: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created: Mapped[datetime.datetime | None] = mapped_column(sa.DateTime, server_default="0")
    span: Mapped[datetime.timedelta | None] = mapped_column(sa.Interval)
    uid: Mapped[UUID] = mapped_column(sa.Uuid)
""",
        added="from uuid import UUID\n",
    ),
]


CASES += [
    Case(
        "type-decorators",
        """
class Cents(sa.types.TypeDecorator[decimal.Decimal]):
    impl = sa.Integer
    cache_ok = True

    def process_result_value(self, value: t.Any, dialect: t.Any) -> decimal.Decimal | None:
        return None if value is None else decimal.Decimal(value) / 100


class Opaque(sa.types.TypeDecorator[t.Any]):
    impl = sa.String
    cache_ok = True


class Lower(sa.String):
    pass


class Order(db.Model):
    __tablename__ = "order"
    id = db.Column(db.Integer, primary_key=True)
    total = db.Column(Cents, nullable=False)
    token = db.Column(Opaque(40))
    code = db.Column(Lower(8))
""",
        """
class Cents(sa.types.TypeDecorator[decimal.Decimal]):
    impl = sa.Integer
    cache_ok = True

    def process_result_value(self, value: t.Any, dialect: t.Any) -> decimal.Decimal | None:
        return None if value is None else decimal.Decimal(value) / 100


class Opaque(sa.types.TypeDecorator[t.Any]):
    impl = sa.String
    cache_ok = True


class Lower(sa.String):
    pass


class Order(db.Model):
    __tablename__ = "order"
    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)
    total: Mapped[decimal.Decimal] = mapped_column(Cents)
    token = db.Column(Opaque(40))
    code: Mapped[str | None] = mapped_column(Lower(8))
""",
        warnings=(
            (
                "token",
                "'Opaque' has no process_result_value() with a return annotation the tool reads",
            ),
        ),
    ),
    Case(
        "column-spellings",
        """
from sqlalchemy import Column
from sqlalchemy import Integer
from sqlalchemy.types import Date


class Day(db.Model):
    __tablename__ = "day"
    id = Column(Integer, primary_key=True)
    date = Column(Date, nullable=False)
    other = sa.schema.Column(sa.types.Date)
""",
        """
from sqlalchemy import Column
from sqlalchemy import Integer
from sqlalchemy.types import Date


class Day(db.Model):
    __tablename__ = "day"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[datetime.date] = mapped_column(Date)
    other: Mapped[datetime.date | None] = mapped_column(sa.types.Date)
""",
    ),
    Case(
        "composite-key",
        """
class Link(db.Model):
    __tablename__ = "link"
    left = db.Column(db.Integer)
    right = db.Column("right_id", db.Integer)
    note = db.Column(db.String(10))
    __table_args__ = (sa.PrimaryKeyConstraint("left", "right_id"),)
""",
        """
class Link(db.Model):
    __tablename__ = "link"
    left: Mapped[int] = mapped_column(db.Integer)
    right: Mapped[int] = mapped_column("right_id", db.Integer)
    note: Mapped[str | None] = mapped_column(db.String(10))
    __table_args__ = (sa.PrimaryKeyConstraint("left", "right_id"),)
""",
    ),
    Case(
        "declarative-base-and-mixin",
        """
class Base(orm.DeclarativeBase):
    pass


class Stamped:
    stamp = sa.Column(sa.DateTime, nullable=False)


class Event(Stamped, Base):
    __tablename__ = "event"
    id = sa.Column(sa.Integer, primary_key=True)
    flag = sa.Column(sa.Boolean, nullable=NULLABLE)
""",
        """
class Base(orm.DeclarativeBase):
    pass


class Stamped:
    stamp: Mapped[datetime.datetime] = mapped_column(sa.DateTime)


class Event(Stamped, Base):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    flag: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=NULLABLE)
""",
    ),
    Case(
        "no-op",
        """
class Point(sa.types.UserDefinedType[t.Any]):
    cache_ok = True

    def get_col_spec(self) -> str:
        return "POINT"


tags = sa.Table("tags", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
OPTIONS: dict[str, t.Any] = {}


class Plain:
    value = sa.Column(sa.Integer)


class Host(db.Model):
    __tablename__ = "host"
    id: Mapped[int] = mapped_column(primary_key=True)
    address = db.Column(Point)
    extra = db.Column(db.Integer, **OPTIONS)
    key = db.Column(db.Integer, primary_key=KEY)
    size = orm.column_property(sa.literal(1))
""",
        """
class Point(sa.types.UserDefinedType[t.Any]):
    cache_ok = True

    def get_col_spec(self) -> str:
        return "POINT"


tags = sa.Table("tags", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
OPTIONS: dict[str, t.Any] = {}


class Plain:
    value = sa.Column(sa.Integer)


class Host(db.Model):
    __tablename__ = "host"
    id: Mapped[int] = mapped_column(primary_key=True)
    address = db.Column(Point)
    extra = db.Column(db.Integer, **OPTIONS)
    key = db.Column(db.Integer, primary_key=KEY)
    size = orm.column_property(sa.literal(1))
""",
        warnings=(
            ("address", "the tool does not know the Python type of 'Point'"),
            ("extra", "it passes *args or **kwargs"),
            ("key", "primary_key= is not a literal"),
        ),
    ),
]


class _Test(CodemodTest):
    TRANSFORM = TypedColumns
    maxDiff = None


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_rewrite(case: Case) -> None:
    """The module becomes ``after``, with a warning per column left untyped."""
    before = case.source(case.before)
    schema = schema_for({"fsst": before})
    _Test().assertCodemod(
        before,
        case.source(case.after, case.added),
        schema=schema,
        module="fsst",
        target=case.target,
        expected_warnings=case.expected_warnings(),
    )


def rewritten(case: Case) -> str:
    """What the rule makes of the case's module."""
    before = case.source(case.before)
    command = TypedColumns(
        CodemodContext(), schema_for({"fsst": before}), "fsst", target=case.target
    )
    result = transform_module(command, before)
    assert isinstance(result, TransformSuccess), result
    return result.code


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_schema_unchanged(case: Case, tmp_path: Path) -> None:
    """The DDL of the tool's output is the same as before; autogenerate finds nothing to do.

    (Nothing more than for the models before: Alembic always sees a user-defined type that
    SQLite cannot reflect as changed.)
    """
    with schema_diff.load({"models": case.source(case.before)}, tmp_path / "a") as before:
        old = schema_diff.ddl(before)
        after_source = rewritten(case)
        with schema_diff.load({"models": after_source}, tmp_path / "b") as after:
            assert schema_diff.ddl(after) == old
            assert schema_diff.autogenerate(before, after) == schema_diff.autogenerate(
                before, before
            )
            assert schema_diff.relationships(after) == schema_diff.relationships(before)


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ('[project]\nrequires-python = ">=3.10"\n', (3, 10)),
        (
            '[project]\nrequires-python = ">=3.8, <4"\n[tool.ruff]\ntarget-version = "py312"\n',
            (3, 8),
        ),
        ('[tool.ruff]\ntarget-version = "py311"\n', (3, 11)),
        ('[tool.mypy]\npython_version = "3.9"\n', (3, 9)),
        ("[project]\nname = 'x'\n", None),
        ("not toml [", None),
    ],
)
def test_project_target(tmp_path: Path, text: str, version: tuple[int, int] | None) -> None:
    """The oldest Python comes from requires-python, then Ruff's, then mypy's setting."""
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "app").mkdir()
    assert project_target([tmp_path / "app"]) == Target(version)
    assert Target(version).union_syntax is (version is not None and version >= (3, 10))
