"""FSC401 typed-relationships: relationships get the annotation of what they are.

``posts = relationship("Post")`` becomes ``posts: Mapped[list["Post"]] =
relationship("Post")``. SQLAlchemy reads the annotation: a collection type makes the
relationship a collection, a plain class makes it a scalar, whatever the foreign keys say
(a ``Mapped["Post"]`` on a one-to-many is a one-to-one). So the annotation follows what the
relationship is now: ``uselist=`` when given, else its direction, read from the foreign
keys the tool sees; ``collection_class=list`` or ``set`` picks the collection. A scalar is
``Optional`` unless it is a many-to-one whose foreign key columns are all NOT NULL. The
call itself is kept as it is. Dynamic relationships are FSC403's, backrefs FSC402's.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import typing as t

import libcst as cst

from fss_compat.codemod.call_args import Flag
from fss_compat.codemod.class_command import ClassCommand
from fss_compat.codemod.class_command import Outcome
from fss_compat.codemod.directions import Direction
from fss_compat.codemod.directions import direction as direction_of
from fss_compat.codemod.directions import required as required_of
from fss_compat.codemod.python_types import PyType
from fss_compat.codemod.relationship_calls import RelationshipCall
from fss_compat.codemod.schema_index import SchemaIndex

__all__ = ["RelationshipType", "TypedRelationships", "relationship_type"]

_COLLECTIONS = {"list": "builtins.list", "set": "builtins.set"}


@dataclasses.dataclass(frozen=True)
class RelationshipType:
    """What a relationship's annotation says: ``Mapped[list["Post"]]``."""

    mapped: str
    kind: PyType
    optional: bool = False


def relationship_type(
    schema: SchemaIndex, owner: str, call: RelationshipCall
) -> RelationshipType | str:
    """The annotation a relationship needs to stay what it is, or why the tool cannot tell."""
    target = schema.target_class(call)
    if not target:
        return f"the tool cannot tell which class {call.target!r} is"
    other = PyType(target, forward=True)
    if call.lazy == "write_only":
        return RelationshipType("sqlalchemy.orm.WriteOnlyMapped", other)
    if call.lazy is ...:
        return "lazy= is not a literal"
    direction = direction_of(schema, owner, target, call)
    if call.uselist is Flag.UNKNOWN:
        return "uselist= is not a literal"
    collection = (
        call.uselist is Flag.YES
        if call.uselist is not Flag.UNSET
        else direction in (Direction.ONE_TO_MANY, Direction.MANY_TO_MANY)
    )
    if call.uselist is Flag.UNSET and isinstance(direction, str):
        return direction
    if not collection:
        required = direction is Direction.MANY_TO_ONE and required_of(schema, owner, target, call)
        return RelationshipType("sqlalchemy.orm.Mapped", other, optional=not required)
    given = call.keyword("collection_class")
    kind = _COLLECTIONS.get(given.code if given is not None else "list")
    if kind is None:
        return "collection_class= is not list or set"
    return RelationshipType("sqlalchemy.orm.Mapped", PyType(kind, (other,)))


class TypedRelationships(ClassCommand):
    """FSC401: annotate the relationships of mapped classes.

    .. versionadded:: 0.1.0
    """

    DESCRIPTION = "FSC401 typed-relationships: relationship(...) -> Mapped[...] = relationship(...)"

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        found = self.site(updated_node)
        if found is None:
            return updated_node
        owner, call = found
        if call.lazy == "dynamic":
            return updated_node  # FSC403 dynamic-relationship decides
        if call.star:
            self.decide("FSC401", owner, call, Outcome.REPORTED, "it passes *args or **kwargs")
            return updated_node
        shape = relationship_type(self.schema, owner, call)
        if isinstance(shape, str):
            self.decide("FSC401", owner, call, Outcome.REPORTED, shape)
            return updated_node
        spelling = self.spelling(self.schema.classes[owner].attributes)
        kind = shape.kind
        inner = kind.args[0] if kind.args else kind
        if self.future and spelling.bindings.get(inner.qname.rpartition(".")[2]) == inner.qname:
            plain = dataclasses.replace(inner, forward=False)
            kind = dataclasses.replace(kind, args=(plain,)) if kind.args else plain
        text = spelling.annotation(kind, shape.optional, self.target)
        annotation = f"{spelling.reference(shape.mapped)}[{text}]"
        self.imports(spelling)
        self.decide("FSC401", owner, call, Outcome.REWRITTEN, annotation)
        small = t.cast(cst.Assign, updated_node.body[0])
        new = cst.AnnAssign(
            target=small.targets[0].target,
            annotation=cst.Annotation(cst.parse_expression(annotation)),
            value=small.value,
        )
        return updated_node.with_changes(body=[new])
