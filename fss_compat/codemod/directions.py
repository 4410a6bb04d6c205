"""Which side of a relationship holds the foreign key, read from the scanned schema.

SQLAlchemy decides a relationship's direction from the foreign keys between the two
tables; :func:`direction` reads the same facts from a
:class:`~fss_compat.codemod.schema_index.SchemaIndex` (``secondary=`` makes it
many-to-many; ``primaryjoin=`` or ``foreign_keys=`` the tool does not read), and
:func:`required` says whether a many-to-one's foreign key columns are all NOT NULL.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum

from fss_compat.codemod.call_args import Flag
from fss_compat.codemod.column_calls import ColumnCall
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.schema_index import SchemaIndex

__all__ = ["Direction", "direction", "required"]


class Direction(enum.Enum):
    """Which side holds the foreign key: SQLAlchemy's relationship directions."""

    MANY_TO_ONE = "many-to-one"
    ONE_TO_MANY = "one-to-many"
    MANY_TO_MANY = "many-to-many"


def _columns(schema: SchemaIndex, qname: str) -> list[ColumnCall]:
    """The columns of ``qname`` and of its scanned base classes."""
    return [
        c
        for name in schema.lineage(qname)
        for c in schema.classes[name].columns + schema.classes[name].typed_columns
    ]


def _points_to(schema: SchemaIndex, column: ColumnCall, qname: str) -> bool:
    """Whether ``column``'s foreign key references the table of class ``qname``."""
    target = column.foreign_key
    if not target:
        return False
    owner = target.rpartition(".")[0]
    lineage = schema.lineage(qname)
    if schema.project.resolve(owner) in lineage:
        return True
    tables = {schema.table_of(name) for name in lineage} - {""}
    return owner in tables or owner.rpartition(".")[2] in tables


def direction(
    schema: SchemaIndex, owner: str, target: str, call: RelationshipCall
) -> Direction | str:
    """The direction of ``call`` (declared on ``owner``, to ``target``), or why the tool
    cannot tell it.
    """
    if call.keyword("secondary") is not None:
        return Direction.MANY_TO_MANY
    for keyword in ("primaryjoin", "foreign_keys"):
        if call.keyword(keyword) is not None:
            return f"it has {keyword}="
    local = [c for c in _columns(schema, owner) if _points_to(schema, c, target)]
    # Self-referential: one class is the other or derives from it (a shared declarative
    # base is not enough: every model has one).
    if owner in schema.lineage(target) or target in schema.lineage(owner):
        if not call.remote_side:
            return Direction.ONE_TO_MANY
        sides = {name.rpartition(".")[2] for name in call.remote_side}
        columns = {c.attribute: c for c in _columns(schema, owner)}
        if all(name in columns and columns[name].primary_key is Flag.YES for name in sides):
            return Direction.MANY_TO_ONE
        if all(name in columns and columns[name] in local for name in sides):
            return Direction.ONE_TO_MANY
        return "the tool cannot read its remote_side="
    remote = [c for c in _columns(schema, target) if _points_to(schema, c, owner)]
    if local and not remote:
        return Direction.MANY_TO_ONE
    if remote and not local:
        return Direction.ONE_TO_MANY
    short = target.rpartition(".")[2]
    return f"the tool does not see one foreign key between the two tables ('{short}')"


def required(schema: SchemaIndex, owner: str, target: str) -> bool:
    """Whether every foreign key column of ``owner`` to ``target`` is NOT NULL."""
    columns = [c for c in _columns(schema, owner) if _points_to(schema, c, target)]
    return bool(columns) and all(
        c.nullable is Flag.NO or (c.primary_key is Flag.YES and c.nullable is Flag.UNSET)
        for c in columns
    )
