"""FSC305 typed-columns: ``x = db.Column(...)`` becomes ``x: Mapped[T] = mapped_column(...)``.

The rewrite must never change the schema. A ``Column`` is nullable unless it is a primary
key or says ``nullable=False``; a ``mapped_column()`` takes its nullability from the
annotation (``Optional`` or ``| None``) unless ``nullable=`` is given, and an ``Optional``
primary key would be nullable. So the annotation is ``Optional`` exactly when the column
was nullable, a ``nullable=`` that the annotation now says is dropped, and a primary key's
explicit ``nullable=True`` is kept. Every other argument (the type, ``ForeignKey``,
defaults, ``unique``, ``index``, ``name``, ``key``, ``info``, ...) is kept as written: with a
type given, the annotation decides nothing else, and without one the type still comes from
the foreign key.

``T`` is the Python type the column's values have (:class:`~.schema_index.SchemaIndex`);
a column whose type the tool cannot tell (an unknown or dialect-specific type, a
``TypeDecorator`` without a ``process_result_value`` return annotation, a ``ForeignKey`` to
a column it does not see) is left as it is and reported: ``Column`` and ``mapped_column``
can live side by side in one class.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst

from fss_compat.codemod.call_args import Flag
from fss_compat.codemod.class_command import ClassCommand
from fss_compat.codemod.class_command import Decision
from fss_compat.codemod.class_command import Outcome
from fss_compat.codemod.column_calls import ColumnCall
from fss_compat.codemod.column_calls import is_column
from fss_compat.codemod.python_types import PyType
from fss_compat.codemod.schema_index import SchemaIndex

__all__ = ["ColumnPlan", "Decision", "Outcome", "TypedColumns", "column_plan"]


def _without(args: t.Sequence[cst.Arg], keyword: str) -> list[cst.Arg]:
    """``args`` without the ``keyword=`` argument; the commas stay as the layout had them."""
    kept = list(args)
    for position, arg in enumerate(kept):
        if arg.keyword is not None and arg.keyword.value == keyword:
            del kept[position]
            if position == len(kept) and kept:
                kept[-1] = kept[-1].with_changes(comma=arg.comma)
            break
    return kept


class TypedColumns(ClassCommand):
    """FSC305: type the ``Column`` assignments of mapped classes.

    .. versionadded:: 0.1.0
    """

    DESCRIPTION = "FSC305 typed-columns: Column(...) -> Mapped[...] = mapped_column(...)"

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if not self.classes or len(updated_node.body) != 1:
            return updated_node
        small = updated_node.body[0]
        if not (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and isinstance(small.value, cst.Call)
            and is_column(small.value)
        ):
            return updated_node
        model = self.classes[-1]
        facts = self.schema.classes.get(model)
        name = small.targets[0].target.value
        column = next((c for c in facts.columns if c.attribute == name), None) if facts else None
        if facts is None or column is None or not self.schema.is_column(column):
            return updated_node
        if self.schema.mapped(model):
            return updated_node
        new = self._typed(small, column, facts.key_names, facts.attributes)
        return updated_node.with_changes(body=[new]) if new is not None else updated_node

    def _typed(
        self,
        small: cst.Assign,
        column: ColumnCall,
        key_names: set[str],
        attributes: set[str],
    ) -> cst.AnnAssign | None:
        model = self.classes[-1]
        name = column.attribute
        plan = column_plan(self.schema, column, key_names)
        if isinstance(plan, str):
            decision = Decision("FSC305", column.line, model, name, Outcome.REPORTED, plan)
            self.decisions.append(decision)
            self.warn(f"line {column.line}: FSC305: column '{name}' left untyped: {plan}")
            return None
        call = t.cast(cst.Call, small.value)
        args = _without(call.args, "nullable") if plan.drop_nullable else list(call.args)
        spelling = self.spelling(attributes)
        inner = spelling.annotation(plan.kind, plan.optional, self.target)
        mapped = spelling.reference("sqlalchemy.orm.Mapped")
        factory = spelling.reference("sqlalchemy.orm.mapped_column")
        self.imports(spelling)
        annotation = f"{mapped}[{inner}]"
        self.decisions.append(
            Decision("FSC305", column.line, model, name, Outcome.REWRITTEN, annotation)
        )
        return cst.AnnAssign(
            target=small.targets[0].target,
            annotation=cst.Annotation(cst.parse_expression(annotation)),
            value=call.with_changes(func=cst.parse_expression(factory), args=args),
        )


@dataclasses.dataclass(frozen=True)
class ColumnPlan:
    """How one column is typed: its Python type, ``Optional`` or not, and whether its
    ``nullable=`` goes (the annotation says it now).
    """

    kind: PyType
    optional: bool
    drop_nullable: bool


def column_plan(schema: SchemaIndex, column: ColumnCall, key_names: set[str]) -> ColumnPlan | str:
    """How to type ``column`` without changing the schema, or why the tool cannot."""
    if column.star:
        return "it passes *args or **kwargs"
    if column.primary_key is Flag.UNKNOWN:
        return "primary_key= is not a literal"
    typed = schema.column_type(column)
    if typed.kind is None:
        return typed.reason
    key = column.primary_key is Flag.YES or column.name in key_names
    if column.nullable is Flag.UNSET:
        return ColumnPlan(typed.kind, optional=not key, drop_nullable=False)
    if column.nullable is Flag.UNKNOWN:
        # nullable= decides the schema; Optional is the type that is never wrong.
        return ColumnPlan(typed.kind, optional=True, drop_nullable=False)
    # A primary key keeps an explicit nullable=: an Optional key would be nullable anyway,
    # but nullable=False on one is what its Column said.
    return ColumnPlan(typed.kind, optional=column.nullable is Flag.YES, drop_nullable=not key)
