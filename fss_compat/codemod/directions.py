"""Which side of a relationship holds the foreign key, read from the scanned schema.

SQLAlchemy decides a relationship's direction from the foreign keys between the two
tables; :func:`direction` reads the same facts from a
:class:`~fss_compat.codemod.schema_index.SchemaIndex` (``secondary=`` makes it
many-to-many), and :func:`required` says whether a many-to-one's foreign key columns are
all NOT NULL. Where ``foreign_keys=`` or ``primaryjoin=`` chooses the columns, the side
of the columns they name decides, as for SQLAlchemy: ``foreign_keys=[author_id]`` (columns
of the class body) or ``"[Post.author_id]"``, and a string ``primaryjoin`` comparing two
columns, one of them in ``foreign()`` or with a foreign key to the other's table. Other
join conditions are not read.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
import re
import typing as t

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
    if call.keyword("primaryjoin") is not None or call.keyword("foreign_keys") is not None:
        joined = _joined(schema, owner, target, call)
        return joined if isinstance(joined, str) else joined[0]
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


def required(schema: SchemaIndex, owner: str, target: str, call: RelationshipCall) -> bool:
    """Whether every foreign key column of ``owner`` to ``target`` that ``call`` joins on
    (those its ``foreign_keys=`` or ``primaryjoin=`` names, else all) is NOT NULL.
    """
    joined = _joined(schema, owner, target, call)
    if isinstance(joined, tuple):
        columns = joined[1]
    else:
        columns = [c for c in _columns(schema, owner) if _points_to(schema, c, target)]
    return bool(columns) and all(
        c.nullable is Flag.NO or (c.primary_key is Flag.YES and c.nullable is Flag.UNSET)
        for c in columns
    )


def _term(n: int) -> str:
    """``Class.attribute``, perhaps in ``foreign(...)``, as groups ``f<n>``, ``c<n>``, ``a<n>``."""
    return rf"(?P<f{n}>foreign\(\s*)?(?P<c{n}>[A-Za-z_]\w*)\.(?P<a{n}>[A-Za-z_]\w*)(?(f{n})\s*\))"


_TERM = re.compile(_term(0))
_KEYS = re.compile(rf"\[?\s*{_term(0)}(\s*,\s*[A-Za-z_]\w*\.[A-Za-z_]\w*)*\s*,?\s*\]?")
_JOIN = re.compile(rf"\s*{_term(1)}\s*==\s*{_term(2)}\s*")


def _joined(
    schema: SchemaIndex, owner: str, target: str, call: RelationshipCall
) -> tuple[Direction, list[ColumnCall]] | str:
    """The direction ``foreign_keys=`` or ``primaryjoin=`` gives, with the foreign key
    columns it names; or why the tool cannot read it.
    """
    keys, join = call.keyword("foreign_keys"), call.keyword("primaryjoin")
    reason = "it has foreign_keys=" if keys is not None else "it has primaryjoin="
    # A class joined to itself (or to a subclass): the columns do not tell the side.
    if owner in schema.lineage(target) or target in schema.lineage(owner):
        return reason
    classes = {owner.rpartition(".")[2]: owner, target.rpartition(".")[2]: target}
    if len(classes) < 2:
        return reason

    def column(short: str, attribute: str) -> _Side | None:
        qname = classes.get(short, "")
        found = [c for c in _columns(schema, qname) if c.attribute == attribute] if qname else []
        return _Side(qname, found[0]) if found else None

    sides: list[_Side | None] = []
    if keys is not None and isinstance(keys.value, str):
        if _KEYS.fullmatch(keys.value):
            terms = _TERM.finditer(keys.value)
            sides = [column(term["c0"], term["a0"]) for term in terms]
    elif keys is not None and (named := keys.names()) is not None:
        own = owner.rpartition(".")[2]
        sides = [column(own, name) for name in named[0]]
    elif join is not None and isinstance(join.value, str):
        matched = _JOIN.fullmatch(join.value)
        left = column(matched["c1"], matched["a1"]) if matched else None
        right = column(matched["c2"], matched["a2"]) if matched else None
        if matched and left and right:
            # foreign() marks the foreign side; otherwise the column with a foreign key
            # to the other's table is it, as SQLAlchemy reads the condition.
            pairs = ((matched["f1"], left, right), (matched["f2"], right, left))
            marked = [side for wrapped, side, _ in pairs if wrapped]
            keyed = [
                side for _, side, other in pairs if _points_to(schema, side.column, other.qname)
            ]
            chosen = marked or keyed
            if len(chosen) == 1:
                sides = list(chosen)
    found = [side for side in sides if side is not None]
    if not found or len(found) != len(sides):
        return reason
    holders = {side.qname for side in found}
    columns = [side.column for side in found]
    if holders == {owner}:
        return Direction.MANY_TO_ONE, columns
    if holders == {target}:
        return Direction.ONE_TO_MANY, columns
    return reason


class _Side(t.NamedTuple):
    """A column a join condition names, and the class it belongs to."""

    qname: str
    column: ColumnCall
