"""FSC403 dynamic-relationship: ``lazy="dynamic"`` becomes a typed write-only relationship.

``posts = db.relationship("Post", lazy="dynamic")`` becomes ``posts: WriteOnlyMapped["Post"]
= orm.relationship("Post")`` (the dynamic form was what kept it on ``db``, FSC104), and
every use changes with it (:mod:`.dynamic_uses`, :mod:`.dynamic_sites`):

- ``user.posts.filter_by(x=1).all()`` becomes
  ``db.session.scalars(user.posts.select().filter_by(x=1)).all()``;
- ``user.posts.first()`` becomes ``db.session.scalars(user.posts.select().limit(1)).first()``;
- ``user.posts.count()`` becomes ``db.session.scalar(sa.select(sa.func.count())
  .select_from(user.posts.select().subquery()))``;
- ``user.posts.order_by(Post.id).paginate()`` becomes
  ``db.paginate(user.posts.select().order_by(Post.id))``;
- ``for post in user.posts:`` becomes ``for post in db.session.scalars(user.posts.select()):``;
- ``user.posts.append(post)`` becomes ``user.posts.add(post)``.

The SQL stays the same (``first()`` keeps its ``LIMIT 1``, ``count()`` its subquery, a join
gets ``.unique()`` as the legacy query de-duplicated). The rewrite is all or nothing per
attribute name: the tool finds the uses by name (it does not infer types), so one use it
cannot prove (a value passed on, a query built in one place and run in another, a module
that does not import the model, a string or a template that mentions ``.posts``, another
class with an attribute of that name) leaves the relationship dynamic, and each such use
is reported.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import typing as t

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import MetadataWrapper
from libcst.metadata import ParentNodeProvider
from libcst.metadata import PositionProvider
from libcst.metadata import ScopeProvider

from fss_compat.codemod.class_command import ClassCommand
from fss_compat.codemod.class_command import Decision
from fss_compat.codemod.class_command import Outcome
from fss_compat.codemod.dynamic_sites import DynamicPlan
from fss_compat.codemod.dynamic_sites import ModuleSites
from fss_compat.codemod.dynamic_sites import find_sites
from fss_compat.codemod.dynamic_uses import MUTATIONS
from fss_compat.codemod.dynamic_uses import UNIQUE
from fss_compat.codemod.dynamic_uses import Shape
from fss_compat.codemod.dynamic_uses import Site
from fss_compat.codemod.python_types import Target
from fss_compat.codemod.schema_index import SchemaIndex

__all__ = ["DynamicRelationships"]

#: The comment the FSC104 rule puts above a dynamic relationship and its uses.
_STALE = "# TODO(fss FSC104)"


class DynamicRelationships(ClassCommand):
    """FSC403: dynamic relationships become write-only, with every use rewritten.

    :param plan: :func:`plan_dynamic` of the whole project.

    .. versionadded:: 0.1.0
    """

    DESCRIPTION = "FSC403 dynamic-relationship: lazy='dynamic' -> WriteOnlyMapped[...]"
    METADATA_DEPENDENCIES = (ScopeProvider, ParentNodeProvider, PositionProvider)

    def __init__(
        self,
        context: CodemodContext,
        schema: SchemaIndex,
        module: str,
        is_package: bool = False,
        target: Target | None = None,
        plan: DynamicPlan | None = None,
    ) -> None:
        super().__init__(context, schema, module, is_package, target)
        self.plan = plan or DynamicPlan({}, {}, {})
        self.uses = ModuleSites({}, {})
        #: Per enclosing statement: whether a rewrite happened inside it.
        self._statements: list[bool] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self._statements.append(False)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> t.Any:
        result = super().on_leave(original_node, updated_node)
        if isinstance(original_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            if self._statements.pop() and isinstance(result, type(original_node)):
                # The legacy engine's FSC104 notes about this dynamic use are now stale.
                lines = [
                    line
                    for line in t.cast(t.Any, result).leading_lines
                    if line.comment is None or not line.comment.value.startswith(_STALE)
                ]
                result = t.cast(t.Any, result).with_changes(leading_lines=lines)
        return result

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        attributes = [name for name in self.plan.relationships if self.plan.convertible(name)]
        if attributes:
            wrapper = t.cast(MetadataWrapper, self.context.wrapper)
            self.uses = find_sites(
                wrapper, self.module_name, self.is_package, attributes, self.schema
            )

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        found = self.site(updated_node, annotated=True)
        if found is None or found[1].lazy != "dynamic":
            return updated_node
        owner, call = found
        name = call.attribute
        if not self.plan.convertible(name):
            blockers = self.plan.blocked.get(name, [])
            where = "; ".join(f"{b.where}:{b.line}: {b.reason}" for b in blockers[:3])
            more = f" (and {len(blockers) - 3} more)" if len(blockers) > 3 else ""
            self.decide(
                "FSC403", owner, call, Outcome.REPORTED, f"uses it cannot rewrite: {where}{more}"
            )
            return updated_node
        target = self.schema.target_class(call)
        spelling = self.spelling(self.schema.classes[owner].attributes)
        short = target.rpartition(".")[2]
        other = short if self.future and spelling.bindings.get(short) == target else f'"{short}"'
        annotation = f"{spelling.reference('sqlalchemy.orm.WriteOnlyMapped')}[{other}]"
        small = updated_node.body[0]
        value = t.cast(cst.Call, t.cast(t.Any, small).value)
        args = [a for a in value.args if not (a.keyword is not None and a.keyword.value == "lazy")]
        if args and args[-1].comma != value.args[-1].comma:
            args[-1] = args[-1].with_changes(comma=value.args[-1].comma)
        func = value.func
        dbs = self.schema.project.dbs
        # 'db.relationship' too: the dynamic form was its last reason to stay (FSC104).
        on_db = any(self.schema.project.resolve(q).rpartition(".")[0] in dbs for q in call.callee)
        if on_db or (
            isinstance(func, (cst.Name, cst.Attribute)) and _last(func) == "dynamic_loader"
        ):
            func = cst.parse_expression(spelling.reference("sqlalchemy.orm.relationship"))
        self.imports(spelling)
        self.decide("FSC403", owner, call, Outcome.REWRITTEN, annotation)
        self._statements[-1] = True
        target_node = (
            small.target
            if isinstance(small, cst.AnnAssign)
            else t.cast(cst.Assign, small).targets[0].target
        )
        new = cst.AnnAssign(
            target=target_node,
            annotation=cst.Annotation(cst.parse_expression(annotation)),
            value=value.with_changes(func=func, args=args),
        )
        return updated_node.with_changes(body=[new])

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        site = self.uses.sites.get(id(original_node))
        if site is None:
            return updated_node
        if site.shape is Shape.MUTATION:
            method = t.cast(cst.Attribute, updated_node.func)
            self._rewritten(original_node, site)
            new_name = MUTATIONS[method.attr.value]
            return updated_node.with_changes(func=method.with_changes(attr=cst.Name(new_name)))
        if site.shape is not Shape.QUERY:
            return updated_node
        self._rewritten(original_node, site)
        return cst.parse_expression(self._query(site)).with_changes(
            lpar=updated_node.lpar, rpar=updated_node.rpar
        )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        site = self.uses.sites.get(id(original_node))
        if site is None or site.shape is not Shape.LOOP:
            return updated_node
        self._rewritten(original_node, site)
        spelling = self.spelling()
        session = f"{spelling.reference(self.plan.dbs[site.attribute])}.session"
        self.imports(spelling)
        return cst.parse_expression(f"{session}.scalars({self._code(original_node)}.select())")

    def _rewritten(self, node: cst.CSTNode, site: Site) -> None:
        line = self.uses.lines[id(node)]
        self._statements[-1] = True
        decision = Decision(
            "FSC403", line, self.module_name, site.attribute, Outcome.REWRITTEN, site.shape.value
        )
        self.record(decision)

    def _code(self, node: cst.CSTNode) -> str:
        return cst.Module([]).code_for_node(node)

    def _query(self, site: Site) -> str:
        """The write-only form of a query chain that ends in a terminal method."""
        first = t.cast(cst.Attribute, site.methods[0][1].func)
        text = f"{self._code(first.value)}.select()"
        for name, call in site.methods[:-1]:
            text += f".{name}{self._arguments(call)}"
        name, call = site.methods[-1]
        spelling = self.spelling()
        db = spelling.reference(self.plan.dbs[site.attribute])
        unique = ".unique()" if {n for n, _ in site.methods[:-1]} & UNIQUE else ""
        inner = self._arguments(call)[1:-1]
        extra = f", {inner}" if inner else ""
        if name == "count":
            select = spelling.reference("sqlalchemy.select")
            func = spelling.reference("sqlalchemy.func")
            result = f"{db}.session.scalar({select}({func}.count()).select_from({text}.subquery()))"
        elif name == "first":
            result = f"{db}.session.scalars({text}.limit(1)){unique}.first()"
        elif name in ("all", "one", "one_or_none"):
            result = f"{db}.session.scalars({text}){unique}.{name}()"
        elif name == "first_or_404":
            result = f"{db}.first_or_404({text}.limit(1){extra})"
        else:
            result = f"{db}.{name}({text}{extra})"
        self.imports(spelling)
        return result

    def _arguments(self, call: cst.Call) -> str:
        code = self._code(call)
        return code[len(self._code(call.func)) :]


def _last(node: cst.Name | cst.Attribute) -> str:
    return node.value if isinstance(node, cst.Name) else node.attr.value
