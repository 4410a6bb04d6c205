"""The sort key of a ``select()``: its ``ORDER BY`` read as keys, and the SQL for "after a row".

Keyset pagination finds the next page with a ``WHERE`` on the sort key instead of an
``OFFSET``, so it needs each ``ORDER BY`` term as an expression with a direction and a
place for NULLs, and a key that no two rows share.

Decisions, written down:

* The order must be total. It is when the ``ORDER BY`` covers the primary key of every
  table it selects from (``GROUP BY`` statements: every grouping expression; ``DISTINCT``:
  every selected column), or a unique constraint of a one-table statement whose columns
  are NOT NULL. Otherwise the missing primary key (or grouping) columns are appended, in
  the direction of the last term, so that ``ORDER BY created DESC`` pages as ``created
  DESC, id DESC``, the shape of the usual index. ``DISTINCT`` statements are refused
  instead: an added column would change what they return.
* NULLs sort where the database puts them unless the statement says ``NULLS FIRST`` or
  ``NULLS LAST``: after every value on PostgreSQL and Oracle, before on SQLite, MySQL and
  SQL Server. A page before a position reverses every term; terms without an explicit
  NULL placement stay without one, because reversing the direction also moves the NULLs
  on every database, and MySQL has no ``NULLS FIRST`` syntax.
* "After a row" is ``(k1, k2) > (v1, v2)`` when every key is ascending (or every key
  descending) and none can be NULL: one comparison an index answers. Otherwise it is the
  expanded ``k1 > v1 OR (k1 = v1 AND k2 > v2) ...``, NULL-aware, led by ``k1 >= v1`` when
  ``k1`` cannot be NULL so that the database seeks to the position in an index on ``k1``.
  Columns of an outer join's tables can be NULL whatever their definition.
* SQLAlchemy has no public accessor for a statement's ``ORDER BY``, ``GROUP BY`` and
  ``DISTINCT``: :func:`clauses` reads the private attributes, and nothing else does
  (``tests/core/test_keyset.py`` fails if they change).
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing as t

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.expression import Label
from sqlalchemy.sql.expression import UnaryExpression

from fss_compat.core.counting import _AnySelect

__all__ = ["Clauses", "Key", "SortKey", "after", "clauses", "sort_key"]

#: Dialects whose NULLs sort after every value by default.
NULLS_LARGE = frozenset({"postgresql", "oracle"})

_DIRECTIONS = {operators.asc_op: False, operators.desc_op: True}
_NULLS = {operators.nulls_first_op: True, operators.nulls_last_op: False}


@dataclasses.dataclass(frozen=True)
class Clauses:
    """The parts of a statement that decide its order and the uniqueness of its rows.

    :param order_by: the ``ORDER BY`` clauses, as SQLAlchemy holds them.
    :param group_by: the ``GROUP BY`` clauses.
    :param distinct: whether it is ``SELECT DISTINCT`` (or ``DISTINCT ON``).
    """

    order_by: tuple[t.Any, ...]
    group_by: tuple[t.Any, ...]
    distinct: bool


def clauses(select: _AnySelect) -> Clauses:
    """``select``'s ``ORDER BY``, ``GROUP BY`` and ``DISTINCT`` (private attributes).

    :param select: the statement.
    """
    return Clauses(
        tuple(select._order_by_clauses),
        tuple(select._group_by_clauses),
        bool(select._distinct or select._distinct_on),
    )


@dataclasses.dataclass(frozen=True)
class Key:
    """One term of the sort key.

    :param expression: what is compared (a label's expression, not the label).
    :param descending: ``DESC``.
    :param nulls: ``"first"`` or ``"last"`` when the statement says so, else ``None``.
    :param nulls_first: where NULLs sort in this order on the database.
    :param nullable: whether the expression can be NULL in this statement's rows.
    """

    expression: ColumnElement[t.Any]
    descending: bool
    nulls: str | None
    nulls_first: bool
    nullable: bool

    def reversed(self) -> Key:
        """The same term in the opposite order."""
        nulls = {"first": "last", "last": "first"}.get(self.nulls or "")
        return dataclasses.replace(
            self, descending=not self.descending, nulls=nulls, nulls_first=not self.nulls_first
        )

    def clause(self) -> ColumnElement[t.Any]:
        """The ``ORDER BY`` term."""
        term = self.expression.desc() if self.descending else self.expression.asc()
        if self.nulls == "first":
            return term.nulls_first()
        if self.nulls == "last":
            return term.nulls_last()
        return term

    def bound(self, value: object) -> ColumnElement[t.Any]:
        """``value`` as a parameter of the expression's type (``True`` too, unlike ``> True``)."""
        return sa.literal(value, self.expression.type)

    def equals(self, value: object) -> ColumnElement[bool]:
        """``expression`` is ``value``, NULL included."""
        return self.expression.is_(None) if value is None else self.expression == self.bound(value)

    def beyond(self, value: object) -> ColumnElement[bool] | None:
        """``expression`` sorts after ``value``; ``None`` when nothing can."""
        if value is None:
            return self.expression.is_not(None) if self.nulls_first else None
        bound = self.bound(value)
        beyond = self.expression < bound if self.descending else self.expression > bound
        if self.nullable and not self.nulls_first:
            return sa.or_(beyond, self.expression.is_(None))
        return beyond

    def at_or_beyond(self, value: object) -> ColumnElement[bool]:
        """``expression`` sorts at or after a non-NULL ``value`` (for a NOT NULL key)."""
        bound = self.bound(value)
        return self.expression <= bound if self.descending else self.expression >= bound


@dataclasses.dataclass(frozen=True)
class SortKey:
    """A statement's total order: its keys, and the statement ordered by all of them.

    :param select: the statement, with any appended tie-breaker in its ``ORDER BY``.
    :param keys: every term, in order.
    :param fingerprint: a digest of the terms, to tell cursors of another order apart.
    """

    select: _AnySelect
    keys: tuple[Key, ...]
    fingerprint: str

    def reversed_select(self) -> _AnySelect:
        """The statement in the opposite order."""
        return self.select.order_by(None).order_by(*(key.reversed().clause() for key in self.keys))


def _term(clause: t.Any) -> tuple[t.Any, bool, str | None]:
    """An ``ORDER BY`` clause as (expression, descending, explicit NULL placement)."""
    descending, nulls = False, None
    while True:
        modifier = getattr(clause, "modifier", None)
        if isinstance(clause, UnaryExpression) and modifier in _DIRECTIONS:
            descending = _DIRECTIONS[modifier]
        elif isinstance(clause, UnaryExpression) and modifier in _NULLS:
            nulls = "first" if _NULLS[modifier] else "last"
        elif getattr(clause, "__visit_name__", "") == "label_reference":
            pass  # order_by(label): a reference to a label of the columns clause
        else:
            return clause, descending, nulls
        clause = clause.element


def _covers(expressions: list[ColumnElement[t.Any]], target: t.Any) -> bool:
    target = target.element if isinstance(target, Label) else target
    return any(expression.compare(target) for expression in expressions)


def _has_outer_join(froms: t.Sequence[sa.FromClause]) -> bool:
    pending = list(froms)
    while pending:
        item = pending.pop()
        if isinstance(item, sa.Join):
            if item.isouter or item.full:
                return True
            pending += [item.left, item.right]
    return False


def _unique_constraint_covered(
    froms: t.Sequence[sa.FromClause], expressions: list[ColumnElement[t.Any]]
) -> bool:
    if len(froms) != 1 or not isinstance(froms[0], sa.Table):
        return False
    for constraint in froms[0].constraints:
        if isinstance(constraint, sa.UniqueConstraint) and constraint.columns:
            columns = list(constraint.columns)
            if all(not c.nullable and _covers(expressions, c) for c in columns):
                return True
    return False


def _missing(
    select: _AnySelect,
    froms: t.Sequence[sa.FromClause],
    parts: Clauses,
    expressions: list[ColumnElement[t.Any]],
) -> list[t.Any]:
    """The columns to append for a total order; raises when none would do."""
    if parts.distinct:
        if all(_covers(expressions, column) for column in select.selected_columns):
            return []
        raise ValueError(
            f"Keyset pagination needs a unique sort key, and the DISTINCT statement {select!r}"
            " is not ordered by every column it selects. Add them to its ORDER BY."
        )
    if parts.group_by:
        return [column for column in parts.group_by if not _covers(expressions, column)]
    keyless = [item for item in froms if not list(item.primary_key)]
    if keyless or not froms:
        if _unique_constraint_covered(froms, expressions):
            return []
        raise ValueError(
            f"Keyset pagination needs a unique sort key, and {keyless or froms!r} has no"
            " primary key to break ties with. End the ORDER BY with columns that no two rows"
            " share."
        )
    primary = [column for item in froms for column in item.primary_key]
    if all(_covers(expressions, column) for column in primary):
        return []
    if _unique_constraint_covered(froms, expressions):
        return []
    return [column for column in primary if not _covers(expressions, column)]


def sort_key(select: _AnySelect, dialect: str) -> SortKey:
    """``select``'s order as keys, made total with a tie-breaker where it is not.

    :param select: a ``select()`` with an ``ORDER BY``.
    :param dialect: the database's dialect name, for where NULLs sort.
    :raises ValueError: when the statement has no ``ORDER BY``, orders by a name
        (``order_by("title")``) or text, or cannot be given a unique key.
    """
    parts = clauses(select)
    if not parts.order_by:
        raise ValueError(
            f"Keyset pagination pages in the statement's order, and {select!r} has no ORDER"
            " BY. Add one, for example .order_by(Post.created.desc(), Post.id.desc())."
        )
    terms = [_term(clause) for clause in parts.order_by]
    for expression, _, _ in terms:
        name = getattr(expression, "__visit_name__", "")
        if not isinstance(expression, ColumnElement) or name == "textual_label_reference":
            raise ValueError(
                f"Keyset pagination compares the ORDER BY terms, and {expression!r} is a"
                " name or text, not an expression. Order by the column or label object."
            )
    expressions = [e.element if isinstance(e, Label) else e for e, _, _ in terms]
    # Compiles the statement (for its joins): once per call, the costliest step here.
    froms = select.get_final_froms()
    missing = _missing(select, froms, parts, expressions)
    last_descending = terms[-1][1]
    terms += [(column, last_descending, None) for column in missing]
    expressions += list(missing)
    select = select.order_by(*(c.desc() if last_descending else c.asc() for c in missing))
    outer = _has_outer_join(froms)
    nulls_large = dialect in NULLS_LARGE
    keys = tuple(
        Key(
            expression=expression,
            descending=descending,
            nulls=nulls,
            nulls_first=(nulls == "first") if nulls else (descending == nulls_large),
            nullable=outer or not isinstance(expression, sa.Column) or bool(expression.nullable),
        )
        for expression, (_, descending, nulls) in zip(expressions, terms, strict=True)
    )
    described = "|".join(f"{k.expression}:{k.descending}:{k.nulls}" for k in keys)
    digest = hashlib.sha256(described.encode()).hexdigest()[:16]
    return SortKey(select, keys, digest)


def after(keys: t.Sequence[Key], values: t.Sequence[object]) -> ColumnElement[bool]:
    """The rows that sort after the position ``values`` in the order of ``keys``.

    :param keys: the sort key's terms.
    :param values: one value per term: the position.
    """
    if len(keys) > 1 and len({key.descending for key in keys}) == 1:
        if not any(key.nullable for key in keys) and None not in values:
            columns = sa.tuple_(*(key.expression for key in keys))
            position = sa.tuple_(*(key.bound(v) for key, v in zip(keys, values, strict=True)))
            return columns < position if keys[0].descending else columns > position
    alternatives = []
    for index, (key, value) in enumerate(zip(keys, values, strict=True)):
        beyond = key.beyond(value)
        if beyond is not None:
            ties = [k.equals(v) for k, v in zip(keys[:index], values[:index], strict=True)]
            alternatives.append(sa.and_(*ties, beyond))
    condition = sa.or_(*alternatives) if alternatives else sa.false()
    if not keys[0].nullable and values[0] is not None:
        return sa.and_(keys[0].at_or_beyond(values[0]), condition)
    return condition
